package elf

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

func parseBytes(b []byte) (*Image, error) {
	return Parse(bytes.NewReader(b), int64(len(b)))
}

func TestParseGoodExec(t *testing.T) {
	img, err := parseBytes(goodExec().build())
	if err != nil {
		t.Fatal(err)
	}
	want := &Image{
		Type:  TypeExec,
		Entry: 0x401010,
		Segments: []Segment{
			{Vaddr: 0x400000, Start: 0x400000, End: 0x401000, FileOff: 0, FileSize: 0x200, MemSize: 0x200, Prot: vm.ProtRead},
			{Vaddr: 0x401000, Start: 0x401000, End: 0x402000, FileOff: 0x1000, FileSize: 0x800, MemSize: 0x800, Prot: vm.ProtRead | vm.ProtExec},
			{Vaddr: 0x403f00, Start: 0x403000, End: 0x407000, FileOff: 0x2f00, FileSize: 0x200, MemSize: 0x3000, Prot: vm.ProtRead | vm.ProtWrite},
		},
		PhdrAddr: 0x400040, PhNum: 4, PhEnt: 56,
		Brk:   0x407000,
		Align: mm.PageSize,
	}
	if !reflect.DeepEqual(img, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", img, want)
	}
	checkImage(t, img, int64(len(goodExec().build())))

	// The data segment's plan: file pages [0x403000, 0x405000) from
	// offset 0x2000, zero from 0x404100, anonymous [0x405000, 0x407000).
	d := img.Segments[2]
	if d.MapOff() != 0x2000 || d.FileEnd() != 0x405000 || d.ZeroStart() != 0x404100 {
		t.Errorf("data segment: MapOff %#x FileEnd %v ZeroStart %v, want 0x2000 0x405000 0x404100", d.MapOff(), d.FileEnd(), d.ZeroStart())
	}
}

// TestSegmentPlan checks the three parts of a segment's mapping for the
// shapes elf_load distinguishes: all file, file then zero, zero only.
func TestSegmentPlan(t *testing.T) {
	for _, c := range []struct {
		name                      string
		ph                        phdr
		mapOff                    uint64
		start, fileEnd, zero, end mm.VirtAddr
	}{
		{"text", phdr{off: 0x1000, vaddr: 0x401000, filesz: 0x800, memsz: 0x800}, 0x1000, 0x401000, 0x402000, 0x401800, 0x402000},
		{"data+bss", phdr{off: 0x2f00, vaddr: 0x403f00, filesz: 0x200, memsz: 0x3000}, 0x2000, 0x403000, 0x405000, 0x404100, 0x407000},
		{"data ends on a page", phdr{off: 0x2000, vaddr: 0x403000, filesz: 0x1000, memsz: 0x1800}, 0x2000, 0x403000, 0x404000, 0x404000, 0x405000},
		{"bss only", phdr{off: 0x3123, vaddr: 0x405123, filesz: 0, memsz: 0x10}, 0x3000, 0x405000, 0x405000, 0x405123, 0x406000},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.ph.typ, c.ph.flags = ptLoad, pfR|pfW
			s, err := loadSegment(0, c.ph, TypeExec, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if s.MapOff() != c.mapOff || s.Start != c.start || s.FileEnd() != c.fileEnd || s.ZeroStart() != c.zero || s.End != c.end {
				t.Errorf("got MapOff %#x [%v, FileEnd %v) zero from %v, end %v; want %#x [%v, %v) %v %v",
					s.MapOff(), s.Start, s.FileEnd(), s.ZeroStart(), s.End, c.mapOff, c.start, c.fileEnd, c.zero, c.end)
			}
		})
	}
}

