package vm

import (
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// TmpfsSwap is the MM's swap areas as tmpfs sees them (tmpfs.Swap,
// which it satisfies without this package importing tmpfs): a page
// written out takes a fresh slot, whose one reference is the tmpfs
// page's, held in its backing rather than in a PTE (as Linux's shmem
// keeps swap entries in its page cache's xarray). M.Swap must be set.
type TmpfsSwap struct{ M *MM }

// Out writes the page at pa to a fresh slot and returns its entry.
// Goroutine context (the reclaimer's writeback of a tmpfs page).
func (s TmpfsSwap) Out(pa mm.PhysAddr) (swap.Entry, error) {
	e, err := s.M.Swap.Alloc()
	if err != nil {
		return 0, err
	}
	if err := s.M.Swap.Write(e, pa); err != nil {
		s.M.putSwap(e)
		return 0, err
	}
	return e, nil
}

// In reads entry's page into pa: in a page fault polling, allocating
// nothing; otherwise (a user fault's retry path, swapoff, a read) in
// goroutine context, sleeping on the device's interrupt.
func (s TmpfsSwap) In(entry swap.Entry, pa mm.PhysAddr, fault bool) error {
	if fault {
		return s.M.Swap.Read(entry, pa)
	}
	return s.M.Swap.ReadWait(entry, pa)
}

// Free drops the tmpfs page's reference to entry's slot, with the swap
// cache's frame if it was the last.
func (s TmpfsSwap) Free(entry swap.Entry) { s.M.putSwap(entry) }
