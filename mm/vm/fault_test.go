//go:build !tamago

package vm

import (
	"fmt"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// The fault path must not allocate (fault.go). Each test makes every run
// take its path on a page of its own, set up beforehand, and checks
// afterwards that the path was taken as often as the runs.

const allocRuns = 100

// faultPages maps allocRuns+1 pages (AllocsPerRun runs once more to warm
// up) of private read-write memory in a fresh environment.
func faultPages(t *testing.T) (*env, mm.VirtAddr) {
	e := newEnv(t)
	return e, e.mmap(winStart, (allocRuns+1)*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
}

// faultAllocs measures the allocations of access faults on consecutive
// pages from base and checks that counter moved once per fault.
func faultAllocs(t *testing.T, e *env, base mm.VirtAddr, a Access, counter *uint64) {
	t.Helper()
	before := *counter
	va := base
	allocs := testing.AllocsPerRun(allocRuns, func() {
		if e.cur.HandleFault(va, a) != Resolved {
			panic("fault not resolved")
		}
		va += pg
	})
	if allocs != 0 {
		t.Errorf("%v allocations per fault", allocs)
	}
	if n := *counter - before; n != allocRuns+1 {
		t.Errorf("%d faults took the path, want %d", n, allocRuns+1)
	}
	e.check()
}

func TestFaultAllocsDemandZero(t *testing.T) {
	e, base := faultPages(t)
	faultAllocs(t, e, base, Write, &e.cur.Stats.AnonFaults)
}

func TestFaultAllocsZeroPage(t *testing.T) {
	e, base := faultPages(t)
	faultAllocs(t, e, base, Read, &e.cur.Stats.ZeroFaults)
}

// The parent's pages are shared with a live child: every write copies.
func TestFaultAllocsCOWCopy(t *testing.T) {
	e, base := faultPages(t)
	e.write(base, make([]byte, (allocRuns+1)*pg))
	e.fork()
	faultAllocs(t, e, base, Write, &e.cur.Stats.COWFaults)
}

// The child is gone: every write reuses the frame in place.
func TestFaultAllocsCOWReuse(t *testing.T) {
	e, base := faultPages(t)
	e.write(base, make([]byte, (allocRuns+1)*pg))
	e.destroy(e.fork())
	faultAllocs(t, e, base, Write, &e.cur.Stats.COWReused)
}

// The shared anonymous faults allocate nothing either: the object's
// page index and tmpfs table are made at mmap. A first touch fills a
// hole of the object (charged, zeroed).
func TestFaultAllocsSharedHole(t *testing.T) {
	e := newEnv(t)
	base := e.mmap(winStart, (allocRuns+1)*pg, ProtRead|ProtWrite, MapShared|MapAnonymous)
	faultAllocs(t, e, base, Write, &e.cur.Stats.SharedFaults)
	if e.cur.LastKind != KindFileHit || e.cache.Stats.Cached != allocRuns+1 {
		t.Fatalf("last fault %v, %d pages cached", e.cur.LastKind, e.cache.Stats.Cached)
	}
}

// A page the object caches already (here after MADV_DONTNEED dropped
// the PTEs): a page-cache hit.
func TestFaultAllocsSharedHit(t *testing.T) {
	e := newEnv(t)
	base := e.mmap(winStart, (allocRuns+1)*pg, ProtRead|ProtWrite, MapShared|MapAnonymous)
	e.write(base, make([]byte, (allocRuns+1)*pg))
	e.must(e.cur.Madvise(base, (allocRuns+1)*pg, AdviceDontNeed))
	faultAllocs(t, e, base, Read, &e.cur.Stats.FileFaults)
	if e.cur.LastKind != KindFileHit || e.cache.Stats.Cached != allocRuns+1 || e.cur.Stats.SharedFaults != 2*(allocRuns+1) {
		t.Fatalf("last fault %v, %d pages cached, %d shared faults", e.cur.LastKind, e.cache.Stats.Cached, e.cur.Stats.SharedFaults)
	}
}

// A page of the object in swap: read back by tmpfs in the fault, polled.
func TestFaultAllocsSharedSwapIn(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("clock", 1024)
	base := e.mmap(winStart, (allocRuns+1)*pg, ProtRead|ProtWrite, MapShared|MapAnonymous)
	e.write(base, make([]byte, (allocRuns+1)*pg))
	e.swapAllOut()
	if n := e.shm.Statfs().Swapped; n != allocRuns+1 {
		t.Fatalf("%d pages in swap, want %d", n, allocRuns+1)
	}
	faultAllocs(t, e, base, Read, &e.cur.Stats.MajFaults)
	if e.cur.LastKind != KindFileMajor {
		t.Fatalf("last fault %v", e.cur.LastKind)
	}
}

// TestFaultAllocsRmap: with reclaim on, the faults that give a page its
// place in the reverse map allocate nothing either: a new page in its
// VMA's object, a copy in the writer's, a page reused in place moved to
// the writer's, a shared page swapped in put in the root object.
func TestFaultAllocsRmap(t *testing.T) {
	for _, tc := range []struct {
		name    string
		a       Access
		setup   func(e *env, base mm.VirtAddr)
		counter func(as *AddressSpace) *uint64
	}{
		{"demand-zero", Write, func(*env, mm.VirtAddr) {}, func(as *AddressSpace) *uint64 { return &as.Stats.AnonFaults }},
		{"cow-copy", Write, func(e *env, base mm.VirtAddr) {
			e.write(base, make([]byte, (allocRuns+1)*pg))
			e.fork()
		}, func(as *AddressSpace) *uint64 { return &as.Stats.COWFaults }},
		{"cow-reuse", Write, func(e *env, base mm.VirtAddr) {
			e.write(base, make([]byte, (allocRuns+1)*pg))
			e.destroy(e.fork())
		}, func(as *AddressSpace) *uint64 { return &as.Stats.COWReused }},
		{"swap-in-shared", Read, func(e *env, base mm.VirtAddr) {
			e.write(base, make([]byte, (allocRuns+1)*pg))
			e.fork()
			e.swapAllOut()
		}, func(as *AddressSpace) *uint64 { return &as.Stats.SwapFaults }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := rmapEnv(t)
			base := e.mmap(winStart, (allocRuns+1)*pg, rw, priv)
			tc.setup(e, base)
			faultAllocs(t, e, base, tc.a, tc.counter(e.cur))
		})
	}
}

// Benchmarks of the fault path, through HandleFault: batches of
// benchPages faults, with the reset between batches untimed.

const benchPages = 1024

func benchFault(b *testing.B, a Access, setup func(e *env, base mm.VirtAddr), reset func(e *env, base mm.VirtAddr)) {
	e := newEnv(b)
	e.nocheck = true
	base := e.mmap(winStart, benchPages*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	setup(e, base)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for range b.N {
		if i == benchPages {
			b.StopTimer()
			reset(e, base)
			i = 0
			b.StartTimer()
		}
		if i%128 == 0 {
			// The reserve holds 256 frames; refilling it is not the
			// fault path (the kernel does it between pages), so it is
			// left out of the timing.
			b.StopTimer()
			e.m.Refill()
			b.StartTimer()
		}
		if e.cur.HandleFault(base+mm.VirtAddr(i)*pg, a) != Resolved {
			b.Fatal("fault not resolved")
		}
		i++
	}
}

func dropAll(e *env, base mm.VirtAddr) {
	if err := e.cur.Madvise(base, benchPages*pg, AdviceDontNeed); err != nil {
		panic(err)
	}
}

func BenchmarkFaultDemandZero(b *testing.B) {
	benchFault(b, Write, func(*env, mm.VirtAddr) {}, dropAll)
}

func BenchmarkFaultZeroPage(b *testing.B) {
	benchFault(b, Read, func(*env, mm.VirtAddr) {}, dropAll)
}

// BenchmarkFaultCOW copies pages the parent shares with a live child.
func BenchmarkFaultCOW(b *testing.B) {
	var child *AddressSpace
	share := func(e *env, base mm.VirtAddr) {
		for i := range benchPages {
			e.m.Refill()
			if e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Write) != Resolved {
				panic("COW setup: fault not resolved")
			}
		}
		var err error
		if child, err = e.cur.Fork(); err != nil {
			panic(err)
		}
	}
	benchFault(b, Write, share, func(e *env, base mm.VirtAddr) {
		child.Destroy()
		dropAll(e, base)
		share(e, base)
	})
}

// BenchmarkFindVMA looks up VMAs among n: the time must grow with log n.
func BenchmarkFindVMA(b *testing.B) {
	for _, n := range []int{10, 1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			e := newEnv(b)
			as := e.cur
			for i := range n {
				prot := ProtRead
				if i%2 == 1 {
					prot |= ProtWrite // alternating, so that they do not merge
				}
				if _, err := as.Mmap(winStart+mm.VirtAddr(i)*pg, pg, prot, MapPrivate|MapAnonymous|MapFixed); err != nil {
					b.Fatal(err)
				}
			}
			if len(as.vmas) != n {
				b.Fatalf("%d VMAs, want %d", len(as.vmas), n)
			}
			var probe [1024]mm.VirtAddr
			x := uint64(1)
			for i := range probe {
				x = x*6364136223846793005 + 1442695040888963407
				probe[i] = winStart + mm.VirtAddr((x>>33)%uint64(n))*pg + mm.VirtAddr(x%pg)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if as.findVMA(probe[i&1023]) < 0 {
					b.Fatal("VMA not found")
				}
			}
		})
	}
}

