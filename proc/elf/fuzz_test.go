package elf

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
)

// FuzzParse feeds Parse arbitrary files. It must never panic; an Image
// it returns must keep every invariant of doc.go (segments in the user
// half, in order, file ranges within the file, no overflow, the entry in
// the text), also after Rebase to ETDynBase, and BuildStack must accept
// it; an error must be one of the package's sentinels with execve's
// errno.
//
// The seeds are small (smallExec) so that minimizing an interesting
// input takes little time; the large ones still take seconds each: run
// with -fuzzminimizetime=2s for a short session.
func FuzzParse(f *testing.F) {
	f.Add(smallExec().build())
	f.Add(smallExec().with(func(s *spec) { s.typ = TypeDyn; s.phs[0].vaddr, s.phs[1].vaddr, s.entry = 0, 0x1200, 0x100 }).build())
	f.Add(goodExec().build())
	f.Add(goodDyn().build())
	f.Add(goodExec().with(func(s *spec) {
		s.phs = append(s.phs, phdr{typ: ptInterp, off: 0x3100, filesz: 28})
		s.phnum++
		s.at = map[uint64]string{0x3100: "/lib64/ld-linux-x86-64.so.2\x00"}
	}).build())
	f.Add(goodExec().with(func(s *spec) { s.phs[2].vaddr = 0x401f00; s.phs[2].off = 0x1f00 }).build())
	f.Add(goodExec().with(func(s *spec) { s.phs[2].memsz = ^uint64(0) - 0x1000 }).build())
	f.Add(goodExec().build()[:100])
	f.Add([]byte("\x7fELF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := parseBytes(data)
		if err != nil {
			if img != nil {
				t.Fatalf("an Image with an error: %v", err)
			}
			if !slices.ContainsFunc(parseErrors, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("error %v is none of the sentinels", err)
			}
			if e := linux.ErrnoOf(err); e != linux.ENOEXEC && e != linux.ELIBBAD {
				t.Fatalf("error %v has errno %v", err, e)
			}
			return
		}
		if msg := imageInvariants(img, int64(len(data))); msg != "" {
			t.Fatalf("%s\n%+v", msg, img)
		}
		if img.Type == TypeDyn {
			r, err := img.Rebase(img.BiasAt(ETDynBase))
			if err != nil {
				if !errors.Is(err, ErrNoSpace) {
					t.Fatalf("Rebase: %v", err)
				}
				return
			}
			if msg := imageInvariants(r, int64(len(data))); msg != "" {
				t.Fatalf("rebased: %s\n%+v", msg, r)
			}
			img = r
		}
		aux := NewAux("/bin/fuzz", [16]byte{})
		if _, err := BuildStack(testTop, img, []string{"fuzz"}, nil, &aux); err != nil {
			t.Fatalf("BuildStack: %v", err)
		}
	})
}

// smallExec is a well-formed ET_EXEC of 0x240 bytes: headers and text
// in one RX segment, then .data and .bss.
func smallExec() *spec {
	return &spec{
		magic: "\x7fELF", class: elfClass64, data: elfData2LSB,
		typ: TypeExec, machine: emX86_64, entry: 0x400100,
		phoff: ehdrSize, phentsize: phdrSize, phnum: 3,
		phs: []phdr{
			{typ: ptLoad, flags: pfR | pfX, off: 0, vaddr: 0x400000, filesz: 0x200, memsz: 0x200, align: 0x1000},
			{typ: ptLoad, flags: pfR | pfW, off: 0x200, vaddr: 0x401200, filesz: 0x40, memsz: 0x1000, align: 0x1000},
			{typ: ptGNUStack, flags: pfR | pfW},
		},
	}
}

var parseErrors = []error{ErrNotELF, ErrClass, ErrMachine, ErrType, ErrDynamic, ErrMalformed}

// FuzzBuildStack builds stacks from arbitrary argv, envp (split at
// newlines), AT_EXECFN and stack limits. It must never panic; a stack
// must decode back to the same strings with the layout rules holding
// (decodeStack) and fit in the limit; an error must be ErrTooBig or, for
// a string with a NUL, ErrInvalid.
func FuzzBuildStack(f *testing.F) {
	f.Add("ls\n-l", "HOME=/\nPATH=/bin", "/bin/ls", uint64(0), uint8(0))
	f.Add("", "", "", uint64(1), uint8(1))
	f.Add("a\x00b", "", "/x", uint64(8<<20), uint8(2))
	f.Add(strings.Repeat("x", 200), "\n\n\n", "/p", uint64(4096), uint8(3))
	img := stackImage(f)
	f.Fuzz(func(t *testing.T, args, env, execfn string, rlim uint64, opts uint8) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, "\n")
		}
		argv, envp := split(args), split(env)
		aux := NewAux(execfn, [16]byte{opts})
		aux.StackLimit = rlim
		if opts&1 != 0 {
			aux.Platform = ""
		}
		if opts&2 != 0 {
			aux.SysinfoEHdr, aux.RseqFeatureSize, aux.RseqAlign = 0x7ffff7fc1000, 32, 32
		}
		st, err := BuildStack(testTop, img, argv, envp, &aux)
		hasNUL := strings.Contains(args+env+execfn, "\x00") || strings.Contains(aux.Platform, "\x00")
		if err != nil {
			if !errors.Is(err, ErrTooBig) && !(hasNUL && errors.Is(err, ErrInvalid)) {
				t.Fatalf("BuildStack: %v", err)
			}
			return
		}
		if hasNUL {
			t.Fatal("a string with a NUL was accepted")
		}
		d, err := decodeStack(testTop, st.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if len(argv) == 0 {
			argv = []string{""}
		}
		if !slices.Equal(d.argv, argv) || !slices.Equal(d.envp, envp) {
			t.Fatalf("decoded argv %q envp %q, want %q %q", d.argv, d.envp, argv, envp)
		}
		if !slices.Equal(d.auxv, st.Auxv) {
			t.Fatalf("auxv %v, Stack.Auxv %v", d.auxv, st.Auxv)
		}
		if len(st.Bytes) > 6<<20+4096 {
			t.Fatalf("a stack of %d bytes, past the 6 MiB cap", len(st.Bytes))
		}
	})
}
