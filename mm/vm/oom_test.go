//go:build !tamago

package vm

import (
	"runtime"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
)

// oomEnv is 4 MiB of memory with a small swap area, reclaim on, the
// given OOM policy, and a first address space holding hog pages written
// with seed 1 (part of them pushed to swap when hog exceeds memory).
func oomEnv(t *testing.T, policy OOMPolicy, hog uint64) (*env, *AddressSpace, mm.VirtAddr) {
	e := newEnvSize(t, 4<<20)
	e.enableSwap("clock", 128)
	e.m.SetOOMPolicy(policy)
	e.nocheck = true
	a := e.cur
	base := e.mmap(0, hog*pg, rw, priv|MapNoReserve)
	for i := range hog {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, 1))
	}
	e.nocheck = false
	e.check()
	return e, a, base
}

// fillUntilOOM writes pages of a fresh mapping of n pages in the current
// address space until one is out of memory; it returns the mapping and
// the pages written.
func (e *env) fillUntilOOM(n uint64, seed uint64) (mm.VirtAddr, uint64) {
	e.t.Helper()
	e.nocheck = true
	defer func() { e.nocheck = false }()
	base := e.mmap(0, n*pg, rw, priv|MapNoReserve)
	for i := range n {
		if err := e.access(base+mm.VirtAddr(i)*pg, stamp(i, seed), Write); err != nil {
			if resultOf(err) != OOM {
				e.t.Fatalf("page %d: %v", i, err)
			}
			return base, i
		}
	}
	return base, n
}

// With OOMError, memory and swap full make the access fail, and the
// other address space keeps every page.
func TestOOMError(t *testing.T) {
	managed := uint64(1024)
	e, a, abase := oomEnv(t, OOMError, managed/2)
	b := e.newSpace()
	_, n := e.fillUntilOOM(2*managed, 2)
	if n == 2*managed {
		t.Fatal("never ran out of memory")
	}
	if _, killed := a.Killed(); killed || e.m.OOMKills() != 0 {
		t.Fatal("OOMError killed")
	}
	// Room to read a's pages back from swap: b goes.
	e.use(a)
	e.destroy(b)
	for i := range managed / 2 {
		if got := e.read(abase+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 1)) {
			t.Fatalf("page %d of the other address space: %x", i, got)
		}
	}
	e.destroyAll()
}

// With OOMKill, the address space with the most memory is killed and its
// private memory freed in the fault: the faulting address space goes on
// well past the point where it ran out before, and keeps its data; the
// victim's faults fail until the kernel reaps it, and then it works again.
func TestOOMKill(t *testing.T) {
	managed := uint64(1024)
	e, a, abase := oomEnv(t, OOMKill, 3*managed/4)
	b := e.newSpace()
	want := 3 * managed / 4
	bbase, n := e.fillUntilOOM(want, 2)
	if n != want {
		t.Fatalf("wrote %d of %d pages: the kill did not make room", n, want)
	}
	k, killed := a.Killed()
	if !killed || e.m.OOMKills() != 1 || k.RSS+k.Swap < managed/2 || k.Freed == 0 {
		t.Fatalf("victim %v %+v, kills %d", killed, k, e.m.OOMKills())
	}
	if _, self := b.Killed(); self {
		t.Fatal("the faulting address space was killed too")
	}
	for i := range n {
		if got := e.read(bbase+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 2)) {
			t.Fatalf("page %d of the survivor: %x", i, got)
		}
	}
	e.use(a)
	if r := e.fault(abase, Read); r != OOM {
		t.Fatalf("a fault of the killed address space: %v, want OOM", r)
	}
	committed := e.m.Committed()
	a.Reap()
	e.check()
	if len(a.vmas) != 0 || a.rss != 0 || e.m.Committed() > committed {
		t.Fatalf("after Reap: %d VMAs, RSS %d", len(a.vmas), a.rss)
	}
	va := e.mmap(0, pg, rw, priv)
	e.write(va, stamp(0, 3))
	e.use(b)
	e.destroy(a)
	e.destroyAll()
}

// When the faulting address space is itself the largest, it is the
// victim: its access fails, the others are untouched.
func TestOOMKillSelf(t *testing.T) {
	managed := uint64(1024)
	e, a, abase := oomEnv(t, OOMKill, 64)
	e.newSpace()
	_, n := e.fillUntilOOM(2*managed, 2)
	if n == 2*managed {
		t.Fatal("never ran out of memory")
	}
	if _, self := e.cur.Killed(); !self {
		t.Fatal("the largest (faulting) address space was not killed")
	}
	if _, other := a.Killed(); other {
		t.Fatal("the small address space was killed")
	}
	e.use(a)
	for i := range uint64(64) {
		if got := e.read(abase+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 1)) {
			t.Fatalf("page %d of the other address space: %x", i, got)
		}
	}
	e.spaces[1].Reap()
	e.destroyAll()
}