// TestParseRejects has one case per rule of Parse's doc, each breaking
// goodExec (or goodDyn) in one field, with the sentinel it must give and
// a fragment of the message that names the field.
func TestParseRejects(t *testing.T) {
	exec := func(f func(s *spec)) []byte { return goodExec().with(f).build() }
	dyn := func(f func(s *spec)) []byte { return goodDyn().with(f).build() }
	load := func(i int, f func(ph *phdr)) []byte { return exec(func(s *spec) { f(&s.phs[i]) }) }
	interp := func(off, filesz uint64, path string) []byte {
		return exec(func(s *spec) {
			s.phs = append(s.phs, phdr{typ: ptInterp, flags: pfR, off: off, filesz: filesz, align: 1})
			s.phnum++
			s.at = map[uint64]string{off: path}
		})
	}
	good := goodExec().build()
	for _, c := range []struct {
		name string
		file []byte
		want error
		msg  string
	}{
		{"empty file", nil, ErrNotELF, ""},
		{"three bytes of magic", []byte("\x7fEL"), ErrNotELF, ""},
		{"a script", []byte("#!/bin/sh\necho hello\n"), ErrNotELF, ""},
		{"wrong magic", exec(func(s *spec) { s.magic = "\x7fELG" }), ErrNotELF, ""},
		{"shorter than the ELF header", good[:40], ErrMalformed, "shorter than the ELF header"},
		{"ELFCLASS32", exec(func(s *spec) { s.class = 1 }), ErrClass, "EI_CLASS 1"},
		{"ELFCLASSNONE", exec(func(s *spec) { s.class = 0 }), ErrClass, "EI_CLASS 0"},
		{"big-endian", exec(func(s *spec) { s.data = 2 }), ErrClass, "EI_DATA 2"},
		{"ET_REL", exec(func(s *spec) { s.typ = 1 }), ErrType, "ET_REL"},
		{"ET_CORE", exec(func(s *spec) { s.typ = 4 }), ErrType, "ET_CORE"},
		{"ET_NONE", exec(func(s *spec) { s.typ = 0 }), ErrType, "ET_NONE"},
		{"EM_386", exec(func(s *spec) { s.machine = 3 }), ErrMachine, "EM_386"},
		{"EM_AARCH64", exec(func(s *spec) { s.machine = 183 }), ErrMachine, "EM_AARCH64"},
		{"e_phentsize 32", exec(func(s *spec) { s.phentsize = 32 }), ErrMalformed, "e_phentsize 32"},
		{"e_phentsize 64", exec(func(s *spec) { s.phentsize = 64 }), ErrMalformed, "e_phentsize 64"},
		{"e_phnum 0", exec(func(s *spec) { s.phnum = 0 }), ErrMalformed, "e_phnum 0"},
		{"e_phnum 74", exec(func(s *spec) { s.phnum = 74; s.size = 0x10000 }), ErrMalformed, "e_phnum 74"},
		{"e_phnum PN_XNUM", exec(func(s *spec) { s.phnum = 0xffff; s.size = 0x400000 }), ErrMalformed, "e_phnum 65535"},
		{"program headers past the end", exec(func(s *spec) { s.phoff = 0x3100 - 100; s.size = 0x3100 }), ErrMalformed, "program header table"},
		{"program header offset overflows", exec(func(s *spec) { s.phoff = ^uint64(0) - 8 }), ErrMalformed, "program header table"},
		{"program header table truncated", good[:ehdrSize+3*phdrSize+10], ErrMalformed, "program header table"},
		{"PT_INTERP", interp(0x3100, 28, "/lib64/ld-linux-x86-64.so.2\x00"), ErrDynamic, `"/lib64/ld-linux-x86-64.so.2"`},
		{"PT_INTERP of 1 byte", interp(0x3100, 1, "\x00"), ErrMalformed, "(PT_INTERP): p_filesz 1"},
		{"PT_INTERP over PATH_MAX", interp(0x3100, 4097, strings.Repeat("a", 4096)+"\x00"), ErrMalformed, "(PT_INTERP): p_filesz 4097"},
		{"PT_INTERP not NUL-terminated", interp(0x3100, 4, "/abc"), ErrMalformed, "not NUL-terminated"},
		{"PT_INTERP past the end", interp(0x3100, 100, "/x\x00"), ErrMalformed, "(PT_INTERP): [0x3100, +0x64)"},
		{"PT_INTERP offset overflows", interp(^uint64(0)-2, 16, ""), ErrMalformed, "(PT_INTERP)"},
		{"p_filesz > p_memsz", load(1, func(ph *phdr) { ph.memsz = 0x7ff }), ErrMalformed, "program header 1 (PT_LOAD): p_filesz 0x800 > p_memsz 0x7ff"},
		{"segment past the end of the file", exec(func(s *spec) { s.size = 0x3000 }), ErrMalformed, "program header 2 (PT_LOAD): file range"},
		{"segment offset overflows", load(1, func(ph *phdr) { ph.off = ^uint64(0) - 0xfff; ph.vaddr = 0x401000 }), ErrMalformed, "program header 1 (PT_LOAD): file range"},
		{"p_vaddr and p_offset not congruent", load(1, func(ph *phdr) { ph.vaddr += 0x10 }), ErrMalformed, "differ modulo the page size"},
		{"segment reaches past UserEnd", load(2, func(ph *phdr) {
			ph.vaddr, ph.off, ph.memsz = uint64(UserEnd)-0x100, 0x2f00, 0x200
		}), ErrMalformed, "not below the end of the user half"},
		{"segment at UserEnd", load(2, func(ph *phdr) { ph.vaddr, ph.off, ph.filesz, ph.memsz = uint64(UserEnd), 0x2000, 0, 0 }), ErrMalformed, "not below the end of the user half"},
		{"segment in the kernel half", load(2, func(ph *phdr) { ph.vaddr = 0xffff800000003f00 }), ErrMalformed, "not below the end of the user half"},
		{"p_vaddr + p_memsz overflows", load(2, func(ph *phdr) { ph.memsz = ^uint64(0) - 0x1000 }), ErrMalformed, "not below the end of the user half"},
		{"ET_EXEC below MinAddr", exec(func(s *spec) {
			for i := range s.phs {
				if s.phs[i].typ == ptLoad {
					s.phs[i].vaddr -= 0x400000 - 0x1000
				}
			}
			s.entry -= 0x400000 - 0x1000
		}), ErrMalformed, "program header 0 (PT_LOAD): p_vaddr 0x1000 is below MinAddr"},
		{"segments descending", exec(func(s *spec) { s.phs[0], s.phs[1] = s.phs[1], s.phs[0] }), ErrMalformed, "program header 1 (PT_LOAD): p_vaddr 0x400000 is below the previous PT_LOAD's end 0x402000"},
		{"segments overlapping", load(2, func(ph *phdr) { ph.vaddr = 0x401f00 }), ErrMalformed, "program header 2 (PT_LOAD): p_vaddr 0x401f00 is below"},
		{"segments sharing a page", load(2, func(ph *phdr) { ph.vaddr, ph.off = 0x401f00, 0x1f00 }), ErrMalformed, "must ascend and not share a page"},
		{"entry in the data", exec(func(s *spec) { s.entry = 0x404000 }), ErrMalformed, "e_entry 0x404000 is not in an executable PT_LOAD"},
		{"entry in the headers", exec(func(s *spec) { s.entry = 0x400100 }), ErrMalformed, "e_entry 0x400100"},
		{"entry past the text", exec(func(s *spec) { s.entry = 0x401800 }), ErrMalformed, "e_entry 0x401800"},
		{"entry 0", exec(func(s *spec) { s.entry = 0 }), ErrMalformed, "e_entry 0x0"},
		{"no PT_LOAD", exec(func(s *spec) { s.phs = s.phs[3:]; s.phnum = 1 }), ErrMalformed, "no PT_LOAD"},
		{"only empty PT_LOADs", exec(func(s *spec) {
			s.phs = []phdr{{typ: ptLoad, flags: pfR | pfX, off: 0x1000, vaddr: 0x401000}}
			s.phnum = 1
		}), ErrMalformed, "no PT_LOAD"},
		{"static PIE segments sharing a page", dyn(func(s *spec) { s.phs[2].vaddr = 0x1f00 }), ErrMalformed, "program header 2 (PT_LOAD): p_vaddr 0x1f00 is below the previous PT_LOAD's end 0x2000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			img, err := parseBytes(c.file)
			if !errors.Is(err, c.want) {
				t.Fatalf("Parse = %+v, %v; want %v", img, err, c.want)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
			if e := linux.ErrnoOf(err); e != c.want.(*sentinel).errno {
				t.Errorf("ErrnoOf = %v, want %v", e, c.want.(*sentinel).errno)
			}
		})
	}
}

