package elf

import (
	"encoding/binary"
)

// spec is an ELF file to build for a test: its header fields, program
// headers written at phoff, strings placed at offsets, and its length.
// Fields are raw, so that a test can make any of them wrong.
type spec struct {
	magic            string // e_ident[0:4]
	class, data      byte   // e_ident[EI_CLASS], e_ident[EI_DATA]
	typ              Type
	machine          uint16
	entry, phoff     uint64
	phentsize, phnum uint16 // phnum 0xffff... as given; see build
	phs              []phdr
	at               map[uint64]string
	size             uint64 // the file's length; 0: just enough for the rest
}

// build encodes s. Program headers are written while they fit; phnum is
// written as given, so it may disagree with len(phs).
func (s *spec) build() []byte {
	// The file is long enough for everything placed in it, offsets
	// past sane (a test of overflow) excepted.
	const sane = 1 << 24
	end := uint64(ehdrSize)
	fit := func(off, n uint64) {
		if off < sane && n < sane {
			end = max(end, off+n)
		}
	}
	fit(s.phoff, uint64(len(s.phs))*phdrSize)
	for off, str := range s.at {
		fit(off, uint64(len(str)))
	}
	for _, ph := range s.phs {
		if ph.typ == ptLoad {
			fit(ph.off, ph.filesz)
		}
	}
	size := s.size
	if size == 0 {
		size = end
	}
	b := make([]byte, max(end, size))
	copy(b, s.magic)
	b[eiClass], b[eiData] = s.class, s.data
	b[6] = 1 // EI_VERSION: EV_CURRENT
	le := binary.LittleEndian
	le.PutUint16(b[16:], uint16(s.typ))
	le.PutUint16(b[18:], s.machine)
	le.PutUint32(b[20:], 1) // e_version
	le.PutUint64(b[24:], s.entry)
	le.PutUint64(b[32:], s.phoff)
	le.PutUint16(b[52:], ehdrSize)
	le.PutUint16(b[54:], s.phentsize)
	le.PutUint16(b[56:], s.phnum)
	for i, ph := range s.phs {
		o := s.phoff + uint64(i)*phdrSize
		if o+phdrSize > uint64(len(b)) || o+phdrSize < o {
			break
		}
		p := b[o:]
		le.PutUint32(p[0:], ph.typ)
		le.PutUint32(p[4:], ph.flags)
		le.PutUint64(p[8:], ph.off)
		le.PutUint64(p[16:], ph.vaddr)
		le.PutUint64(p[24:], ph.vaddr) // p_paddr
		le.PutUint64(p[32:], ph.filesz)
		le.PutUint64(p[40:], ph.memsz)
		le.PutUint64(p[48:], ph.align)
	}
	for off, str := range s.at {
		if off < uint64(len(b)) {
			copy(b[off:], str)
		}
	}
	return b[:size]
}

// goodExec is a well-formed static ET_EXEC laid out as GNU ld lays out
// gcc -static's output: a read-only first segment holding the ELF and
// program headers, the text, and .data with a .bss that runs three pages
// past it, plus a non-executable PT_GNU_STACK.
//
//	0  PT_LOAD R   off 0x0    vaddr 0x400000 filesz 0x200 memsz 0x200
//	1  PT_LOAD RX  off 0x1000 vaddr 0x401000 filesz 0x800 memsz 0x800
//	2  PT_LOAD RW  off 0x2f00 vaddr 0x403f00 filesz 0x200 memsz 0x3000
//	3  PT_GNU_STACK RW
func goodExec() *spec {
	return &spec{
		magic: "\x7fELF", class: elfClass64, data: elfData2LSB,
		typ: TypeExec, machine: emX86_64, entry: 0x401010,
		phoff: ehdrSize, phentsize: phdrSize, phnum: 4,
		phs: []phdr{
			{typ: ptLoad, flags: pfR, off: 0, vaddr: 0x400000, filesz: 0x200, memsz: 0x200, align: 0x1000},
			{typ: ptLoad, flags: pfR | pfX, off: 0x1000, vaddr: 0x401000, filesz: 0x800, memsz: 0x800, align: 0x1000},
			{typ: ptLoad, flags: pfR | pfW, off: 0x2f00, vaddr: 0x403f00, filesz: 0x200, memsz: 0x3000, align: 0x1000},
			{typ: ptGNUStack, flags: pfR | pfW, align: 0x10},
		},
	}
}

// goodDyn is goodExec linked as a static PIE: the same layout at 0.
func goodDyn() *spec {
	s := goodExec()
	s.typ = TypeDyn
	s.entry -= 0x400000
	for i := range s.phs {
		if s.phs[i].typ == ptLoad {
			s.phs[i].vaddr -= 0x400000
		}
	}
	return s
}

// with applies f to a copy of s's program headers and returns s.
func (s *spec) with(f func(s *spec)) *spec {
	s.phs = append([]phdr(nil), s.phs...)
	f(s)
	return s
}