// A fault that kills allocates no Go memory: it runs in the trap
// handler.
func TestOOMKillAllocs(t *testing.T) {
	managed := uint64(1024)
	e, a, _ := oomEnv(t, OOMKill, 3*managed/4)
	e.newSpace()
	e.nocheck = true
	base := e.mmap(0, managed*pg, rw, priv|MapNoReserve)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	kills := e.m.OOMKills()
	for i := uint64(0); e.m.OOMKills() == kills; i++ {
		e.m.Refill()
		va := base + mm.VirtAddr(i)*pg
		var r Result
		n, stacks := pagodaAllocs(t, func() { r = e.cur.HandleFault(va, Write) })
		if r != Resolved {
			t.Fatalf("fault %d: %v", i, r)
		}
		if e.m.OOMKills() > kills && n != 0 {
			t.Fatalf("%d allocations in the fault that killed: %v", n, stacks)
		}
	}
	if _, killed := a.Killed(); !killed {
		t.Fatal("no kill")
	}
}

// The victim is the address space with the largest badness; a tie goes
// to the one created first, and an address space with a badness of 0 is
// never chosen, even when every one is at 0 (then nothing is killed and
// the access fails). Memory is exhausted by taking every free frame for
// the kernel after the reserves are drained, so that the only way to
// make room is a kill.
func TestOOMKillVictimChoice(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pages  []uint64 // pages written in each address space, in creation order
		faults int      // the address space that faults
		victim int      // -1: none
	}{
		{"every space idle, the first faults", []uint64{0, 0, 0}, 0, -1},
		{"every space idle, the last faults", []uint64{0, 0, 0}, 2, -1},
		{"tie, a smaller space faults", []uint64{4, 4, 1}, 2, 0},
		{"tie, the later of the two faults", []uint64{4, 4}, 1, 0},
		{"tie, the earlier of the two faults", []uint64{4, 4}, 0, 0},
		{"the largest, whatever its place", []uint64{2, 5, 5, 1}, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			e.m.SetOOMPolicy(OOMKill)
			bases := make([]mm.VirtAddr, len(tc.pages))
			for i, n := range tc.pages {
				if i > 0 {
					e.newSpace()
				}
				// One page more than written: the faulting access
				// goes to it, below tables that already exist.
				bases[i] = e.mmap(0, (n+1)*pg, rw, priv)
				for p := range n {
					e.write(bases[i]+mm.VirtAddr(p)*pg, stamp(p, uint64(i)))
				}
			}
			e.m.Drain()
			var hog []mm.PFN
			for {
				pfn, err := e.mem.Frames.Alloc(0, frame.Kernel)
				if err != nil {
					break
				}
				hog = append(hog, pfn)
			}
			e.use(e.spaces[tc.faults])
			r := e.fault(bases[tc.faults]+mm.VirtAddr(tc.pages[tc.faults])*pg, Write)
			for i, as := range e.spaces {
				if _, killed := as.Killed(); killed != (i == tc.victim) {
					t.Errorf("address space %d (%d pages) killed %v, want victim %d", i, tc.pages[i], killed, tc.victim)
				}
			}
			wantKills, wantResult := uint64(1), Resolved
			if tc.victim < 0 {
				wantKills = 0
			}
			if tc.victim < 0 || tc.victim == tc.faults {
				wantResult = OOM
			}
			if e.m.OOMKills() != wantKills || r != wantResult {
				t.Errorf("fault %v, %d kills; want %v, %d", r, e.m.OOMKills(), wantResult, wantKills)
			}
			for i, as := range e.spaces {
				if _, killed := as.Killed(); killed || i == tc.faults {
					continue
				}
				e.use(as)
				for p := range tc.pages[i] {
					if got := e.read(bases[i]+mm.VirtAddr(p)*pg, 16); string(got) != string(stamp(p, uint64(i))) {
						t.Fatalf("page %d of surviving address space %d: %x", p, i, got)
					}
				}
			}
			for _, pfn := range hog {
				e.mem.Frames.Free(pfn, 0)
			}
			for _, as := range e.spaces {
				if _, killed := as.Killed(); killed {
					as.Reap()
				}
			}
			e.check()
			e.destroyAll()
		})
	}
}

