package boot

import (
	"encoding/binary"
	"fmt"
)

// The PVH boot protocol hands the kernel a struct hvm_start_info (Xen
// public/arch-x86/hvm/start_info.h), whose version 1 adds the memory map:
//
//	off  field                       off  field
//	0    u32 magic (0x336ec578)      32   u64 rsdp_paddr
//	4    u32 version                 40   u64 memmap_paddr     (v1)
//	8    u32 flags                   48   u32 memmap_entries   (v1)
//	12   u32 nr_modules              52   u32 reserved         (v1)
//	16   u64 modlist_paddr
//	24   u64 cmdline_paddr
//
// and each struct hvm_memmap_table_entry is {u64 addr, u64 size, u32 type,
// u32 reserved}, with E820 types.
const (
	startInfoMagic    = 0x336ec578
	startInfoSizeV1   = 56
	memmapEntrySize   = 24
	maxMemmapEntries  = 128  // E820MAX in Linux
	maxCmdlineLen     = 4096 // COMMAND_LINE_SIZE on x86 Linux
	E820RAM           = 1
	E820Reserved      = 2
	E820ACPI          = 3
	E820NVS           = 4
	E820Unusable      = 5
	startInfoVersion1 = 1
)

// MemmapEntry is one hvm_memmap_table_entry.
type MemmapEntry struct {
	Addr, Size uint64
	Type       uint32
}

// StartInfo is the part of hvm_start_info Pagoda uses, copied out of
// firmware memory.
type StartInfo struct {
	Version uint32
	Cmdline string
	RSDP    PhysAddr
	Memmap  []MemmapEntry
}

// ReadPhys copies len(p) bytes of physical memory at addr into p, or fails
// when the range is not readable.
type ReadPhys func(addr PhysAddr, p []byte) error

// ParseStartInfo decodes the hvm_start_info at addr. Every field is checked
// before it is followed: this is outside input.
func ParseStartInfo(read ReadPhys, addr PhysAddr) (StartInfo, error) {
	var si StartInfo
	var hdr [startInfoSizeV1]byte
	if err := read(addr, hdr[:8]); err != nil {
		return si, fmt.Errorf("%w: header at %#x: %v", ErrStartInfo, uint64(addr), err)
	}
	le := binary.LittleEndian
	if m := le.Uint32(hdr[0:]); m != startInfoMagic {
		return si, fmt.Errorf("%w: bad magic %#x", ErrStartInfo, m)
	}
	si.Version = le.Uint32(hdr[4:])
	if si.Version < startInfoVersion1 {
		return si, fmt.Errorf("%w: version %d has no memory map", ErrStartInfo, si.Version)
	}
	if err := read(addr, hdr[:]); err != nil {
		return si, fmt.Errorf("%w: header at %#x: %v", ErrStartInfo, uint64(addr), err)
	}
	si.RSDP = PhysAddr(le.Uint64(hdr[32:]))

	if p := PhysAddr(le.Uint64(hdr[24:])); p != 0 {
		s, err := readCString(read, p, maxCmdlineLen)
		if err != nil {
			return si, fmt.Errorf("%w: command line: %v", ErrStartInfo, err)
		}
		si.Cmdline = s
	}

	mp, n := PhysAddr(le.Uint64(hdr[40:])), le.Uint32(hdr[48:])
	if n == 0 || n > maxMemmapEntries {
		return si, fmt.Errorf("%w: %d memory map entries", ErrStartInfo, n)
	}
	buf := make([]byte, int(n)*memmapEntrySize)
	if err := read(mp, buf); err != nil {
		return si, fmt.Errorf("%w: memory map at %#x: %v", ErrStartInfo, uint64(mp), err)
	}
	for i := range int(n) {
		e := buf[i*memmapEntrySize:]
		me := MemmapEntry{
			Addr: le.Uint64(e[0:]),
			Size: le.Uint64(e[8:]),
			Type: le.Uint32(e[16:]),
		}
		if me.Size == 0 {
			continue // QEMU's table may end in an empty entry
		}
		si.Memmap = append(si.Memmap, me)
	}
	if len(si.Memmap) == 0 {
		return si, fmt.Errorf("%w: %d memory map entries, all empty", ErrStartInfo, n)
	}
	return si, nil
}

// readCString reads a NUL-terminated string of at most max bytes.
func readCString(read ReadPhys, addr PhysAddr, max int) (string, error) {
	var out []byte
	var chunk [64]byte
	for len(out) < max {
		if err := read(addr+PhysAddr(len(out)), chunk[:]); err != nil {
			// The string may end right before unreadable memory:
			// fall back to single bytes.
			if err := read(addr+PhysAddr(len(out)), chunk[:1]); err != nil {
				return "", err
			}
			if chunk[0] == 0 {
				return string(out), nil
			}
			out = append(out, chunk[0])
			continue
		}
		for _, c := range chunk {
			if c == 0 {
				return string(out), nil
			}
			out = append(out, c)
		}
	}
	return "", fmt.Errorf("longer than %d bytes", max)
}

// E820TypeName is the name Linux prints for an E820 type.
func E820TypeName(t uint32) string {
	switch t {
	case E820RAM:
		return "usable"
	case E820Reserved:
		return "reserved"
	case E820ACPI:
		return "ACPI data"
	case E820NVS:
		return "ACPI NVS"
	case E820Unusable:
		return "unusable"
	}
	return fmt.Sprintf("type %d", t)
}
