//go:build !tamago

package vm

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// enableSwap turns reclaim on with policy and gives the MM one swap area
// of pages pages, where the objects of shared anonymous mappings send
// their pages too.
func (e *env) enableSwap(policy string, pages int) *swap.MemDevice {
	e.t.Helper()
	dev := swap.NewMemDevice(pages)
	e.m.Swap = swap.NewSet()
	if _, err := e.m.Swap.On(dev, 0, true); err != nil {
		e.t.Fatal(err)
	}
	if err := e.m.EnableReclaim(policy, e.cache, nil); err != nil {
		e.t.Fatal(err)
	}
	if err := e.shm.SetSwap(TmpfsSwap{e.m}); err != nil {
		e.t.Fatal(err)
	}
	slots, _ := e.m.Swap.Totals()
	e.m.SetSwapPages(slots)
	return dev
}

// stamp is the content the tests give page i: its index and a seed.
func stamp(i, seed uint64) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, i)
	binary.LittleEndian.PutUint64(b[8:], seed)
	return b
}

// TestReclaimRandom: a working set four times the memory, written and
// then read in random order, every page checked, under each policy.
func TestReclaimRandom(t *testing.T) {
	for _, policy := range Policies {
		t.Run(policy, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			e.enableSwap(policy, 8192)
			e.nocheck = true
			managed := e.mem.Frames.Stats().ManagedPages
			pages := 4 * managed
			base := e.mmap(0, pages*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
			rng := rand.New(rand.NewPCG(1, 2))
			for k, i := range rng.Perm(int(pages)) {
				e.write(base+mm.VirtAddr(i)*pg, stamp(uint64(i), 7))
				if k%512 == 0 {
					e.nocheck = false
					e.check()
					e.nocheck = true
				}
			}
			for k, i := range rng.Perm(int(pages)) {
				got := e.read(base+mm.VirtAddr(i)*pg, 16)
				if string(got) != string(stamp(uint64(i), 7)) {
					t.Fatalf("page %d reads %x", i, got)
				}
				if k%512 == 0 {
					e.nocheck = false
					e.check()
					e.nocheck = true
				}
			}
			st := e.m.Swap.Stats
			rs := e.m.ReclaimStats()
			if st.SwapOuts == 0 || st.SwapIns == 0 || rs.Steal == 0 {
				t.Fatalf("swap %+v reclaim %+v: nothing went to swap and back", st, rs)
			}
			t.Logf("%s: %d pages over %d managed: pswpout %d pswpin %d readahead %d, scan %d steal %d, swap-cache hits %d",
				policy, pages, managed, st.SwapOuts, st.SwapIns, st.Readahead, rs.Scan, rs.Steal, rs.SwapCacheHit)
			e.nocheck = false
			e.check()
			e.destroyAll()
		})
	}
}

// swapAllOut reclaims until nothing more goes.
func (e *env) swapAllOut() {
	for e.m.Reclaim(1<<20, false) > 0 {
	}
	e.check()
}

// TestSwapFork: a page shared copy-on-write by a fork is written to swap
// once (one slot, two references) and read back once; then each side's
// writes stay its own.
func TestSwapFork(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("clock", 1024)
	const n = 16
	base := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	for i := range uint64(n) {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, 1))
	}
	child := e.fork()
	parent := e.cur
	e.swapAllOut()
	if got := e.m.Swap.Stats.SwapOuts; got != n {
		t.Fatalf("%d pages written to swap, want %d (once each)", got, n)
	}
	for i := range uint64(n) {
		p := pte(parent, base+mm.VirtAddr(i)*pg)
		if leaf(parent, base+mm.VirtAddr(i)*pg).State != LeafSwap || pte(child, base+mm.VirtAddr(i)*pg) != p {
			t.Fatalf("page %d: parent %#x child %#x, want one swap entry", i, p, pte(child, base+mm.VirtAddr(i)*pg))
		}
		if r := e.m.Swap.Refs(leaf(parent, base+mm.VirtAddr(i)*pg).Entry()); r != 2 {
			t.Fatalf("page %d: slot refs %d, want 2", i, r)
		}
	}
	for i := range uint64(n) {
		if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 1)) {
			t.Fatalf("parent page %d: %x", i, got)
		}
	}
	e.use(child)
	for i := range uint64(n) {
		if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 1)) {
			t.Fatalf("child page %d: %x", i, got)
		}
	}
	if got := e.m.Swap.Stats.SwapIns; got != n {
		t.Fatalf("%d pages read from swap, want %d: the second side finds the swap cache", got, n)
	}
	// The child writes: its own copy; the parent still reads the old.
	e.write(base, stamp(99, 99))
	e.use(parent)
	if got := e.read(base, 16); string(got) != string(stamp(0, 1)) {
		t.Fatalf("parent sees the child's write: %x", got)
	}
	// Swapped out again and the child gone: the parent's pages come
	// back as its own (writable without a copy).
	e.swapAllOut()
	e.destroy(child)
	e.write(base+pg, stamp(1, 5))
	if got := e.read(base+pg, 16); string(got) != string(stamp(1, 5)) {
		t.Fatalf("after the child: %x", got)
	}
	e.destroyAll()
	if _, used := e.m.Swap.Totals(); used != 0 {
		t.Fatalf("%d slots still used after everything is gone", used)
	}
}

