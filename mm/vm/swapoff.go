package vm

import (
	"errors"
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// SwapOff brings every page of area a that a PTE names back into memory
// (as Linux try_to_unuse), then takes the area out of the set: one
// operation for every page of the area, wherever its entry is kept.
// Nothing new goes to the area meanwhile. The pages held outside page
// tables (tmpfs files, shared anonymous memory: MM.Unswap) come back
// first, as try_to_unuse's shmem_unuse, then those PTEs name. If memory
// runs out, or a page cannot be read, it stops with ENOMEM or EIO: the
// pages brought back stay in memory, the rest stay on the area, which
// stays on.
func (m *MM) SwapOff(a *swap.Area) error {
	if m.Swap == nil {
		return swap.ErrNoArea
	}
	a.Draining = true
	err := m.unuse(a)
	if err == nil {
		err = m.Swap.Off(a)
	}
	if err != nil {
		a.Draining = false
	}
	return err
}

func (m *MM) unuse(a *swap.Area) error {
	if m.Unswap != nil {
		if _, err := m.Unswap(a.Contains); err != nil {
			return err
		}
	}
	// Swap entries have no reverse map: every address space's PTEs are
	// looked at, as Linux's try_to_unuse walks every mm.
	for _, as := range m.rc.spaces {
		for i := range as.vmas {
			v := &as.vmas[i]
			var err error
			as.eachLeaf(v.Start, v.End, func(va mm.VirtAddr, l Leaf) bool {
				if l.State != LeafSwap || !a.Contains(l.Entry()) {
					return true
				}
				m.Refill()
				switch as.swapFault(v, va, l) {
				case Resolved:
				case OOM:
					err = fmt.Errorf("%w: bringing %v back", ErrNoMemory, l.Entry())
				default:
					err = fmt.Errorf("%w: reading %v", ErrIO, l.Entry())
				}
				return err == nil
			})
			if err != nil {
				return err
			}
		}
	}
	// Pages read ahead whose slots are still named elsewhere were freed
	// with the last PTE; what is left cached belongs to no PTE.
	var left []swap.Entry
	a.Each(func(e swap.Entry, _ int, pfn mm.PFN) bool {
		if pfn != 0 {
			left = append(left, e)
		}
		return true
	})
	if len(left) > 0 {
		return errors.Join(swap.ErrInUse, fmt.Errorf("%d slots still named after every PTE came back", len(left)))
	}
	return nil
}
