//go:build !tamago

package vm

import (
	"math/rand/v2"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// Direct reclaim in the fault path: these tests touch memory through the
// CPU without the Refill that env.access (and the kernel, before each
// command) makes, so only the faults' own restocking feeds them.

// touchNoRefill reads or writes p at va through the CPU, Refill left out.
func (e *env) touchNoRefill(va mm.VirtAddr, p []byte, a Access) {
	e.t.Helper()
	var err error
	if a == Write {
		err = e.cpu.Write(va, p, false)
	} else {
		err = e.cpu.Read(va, p, false)
	}
	if err != nil {
		e.t.Fatalf("%v of %v: %v (fault: %v)", a, va, err, e.last)
	}
}

// checkEvery runs the invariant check on every 512th step.
func (e *env) checkEvery(k int) {
	if k%512 == 0 {
		e.nocheck = false
		e.check()
		e.nocheck = true
	}
}

// TestFaultReclaim: a working set four times the memory, written and read
// back in random order with no Refill at all: every frame beyond the
// first reserve comes from faults that restock, and once memory is below
// min, from their own reclaim (to swap, polled).
func TestFaultReclaim(t *testing.T) {
	for _, policy := range []string{"clock", "lru"} {
		t.Run(policy, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			e.enableSwap(policy, 8192)
			e.nocheck = true
			pages := 4 * e.mem.Frames.Stats().ManagedPages
			base := e.mmap(0, pages*pg, rw, priv|MapAnonymous)
			rng := rand.New(rand.NewPCG(3, 4))
			for k, i := range rng.Perm(int(pages)) {
				e.touchNoRefill(base+mm.VirtAddr(i)*pg, stamp(uint64(i), 9), Write)
				e.checkEvery(k)
			}
			got := make([]byte, 16)
			for k, i := range rng.Perm(int(pages)) {
				e.touchNoRefill(base+mm.VirtAddr(i)*pg, got, Read)
				if string(got) != string(stamp(uint64(i), 9)) {
					t.Fatalf("page %d reads %x", i, got)
				}
				e.checkEvery(k)
			}
			rs := e.m.ReclaimStats()
			if rs.FaultStall == 0 || rs.StealFault == 0 || e.m.Swap.Stats.SwapOuts == 0 {
				t.Fatalf("reclaim %+v, swap %+v: the faults did not reclaim", rs, e.m.Swap.Stats)
			}
			if rs.StealFault != rs.Steal {
				t.Fatalf("steal %d, of which by faults %d: something else reclaimed", rs.Steal, rs.StealFault)
			}
			t.Logf("%s: %d pages: %d fault stalls, %d pages stolen by faults, pswpout %d",
				policy, pages, rs.FaultStall, rs.StealFault, e.m.Swap.Stats.SwapOuts)
			e.nocheck = false
			e.check()
			e.destroyAll()
		})
	}
}

// TestFaultReclaimAllocs: a fault that restocks by reclaiming (writing
// pages to swap) allocates no Go memory, under every policy.
func TestFaultReclaimAllocs(t *testing.T) {
	for _, policy := range Policies {
		t.Run(policy, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			e.enableSwap(policy, 8192)
			e.nocheck = true
			managed := e.mem.Frames.Stats().ManagedPages
			pages := 3 * managed
			base := e.mmap(0, pages*pg, rw, priv|MapAnonymous)
			i := uint64(0)
			for ; i < managed; i++ { // memory full: the next faults reclaim
				e.touchNoRefill(base+mm.VirtAddr(i)*pg, stamp(i, 1), Write)
			}
			before := e.m.ReclaimStats().FaultStall
			allocs := testing.AllocsPerRun(int(managed), func() {
				if r := e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Write); r != Resolved {
					t.Fatalf("fault %d: %v", i, r)
				}
				i++
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per fault", allocs)
			}
			if n := e.m.ReclaimStats().FaultStall - before; n < managed/faultBatch/2 {
				t.Fatalf("%d restocking reclaims in %d faults", n, managed)
			}
			e.nocheck = false
			e.check()
		})
	}
}

