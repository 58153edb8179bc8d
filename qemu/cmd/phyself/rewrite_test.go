package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/pagoda-os/pagoda/boot"
)

// synthetic is a minimal ELF64 as the Go linker lays out Pagoda: a LOAD
// segment and a PT_NOTE segment holding a Go note and the PVH entry note,
// every p_paddr equal to its p_vaddr.
func synthetic(t *testing.T, vaddr, entry uint64) []byte {
	t.Helper()
	le := binary.LittleEndian
	var notes bytes.Buffer
	note := func(name string, typ uint32, desc []byte) {
		nm := append([]byte(name), 0)
		binary.Write(&notes, le, [3]uint32{uint32(len(nm)), uint32(len(desc)), typ})
		notes.Write(nm)
		notes.Write(make([]byte, (4-len(nm)%4)%4))
		notes.Write(desc)
		notes.Write(make([]byte, (4-len(desc)%4)%4))
	}
	note("Go", 4, []byte("build id"))
	pvh := make([]byte, 8)
	le.PutUint64(pvh, entry)
	note("Xen", xenElfnotePhys32Entry, pvh)

	const ehsize, phentsize, phnum = 64, 56, 2
	noteOff := uint64(ehsize + phentsize*phnum)
	img := make([]byte, noteOff+uint64(notes.Len()))
	copy(img, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1})
	le.PutUint16(img[0x10:], uint16(elf.ET_EXEC))
	le.PutUint16(img[0x12:], uint16(elf.EM_X86_64))
	le.PutUint32(img[0x14:], 1)
	le.PutUint64(img[0x18:], entry)
	le.PutUint64(img[0x20:], ehsize) // e_phoff
	le.PutUint16(img[0x34:], ehsize)
	le.PutUint16(img[0x36:], phentsize)
	le.PutUint16(img[0x38:], phnum)
	ph := func(i int, typ elf.ProgType, off, va, size uint64) {
		p := img[ehsize+i*phentsize:]
		le.PutUint32(p[0:], uint32(typ))
		le.PutUint32(p[4:], uint32(elf.PF_R))
		le.PutUint64(p[0x08:], off)
		le.PutUint64(p[0x10:], va)
		le.PutUint64(p[0x18:], va) // p_paddr = p_vaddr, as the Go linker writes
		le.PutUint64(p[0x20:], size)
		le.PutUint64(p[0x28:], size)
		le.PutUint64(p[0x30:], 0x1000)
	}
	ph(0, elf.PT_LOAD, 0, vaddr, uint64(len(img)))
	ph(1, elf.PT_NOTE, noteOff, vaddr+noteOff, uint64(notes.Len()))
	copy(img[noteOff:], notes.Bytes())
	return img
}

// pvhEntry reads the PVH note's entry back with debug/elf.
func pvhEntry(t *testing.T, img []byte) (entry uint64, paddrs []uint64) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		paddrs = append(paddrs, p.Paddr)
		if p.Type != elf.PT_NOTE {
			continue
		}
		n := img[p.Off : p.Off+p.Filesz]
		for len(n) >= 12 {
			namesz, descsz, typ := binary.LittleEndian.Uint32(n), binary.LittleEndian.Uint32(n[4:]), binary.LittleEndian.Uint32(n[8:])
			d := 12 + (namesz+3)&^3
			if typ == xenElfnotePhys32Entry {
				entry = binary.LittleEndian.Uint64(n[d:])
			}
			n = n[d+(descsz+3)&^3:]
		}
	}
	return entry, paddrs
}

func TestRewrite(t *testing.T) {
	const base = boot.KWindow
	img := synthetic(t, 0xf100f000, 0xf1082b40)
	for run := 1; run <= 2; run++ { // a second run changes nothing
		if err := rewrite(img, base); err != nil {
			t.Fatal(err)
		}
		entry, paddrs := pvhEntry(t, img)
		if entry != 0x1082b40 {
			t.Errorf("run %d: PVH entry %#x, want 0x1082b40", run, entry)
		}
		if paddrs[0] != 0x100f000 || paddrs[1] != 0x100f000+64+2*56 {
			t.Errorf("run %d: p_paddr %#x, want physical", run, paddrs)
		}
		f, _ := elf.NewFile(bytes.NewReader(img))
		if f.Progs[0].Vaddr != 0xf100f000 || f.Entry != 0xf1082b40 {
			t.Errorf("run %d: p_vaddr %#x, e_entry %#x changed", run, f.Progs[0].Vaddr, f.Entry)
		}
	}
}

func TestRewriteNoPVHNote(t *testing.T) {
	img := synthetic(t, 0xf100f000, 0xf1082b40)
	// Make the PVH note some other type.
	i := bytes.Index(img, []byte("Xen\x00"))
	binary.LittleEndian.PutUint32(img[i-4:], 17)
	if err := rewrite(img, 0xf000_0000); !errors.Is(err, errNoPVHNote) {
		t.Errorf("rewrite = %v, want errNoPVHNote", err)
	}
	if err := rewrite([]byte("not an ELF"), 0xf000_0000); err == nil {
		t.Error("rewrite of a non-ELF succeeded")
	}
}
