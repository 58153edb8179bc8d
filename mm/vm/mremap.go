package vm

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// RemapFlags are mremap's flags (MREMAP_* in Linux).
type RemapFlags uint8

const (
	RemapMayMove RemapFlags = 1 << iota // MREMAP_MAYMOVE
	RemapFixed                          // MREMAP_FIXED: to newAddr, replacing what is there
)

// Mremap resizes the mapping [old, old+oldLen), which must lie in one
// VMA, to newLen bytes, and may move it (as Linux mremap(2)): a shrink
// unmaps the tail; a growth extends the VMA in place if the room after
// it is free, else, with RemapMayMove, moves it to the highest gap that
// fits (or with RemapFixed to newAddr, unmapping what is there). A move
// carries the page-table entries over as they are, frames and swap
// entries alike, and keeps the VMA's offsets (vm_pgoff) and anonymous
// object, so that the reverse map finds its pages at their new address
// (rmap.go). A growth of an accounted mapping is charged (commit.go).
// It returns the new address.
//
// Errors: EINVAL for unknown flags, RemapFixed without RemapMayMove, an
// unaligned address, a zero length, a fixed range outside the window or
// overlapping the old one, and for the growth of a shared anonymous
// mapping past its object (Linux lets it grow and raises SIGBUS there;
// Pagoda's objects keep their size); EFAULT when the old range is not
// wholly in one VMA; ENOMEM when it cannot grow in place and may not
// move, when there is no room, or when the policy refuses the charge.
// Unlike Linux, an oldLen of 0 (a second mapping of a shared one) is
// EINVAL.
func (as *AddressSpace) Mremap(old mm.VirtAddr, oldLen, newLen uint64, flags RemapFlags, newAddr mm.VirtAddr) (mm.VirtAddr, error) {
	as.mm.Refill()
	if flags&^(RemapMayMove|RemapFixed) != 0 || flags&RemapFixed != 0 && flags&RemapMayMove == 0 {
		return 0, fmt.Errorf("%w: mremap flags %#x", ErrInvalid, uint8(flags))
	}
	if old&mm.PageMask != 0 {
		return 0, fmt.Errorf("%w: address %v not page-aligned", ErrInvalid, old)
	}
	oldSize, ok1 := pageRound(oldLen)
	newSize, ok2 := pageRound(newLen)
	if !ok1 || !ok2 || oldSize == 0 || newSize == 0 {
		return 0, fmt.Errorf("%w: mremap lengths %#x, %#x", ErrInvalid, oldLen, newLen)
	}
	fixed := flags&RemapFixed != 0
	if fixed {
		switch {
		case newAddr&mm.PageMask != 0:
			return 0, fmt.Errorf("%w: new address %v not page-aligned", ErrInvalid, newAddr)
		case !as.inWindow(newAddr, newSize):
			return 0, fmt.Errorf("%w: [%v, +%#x) is outside the window", ErrInvalid, newAddr, newSize)
		case newAddr < old+mm.VirtAddr(oldSize) && old < newAddr+mm.VirtAddr(newSize):
			return 0, fmt.Errorf("%w: [%v, +%#x) overlaps [%v, +%#x)", ErrInvalid, newAddr, newSize, old, oldSize)
		}
	}
	i := as.findVMA(old)
	if !as.inWindow(old, oldSize) || i < 0 || old+mm.VirtAddr(oldSize) > as.vmas[i].End {
		return 0, fmt.Errorf("%w: [%v, +%#x) is not within one mapping", ErrFault, old, oldSize)
	}
	v := &as.vmas[i]
	if v.Flags&MapShared != 0 && v.file != nil && v.Flags&MapAnonymous != 0 && newSize > oldSize {
		if o := as.mm.objects[v.file]; v.pageIndex(old)+newSize/mm.PageSize > o.pages {
			return 0, fmt.Errorf("%w: a shared anonymous mapping may not grow past its object (%d pages)", ErrInvalid, o.pages)
		}
	}
	oldEnd := old + mm.VirtAddr(oldSize)
	// Pages move, and the tail goes, 4 KiB at a time.
	if err := as.splitHugeRange(old, oldEnd); err != nil {
		return 0, err
	}
	if fixed {
		if err := as.splitHugeEnds(newAddr, newAddr+mm.VirtAddr(newSize)); err != nil {
			return 0, err
		}
		// As Linux mremap_to: what is at the target goes, then the
		// tail of the old range if it shrinks, then the rest moves.
		as.unmapRange(newAddr, newAddr+mm.VirtAddr(newSize))
		if newSize < oldSize {
			as.unmapRange(old+mm.VirtAddr(newSize), oldEnd)
			oldSize = newSize
		}
		return as.moveCharged(old, oldSize, newAddr, newSize)
	}
	if newSize <= oldSize {
		if newSize < oldSize {
			as.unmapRange(old+mm.VirtAddr(newSize), oldEnd)
		}
		return old, nil
	}
	newEnd := old + mm.VirtAddr(newSize)
	if oldEnd == v.End && as.inWindow(old, newSize) && !as.overlaps(oldEnd, newEnd) {
		// In place (vma_expand), if the policy allows.
		if err := as.chargeGrowth(old, oldSize, newSize); err != nil {
			return 0, err
		}
		v.End = newEnd
		as.mergeAround(i)
		return old, nil
	}
	if flags&RemapMayMove == 0 {
		return 0, fmt.Errorf("%w: [%v, %v) cannot grow in place", ErrNoMemory, old, newEnd)
	}
	to, ok := as.findGap(newSize)
	if !ok {
		return 0, fmt.Errorf("%w: no room for %#x bytes", ErrNoMemory, newSize)
	}
	return as.moveCharged(old, oldSize, to, newSize)
}

