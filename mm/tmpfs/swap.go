package tmpfs

import (
	"errors"
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// Swap is where tmpfs pages go under memory pressure: the kernel's swap
// layer, set on each instance with SetSwap.
type Swap interface {
	// Out writes the page at pa to a free slot and returns its entry
	// (never 0). Goroutine context.
	Out(pa mm.PhysAddr) (entry swap.Entry, err error)
	// In reads entry's page into pa. With fault set it runs in a page
	// fault: it polls, allocates nothing and does not block.
	In(entry swap.Entry, pa mm.PhysAddr, fault bool) error
	// Free releases entry's slot.
	Free(entry swap.Entry)
}

// Unswap brings back into memory every page whose swap entry is in an
// area going away (area(entry) is true), for swapoff, as Linux
// shmem_unuse: the page is read into the page cache unless it is there
// already, marked dirty, and its entry freed. Unlinked files that are
// still open or mapped are included. It returns how many pages came
// back.
//
// It stops at the first page that cannot come back: ErrNoMemory when no
// frame is free, or the swap's read error. That page and those not
// reached yet stay in swap, intact, so nothing is lost; after freeing
// memory, a new call goes on with what is left. Goroutine context.
func (fsys *FS) Unswap(area func(swap.Entry) bool) (int, error) {
	n := 0
	for _, f := range fsys.liveFiles() {
		for idx := range f.b.slots {
			s := &f.b.slots[idx]
			if s.state != inSwap || !area(s.entry) {
				continue
			}
			if err := f.pc.LoadDirty(uint64(idx)); err != nil {
				if errors.Is(err, pagecache.ErrNoMemory) {
					err = fmt.Errorf("%w: %v", ErrNoMemory, err)
				}
				return n, fmt.Errorf("unswap %s page %d: %w", f.pc.Name, idx, err)
			}
			fsys.swap.Free(s.entry)
			fsys.swapped--
			*s = slot{state: inMemory}
			n++
		}
	}
	return n, nil
}