// TestParseAccepts checks the edges of the rules from the inside: each
// file is one step from a case TestParseRejects rejects.
func TestParseAccepts(t *testing.T) {
	exec := func(f func(s *spec)) []byte { return goodExec().with(f).build() }
	for _, c := range []struct {
		name  string
		file  []byte
		check func(t *testing.T, img *Image)
	}{
		{"FuzzParse's small seed", smallExec().build(), nil},
		{"73 program headers", exec(func(s *spec) {
			for len(s.phs) < 73 {
				s.phs = append(s.phs, phdr{}) // PT_NULL
			}
			s.phnum = 73
			s.phoff = 0x3100
		}), func(t *testing.T, img *Image) {
			if img.PhNum != 73 || img.PhdrAddr != 0 {
				t.Errorf("PhNum %d PhdrAddr %v, want 73 and 0 (the table is in no segment)", img.PhNum, img.PhdrAddr)
			}
		}},
		{"segment ending at UserEnd", exec(func(s *spec) {
			s.phs[2].vaddr, s.phs[2].off, s.phs[2].filesz, s.phs[2].memsz = uint64(UserEnd)-0x1000, 0x2000, 0x1000, 0x1000
		}), func(t *testing.T, img *Image) {
			if s := img.Segments[2]; s.End != UserEnd || img.Brk != UserEnd {
				t.Errorf("last segment %v, Brk %v; want it to end at UserEnd", s, img.Brk)
			}
		}},
		{"ET_EXEC at MinAddr", exec(func(s *spec) {
			s.phs = s.phs[1:2]
			s.phs[0].vaddr = uint64(MinAddr)
			s.phnum = 1
			s.entry = uint64(MinAddr)
		}), nil},
		{"executable stack", exec(func(s *spec) { s.phs[3].flags |= pfX }), func(t *testing.T, img *Image) {
			if !img.StackExec {
				t.Error("PT_GNU_STACK RWX: StackExec false")
			}
		}},
		{"no PT_GNU_STACK", exec(func(s *spec) { s.phs = s.phs[:3]; s.phnum = 3 }), func(t *testing.T, img *Image) {
			if img.StackExec {
				t.Error("no PT_GNU_STACK: StackExec true (x86-64 has no READ_IMPLIES_EXEC)")
			}
		}},
		{"last PT_GNU_STACK counts", exec(func(s *spec) {
			s.phs = append(s.phs, phdr{typ: ptGNUStack, flags: pfR | pfW | pfX})
			s.phnum = 5
		}), func(t *testing.T, img *Image) {
			if !img.StackExec {
				t.Error("second PT_GNU_STACK RWX ignored")
			}
		}},
		{"empty PT_LOAD is skipped but counts for brk", exec(func(s *spec) {
			s.phs = append(s.phs, phdr{typ: ptLoad, flags: pfR, off: 0x3000, vaddr: 0x500000})
			s.phnum = 5
		}), func(t *testing.T, img *Image) {
			if len(img.Segments) != 3 || img.Brk != 0x500000 {
				t.Errorf("%d segments, Brk %v; want 3 and 0x500000", len(img.Segments), img.Brk)
			}
		}},
		{"filesz 0 segment (all bss)", exec(func(s *spec) {
			s.phs[2].filesz, s.phs[2].off = 0, 0x3f00
		}), func(t *testing.T, img *Image) {
			if d := img.Segments[2]; d.FileEnd() != d.Start {
				t.Errorf("FileEnd %v, want Start %v", d.FileEnd(), d.Start)
			}
		}},
		{"phdrs in the second segment", exec(func(s *spec) {
			s.phoff = 0x1100
			s.phs[1].filesz, s.phs[1].memsz = 0x1000, 0x1000
			s.phs[2].off, s.phs[2].vaddr = 0x2f00, 0x403f00
		}), func(t *testing.T, img *Image) {
			if img.PhdrAddr != 0x401100 {
				t.Errorf("PhdrAddr %v, want 0x401100", img.PhdrAddr)
			}
		}},
		{"a PT_INTERP-less ET_DYN", goodDyn().build(), func(t *testing.T, img *Image) {
			if img.Type != TypeDyn || img.Segments[0].Start != 0 || img.Entry != 0x1010 {
				t.Errorf("got %v at %v entry %v", img.Type, img.Segments[0].Start, img.Entry)
			}
		}},
		{"p_align 2 MiB", exec(func(s *spec) { s.phs[1].align = 1 << 21 }), func(t *testing.T, img *Image) {
			if img.Align != 1<<21 {
				t.Errorf("Align %#x", img.Align)
			}
		}},
		{"p_align not a power of two", exec(func(s *spec) { s.phs[1].align = 3 << 20 }), func(t *testing.T, img *Image) {
			if img.Align != mm.PageSize {
				t.Errorf("Align %#x, want a page (maximum_alignment skips it)", img.Align)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			img, err := parseBytes(c.file)
			if err != nil {
				t.Fatal(err)
			}
			checkImage(t, img, int64(len(c.file)))
			if c.check != nil {
				c.check(t, img)
			}
		})
	}
}

func TestRebase(t *testing.T) {
	img, err := parseBytes(goodDyn().build())
	if err != nil {
		t.Fatal(err)
	}
	bias := img.BiasAt(ETDynBase)
	if bias != 0x555555554000 {
		t.Fatalf("BiasAt(ETDynBase) = %v, want 0x555555554000", bias)
	}
	r, err := img.Rebase(bias)
	if err != nil {
		t.Fatal(err)
	}
	checkImage(t, r, 0x3100)
	if r.Entry != 0x555555555010 || r.PhdrAddr != 0x555555554040 || r.Brk != 0x555555554000+0x7000 || r.Bias != bias {
		t.Errorf("rebased: entry %v phdr %v brk %v bias %v", r.Entry, r.PhdrAddr, r.Brk, r.Bias)
	}
	if r.Segments[2].Vaddr != 0x555555557f00 || r.Segments[2].MapOff() != 0x2000 {
		t.Errorf("rebased data segment %v", r.Segments[2])
	}
	if img.Segments[0].Start != 0 {
		t.Error("Rebase changed its receiver")
	}
	// A second Rebase adds to the first.
	r2, err := r.Rebase(0x1000)
	if err != nil || r2.Bias != bias+0x1000 || r2.Entry != r.Entry+0x1000 {
		t.Errorf("second Rebase: %v, %v", r2, err)
	}
	// BiasAt keeps Align and is relative to the link-time address.
	a := *r
	a.Align = 1 << 21
	if b := a.BiasAt(ETDynBase); b != 0x555555400000 {
		t.Errorf("BiasAt with 2 MiB alignment = %v, want 0x555555400000", b)
	}

	for _, c := range []struct {
		name string
		bias mm.VirtAddr
	}{
		{"at 0", 0},
		{"below MinAddr", MinAddr - mm.PageSize},
		{"past UserEnd", UserEnd - 0x6000},
		{"wrapping", ^mm.VirtAddr(0x1fff)},
	} {
		if _, err := img.Rebase(c.bias); !errors.Is(err, ErrNoSpace) || linux.ErrnoOf(err) != linux.ENOMEM {
			t.Errorf("Rebase %s (%v): %v, want ErrNoSpace", c.name, c.bias, err)
		}
	}
	if _, err := img.Rebase(UserEnd - 0x7000); err != nil {
		t.Errorf("Rebase to end at UserEnd: %v", err)
	}

	ex, _ := parseBytes(goodExec().build())
	if ex.BiasAt(ETDynBase) != 0 {
		t.Error("BiasAt of ET_EXEC is not 0")
	}
	if r, err := ex.Rebase(0); err != nil || !reflect.DeepEqual(r, ex) {
		t.Errorf("Rebase(0) of ET_EXEC: %v, %v", r, err)
	}
	for _, bias := range []mm.VirtAddr{0x1000, 0x555555554001} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Rebase(%v) did not panic", bias)
				}
			}()
			if bias&mm.PageMask != 0 {
				img.Rebase(bias)
			} else {
				ex.Rebase(bias)
			}
		}()
	}
}