// moveCharged charges the growth of a move, moves, and gives the charge
// back if the move fails.
func (as *AddressSpace) moveCharged(old mm.VirtAddr, oldSize uint64, to mm.VirtAddr, newSize uint64) (mm.VirtAddr, error) {
	if err := as.chargeGrowth(old, oldSize, newSize); err != nil {
		return 0, err
	}
	if err := as.moveVMA(old, old+mm.VirtAddr(oldSize), to, newSize); err != nil {
		as.chargeGrowth(old, newSize, oldSize)
		return 0, err
	}
	return to, nil
}

// chargeGrowth charges what resizing the accounted VMA at old from
// oldSize to newSize bytes adds, or gives back what it takes away, as
// Linux vma_to_resize and move_vma.
func (as *AddressSpace) chargeGrowth(old mm.VirtAddr, oldSize, newSize uint64) error {
	if v := as.vmaAt(old); v == nil || !v.account {
		return nil
	}
	if newSize < oldSize {
		as.mm.Uncommit((oldSize - newSize) / mm.PageSize)
		return nil
	}
	return as.mm.Commit((newSize - oldSize) / mm.PageSize)
}

// moveVMA moves [old, oldEnd), part of one VMA, to a VMA of newSize bytes
// at to, whose range is free (as Linux move_vma: copy_vma, then
// move_page_tables). The entries are set at their new addresses first,
// then cleared at the old, so that running out of page tables leaves
// nothing moved. The moved VMA keeps its offsets and anonymous object,
// and its membership of every object on its chain, but for an unused
// anonymous object, which takes the offsets of its new address (as
// copy_vma), so as to merge there.
//
// Preconditions (checked with -tags mmdebug): [old, oldEnd) is
// page-aligned, non-empty and inside one VMA; [to, to+newSize) is
// page-aligned, inside the window and free.
func (as *AddressSpace) moveVMA(old, oldEnd, to mm.VirtAddr, newSize uint64) error {
	if debug {
		as.checkRange(old, oldEnd, true, "vm.moveVMA: precondition: old range not page-aligned, empty or outside the window")
		as.checkRange(to, to+mm.VirtAddr(newSize), true, "vm.moveVMA: precondition: target not page-aligned, empty or outside the window")
		if i := as.findVMA(old); i < 0 || oldEnd > as.vmas[i].End {
			panic("vm.moveVMA: precondition: old range not inside one VMA")
		}
		if as.overlaps(to, to+mm.VirtAddr(newSize)) {
			panic("vm.moveVMA: precondition: the target range is not free")
		}
	}
	delta := to - old // wraps when moving down: addition wraps back
	var done []mm.VirtAddr
	ok := as.eachLeaf(old, oldEnd, func(va mm.VirtAddr, l Leaf) bool {
		as.mm.Refill()
		if l.Size != pt.Size4K {
			panic("vm.moveVMA: a 2 MiB leaf in an address space")
		}
		if as.table.Map(va+delta, 0, pt.Size4K, as.userBit()) != nil { // U/S above from the space, not the entry: a swap entry has none
			return false
		}
		as.table.Set(va+delta, l.PTE)
		done = append(done, va)
		return true
	})
	if !ok {
		for _, va := range done {
			as.table.Clear(va + delta)
		}
		return fmt.Errorf("%w: page tables for [%v, +%#x)", ErrNoMemory, to, newSize)
	}
	for _, va := range done {
		as.table.Clear(va)
	}
	as.splitAt(old)
	as.splitAt(oldEnd)
	i := as.findVMA(old)
	v := as.vmas[i]
	as.vmas = append(as.vmas[:i], as.vmas[i+1:]...)
	v.Start, v.End = to, to+mm.VirtAddr(newSize)
	if v.file == nil && v.anon.unused() {
		v.pgoff = uint64(to) / mm.PageSize
	}
	j := as.firstEndingAfter(to)
	as.vmas = append(as.vmas, VMA{})
	copy(as.vmas[j+1:], as.vmas[j:])
	as.vmas[j] = v
	as.mergeAround(j)
	return nil
}