// TestSwapReadError: a slot that cannot be read is a bus error for that
// page alone.
func TestSwapReadError(t *testing.T) {
	e := newEnv(t)
	dev := e.enableSwap("clock", 1024)
	base := e.mmap(0, 8*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	for i := range uint64(8) {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, 3))
	}
	e.swapAllOut()
	bad := leaf(e.cur, base+3*pg).Entry().Slot()
	dev.BadReads = map[uint64]bool{bad: true}
	if r := e.fault(base+3*pg, Read); r != SigBusIO {
		t.Fatalf("read of the bad slot: %v, want an I/O bus error", r)
	}
	for _, i := range []uint64{0, 1, 2, 4, 5, 6, 7} {
		if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 3)) {
			t.Fatalf("page %d: %x", i, got)
		}
	}
	dev.BadReads = nil
	if got := e.read(base+3*pg, 16); string(got) != string(stamp(3, 3)) {
		t.Fatalf("bad page once readable: %x", got)
	}
	e.destroyAll()
}

// TestSwapExhausted: with memory and swap full, faults are out of
// memory, and every page written before reads back.
func TestSwapExhausted(t *testing.T) {
	e := newEnvSize(t, 4<<20)
	e.enableSwap("clock", 256)
	e.nocheck = true
	pages := 3 * e.mem.Frames.Stats().ManagedPages
	// MAP_NORESERVE: the overcommit heuristic would refuse more than
	// memory and swap at mmap.
	base := e.mmap(0, pages*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous|MapNoReserve)
	var written uint64
	for ; written < pages; written++ {
		if err := e.access(base+mm.VirtAddr(written)*pg, stamp(written, 4), Write); err != nil {
			if resultOf(err) != OOM {
				t.Fatalf("page %d: %v", written, err)
			}
			break
		}
	}
	if written == pages {
		t.Fatal("never ran out of memory")
	}
	e.nocheck = false
	e.check()
	for i := range written {
		got := make([]byte, 16)
		if err := e.access(base+mm.VirtAddr(i)*pg, got, Read); err != nil {
			// Reading back may need a frame too: memory is full.
			if resultOf(err) != OOM {
				t.Fatalf("page %d: %v", i, err)
			}
			continue
		}
		if string(got) != string(stamp(i, 4)) {
			t.Fatalf("page %d: %x", i, got)
		}
	}
	e.destroyAll()
}

// TestSwapInAllocs: a swap-in fault and a swap-cache hit allocate no Go
// memory.
func TestSwapInAllocs(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("clock", 4096)
	e.nocheck = true
	const n = 200
	base := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	for i := range uint64(n) {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, 1))
	}
	e.swapAllOut()
	// AllocsPerRun calls the function once more than it counts: n
	// faults, one per page, each of whose result is kept (in an array:
	// recording must not allocate either) and checked after.
	i := 0
	var results [n]Result
	allocs := testing.AllocsPerRun(n-1, func() {
		results[i] = e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Read)
		i++
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per swap-in fault", allocs)
	}
	if i != n {
		t.Fatalf("%d faults, want %d", i, n)
	}
	for i, r := range results {
		if r != Resolved {
			t.Fatalf("swap-in fault on page %d: %v", i, r)
		}
	}
	e.nocheck = false
	e.check()
	for i := range uint64(n) {
		if got := e.read(base+mm.VirtAddr(i)*pg, 16); !bytes.Equal(got, stamp(i, 1)) {
			t.Fatalf("page %d after swap-in: %x", i, got)
		}
	}
	if e.m.ReclaimStats().SwapCacheHit == 0 || e.m.Swap.Stats.Readahead == 0 {
		t.Fatalf("no readahead or swap-cache hit: %+v", e.m.ReclaimStats())
	}
}

// TestSwapOff: swapoff brings every page back, fork-shared ones once.
func TestSwapOff(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("clock", 1024)
	const n = 32
	base := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	for i := range uint64(n) {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, 2))
	}
	child := e.fork()
	e.swapAllOut()
	a := e.m.Swap.Areas()[0]
	if err := e.m.SwapOff(a); err != nil {
		t.Fatal(err)
	}
	e.check()
	if len(e.m.Swap.Areas()) != 0 {
		t.Fatal("area still on")
	}
	if got := e.m.Swap.Stats.SwapIns; got != n {
		t.Fatalf("%d pages read, want %d", got, n)
	}
	for _, as := range []*AddressSpace{child, e.cur} {
		for i := range uint64(n) {
			if p := pte(as, base+mm.VirtAddr(i)*pg); p&pt.Present == 0 {
				t.Fatalf("as %d page %d: PTE %#x after swapoff", as.ID, i, p)
			}
		}
	}
	for i := range uint64(n) {
		if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 2)) {
			t.Fatalf("page %d: %x", i, got)
		}
	}
	e.destroyAll()
}

// TestSwapOffError: a page that cannot be read stops swapoff with EIO;
// the area stays on and nothing is lost.
func TestSwapOffError(t *testing.T) {
	e := newEnv(t)
	dev := e.enableSwap("clock", 1024)
	base := e.mmap(0, 4*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	for i := range uint64(4) {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, 6))
	}
	e.swapAllOut()
	dev.BadReads = map[uint64]bool{leaf(e.cur, base+2*pg).Entry().Slot(): true}
	a := e.m.Swap.Areas()[0]
	if err := e.m.SwapOff(a); errno(err) != "EIO" {
		t.Fatalf("swapoff: %v, want EIO", err)
	}
	e.check()
	if len(e.m.Swap.Areas()) != 1 || a.Draining {
		t.Fatal("the area should stay on, and take slots again")
	}
	dev.BadReads = nil
	for i := range uint64(4) {
		if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 6)) {
			t.Fatalf("page %d: %x", i, got)
		}
	}
	e.destroyAll()
}
