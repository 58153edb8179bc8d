//go:build !tamago

package vm

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// maxSlack is how far below memory.max a faulting workload's charge may
// settle: a fault makes room for its page, a private copy and the
// tables it may make (tableNeed), and reclaims a batch (faultBatch) at
// a time, as a Linux cgroup's charge sits up to a reclaim batch below
// memory.max.
const maxSlack = 2 + tableNeed + faultBatch

// TestMemoryMax: under memory.max of a quarter of the memory, a working
// set four times memory.max is written and read back in random order,
// then read in order (with swap readahead), by faults alone, through the ring-0 path and through user faults'
// retry: the charge
// never passes memory.max, settles just below it (not at the
// watermarks: free memory stays high), the pages go to swap and come
// back intact.
func TestMemoryMax(t *testing.T) {
	for _, retry := range []bool{false, true} {
		name := "ring0"
		if retry {
			name = "retry"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnvSize(t, 8<<20)
			e.enableSwap("lru2q", 8192)
			e.retry = retry
			e.nocheck = true
			max := e.mem.Frames.Stats().ManagedPages / 4
			e.must(e.m.SetMemoryMax(max * pg))
			if got := e.m.MemoryMax(); got != max*pg {
				t.Fatalf("MemoryMax %d, want %d", got, max*pg)
			}
			pages := 4 * max
			base := e.mmap(0, pages*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
			rng := rand.New(rand.NewPCG(3, 4))
			low := max
			pass := func(write bool, order []int) {
				// Straight through the CPU, as a command's loop
				// runs: no Refill between pages (e.access's), so the
				// faults alone keep memory.max.
				got := make([]byte, 16)
				for k, i := range order {
					va := base + mm.VirtAddr(i)*pg
					if write {
						e.must(e.cpu.Write(va, stamp(uint64(i), 9), false))
					} else {
						e.must(e.cpu.Read(va, got, false))
						if !bytes.Equal(got, stamp(uint64(i), 9)) {
							t.Fatalf("page %d reads %x", i, got)
						}
					}
					c := e.m.Charged()
					if c > max {
						t.Fatalf("access %d: charge %d over memory.max %d", k, c, max)
					}
					if k > int(2*max) {
						low = min(low, c)
					}
				}
			}
			pass(true, rng.Perm(int(pages)))
			pass(false, rng.Perm(int(pages)))
			// Written and read in order: the pages sit in order on
			// swap, and swap readahead reads up to 32 a fault, but
			// stops at memory.max.
			seq := make([]int, pages)
			for i := range seq {
				seq[i] = i
			}
			e.must(e.cur.Munmap(base, pages*pg))
			base = e.mmap(0, pages*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
			pass(true, seq)
			ra := e.m.Swap.Stats.Readahead
			pass(false, seq)
			if e.m.Swap.Stats.Readahead-ra < pages/4 {
				t.Errorf("%d pages read ahead in order", e.m.Swap.Stats.Readahead-ra)
			}
			if low+maxSlack < max {
				t.Errorf("charge fell to %d, more than %d below memory.max %d", low, maxSlack, max)
			}
			wm := e.m.Watermarks()
			if free := e.m.Frames.FreePages(); free < wm.High {
				t.Errorf("free %d below the high watermark %d: the watermarks reclaimed, not memory.max", free, wm.High)
			}
			ev := e.m.MemcgEvents()
			if ev.Max == 0 || ev.OOM != 0 || e.m.Swap.Stats.SwapOuts == 0 {
				t.Errorf("events %+v, swap-outs %d: want max events, no OOM, swap-outs", ev, e.m.Swap.Stats.SwapOuts)
			}
			t.Logf("memory.max %d pages: charge settled at %d..%d, events %+v, pswpout %d", max, low, max, ev, e.m.Swap.Stats.SwapOuts)
			e.nocheck = false
			e.check()
			e.destroyAll()
		})
	}
}

// TestMemoryMaxNoSwap: with nothing to reclaim to, the first fault
// that would pass memory.max is out of memory (memory.events' oom),
// with memory to spare, through the ring-0 path and through user
// faults' retry; freeing pages makes room again.
func TestMemoryMaxNoSwap(t *testing.T) {
	for _, retry := range []bool{false, true} {
		t.Run(map[bool]string{false: "ring0", true: "retry"}[retry], func(t *testing.T) { memoryMaxNoSwap(t, retry) })
	}
}

func memoryMaxNoSwap(t *testing.T, retry bool) {
	e := newEnvSize(t, 8<<20)
	e.retry = retry
	e.must(e.m.EnableReclaim("lru2q", e.cache, nil))
	max := uint64(256)
	e.must(e.m.SetMemoryMax(max * pg))
	base := e.mmap(0, 2*max*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	var n uint64
	for ; n < 2*max; n++ {
		if err := e.access(base+mm.VirtAddr(n)*pg, stamp(n, 1), Write); err != nil {
			if resultOf(err) != OOM {
				t.Fatalf("page %d: %v", n, err)
			}
			break
		}
	}
	if n == 2*max || n+maxSlack < max || e.m.Charged() > max {
		t.Fatalf("wrote %d pages, charge %d, memory.max %d", n, e.m.Charged(), max)
	}
	ev := e.m.MemcgEvents()
	if ev.OOM == 0 {
		t.Fatalf("events %+v: no oom", ev)
	}
	e.check()
	// A file page just under the cap, nothing clean to drop: the page
	// would fit, a fault's tables and a private copy would not. Out of
	// memory too, and counted: the fault's check and the file fault's
	// frame agree on what a fault needs.
	f, _ := e.newFile(filePattern(2, 4*pg))
	fva := e.mmapFile(0, 4*pg, ProtRead, MapShared, f, 0)
	e.must(e.m.SetMemoryMax((e.m.Charged() + 2) * pg))
	if err := e.access(fva, make([]byte, 16), Read); resultOf(err) != OOM || e.m.MemcgEvents().OOM != ev.OOM+1 {
		t.Fatalf("a file page at the cap: %v, events %+v (before %+v)", err, e.m.MemcgEvents(), ev)
	}
	e.must(e.cur.Munmap(fva, 4*pg))
	e.must(e.m.SetMemoryMax(max * pg))
	e.must(e.cur.Munmap(base, 64*pg))
	e.write(base+mm.VirtAddr(n)*pg, stamp(n, 1))
	e.check()
	// Lowering memory.max below the charge, with nothing to reclaim,
	// says so (the limit is set: the next charges fail).
	if err := e.m.SetMemoryMax(64 * pg); !errors.Is(err, ErrNoMemory) {
		t.Fatalf("SetMemoryMax below an unreclaimable charge: %v", err)
	}
	e.must(e.m.SetMemoryMax(MaxNone))
	for i := n + 1; i < 2*max; i++ {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, 1))
	}
	e.check()
}

