//go:build !tamago

package pagetable_test

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// The entry bits are the hardware's (SDM 3A Tables 4-14 to 4-20): the
// simulator reads entries with the same constants, so it cannot catch a
// wrong one.
func TestBits(t *testing.T) {
	for _, tc := range []struct {
		name string
		bit  pagetable.PTE
		pos  uint
	}{
		{"P", pagetable.Present, 0}, {"R/W", pagetable.Writable, 1}, {"U/S", pagetable.User, 2},
		{"PWT", pagetable.WriteThrough, 3}, {"PCD", pagetable.CacheDisable, 4},
		{"A", pagetable.Accessed, 5}, {"D", pagetable.Dirty, 6}, {"PS", pagetable.Huge, 7},
		{"G", pagetable.Global, 8}, {"XD", pagetable.NoExecute, 63},
	} {
		if tc.bit != 1<<tc.pos {
			t.Errorf("%s is %#x, want bit %d", tc.name, uint64(tc.bit), tc.pos)
		}
	}
}

func TestPTEAccessors(t *testing.T) {
	e := pagetable.PTE(0x800f_0123_4567_8163)
	if got, want := e.Addr(), mm.PhysAddr(0x000f_0123_4567_8000); got != want {
		t.Errorf("Addr() = %v, want %v", got, want)
	}
	if got, want := e.Flags(), pagetable.PTE(0x8000_0000_0000_0163); got != want {
		t.Errorf("Flags() = %#x, want %#x", uint64(got), uint64(want))
	}
	if !e.Has(pagetable.Present|pagetable.Writable) || e.Has(pagetable.Present|pagetable.User) {
		t.Error("Has")
	}
	for e, want := range map[pagetable.PTE]string{
		0: "-",
		pagetable.Present | pagetable.Writable | pagetable.Accessed | pagetable.Dirty | pagetable.NoExecute: "P RW A D NX",
		^pagetable.PTE(0):     "P RW US PWT PCD A D PS G NX",
		0x000f_ffff_ffff_f000: "-",
	} {
		if got := e.FlagString(); got != want {
			t.Errorf("%#x.FlagString() = %q, want %q", uint64(e), got, want)
		}
	}
	if pagetable.Size4K.String() != "4K" || pagetable.Size2M.String() != "2M" {
		t.Error("PageSize.String")
	}
}

func TestCanonical(t *testing.T) {
	for va, want := range map[mm.VirtAddr]bool{
		0:                     true,
		0x0000_7fff_ffff_ffff: true,
		0x0000_8000_0000_0000: false,
		0x0001_0000_0000_0000: false,
		0xffff_7fff_ffff_ffff: false,
		0xffff_8000_0000_0000: true,
		0xffff_ffff_ffff_ffff: true,
		0x7fff_ffff_ffff_f000: false,
	} {
		if got := pagetable.Canonical(va); got != want {
			t.Errorf("Canonical(%v) = %v, want %v", va, got, want)
		}
	}
}
