//go:build !tamago

package vm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// clusterDev is a swap device that records the page vectors it moves:
// their first slot and length, and whether they were reads.
type clusterDev struct {
	*swap.MemDevice
	set *swap.Set
	log []vector
}

type vector struct {
	read        bool
	first, n    uint64
	freeOrCache bool // some slot of a read was free or cached already when it came
}

func (d *clusterDev) record(read bool, sector uint64, pages []mm.PhysAddr) {
	v := vector{read: read, first: sector / (pg / 512), n: uint64(len(pages))}
	if read {
		for s := v.first; s < v.first+v.n; s++ {
			e := swap.Entry(uint64(1)<<35 | s) // area 0
			if _, cached := d.set.Cache(e); cached || d.set.Refs(e) == 0 {
				v.freeOrCache = true
			}
		}
	}
	d.log = append(d.log, v)
}

func (d *clusterDev) ReadPages(sector uint64, pages []mm.PhysAddr) error {
	d.record(true, sector, pages)
	return d.MemDevice.ReadPages(sector, pages)
}

func (d *clusterDev) ReadPagesPhys(sector uint64, pages []mm.PhysAddr) error {
	d.record(true, sector, pages)
	return d.MemDevice.ReadPagesPhys(sector, pages)
}

func (d *clusterDev) WritePagesPhys(sector uint64, pages []mm.PhysAddr) error {
	d.record(false, sector, pages)
	return d.MemDevice.WritePagesPhys(sector, pages)
}

// enableClusterSwap is enableSwap on a recording device.
func (e *env) enableClusterSwap(policy string, pages int) *clusterDev {
	e.t.Helper()
	e.m.Swap = swap.NewSet()
	dev := &clusterDev{MemDevice: swap.NewMemDevice(pages), set: e.m.Swap}
	if _, err := e.m.Swap.On(dev, 0, true); err != nil {
		e.t.Fatal(err)
	}
	if err := e.m.EnableReclaim(policy, e.cache, nil); err != nil {
		e.t.Fatal(err)
	}
	return dev
}

// TestSwapClusters: reclaim writes the pages it evicts together in
// vectors of consecutive slots, at most swapOutMax pages each, every page
// once; a sequential read back, by the ring-0 path (polled) and the
// retry path (sleeping), reads each page once, in vectors that lie in
// one aligned readahead window of at most swapRAMax slots and hold only
// slots in use and not cached, the faulting one among them; far fewer
// vectors than pages once readahead has grown. Every page comes back
// intact.
func TestSwapClusters(t *testing.T) {
	const n = 200
	for _, retry := range []bool{false, true} {
		t.Run(fmt.Sprint("retry=", retry), func(t *testing.T) {
			e := newEnv(t)
			dev := e.enableClusterSwap("clock", 1024)
			base := e.mmap(0, n*pg, rw, priv)
			for i := range uint64(n) {
				e.write(base+mm.VirtAddr(i)*pg, stamp(i, 9))
			}
			e.swapAllOut()
			writes := 0
			for _, v := range dev.log {
				if v.read || v.n == 0 || v.n > swapOutMax {
					t.Fatalf("swap-out vector %+v", v)
				}
				writes++
			}
			if dev.PagesOut != n || writes > n/swapOutMax+4 {
				t.Fatalf("%d pages written in %d vectors; want %d in about %d", dev.PagesOut, writes, n, n/swapOutMax)
			}
			dev.log = nil
			e.retry = retry
			for i := range uint64(n) {
				va := base + mm.VirtAddr(i)*pg
				slot := leaf(e.cur, va).Entry().Slot()
				before := len(dev.log)
				if got := e.read(va, 16); string(got) != string(stamp(i, 9)) {
					t.Fatalf("page %d: %x", i, got)
				}
				for k, v := range dev.log[before:] {
					block := v.first &^ (swapRAMax - 1)
					switch {
					case !v.read || v.freeOrCache:
						t.Fatalf("page %d: vector %+v", i, v)
					case v.first+v.n > block+swapRAMax:
						t.Fatalf("page %d: vector %+v crosses its window's end %d", i, v, block+swapRAMax)
					case k == 0 && (slot < v.first || slot >= v.first+v.n):
						t.Fatalf("page %d at slot %d: first vector %+v misses it", i, slot, v)
					}
				}
			}
			if dev.PagesIn != n {
				t.Fatalf("%d pages read, want %d (each once)", dev.PagesIn, n)
			}
			if len(dev.log) > n/8 {
				t.Fatalf("%d read vectors for %d pages read in order", len(dev.log), n)
			}
			e.check()
			e.destroyAll()
		})
	}
}

