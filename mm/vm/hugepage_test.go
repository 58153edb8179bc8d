//go:build !tamago

package vm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// newHugeEnv is an environment of user address spaces with reclaim (the
// reverse map huge pages need), swap and THP always.
func newHugeEnv(t *testing.T) *env {
	e := newEnv(t)
	e.enableSwap("lru2q", 8192)
	e.m.SetTHP(THPAlways)
	e.user = true
	e.cur.User = true
	return e
}

// hugeAt reports whether a 2 MiB entry maps va.
func hugeAt(as *AddressSpace, va mm.VirtAddr) bool {
	_, size, ok := as.table.Leaf(va)
	return ok && size == pt.Size2M
}

// mmapHuge maps n MiB of private anonymous memory, read-write, and
// returns its first 2 MiB-aligned address.
func (e *env) mmapHuge(n int) (va, h mm.VirtAddr) {
	va = e.mmap(0, uint64(n)<<20, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	return va, (va + hugeMask) &^ hugeMask
}

// A first write maps 2 MiB with one fault; a first read maps the huge
// zero page, which a write then replaces with a huge page of its own.
func TestHugeFault(t *testing.T) {
	e := newHugeEnv(t)
	_, h := e.mmapHuge(6)
	faults := e.cur.Stats.Faults
	e.write(h+5*pg+7, []byte{42})
	for i := range hugePages {
		if got := e.read(h+mm.VirtAddr(i)*pg+7, 1)[0]; got != map[bool]byte{true: 42}[i == 5] {
			t.Fatalf("page %d reads %d", i, got)
		}
	}
	if n := e.cur.Stats.Faults - faults; n != 1 || !hugeAt(e.cur, h) || e.cur.RSS() != hugePages || e.cur.Stats.THPFaults != 1 {
		t.Fatalf("%d faults, huge %v, RSS %d, THP faults %d", n, hugeAt(e.cur, h), e.cur.RSS(), e.cur.Stats.THPFaults)
	}
	in, err := e.cur.Mincore(h, uint64(hugeSize))
	e.must(err)
	for i, ok := range in {
		if !ok {
			t.Fatalf("mincore: page %d not resident", i)
		}
	}
	z := h + hugeSize
	if e.read(z+pg, 1)[0] != 0 || !hugeAt(e.cur, z) || leaf(e.cur, z).State != LeafZero || e.cur.RSS() != hugePages {
		t.Fatalf("a read: huge %v, %v, RSS %d", hugeAt(e.cur, z), leaf(e.cur, z).State, e.cur.RSS())
	}
	e.check()
	e.write(z+3*pg, []byte{7})
	if !hugeAt(e.cur, z) || leaf(e.cur, z).State != LeafWritable || e.read(z+3*pg, 1)[0] != 7 || e.read(z+4*pg, 1)[0] != 0 {
		t.Fatalf("a write to the huge zero page: %v", leaf(e.cur, z).State)
	}
	e.check()
	sm := e.cur.Smaps()
	if len(sm) != 1 || sm[0].AnonHugePages != 2*uint64(hugeSize) || sm[0].Rss != 2*uint64(hugeSize) {
		t.Fatalf("smaps: %+v", sm)
	}
	// The LRU counts a huge page's 512 pages, as Linux's lruvec does:
	// meminfo's anonymous lists hold the two huge pages' 1,024.
	if mi := e.m.Meminfo(0, nil); mi.ActiveAnon+mi.InactiveAnon != 2*hugePages*pg || mi.AnonHugePages != 2*uint64(hugeSize) {
		t.Fatalf("meminfo: Active(anon) %d + Inactive(anon) %d bytes, AnonHugePages %d: want %d in the lists", mi.ActiveAnon, mi.InactiveAnon, mi.AnonHugePages, 2*hugePages*pg)
	}
}

// Where a huge page cannot be: not aligned inside the VMA, THP never or
// madvise without MADV_HUGEPAGE, MADV_NOHUGEPAGE, the kernel's own
// address spaces.
func TestHugeFallback(t *testing.T) {
	e := newHugeEnv(t)
	va := e.mmap(0, 3<<20, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	if va&hugeMask == 0 {
		va += pg // 3 MiB from an aligned start holds one: start one page in
	}
	for _, tc := range []struct {
		name  string
		setup func(va mm.VirtAddr, n uint64)
		huge  bool
	}{
		{"never", func(mm.VirtAddr, uint64) { e.m.SetTHP(THPNever) }, false},
		{"madvise", func(mm.VirtAddr, uint64) { e.m.SetTHP(THPMadvise) }, false},
		{"madvise hugepage", func(va mm.VirtAddr, n uint64) {
			e.m.SetTHP(THPMadvise)
			e.must(e.cur.Madvise(va, n, AdviceHugePage))
		}, true},
		{"always nohugepage", func(va mm.VirtAddr, n uint64) {
			e.m.SetTHP(THPAlways)
			e.must(e.cur.Madvise(va, n, AdviceNoHugePage))
		}, false},
		{"supervisor", func(mm.VirtAddr, uint64) { e.m.SetTHP(THPAlways); e.cur.User = false }, false},
	} {
		e.use(e.newSpace())
		n := uint64(4 << 20)
		va := e.mmap(0, n, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
		h := (va + hugeMask) &^ hugeMask
		tc.setup(va, n)
		e.write(h, []byte{1})
		if hugeAt(e.cur, h) != tc.huge {
			t.Errorf("%s: huge %v", tc.name, hugeAt(e.cur, h))
		}
		e.check()
	}
	// The VMA's first aligned 2 MiB does not fit after one page in.
	e.use(e.spaces[0])
	e.m.SetTHP(THPAlways)
	e.write(va, []byte{1})
	if hugeAt(e.cur, va) {
		t.Error("a huge page past its VMA")
	}
	e.check()
}

// Fork shares a huge page (one reference more, both read-only); a write
// gives the writer a copy of all of it, the other side keeps it, and
// without a free block for the copy the writer splits its entry and
// copies 4 KiB; after the other side is gone a write makes it writable
// in place. Exit frees all of it.
func TestHugeFork(t *testing.T) {
	e := newHugeEnv(t)
	free := e.m.Frames.FreePages()
	parent := e.cur
	_, h := e.mmapHuge(4)
	for i := range hugePages {
		e.write(h+mm.VirtAddr(i)*pg, []byte{byte(i), 1})
	}
	child := e.fork()
	if !hugeAt(child, h) || e.m.Frames.Refs(leaf(parent, h).PFN()) != 2 || leaf(parent, h).State != LeafCOW || child.RSS() != hugePages {
		t.Fatalf("after fork: child huge %v, %v", hugeAt(child, h), leaf(parent, h).State)
	}
	e.write(h+9*pg, []byte{99})
	if !hugeAt(parent, h) || !hugeAt(child, h) || leaf(parent, h).PFN() == leaf(child, h).PFN() || e.m.THPSplits() != 0 {
		t.Fatalf("a COW write: parent huge %v, child huge %v, %d splits", hugeAt(parent, h), hugeAt(child, h), e.m.THPSplits())
	}
	e.check()
	// No block free for a copy: the writer splits (the child keeps its
	// 2 MiB entry, over a split block) and copies 4 KiB.
	e.use(child)
	grandchild := e.fork()
	high := e.m.rc.wm.High
	e.m.rc.wm.High = e.m.Frames.FreePages() // allocHuge keeps free memory above it: no block (reclaim starts below Min)
	e.write(h+10*pg, []byte{77})
	e.m.rc.wm.High = high
	if hugeAt(child, h) || !hugeAt(grandchild, h) || e.m.THPSplits() != 1 {
		t.Fatalf("a COW write without a free block: child huge %v, grandchild huge %v, %d splits", hugeAt(child, h), hugeAt(grandchild, h), e.m.THPSplits())
	}
	e.check() // the grandchild's 2 MiB entry over a split block
	e.use(grandchild)
	if got := e.read(h+10*pg, 1)[0]; got != 10 {
		t.Fatalf("grandchild page 10: %d", got)
	}
	e.use(parent)
	e.destroy(grandchild)
	e.use(child)
	for i := range hugePages {
		want := []byte{byte(i), 1}
		if i == 10 {
			want[0] = 77
		}
		if got := e.read(h+mm.VirtAddr(i)*pg, 2); !bytes.Equal(got, want) {
			t.Fatalf("child page %d: %v", i, got)
		}
	}
	e.use(parent)
	if got := e.read(h+9*pg, 1)[0]; got != 99 {
		t.Fatalf("parent page 9: %d", got)
	}
	e.destroy(child)
	e.check()

	// Reuse: a huge page whose other mapping went.
	_, h2 := e.mmapHuge(4)
	e.write(h2, []byte{5})
	child = e.fork()
	e.destroy(child)
	pfn := leaf(parent, h2).PFN()
	e.write(h2+pg, []byte{6})
	if !hugeAt(parent, h2) || leaf(parent, h2).PFN() != pfn || leaf(parent, h2).State != LeafWritable {
		t.Fatalf("reuse: huge %v, %v", hugeAt(parent, h2), leaf(parent, h2).State)
	}
	e.check()
	e.destroyAll()
	if got := e.m.Frames.FreePages(); got < free {
		t.Fatalf("after exit %d frames free, %d before", got, free)
	}
}

// Every operation on part of a huge page splits it first and keeps the
// data; on all of it, the page goes whole.
func TestHugeSplitOps(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   func(e *env, h mm.VirtAddr) // then page 100 must still read its stamp, or fault as the op says
		gone func(i int) bool            // pages that read zero after
		huge bool                        // the 2 MiB at h stays huge
	}{
		{"munmap one page", func(e *env, h mm.VirtAddr) { e.must(e.cur.Munmap(h+7*pg, pg)) }, nil, false},
		{"munmap all", func(e *env, h mm.VirtAddr) { e.must(e.cur.Munmap(h, uint64(hugeSize))) }, nil, false},
		{"dontneed part", func(e *env, h mm.VirtAddr) { e.must(e.cur.Madvise(h+8*pg, 8*pg, AdviceDontNeed)) },
			func(i int) bool { return i >= 8 && i < 16 }, false},
		{"dontneed all", func(e *env, h mm.VirtAddr) { e.must(e.cur.Madvise(h, uint64(hugeSize), AdviceDontNeed)) },
			func(int) bool { return true }, true}, // the next touch maps a huge page again
		{"mprotect part", func(e *env, h mm.VirtAddr) { e.must(e.cur.Mprotect(h+pg, pg, ProtRead)) }, nil, false},
		{"mprotect all", func(e *env, h mm.VirtAddr) { e.must(e.cur.Mprotect(h, uint64(hugeSize), ProtRead)) }, nil, false},
		{"nohugepage part", func(e *env, h mm.VirtAddr) { e.must(e.cur.Madvise(h+pg, pg, AdviceNoHugePage)) }, nil, false},
		{"nohugepage all", func(e *env, h mm.VirtAddr) { e.must(e.cur.Madvise(h, uint64(hugeSize), AdviceNoHugePage)) }, nil, true},
		{"mmap fixed over part", func(e *env, h mm.VirtAddr) {
			e.mmap(h+hugeSize-pg, pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous|MapFixed)
		}, func(i int) bool { return i == hugePages-1 }, false},
		{"reclaim", func(e *env, h mm.VirtAddr) { e.m.Reclaim(hugePages+64, true) }, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newHugeEnv(t)
			_, h := e.mmapHuge(6)
			for i := range hugePages {
				e.write(h+mm.VirtAddr(i)*pg, stamp(uint64(i), 3))
			}
			child := e.fork() // shared: the child keeps its 2 MiB entry, over a split block
			tc.op(e, h)
			e.check()
			unmapped := tc.name == "munmap one page" || tc.name == "munmap all"
			for _, as := range []*AddressSpace{e.cur, child} {
				e.use(as)
				for i := range hugePages {
					va := h + mm.VirtAddr(i)*pg
					if unmapped && as != child && (tc.name == "munmap all" || i == 7) {
						continue
					}
					want := stamp(uint64(i), 3)
					if tc.gone != nil && tc.gone(i) && as != child {
						want = make([]byte, 16)
					}
					if got := e.read(va, 16); !bytes.Equal(got, want) {
						t.Fatalf("as %d page %d: %x, want %x", as.ID, i, got, want)
					}
				}
				e.use(e.spaces[0])
			}
			if unmapped {
				if r := e.fault(h+7*pg, Read); r != SegvNotMapped {
					t.Fatalf("read of an unmapped page: %v", r)
				}
			}
			if hugeAt(e.cur, h) != tc.huge {
				t.Fatalf("huge %v after the op", hugeAt(e.cur, h))
			}
			if tc.name == "mprotect part" {
				if r := e.fault(h+pg, Write); r != SegvProtection {
					t.Fatalf("write to the read-only page: %v", r)
				}
				e.write(h+2*pg, []byte{1})
			}
			e.check()
		})
	}
}

// mremap moves what a huge page held, 4 KiB at a time.
func TestHugeMremap(t *testing.T) {
	e := newHugeEnv(t)
	va, h := e.mmapHuge(4)
	for i := range hugePages {
		e.write(h+mm.VirtAddr(i)*pg, stamp(uint64(i), 5))
	}
	to, err := e.cur.Mremap(va, 4<<20, 8<<20, RemapMayMove, 0)
	e.must(err)
	e.check()
	nh := to + (h - va)
	for i := range hugePages {
		if got := e.read(nh+mm.VirtAddr(i)*pg, 16); !bytes.Equal(got, stamp(uint64(i), 5)) {
			t.Fatalf("page %d moved: %x", i, got)
		}
	}
}

// Under memory pressure huge pages split and go to swap 4 KiB at a
// time, and come back page by page intact.
func TestHugeSwap(t *testing.T) {
	e := newEnvSize(t, 24<<20)
	e.enableSwap("lru2q", 8192)
	e.m.SetTHP(THPAlways)
	e.user = true
	e.cur.User = true
	const mib = 32
	_, h := e.mmapHuge(mib + 2)
	n := mib << 20 / pg
	for i := range n {
		e.write(h+mm.VirtAddr(i)*pg, stamp(uint64(i), 9))
	}
	if e.cur.Stats.THPFaults == 0 || e.m.THPSplits() == 0 || e.m.Swap.Stats.SwapOuts == 0 {
		t.Fatalf("THP faults %d, splits %d, swap-outs %d", e.cur.Stats.THPFaults, e.m.THPSplits(), e.m.Swap.Stats.SwapOuts)
	}
	e.check()
	for i := range n {
		if got := e.read(h+mm.VirtAddr(i)*pg, 16); !bytes.Equal(got, stamp(uint64(i), 9)) {
			t.Fatalf("page %d: %x", i, got)
		}
	}
	e.check()
}

// TestRandomOperationsTHP is TestRandomOperationsSwap with user address
// spaces, THP always and mappings of 2 MiB and more among the small ones:
// huge pages are made, forked, split by every operation, reclaimed,
// against the same model and invariants.
func TestRandomOperationsTHP(t *testing.T) {
	steps := 600
	if testing.Short() {
		steps = 200
	}
	hugeLengths = true
	defer func() { hugeLengths = false }()
	var faults, splits uint64
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e := newHugeEnv(t)
			e.m.Unswap = e.shm.Unswap
			r := newRunner(e)
			r.run(rngSource{rand.New(rand.NewPCG(seed, 200+seed))}, steps, fmt.Sprint("seed ", seed))
			for _, as := range e.spaces {
				faults += as.Stats.THPFaults
			}
			splits += e.m.THPSplits()
			e.destroyAll()
		})
	}
	t.Logf("%d huge pages made, %d splits", faults, splits)
	if faults == 0 || splits == 0 {
		t.Fatalf("%d huge pages made, %d splits: the sequences did not reach them", faults, splits)
	}
}