// writtenEnv is 8 MiB of memory under lru2q with a swap area and no
// memory.max, and n pages of private anonymous memory written, page i
// holding stamp(i, seed). It returns the pages' address.
func writtenEnv(t *testing.T, n, seed uint64) (*env, mm.VirtAddr) {
	e := newEnvSize(t, 8<<20)
	e.enableSwap("lru2q", 4096)
	base := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	for i := range n {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, seed))
	}
	return e, base
}

// TestMemoryMaxLower: lowering memory.max reclaims down to it at once,
// as a write of memory.max does.
func TestMemoryMaxLower(t *testing.T) {
	e, base := writtenEnv(t, 512, 2)
	if c := e.m.Charged(); c < 512 {
		t.Fatalf("charge %d after 512 pages", c)
	}
	e.must(e.m.SetMemoryMax(200 * pg))
	if c := e.m.Charged(); c > 200 {
		t.Fatalf("charge %d after memory.max=200 pages", c)
	}
	for i := range uint64(512) {
		if got := e.read(base+mm.VirtAddr(i)*pg, 16); !bytes.Equal(got, stamp(i, 2)) {
			t.Fatalf("page %d reads %x", i, got)
		}
	}
	e.check()
	if err := e.m.SetMemoryMax(100); !errors.Is(err, ErrInvalid) {
		t.Fatalf("memory.max of less than a page: %v", err)
	}
}

