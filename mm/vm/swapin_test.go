//go:build !tamago

package vm

import (
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// Swap-in readahead follows a run of swap-ins in either direction, as
// Linux's __swapin_nr_pages looks only at the distance to the last
// fault: pages faulted in ascending or descending slot order are read
// ahead into the swap cache, and most faults are then swap-cache hits;
// faults that never land next to the last one read nothing ahead. Every
// page is read from the device once whatever the order, and comes back
// intact.
func TestSwapReadaheadDirection(t *testing.T) {
	const n = 64
	for _, tc := range []struct {
		name      string
		order     func(slots []uint64) []uint64 // the slots, in fault order
		readahead bool
	}{
		{"ascending", func(s []uint64) []uint64 { return s }, true},
		{"descending", func(s []uint64) []uint64 {
			o := slices.Clone(s)
			slices.Reverse(o)
			return o
		}, true},
		{"stride 3", func(s []uint64) []uint64 {
			var o []uint64
			for start := range 3 {
				for i := start; i < len(s); i += 3 {
					o = append(o, s[i])
				}
			}
			return o
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.enableSwap("clock", 1024)
			base := e.mmap(0, n*pg, rw, priv)
			for i := range uint64(n) {
				e.write(base+mm.VirtAddr(i)*pg, stamp(i, 5))
			}
			e.swapAllOut()
			// The page at each slot.
			page := map[uint64]uint64{}
			var slots []uint64
			for i := range uint64(n) {
				l := leaf(e.cur, base+mm.VirtAddr(i)*pg)
				if l.State != LeafSwap {
					t.Fatalf("page %d: %v, not swapped out", i, l)
				}
				if _, cached := e.m.Swap.Cache(l.Entry()); cached {
					t.Fatalf("page %d still in the swap cache after reclaim", i)
				}
				page[l.Entry().Slot()] = i
				slots = append(slots, l.Entry().Slot())
			}
			slices.Sort(slots)
			ins, hits := e.m.Swap.Stats.SwapIns, e.m.ReclaimStats().SwapCacheHit
			ra := e.m.Swap.Stats.Readahead
			for _, s := range tc.order(slots) {
				i := page[s]
				if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 5)) {
					t.Fatalf("page %d (slot %d): %x", i, s, got)
				}
			}
			ins = e.m.Swap.Stats.SwapIns - ins
			hits = e.m.ReclaimStats().SwapCacheHit - hits
			ra = e.m.Swap.Stats.Readahead - ra
			if ins != n {
				t.Errorf("%d pages read from swap, want %d (each once)", ins, n)
			}
			if tc.readahead && (ra < n/2 || hits != ra) {
				t.Errorf("%d pages read ahead, %d swap-cache hits; want most of the %d pages read ahead, each a hit", ra, hits, n)
			}
			if !tc.readahead && (ra != 0 || hits != 0) {
				t.Errorf("%d pages read ahead, %d swap-cache hits; want none", ra, hits)
			}
			e.destroyAll()
		})
	}
}
