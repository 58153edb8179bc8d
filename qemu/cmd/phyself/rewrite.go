package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
)

// xenElfnotePhys32Entry is the PVH entry note's type (Xen
// public/elfnote.h, XEN_ELFNOTE_PHYS32_ENTRY).
const xenElfnotePhys32Entry = 18

// errNoPVHNote: the image has no 8-byte XEN_ELFNOTE_PHYS32_ENTRY note,
// which QEMU needs to boot it.
var errNoPVHNote = errors.New("no 8-byte PVH note (XEN_ELFNOTE_PHYS32_ENTRY)")

// rewrite makes img's p_paddr fields and PVH entry physical: each one at
// or above base loses base. It changes img in place.
func rewrite(img []byte, base uint64) error {
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		return err
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB {
		return errors.New("not a little-endian ELF64")
	}
	le := binary.LittleEndian
	phoff := le.Uint64(img[0x20:])             // e_phoff
	phentsize := uint64(le.Uint16(img[0x36:])) // e_phentsize
	entry := false
	for i, p := range f.Progs {
		off := phoff + uint64(i)*phentsize
		if off+0x20 > uint64(len(img)) {
			return fmt.Errorf("program header %d outside the file", i)
		}
		if p.Paddr >= base {
			le.PutUint64(img[off+0x18:], p.Paddr-base) // p_paddr
		}
		if p.Type != elf.PT_NOTE {
			continue
		}
		if p.Off+p.Filesz > uint64(len(img)) || p.Off+p.Filesz < p.Off {
			return fmt.Errorf("note segment %d outside the file", i)
		}
		// Notes (ELF gABI): namesz, descsz, type, then the name and the
		// descriptor, each padded to 4 bytes.
		n := img[p.Off : p.Off+p.Filesz]
		for len(n) >= 12 {
			namesz, descsz, typ := uint64(le.Uint32(n)), uint64(le.Uint32(n[4:])), le.Uint32(n[8:])
			descOff := 12 + (namesz+3)&^3
			next := descOff + (descsz+3)&^3
			if next > uint64(len(n)) {
				return fmt.Errorf("note segment %d: a note overruns it", i)
			}
			name, desc := n[12:12+namesz], n[descOff:descOff+descsz]
			if typ == xenElfnotePhys32Entry && bytes.HasPrefix(name, []byte("Xen")) && descsz == 8 {
				if e := le.Uint64(desc); e >= base {
					le.PutUint64(desc, e-base)
				}
				entry = true
			}
			n = n[next:]
		}
	}
	if !entry {
		return errNoPVHNote
	}
	return nil
}