// TestFaults: what each kind of fault leaves in the page table.
func TestFaults(t *testing.T) {
	e := newEnv(t)
	as := e.cur
	zero := e.m.ZeroPage()
	rw := e.mmap(winStart, 8*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	ro := e.mmap(rw+8*pg, 2*pg, ProtRead, MapPrivate|MapAnonymous)
	rx := e.mmap(ro+2*pg, 2*pg, ProtRead|ProtExec, MapPrivate|MapAnonymous)
	for _, c := range []struct {
		name   string
		va     mm.VirtAddr
		a      Access
		want   Result
		frame  string // "zero", "new", "same" (as before), "none"
		write  bool   // PTE writable afterwards
		stat   *uint64
		before func()
	}{
		{name: "read of untouched maps the zero page", va: rw, a: Read, want: Resolved, frame: "zero", stat: &as.Stats.ZeroFaults},
		{name: "write of untouched maps a fresh frame", va: rw + pg, a: Write, want: Resolved, frame: "new", write: true, stat: &as.Stats.AnonFaults},
		{name: "write after read copies away from the zero page", va: rw + 2*pg, a: Write, want: Resolved, frame: "new", write: true,
			stat: &as.Stats.COWFaults, before: func() { e.read(rw+2*pg, 1) }},
		{name: "write to a private page is no fault", va: rw + pg, a: Write, want: Resolved, frame: "same", write: true},
		{name: "no VMA", va: rw - pg, a: Read, want: SegvNotMapped, frame: "none", stat: &as.Stats.Segv},
		{name: "no VMA past the end", va: rx + 2*pg, a: Write, want: SegvNotMapped, frame: "none", stat: &as.Stats.Segv},
		{name: "write to read-only", va: ro, a: Write, want: SegvProtection, frame: "none", stat: &as.Stats.Segv},
		{name: "write to read-only after read", va: ro + pg, a: Write, want: SegvProtection, frame: "zero", stat: &as.Stats.Segv,
			before: func() { e.read(ro+pg, 1) }},
		{name: "exec of non-exec", va: rw + 3*pg, a: Exec, want: SegvProtection, frame: "none", stat: &as.Stats.Segv},
		{name: "exec of non-exec, present", va: rw + pg, a: Exec, want: SegvProtection, frame: "same", write: true, stat: &as.Stats.Segv},
		{name: "exec of exec", va: rx, a: Exec, want: Resolved, frame: "zero", stat: &as.Stats.ZeroFaults},
	} {
		if c.before != nil {
			c.before()
		}
		old := pte(as, c.va)
		var stat uint64
		if c.stat != nil {
			stat = *c.stat
		}
		if got := e.fault(c.va, c.a); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		if c.stat != nil && *c.stat != stat+1 {
			t.Errorf("%s: counter went from %d to %d", c.name, stat, *c.stat)
		}
		l := pte(as, c.va)
		pfn := l.Addr().PFN()
		switch c.frame {
		case "none":
			if l != 0 {
				t.Errorf("%s: PTE %#x", c.name, l)
			}
		case "zero":
			if l&pt.Present == 0 || pfn != zero {
				t.Errorf("%s: PTE %#x, want the zero page", c.name, l)
			}
		case "new":
			if l&pt.Present == 0 || pfn == zero || pfn == old.Addr().PFN() {
				t.Errorf("%s: PTE %#x (was %#x), want a new frame", c.name, l, old)
			}
		case "same":
			if pfn != old.Addr().PFN() {
				t.Errorf("%s: PTE %#x, was %#x", c.name, l, old)
			}
		}
		if c.frame != "none" && (l&pt.Writable != 0) != c.write {
			t.Errorf("%s: PTE %#x, writable should be %v", c.name, l, c.write)
		}
	}
	if as.RSS() != 2 {
		t.Errorf("RSS %d, want 2", as.RSS())
	}
	e.destroyAll()
}

// A fault on a page already mapped as the access needs (another CPU's
// fix, a stale TLB entry) is resolved without change.
func TestSpuriousFault(t *testing.T) {
	e := newEnv(t)
	as := e.cur
	for _, flags := range []Flags{priv, shar} {
		va := e.mmap(0, pg, rw, flags)
		e.write(va, pattern(1))
		old, stats := pte(as, va), as.Stats
		for _, a := range []Access{Read, Write} {
			if r := as.HandleFault(va, a); r != Resolved {
				t.Fatalf("%v: spurious %v fault: %v", flags, a, r)
			}
			e.check()
		}
		if pte(as, va) != old || as.Stats.AnonFaults != stats.AnonFaults || as.Stats.COWFaults != stats.COWFaults || as.Stats.PagesAlloced != stats.PagesAlloced {
			t.Fatalf("%v: spurious faults changed PTE %#x to %#x, stats %+v to %+v", flags, old, pte(as, va), stats, as.Stats)
		}
	}
	e.destroyAll()
}