// faultyReader fails every read at or past from.
type faultyReader struct {
	r    io.ReaderAt
	from int64
	err  error
}

func (f faultyReader) ReadAt(b []byte, off int64) (int, error) {
	if off+int64(len(b)) > f.from {
		return 0, f.err
	}
	return f.r.ReadAt(b, off)
}

// TestParseReadErrors: an error of the reader comes back wrapped, and a
// file shorter than its claimed size is io.ErrUnexpectedEOF.
func TestParseReadErrors(t *testing.T) {
	good := goodExec().build()
	eio := errors.New("disk on fire")
	interp := goodExec().with(func(s *spec) {
		s.phs = append(s.phs, phdr{typ: ptInterp, off: 0x3100, filesz: 8})
		s.phnum++
		s.at = map[uint64]string{0x3100: "/ld.so\x00\x00"}
	}).build()
	for _, c := range []struct {
		name string
		r    io.ReaderAt
		size int64
		want error
	}{
		{"ELF header", faultyReader{bytes.NewReader(good), 0, eio}, int64(len(good)), eio},
		{"program headers", faultyReader{bytes.NewReader(good), ehdrSize, eio}, int64(len(good)), eio},
		{"PT_INTERP", faultyReader{bytes.NewReader(interp), 0x3100, eio}, int64(len(interp)), eio},
		{"size larger than the file", bytes.NewReader(good[:100]), int64(len(good)), io.ErrUnexpectedEOF},
		{"negative size", bytes.NewReader(good), -1, ErrMalformed},
	} {
		if _, err := Parse(c.r, c.size); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestErrnos pins each sentinel's errno: what execve returns.
func TestErrnos(t *testing.T) {
	for _, c := range []struct {
		err   error
		errno linux.Errno
	}{
		{ErrNotELF, linux.ENOEXEC},
		{ErrClass, linux.ENOEXEC},
		{ErrMachine, linux.ENOEXEC},
		{ErrType, linux.ENOEXEC},
		{ErrDynamic, linux.ELIBBAD},
		{ErrMalformed, linux.ENOEXEC},
		{ErrNoSpace, linux.ENOMEM},
		{ErrTooBig, linux.E2BIG},
		{ErrInvalid, linux.EINVAL},
	} {
		if got := linux.ErrnoOf(c.err); got != c.errno {
			t.Errorf("ErrnoOf(%v) = %v, want %v", c.err, got, c.errno)
		}
		if !errors.Is(c.err, c.errno) {
			t.Errorf("errors.Is(%v, %v) is false", c.err, c.errno)
		}
	}
}

// checkImage checks the invariants of doc.go on an Image from Parse or
// Rebase of a size-byte file.
func checkImage(t *testing.T, img *Image, size int64) {
	t.Helper()
	if err := imageInvariants(img, size); err != "" {
		t.Errorf("%s\nimage %+v", err, img)
	}
}

// imageInvariants is the first invariant img breaks, or "".
func imageInvariants(img *Image, size int64) string {
	if img.Type != TypeExec && img.Type != TypeDyn {
		return "type " + img.Type.String()
	}
	if len(img.Segments) == 0 {
		return "no segments"
	}
	low := MinAddr
	if img.Type == TypeDyn && img.Bias == 0 {
		low = 0
	}
	var prevEnd mm.VirtAddr
	for i, s := range img.Segments {
		switch {
		case s.Start&mm.PageMask != 0 || s.End&mm.PageMask != 0:
			return "segment not page-aligned: " + s.String()
		case s.Start >= s.End:
			return "empty segment: " + s.String()
		case s.Start < low || s.End > UserEnd:
			return "segment outside the user half: " + s.String()
		case i > 0 && s.Start < prevEnd:
			return "segments overlap or descend: " + s.String()
		case s.Start != pageStart(s.Vaddr) || s.End != pageAlign(s.Vaddr+mm.VirtAddr(s.MemSize)):
			return "Start/End do not round Vaddr/MemSize: " + s.String()
		case s.FileSize > s.MemSize || s.MemSize == 0:
			return "sizes: " + s.String()
		case s.FileOff+s.FileSize < s.FileOff || s.FileOff+s.FileSize > uint64(size):
			return "file range past the end: " + s.String()
		case s.MapOff()&mm.PageMask != 0 || s.MapOff() > s.FileOff:
			return "MapOff not page-aligned: " + s.String()
		case s.FileEnd() < s.Start || s.FileEnd() > s.End || s.ZeroStart() > s.End || s.ZeroStart() < s.Vaddr:
			return "FileEnd/ZeroStart outside the segment: " + s.String()
		case s.Prot&^(vm.ProtRead|vm.ProtWrite|vm.ProtExec) != 0:
			return "prot: " + s.String()
		}
		prevEnd = s.End
	}
	if !executable(img.Segments, img.Entry) {
		return "entry not in an executable segment"
	}
	if img.Brk&mm.PageMask != 0 || img.Brk < prevEnd || img.Brk > UserEnd {
		return "brk " + img.Brk.String()
	}
	if img.PhEnt != phdrSize || img.PhNum < 1 || img.PhNum > 73 {
		return "phent/phnum"
	}
	return ""
}