// TestMemoryMaxPageCache: reads and writes outside faults charge the
// page cache too: a file four times memory.max read through, and a
// tmpfs file of twice memory.max written, keep the charge at or below
// it, and read back intact.
func TestMemoryMaxPageCache(t *testing.T) {
	e := newEnvSize(t, 8<<20)
	e.enableSwap("lru2q", 4096)
	max := uint64(256)
	e.must(e.m.SetMemoryMax(max * pg))
	data := filePattern(5, int(4*max*pg))
	f, _ := e.newFile(data)
	if got := fileBytes(t, f); !bytes.Equal(got, data) {
		t.Fatal("file reads back wrong")
	}
	if c := e.m.Charged(); c > max {
		t.Fatalf("charge %d after reading 4×memory.max of a file", c)
	}
	// Through a mapping, by faults with file readahead (up to 31 pages
	// a fault, from the fault's stock: TakeFrame stops at memory.max).
	data2 := filePattern(6, int(4*max*pg))
	f2, _ := e.newFile(data2)
	va := e.mmapFile(0, 4*max*pg, ProtRead, MapShared, f2, 0)
	got := make([]byte, 16)
	ra := e.cache.Stats.Readahead
	for i := range 4 * max {
		e.must(e.cpu.Read(va+mm.VirtAddr(i)*pg, got, false))
		if !bytes.Equal(got, data2[i*pg:i*pg+16]) {
			t.Fatalf("mapped page %d reads %x", i, got)
		}
		if c := e.m.Charged(); c > max {
			t.Fatalf("mapped page %d: charge %d over memory.max", i, c)
		}
	}
	if n := e.cache.Stats.Readahead - ra; n < 2*max {
		t.Fatalf("%d pages read ahead by the mapping's faults", n)
	}
	e.must(e.cur.Munmap(va, 4*max*pg))
	// Not e.must: its invariants count tmpfs files as shared anonymous
	// objects, and this one is neither mapped nor closed yet.
	tf, err := e.shm.NewUnlinked("big", int64(2*max*pg))
	if err != nil {
		t.Fatal(err)
	}
	tf.Hold()
	for i := range uint64(2 * max) {
		if _, err := tf.WriteAt(stamp(i, 3), int64(i*pg)); err != nil {
			t.Fatalf("tmpfs page %d: %v", i, err)
		}
		if c := e.m.Charged(); c > max {
			t.Fatalf("tmpfs page %d: charge %d over memory.max", i, c)
		}
	}
	for i := range uint64(2 * max) {
		got := make([]byte, 16)
		if _, err := tf.ReadAt(got, int64(i*pg)); err != nil || !bytes.Equal(got, stamp(i, 3)) {
			t.Fatalf("tmpfs page %d reads %x, %v", i, got, err)
		}
	}
	if tf.SwappedPages() == 0 {
		t.Fatal("no tmpfs page went to swap")
	}
	tf.Close()
	e.check()
}

// TestMemoryMaxHuge: a huge page is taken only while its 512 pages fit
// under memory.max; past that the fault falls back to 4 KiB pages
// (thp_fault_fallback_charge), and the charge stays at or below it.
func TestMemoryMaxHuge(t *testing.T) {
	e := newHugeEnv(t)
	e.must(e.m.SetMemoryMax(3 * hugePages * pg / 2))
	_, h := e.mmapHuge(6)
	e.write(h, stamp(0, 1))
	if !hugeAt(e.cur, h) {
		t.Fatal("the first 2 MiB, under memory.max, is not a huge page")
	}
	fallback := e.cur.Stats.THPFallback
	h2 := h + hugeSize
	e.write(h2, stamp(1, 1))
	if hugeAt(e.cur, h2) || e.cur.Stats.THPFallback != fallback+1 {
		t.Fatalf("the second 2 MiB: huge %v, fallbacks %d, want 4 KiB and one more", hugeAt(e.cur, h2), e.cur.Stats.THPFallback-fallback)
	}
	for i := range mm.VirtAddr(hugePages) {
		e.write(h2+i*pg, stamp(uint64(i), 2))
		if c, max := e.m.Charged(), uint64(3*hugePages/2); c > max {
			t.Fatalf("page %d: charge %d over memory.max %d", i, c, max)
		}
	}
	e.check()
}

// TestMemoryMaxReadahead: swap readahead takes only the pages that fit
// under memory.max besides the fault's own (raRoom), where it would
// read a whole block of 32 without a limit.
func TestMemoryMaxReadahead(t *testing.T) {
	e, base := writtenEnv(t, 64, 6)
	e.swapAllOut()
	ent := leaf(e.cur, base+16*pg).Entry()
	window := func() int {
		e.m.rc.raHits = swapRAMax // as after a run of readahead hits: the widest window
		pfn, _ := e.m.anon.take()
		ents, pfns := e.cur.swapWindow(ent, pfn, false)
		for _, f := range pfns {
			e.m.PutFrame(f)
		}
		return len(ents)
	}
	full := window()
	e.m.Refill()
	e.must(e.m.SetMemoryMax((e.m.Charged() + 10) * pg))
	left := e.m.raRoom(1)
	if left <= 0 || left+1 >= full {
		t.Fatalf("raRoom %d, window %d without a limit: the test wants a limit inside the window", left, full)
	}
	if n := window(); n != left+1 {
		t.Fatalf("under memory.max the window reads %d slots, want the fault's and %d", n, left)
	}
	e.check()
}
