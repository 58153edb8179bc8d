//go:build !tamago

package vm

import (
	"math/rand/v2"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// checkEvery runs the invariant check on every 512th step of a loop
// that runs with checks off (a working set larger than memory makes a
// check per step too slow).
func (e *env) checkEvery(k int) {
	if k%512 == 0 {
		e.nocheck = false
		e.check()
		e.nocheck = true
	}
}

// TestShmemSwap: a shared anonymous working set three times memory,
// shared with a fork, written by one side in random order and read
// back by the other, every page checked, under each policy. Its pages
// are its tmpfs object's: on the reclaim lists, written to swap by
// tmpfs, read back in faults (an object in memory only could not hold
// them; the bound on objects counts swap).
func TestShmemSwap(t *testing.T) {
	for _, policy := range Policies {
		t.Run(policy, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			e.enableSwap(policy, 8192)
			pages := 3 * e.mem.Frames.Stats().ManagedPages
			base := e.mmap(0, pages*pg, ProtRead|ProtWrite, MapShared|MapAnonymous)
			parent, child := e.cur, e.fork()
			e.nocheck = true
			rng := rand.New(rand.NewPCG(3, 4))
			for k, i := range rng.Perm(int(pages)) {
				e.write(base+mm.VirtAddr(i)*pg, stamp(uint64(i), 9))
				e.checkEvery(k)
			}
			if st := e.shm.Statfs(); st.Swapped == 0 || st.Used != pages {
				t.Fatalf("after writing %d pages: %+v; nothing in swap", pages, st)
			}
			e.use(child)
			for k, i := range rng.Perm(int(pages)) {
				if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(uint64(i), 9)) {
					t.Fatalf("child: page %d reads %x", i, got)
				}
				e.checkEvery(k)
			}
			// The child's writes reach the parent, through swap too.
			for i := uint64(0); i < pages; i += 7 {
				e.write(base+mm.VirtAddr(i)*pg, stamp(i, 10))
			}
			e.use(parent)
			for i := range pages {
				want := stamp(i, 9)
				if i%7 == 0 {
					want = stamp(i, 10)
				}
				if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(want) {
					t.Fatalf("parent: page %d reads %x", i, got)
				}
			}
			st, rs := e.m.Swap.Stats, e.m.ReclaimStats()
			if st.SwapOuts == 0 || st.SwapIns == 0 || rs.Steal == 0 || e.cur.Stats.MajFaults == 0 {
				t.Fatalf("swap %+v reclaim %+v, %d major faults: nothing went to swap and back", st, rs, e.cur.Stats.MajFaults)
			}
			t.Logf("%s: %d pages: pswpout %d pswpin %d, scan %d steal %d", policy, pages, st.SwapOuts, st.SwapIns, rs.Scan, rs.Steal)
			e.nocheck = false
			e.check()
			e.destroy(child)
			e.destroyAll()
			if _, used := e.m.Swap.Totals(); used != 0 {
				t.Fatalf("%d slots still used after the object went", used)
			}
		})
	}
}
