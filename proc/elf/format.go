package elf

import (
	"encoding/binary"
	"fmt"
)

// The ELF64 structures the loader reads, as the System V gABI defines
// them (chapter 4 "ELF Header", chapter 5 "Program Header") with the
// x86-64 psABI's values (4.1 Machine Information: EM_X86_64, ELFCLASS64,
// ELFDATA2LSB). Names are <elf.h>'s, in Go case.

const (
	ehdrSize = 64 // sizeof(Elf64_Ehdr)
	phdrSize = 56 // sizeof(Elf64_Phdr)

	// e_ident indexes and values (gABI 4 "ELF Identification").
	eiClass     = 4
	eiData      = 5
	elfClass64  = 2
	elfData2LSB = 1

	emX86_64 = 62 // e_machine: AMD x86-64

	// p_type values (gABI 5 "Segment Types"; PT_GNU_STACK is the GNU
	// extension Linux reads for the stack's protection). The loader
	// ignores the others: PT_PHDR, PT_TLS, PT_NOTE and PT_GNU_RELRO
	// are for the C library and the dynamic loader.
	ptLoad     = 1
	ptInterp   = 3
	ptGNUStack = 0x6474e551

	// p_flags bits (gABI 5 "Segment Permissions").
	pfX = 1
	pfW = 2
	pfR = 4

	// pathMax is PATH_MAX (include/uapi/linux/limits.h): the longest
	// PT_INTERP load_elf_binary reads.
	pathMax = 4096
)

// Type is e_type: which kind of ELF file.
type Type uint16

// The two types a program can have (gABI 4 "ELF Header").
const (
	TypeExec Type = 2 // ET_EXEC: linked at fixed addresses
	TypeDyn  Type = 3 // ET_DYN: position-independent; a static PIE when it has no PT_INTERP
)

func (t Type) String() string {
	switch t {
	case 0:
		return "ET_NONE"
	case 1:
		return "ET_REL"
	case TypeExec:
		return "ET_EXEC"
	case TypeDyn:
		return "ET_DYN"
	case 4:
		return "ET_CORE"
	}
	return fmt.Sprintf("e_type %#x", uint16(t))
}

// ehdr is the part of Elf64_Ehdr the loader uses.
type ehdr struct {
	typ       Type   // e_type
	machine   uint16 // e_machine
	entry     uint64 // e_entry
	phoff     uint64 // e_phoff
	phentsize uint16 // e_phentsize
	phnum     uint16 // e_phnum
}

// decodeEhdr reads an Elf64_Ehdr, little-endian.
// Preconditions: len(b) >= ehdrSize.
func decodeEhdr(b []byte) ehdr {
	le := binary.LittleEndian
	return ehdr{
		typ:       Type(le.Uint16(b[16:])),
		machine:   le.Uint16(b[18:]),
		entry:     le.Uint64(b[24:]),
		phoff:     le.Uint64(b[32:]),
		phentsize: le.Uint16(b[54:]),
		phnum:     le.Uint16(b[56:]),
	}
}

// phdr is Elf64_Phdr.
type phdr struct {
	typ    uint32 // p_type
	flags  uint32 // p_flags
	off    uint64 // p_offset
	vaddr  uint64 // p_vaddr
	filesz uint64 // p_filesz
	memsz  uint64 // p_memsz
	align  uint64 // p_align
}

// decodePhdr reads an Elf64_Phdr, little-endian.
// Preconditions: len(b) >= phdrSize.
func decodePhdr(b []byte) phdr {
	le := binary.LittleEndian
	return phdr{
		typ:    le.Uint32(b[0:]),
		flags:  le.Uint32(b[4:]),
		off:    le.Uint64(b[8:]),
		vaddr:  le.Uint64(b[16:]),
		filesz: le.Uint64(b[32:]),
		memsz:  le.Uint64(b[40:]),
		align:  le.Uint64(b[48:]),
	}
}

// machineName names the e_machine values a user is likely to meet.
func machineName(m uint16) string {
	switch m {
	case 3:
		return "EM_386"
	case 40:
		return "EM_ARM"
	case 62:
		return "EM_X86_64"
	case 183:
		return "EM_AARCH64"
	case 243:
		return "EM_RISCV"
	}
	return fmt.Sprintf("e_machine %d", m)
}