// TestSwapClusterReadError: an error in a readahead vector costs the
// fault nothing when its own slot reads (it is read again alone), leaves
// none of the vector's pages in the swap cache, and makes only the bad
// slot's own fault fail, until the slot reads again.
func TestSwapClusterReadError(t *testing.T) {
	for _, retry := range []bool{false, true} {
		t.Run(fmt.Sprint("retry=", retry), func(t *testing.T) {
			e := newEnv(t)
			dev := e.enableClusterSwap("clock", 1024)
			const n = 64
			base := e.mmap(0, n*pg, rw, priv)
			for i := range uint64(n) {
				e.write(base+mm.VirtAddr(i)*pg, stamp(i, 2))
			}
			e.swapAllOut()
			e.retry = retry
			at := func(i int) mm.VirtAddr { return base + mm.VirtAddr(i)*pg }
			// Pages 0 and 1 grow the window; then slot of page 20 is bad,
			// inside the window page 2's fault reads ahead.
			for i := range 2 {
				e.read(at(i), 16)
			}
			bad := leaf(e.cur, at(20)).Entry()
			dev.BadReads = map[uint64]bool{bad.Slot(): true}
			if got := e.read(at(2), 16); string(got) != string(stamp(2, 2)) {
				t.Fatalf("page 2: %x", got)
			}
			if _, cached := e.m.Swap.Cache(bad); cached {
				t.Fatal("the bad slot's page is in the swap cache")
			}
			e.check()
			failed := 0
			for i := 3; i < n; i++ {
				got := make([]byte, 16)
				err := e.access(at(i), got, Read)
				switch {
				case i == 20 && resultOf(err) == SigBusIO:
					failed++
				case err != nil:
					t.Fatalf("page %d: %v", i, err)
				case string(got) != string(stamp(uint64(i), 2)):
					t.Fatalf("page %d: %x", i, got)
				}
			}
			if failed != 1 {
				t.Fatalf("%d faults failed, want the bad slot's", failed)
			}
			dev.BadReads = nil
			if got := e.read(at(20), 16); string(got) != string(stamp(20, 2)) {
				t.Fatalf("page 20 once readable: %x", got)
			}
			e.check()
			e.destroyAll()
		})
	}
}

// TestSwapOutClusterWriteError: a write error in one vector keeps that
// vector's pages mapped and intact and frees their slots; the scan goes
// on to other pages until it has freed what it was asked; slot counts match the PTEs naming
// them (e.check); once the device writes again, the kept pages go too.
// Pages shared copy-on-write by a fork go in the same vectors, one slot
// with a reference for each side.
func TestSwapOutClusterWriteError(t *testing.T) {
	e := newEnv(t)
	dev := e.enableClusterSwap("clock", 1024)
	const n = 3 * swapOutMax
	base := e.mmap(0, n*pg, rw, priv)
	for i := range uint64(n) {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, 4))
	}
	parent := e.cur
	child := e.fork()
	e.use(parent)
	// Slots are handed out in order from 1: make the second batch's
	// vector fail.
	dev.BadWrites = map[uint64]bool{swapOutMax + 5: true}
	if freed := e.m.Reclaim(2*swapOutMax, false); freed != 2*swapOutMax {
		t.Fatalf("reclaim freed %d, want %d", freed, 2*swapOutMax)
	}
	e.check()
	kept := 0
	for i := range uint64(n) {
		l := leaf(parent, base+mm.VirtAddr(i)*pg)
		if l.State == LeafSwap {
			if r := e.m.Swap.Refs(l.Entry()); r != 2 {
				t.Fatalf("page %d: slot %d has %d references, want 2 (parent and child)", i, l.Entry().Slot(), r)
			}
			continue
		}
		kept++
	}
	if kept != swapOutMax || e.m.ReclaimStats().WriteErrors != uint64(kept) {
		t.Fatalf("%d pages kept, %d write errors; want one vector's, %d", kept, e.m.ReclaimStats().WriteErrors, swapOutMax)
	}
	if used := e.m.Swap.Areas()[0].Used(); used != uint64(n-kept) {
		t.Fatalf("%d slots in use, want %d", used, n-kept)
	}
	dev.BadWrites = nil
	e.swapAllOut()
	for _, as := range []*AddressSpace{parent, child} {
		e.use(as)
		for i := range uint64(n) {
			va := base + mm.VirtAddr(i)*pg
			if as == parent && leaf(as, va).State != LeafSwap {
				t.Fatalf("page %d not swapped out once the device wrote again", i)
			}
			if got := e.read(va, 16); string(got) != string(stamp(i, 4)) {
				t.Fatalf("as %d page %d: %x", as.ID, i, got)
			}
		}
	}
	e.check()
	e.destroyAll()
}