// A child's mprotect of one page splits the block under its parent's
// 2 MiB entry; once the child is gone, the parent's next fork finds the frames
// its own alone and makes them a huge page again (one reference to
// share, not 512).
func TestHugeMerge(t *testing.T) {
	e := newHugeEnv(t)
	parent := e.cur
	_, h := e.mmapHuge(4)
	e.write(h, []byte{1})
	head := leaf(parent, h).PFN()
	child := e.fork()
	e.use(child)
	e.must(e.cur.Mprotect(h+pg, pg, ProtRead)) // splits the child's entry, and the block
	if !hugeAt(parent, h) || e.m.Frames.Order(head) != 0 {
		t.Fatalf("after the child's write: parent huge %v, block order %d", hugeAt(parent, h), e.m.Frames.Order(head))
	}
	e.use(parent)
	e.destroy(child)
	child = e.fork()
	if e.m.Frames.Order(head) != hugeOrder || e.m.Frames.Refs(head) != 2 || !hugeAt(child, h) {
		t.Fatalf("the next fork: block order %d, refs %d", e.m.Frames.Order(head), e.m.Frames.Refs(head))
	}
	e.use(child)
	if got := e.read(h, 2); !bytes.Equal(got, []byte{1, 0}) {
		t.Fatalf("child reads %v", got)
	}
	e.check()
}

