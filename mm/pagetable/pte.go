package pagetable

import (
	"strings"

	"github.com/pagoda-os/pagoda/mm"
)

// PTE is a page-table entry of any level (SDM 3A 4.5, Tables 4-14 to 4-20).
type PTE uint64

// Entry bits. PS is meaningful in PDPTEs and PDEs; in a 4 KiB PTE bit 7 is
// PAT, which Pagoda leaves 0.
const (
	Present      PTE = 1 << 0  // P
	Writable     PTE = 1 << 1  // R/W: writes allowed
	User         PTE = 1 << 2  // U/S: user-mode accesses allowed
	WriteThrough PTE = 1 << 3  // PWT
	CacheDisable PTE = 1 << 4  // PCD
	Accessed     PTE = 1 << 5  // A: set by the CPU on any access
	Dirty        PTE = 1 << 6  // D: set by the CPU on a write (leaves only)
	Huge         PTE = 1 << 7  // PS: this PDE maps a 2 MiB page (PDPTE: 1 GiB)
	Global       PTE = 1 << 8  // G: kept across CR3 loads when CR4.PGE=1
	NoExecute    PTE = 1 << 63 // XD: instruction fetches fault (EFER.NXE=1)

	// addrMask selects the physical address bits 51:12 (MAXPHYADDR 52).
	addrMask PTE = 0x000f_ffff_ffff_f000
	// hugeAddrMask selects a 2 MiB page's address, bits 51:21.
	hugeAddrMask PTE = 0x000f_ffff_ffe0_0000
	// flagMask is every bit that is not an address.
	flagMask = ^addrMask
)

// Addr is the physical address the entry points to: the next table, or
// the page.
func (e PTE) Addr() mm.PhysAddr { return mm.PhysAddr(e & addrMask) }

// Flags is the entry without its address.
func (e PTE) Flags() PTE { return e & flagMask }

// Has reports whether every bit of f is set in e.
func (e PTE) Has(f PTE) bool { return e&f == f }

var flagNames = []struct {
	bit  PTE
	name string
}{
	{Present, "P"}, {Writable, "RW"}, {User, "US"}, {WriteThrough, "PWT"},
	{CacheDisable, "PCD"}, {Accessed, "A"}, {Dirty, "D"}, {Huge, "PS"},
	{Global, "G"}, {NoExecute, "NX"},
}

// FlagString names the set flag bits, in SDM order: "P RW A D NX".
func (e PTE) FlagString() string {
	var names []string
	for _, f := range flagNames {
		if e&f.bit != 0 {
			names = append(names, f.name)
		}
	}
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, " ")
}