// hogAndFault takes every free frame for the kernel (the reserves
// drained first), makes a write fault in address space as at va, and
// gives the frames back: the OOM killer has then run if the policy is
// OOMKill. It returns the fault's result.
func (e *env) hogAndFault(as *AddressSpace, va mm.VirtAddr) Result {
	e.m.Drain()
	var hog []mm.PFN
	for {
		pfn, err := e.mem.Frames.Alloc(0, frame.Kernel)
		if err != nil {
			break
		}
		hog = append(hog, pfn)
	}
	e.use(as)
	r := e.fault(va, Write)
	for _, pfn := range hog {
		e.mem.Frames.Free(pfn, 0)
	}
	return r
}

// Badness counts page-table pages and swap entries with the RSS, as
// Linux's oom_badness: a space with fewer pages mapped is chosen over
// one with more when its page tables (one per 2 MiB it touches) or its
// swap entries make up the difference, and only then. oom_score_adj
// shifts the choice, and -1000 exempts a space.
func TestOOMBadness(t *testing.T) {
	for _, tc := range []struct {
		name    string
		big     uint64 // pages written, contiguous, in the first space
		small   uint64 // pages written in the second space
		spread  bool   // the second space's pages 2 MiB apart (a page table each)
		swapped uint64 // of the second space's pages, pushed to swap
		adj     [2]int // oom_score_adj of the two
		victim  int
	}{
		{"larger RSS", 40, 25, false, 0, [2]int{}, 0},
		{"page tables outweigh a larger RSS", 40, 25, true, 0, [2]int{}, 1},
		{"swap entries outweigh a larger RSS", 40, 45, false, 40, [2]int{}, 1},
		{"swap entries that do not", 40, 36, false, 30, [2]int{}, 0},
		{"oom_score_adj", 40, 25, false, 0, [2]int{0, 500}, 1},
		{"oom_score_adj -1000", 40, 25, true, 0, [2]int{0, -1000}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			if tc.swapped > 0 { // exactly the slots the pages take
				e.enableSwap("fifo", int(tc.swapped)+1)
			}
			e.m.SetOOMPolicy(OOMKill)
			// The second space first: fifo evicts its pages first.
			small := e.cur
			step := uint64(1)
			if tc.spread {
				step = 512
			}
			sb := e.mmap(0, tc.small*step*pg, rw, priv|MapNoReserve)
			for p := range tc.small {
				e.write(sb+mm.VirtAddr(p*step)*pg, stamp(p, 2))
			}
			if got := e.m.Reclaim(int(tc.swapped), true); got != int(tc.swapped) {
				t.Fatalf("%d pages to swap, want %d", got, tc.swapped)
			}
			big := e.newSpace()
			bb := e.mmap(0, tc.big*pg, rw, priv)
			for p := range tc.big {
				e.write(bb+mm.VirtAddr(p)*pg, stamp(p, 1))
			}
			third := e.newSpace()
			tb := e.mmap(0, 2*pg, rw, priv)
			e.write(tb, stamp(0, 3))
			must := func(err error) {
				if err != nil {
					t.Fatal(err)
				}
			}
			must(big.SetOOMScoreAdj(tc.adj[0]))
			must(small.SetOOMScoreAdj(tc.adj[1]))
			kb, _ := big.Badness()
			ks, _ := small.Badness()
			scores := [2]int64{big.OOMScore(), small.OOMScore()}
			if ks.Swap != tc.swapped || ks.RSS != tc.small-tc.swapped || (tc.spread && ks.Tables < tc.small) {
				t.Fatalf("second space's badness %+v", ks)
			}
			r := e.hogAndFault(third, tb+pg)
			spaces := [2]*AddressSpace{big, small}
			for i, as := range spaces {
				if _, killed := as.Killed(); killed != (i == tc.victim) {
					t.Errorf("space %d (badness %+v) killed %v; the other %+v", i, []Kill{kb, ks}[i], killed, []Kill{kb, ks}[1-i])
				}
			}
			if r != Resolved || e.m.OOMKills() != 1 {
				t.Errorf("fault %v, %d kills", r, e.m.OOMKills())
			}
			t.Logf("badness: first %+v, second %+v; oom_score %v", kb, ks, scores)
			if (scores[tc.victim] <= scores[1-tc.victim]) || (tc.adj[1] == OOMScoreAdjMin) != (scores[1] == 0) {
				t.Errorf("oom_score %v, victim %d", scores, tc.victim)
			}
			spaces[tc.victim].Reap()
			e.check()
			e.destroyAll()
		})
	}
}