// The huge-page faults allocate no Go memory: a write's huge page, a
// read's huge zero page, a write's 2 MiB copy of a shared one (the fault
// path's rule, fault.go).
func TestHugeFaultAllocs(t *testing.T) {
	e := newHugeEnv(t)
	e.nocheck = true
	_, h := e.mmapHuge(28)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	next := h
	for _, tc := range []struct {
		name   string
		access Access
		setup  func(h mm.VirtAddr) // before the measured fault
	}{
		{"write", Write, func(mm.VirtAddr) {}},
		{"read", Read, func(mm.VirtAddr) {}},
		{"copy", Write, func(h mm.VirtAddr) { // shared with a child that stays
			if e.cur.HandleFault(h, Write) != Resolved {
				t.Fatal("first write")
			}
			c, err := e.cur.Fork()
			e.must(err)
			e.spaces = append(e.spaces, c)
		}},
	} {
		for range 3 {
			at := next
			next += hugeSize
			tc.setup(at)
			e.m.Refill()
			var r Result
			n, stacks := pagodaAllocs(t, func() { r = e.cur.HandleFault(at+5*pg, tc.access) })
			if r != Resolved || !hugeAt(e.cur, at) {
				t.Fatalf("%s at %v: %v, huge %v", tc.name, at, r, hugeAt(e.cur, at))
			}
			if n != 0 {
				t.Errorf("%s: %d allocations in the fault: %v", tc.name, n, stacks)
			}
		}
	}
	if e.cur.Stats.COWFaults == 0 {
		t.Error("no 2 MiB copy made")
	}
}