// TestRandomSwapClusters runs seeded sequences of page writes, reads
// (each kind of fault), reclaims of random sizes, munmaps of single pages
// (holes in the slot runs) and injected read and write errors on random
// slots against a map of what each page holds: every read returns the
// model's bytes or, on an injected read error of the page's own slot, an
// I/O bus error; the invariants (slot counts against PTEs, the swap
// cache's references) hold after every step.
func TestRandomSwapClusters(t *testing.T) {
	steps := 3000
	if testing.Short() {
		steps = 500
	}
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 77))
			e := newEnv(t)
			dev := e.enableClusterSwap("lru2q", 2048)
			e.retry = seed%2 == 0
			const n = 256
			base := e.mmap(0, n*pg, rw, priv)
			model := map[uint64][]byte{} // page -> its first 16 bytes; absent: never written (zero)
			mapped := map[uint64]bool{}
			for i := range uint64(n) {
				mapped[i] = true
			}
			for step := range steps {
				i := uint64(r.IntN(n))
				va := base + mm.VirtAddr(i)*pg
				switch op := r.IntN(10); {
				case !mapped[i]:
					e.mmap(va, pg, rw, priv|MapFixed)
					mapped[i] = true
					delete(model, i)
				case op < 3:
					b := stamp(uint64(step), seed)
					if err := e.access(va, b, Write); err != nil && resultOf(err) != SigBusIO {
						t.Fatalf("step %d: write page %d: %v", step, i, err)
					} else if err == nil {
						model[i] = b
					}
				case op < 7:
					// A run from i, in order: readahead's case.
					for k := i; k < min(i+uint64(r.IntN(40)), n); k++ {
						if !mapped[k] {
							continue
						}
						got := make([]byte, 16)
						err := e.access(base+mm.VirtAddr(k)*pg, got, Read)
						want, ok := model[k]
						if !ok {
							want = make([]byte, 16)
						}
						switch {
						case err != nil && resultOf(err) == SigBusIO && len(dev.BadReads) > 0:
						case err != nil:
							t.Fatalf("step %d: read page %d: %v", step, k, err)
						case string(got) != string(want):
							t.Fatalf("step %d: page %d reads %x, want %x", step, k, got, want)
						}
					}
				case op < 8:
					e.m.Reclaim(1+r.IntN(3*swapOutMax), false)
				case op < 9:
					e.must(e.cur.Munmap(va, pg))
					mapped[i] = false
					delete(model, i)
				default:
					dev.BadReads, dev.BadWrites = nil, nil
					if r.IntN(3) == 0 {
						dev.BadReads = map[uint64]bool{uint64(1 + r.IntN(300)): true}
					}
					if r.IntN(3) == 0 {
						dev.BadWrites = map[uint64]bool{uint64(1 + r.IntN(300)): true}
					}
				}
				e.check()
			}
			if e.m.Swap.Stats.SwapOuts == 0 || e.m.Swap.Stats.Readahead == 0 {
				t.Fatalf("swap %+v: no swap-out or no readahead", e.m.Swap.Stats)
			}
			e.destroyAll()
		})
	}
}
