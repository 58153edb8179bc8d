package pagetable

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
)

// SplitLeaf replaces the present 2 MiB leaf covering va with the page
// table at tbl, a zeroed table the caller took from its FrameSource,
// filled with 512 4 KiB leaves of the 2 MiB leaf's flags: entry i maps
// base + i×stride (the huge page's own frames when base is its address
// and stride 4096; one frame 512 times with stride 0, the zero page's
// way). The directory entry then points at the table, with U/S if the
// leaf had it, and the 2 MiB translation is invalidated (one INVLPG
// drops every TLB entry of a large page, SDM 3A 4.10.4.1). Linux's
// __split_huge_pmd_locked.
func (t *Table) SplitLeaf(va mm.VirtAddr, tbl, base mm.PhysAddr, stride uint64) error {
	p, s := t.leafSlot(va)
	if p == nil || s != Size2M || *p&Present == 0 {
		return fmt.Errorf("%w: no 2 MiB page at %v", ErrNotMapped, va)
	}
	if tbl&mm.PhysAddr(mm.PageMask) != 0 || base&mm.PhysAddr(mm.PageMask) != 0 {
		return fmt.Errorf("%w: SplitLeaf(%v, %v)", ErrInvalid, tbl, base)
	}
	old := *p
	flags := old.Flags() &^ Huge
	ptes := table(tbl)
	for i := range ptes {
		ptes[i] = PTE(base+mm.PhysAddr(uint64(i)*stride)) | flags
	}
	*p = PTE(tbl) | Present | Writable | old&User
	invalidate(va&^mm.VirtAddr(Size2M-1), 1)
	return nil
}

// ClearHuge removes the present 2 MiB leaf at va, as Unmap does, but
// leaves the tables above it, empty or not: for an address space being
// torn down, whose tables go all at once (FreeBelow).
func (t *Table) ClearHuge(va mm.VirtAddr) (mm.PhysAddr, error) {
	p, s := t.leafSlot(va)
	if p == nil || s != Size2M || *p&Present == 0 || va&mm.VirtAddr(Size2M-1) != 0 {
		return 0, fmt.Errorf("%w: no 2 MiB page at %v", ErrNotMapped, va)
	}
	pa := mm.PhysAddr(*p & hugeAddrMask)
	*p = 0
	invalidate(va, 1)
	return pa, nil
}