// TestFaultReclaimFilePages: dirty pages of a shared file mapping twice
// the memory. The faults' reclaim writes none of them, even with a
// backing that could write in a fault (as Linux's shrink_folio_list
// leaves dirty file folios to the flusher): it queues them, and
// Throttle, which the loop calls between pages as the kernel does, runs
// the goroutine-context reclaim that writes the queue, whose pages
// rotate to the inactive tail and are freed. Nothing is lost and no
// fault is out of memory.
func TestFaultReclaimFilePages(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		name := map[bool]string{false: "could-write", true: "refused"}[refuse]
		t.Run(name, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			e.enableSwap("clock", 8192)
			e.nocheck = true
			pages := 2 * e.mem.Frames.Stats().ManagedPages
			f, b := e.newFile(make([]byte, pages*pg))
			b.refuseFault = refuse
			base := e.mmapFile(0, pages*pg, rw, MapShared, f, 0)
			for i := range pages {
				e.touchNoRefill(base+mm.VirtAddr(i)*pg, stamp(i, 5), Write)
				e.m.Throttle()
				e.checkEvery(int(i))
			}
			e.must(e.cur.Msync(base, pages*pg, MsSync))
			for i := range pages {
				if got := b.data[i*pg : i*pg+16]; string(got) != string(stamp(i, 5)) {
					t.Fatalf("file page %d holds %x", i, got)
				}
			}
			rs, pc := e.m.ReclaimStats(), e.cache.Stats
			switch {
			case rs.StealFault == 0:
				t.Fatalf("reclaim %+v: the faults freed nothing", rs)
			case b.faultWrites != 0:
				t.Fatalf("%d pages written in faults", b.faultWrites)
			case rs.Steal == rs.StealFault:
				t.Fatalf("steal %d, all by faults: Throttle's reclaim freed nothing", rs.Steal)
			case pc.Immediate == 0 || pc.VmscanWrite == 0 || pc.Rotated == 0:
				t.Fatalf("cache %+v: no page queued, written for reclaim and rotated", pc)
			}
			t.Logf("%s: %d writes, steal %d (faults %d), cache %+v", name, len(b.writes), rs.Steal, rs.StealFault, pc)
			e.nocheck = false
			e.check()
			e.destroyAll()
		})
	}
}

// TestFaultReclaimFileAllocs: faults whose restocking reclaim meets
// dirty file pages (it queues them) and clean ones (it drops them)
// allocate no Go memory, under every policy.
func TestFaultReclaimFileAllocs(t *testing.T) {
	for _, policy := range Policies {
		t.Run(policy, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			e.enableSwap(policy, 64)
			e.nocheck = true
			managed := e.mem.Frames.Stats().ManagedPages
			pages := 3 * managed
			f, _ := e.newFile(make([]byte, pages*pg))
			base := e.mmapFile(0, pages*pg, rw, MapShared, f, 0)
			i := uint64(0)
			for ; i < managed; i++ { // memory full of dirty pages and their readahead
				e.touchNoRefill(base+mm.VirtAddr(i)*pg, stamp(i, 1), Write)
				e.m.Throttle()
			}
			before, stalls := e.cache.Stats.Immediate, e.m.ReclaimStats().FaultStall
			allocs := testing.AllocsPerRun(int(managed), func() {
				if r := e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Read); r != Resolved {
					t.Fatalf("fault %d: %v", i, r)
				}
				i++
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per fault", allocs)
			}
			if e.cache.Stats.Immediate == before || e.m.ReclaimStats().FaultStall == stalls {
				t.Fatalf("cache %+v, reclaim %+v: the faults' reclaim queued no dirty page", e.cache.Stats, e.m.ReclaimStats())
			}
			e.nocheck = false
			e.check()
		})
	}
}
