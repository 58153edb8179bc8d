//go:build !tamago

package frame

import (
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// arenaBase places test memory where no other package's test arenas are.
const arenaBase mm.PhysAddr = 0x4000_0000

// newTestAllocator registers an arena covering ranges and builds an
// allocator over them.
func newTestAllocator(t testing.TB, ranges []mm.AddrRange) *Allocator {
	t.Helper()
	end := mm.PhysAddr(0)
	for _, r := range ranges {
		end = max(end, r.End)
	}
	mem := make([]byte, end-arenaBase)
	t.Cleanup(mm.RegisterArena(arenaBase, mem))
	a, err := New(ranges)
	if err != nil {
		t.Fatal(err)
	}
	check(t, a, ranges)
	return a
}

// testRanges: three ranges with holes, unaligned ends, 2 MiB + 64 MiB + a
// few odd pages.
var testRanges = []mm.AddrRange{
	{Start: arenaBase + 0x1000, End: arenaBase + 0x20_0000},
	{Start: arenaBase + 0x40_0000 + 0x123, End: arenaBase + 0x440_0000 + 0x800},
	{Start: arenaBase + 0x500_0000, End: arenaBase + 0x500_5000},
}

// check recomputes everything the counters cache and checks the
// invariants of doc.go.
func check(t testing.TB, a *Allocator, ranges []mm.AddrRange) {
	t.Helper()
	inManaged := func(p mm.PFN) bool {
		for _, r := range ranges {
			if p.Addr() >= r.Start && p.Addr()+mm.PageSize <= r.End {
				return p.Addr() < a.table.Start || p.Addr() >= a.table.End
			}
		}
		return false
	}
	seen := make(map[mm.PFN]bool)
	var free uint64
	for k := 0; k <= MaxOrder; k++ {
		n := uint64(0)
		prev := noFrame
		for i := a.head[k]; i != noFrame; i = a.frames[i].link[1] {
			f := &a.frames[i]
			pfn := a.base + mm.PFN(i)
			if f.state != Free || f.flags&flagHead == 0 || int(f.order) != k || f.link[0] != prev {
				t.Fatalf("order %d: bad free head %#x: %+v", k, pfn, *f)
			}
			if uint64(pfn)&(1<<k-1) != 0 {
				t.Fatalf("order %d: block %#x misaligned", k, pfn)
			}
			for j := mm.PFN(0); j < 1<<k; j++ {
				if !inManaged(pfn+j) || seen[pfn+j] {
					t.Fatalf("order %d: block %#x: frame %#x unmanaged or in two blocks", k, pfn, pfn+j)
				}
				seen[pfn+j] = true
			}
			if k < MaxOrder {
				if s, h, o := a.StateOf(pfn ^ 1<<k); s == Free && h == pfn^1<<k && o == k {
					t.Fatalf("order %d: block %#x and its buddy are both free", k, pfn)
				}
			}
			prev = i
			n++
		}
		if n != a.blocks[k] {
			t.Fatalf("order %d: %d blocks on the list, counter says %d", k, n, a.blocks[k])
		}
		free += n << k
	}
	if free != a.freePages || free != a.pages[Free] {
		t.Fatalf("free pages: lists %d, counter %d, per-state %d", free, a.freePages, a.pages[Free])
	}
	var sum uint64
	for _, n := range a.pages {
		sum += n
	}
	if sum != a.managed {
		t.Fatalf("per-state pages add up to %d, managed %d", sum, a.managed)
	}
	if got := pagesByState(a); got != a.pages {
		t.Fatalf("pages per state: the frame table says %v, the counters %v", got, a.pages)
	}
}

// pagesByState recounts the managed pages of each state from the frame
// table: each block head counts 2^order pages of its state, each frame of
// the table itself one Reserved page. Holes count nowhere.
func pagesByState(a *Allocator) [numStates]uint64 {
	var n [numStates]uint64
	for i := 0; i < len(a.frames); {
		f := &a.frames[i]
		if f.flags&flagHead != 0 {
			n[f.state] += 1 << f.order
			i += 1 << f.order
			continue
		}
		if p := a.PFNAt(uint32(i)).Addr(); p >= a.table.Start && p < a.table.End {
			n[Reserved]++
		}
		i++
	}
	return n
}

func TestNew(t *testing.T) {
	a := newTestAllocator(t, testRanges)
	st := a.Stats()
	// 511 + 16383 + 5 pages (the second range loses its partial first
	// page), the frame table included.
	pages := uint64(511 + 0x3fff + 5)
	if st.ManagedPages != pages {
		t.Errorf("managed %d pages, want %d", st.ManagedPages, pages)
	}
	span := uint64((testRanges[2].End - testRanges[0].Start) >> mm.PageShift)
	tablePages := (span*16 + mm.PageMask) >> mm.PageShift
	if st.Pages[Reserved] != tablePages || st.FreePages != pages-tablePages {
		t.Errorf("reserved %d (want %d), free %d", st.Pages[Reserved], tablePages, st.FreePages)
	}
	if st.Table.Start != testRanges[0].Start {
		t.Errorf("frame table at %v, want the start of the first range", st.Table)
	}
	// [0x40401000, 0x44400000): 4 MiB-aligned blocks from 0x40800000.
	if st.FreeBlocks[MaxOrder] != 15 {
		t.Errorf("%d free 4 MiB blocks, want 15", st.FreeBlocks[MaxOrder])
	}
	for _, bad := range [][]mm.AddrRange{nil, {{Start: 0x1000, End: 0x1800}}} {
		if _, err := New(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("New(%v): %v", bad, err)
		}
	}
}

func TestAllocFreeErrors(t *testing.T) {
	a := newTestAllocator(t, testRanges)
	for _, tc := range []struct {
		order int
		s     State
	}{{-1, Anon}, {MaxOrder + 1, Anon}, {0, Free}, {0, Reserved}, {0, numStates}} {
		if _, err := a.Alloc(tc.order, tc.s); !errors.Is(err, ErrInvalid) {
			t.Errorf("Alloc(%d, %v): %v", tc.order, tc.s, err)
		}
	}
	p, err := a.Alloc(3, Anon)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pfn  mm.PFN
		ord  int
	}{{"wrong order", p, 2}, {"tail frame", p + 1, 0}, {"outside", 1, 0}, {"table", a.table.Start.PFN(), 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Free %s did not panic", tc.name)
				}
			}()
			a.Free(tc.pfn, tc.ord)
		}()
	}
	a.Free(p, 3)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("double free did not panic")
			}
		}()
		a.Free(p, 3)
	}()
	check(t, a, testRanges)
}

// Allocating order 0 until the allocator runs dry takes every free page,
// each once; freeing them all coalesces back to the initial blocks.
func TestExhaustAndCoalesce(t *testing.T) {
	a := newTestAllocator(t, testRanges)
	initial := a.Stats()
	got := make(map[mm.PFN]bool)
	for {
		p, err := a.Alloc(0, Anon)
		if errors.Is(err, ErrNoMemory) {
			break
		}
		if err != nil || got[p] {
			t.Fatalf("Alloc: %#x, %v (duplicate %v)", p, err, got[p])
		}
		got[p] = true
	}
	if uint64(len(got)) != initial.FreePages || a.Stats().FreePages != 0 {
		t.Fatalf("allocated %d pages of %d free", len(got), initial.FreePages)
	}
	check(t, a, testRanges)
	for p := range got {
		a.Free(p, 0)
	}
	check(t, a, testRanges)
	if a.Stats() != initial {
		t.Errorf("after freeing everything:\n%+v\nwant the initial\n%+v", a.Stats(), initial)
	}
}

// Random mixed-order sequences against a reference: a page bitmap of what
// is allocated. Seeded, reproducible.
func TestRandomSequences(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomSequence(t, seed) })
	}
}

func randomSequence(t *testing.T, seed int64) {
	{
		rng := rand.New(rand.NewSource(seed))
		a := newTestAllocator(t, testRanges)
		initial := a.Stats()
		type block struct {
			pfn   mm.PFN
			order int
			s     State
		}
		var live []block
		used := make(map[mm.PFN]bool)
		for step := 0; step < 3000; step++ {
			if len(live) > 0 && rng.Intn(100) < 45 {
				j := rng.Intn(len(live))
				b := live[j]
				if s, h, o := a.StateOf(b.pfn); s != b.s || h != b.pfn || o != b.order {
					t.Fatalf("seed %d step %d: StateOf(%#x) = %v %#x %d, want %v", seed, step, b.pfn, s, h, o, b.s)
				}
				a.Free(b.pfn, b.order)
				for i := mm.PFN(0); i < 1<<b.order; i++ {
					delete(used, b.pfn+i)
				}
				live = append(live[:j], live[j+1:]...)
			} else {
				order := rng.Intn(NumOrders)
				if rng.Intn(4) > 0 {
					order = rng.Intn(3)
				}
				s := State(Kernel + State(rng.Intn(int(numStates-Kernel))))
				p, err := a.Alloc(order, s)
				if errors.Is(err, ErrNoMemory) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if uint64(p)&(1<<order-1) != 0 {
					t.Fatalf("seed %d: block %#x of order %d misaligned", seed, p, order)
				}
				for i := mm.PFN(0); i < 1<<order; i++ {
					if used[p+i] {
						t.Fatalf("seed %d step %d: frame %#x handed out twice", seed, step, p+i)
					}
					used[p+i] = true
				}
				live = append(live, block{p, order, s})
			}
			if step%97 == 0 {
				check(t, a, testRanges)
			}
			if got := initial.FreePages - a.Stats().FreePages; got != uint64(len(used)) {
				t.Fatalf("seed %d step %d: %d pages out, reference %d", seed, step, got, len(used))
			}
		}
		for _, b := range live {
			a.Free(b.pfn, b.order)
		}
		check(t, a, testRanges)
		if a.Stats() != initial {
			t.Fatalf("seed %d: not back to the initial state:\n%+v\n%+v", seed, a.Stats(), initial)
		}
	}
}

func benchmarkAllocFree(b *testing.B, order int) {
	a := newTestAllocator(b, testRanges)
	b.ReportAllocs()
	for b.Loop() {
		p, err := a.Alloc(order, Anon)
		if err != nil {
			b.Fatal(err)
		}
		a.Free(p, order)
	}
}

func BenchmarkAllocFreeOrder0(b *testing.B) { benchmarkAllocFree(b, 0) }
func BenchmarkAllocFreeOrder9(b *testing.B) { benchmarkAllocFree(b, 9) }

func TestRefs(t *testing.T) {
	a := newTestAllocator(t, testRanges)
	p, err := a.Alloc(0, Anon)
	if err != nil {
		t.Fatal(err)
	}
	if a.Refs(p) != 1 {
		t.Fatalf("fresh block has %d references", a.Refs(p))
	}
	a.IncRef(p)
	a.IncRef(p)
	if a.Refs(p) != 3 || a.DecRef(p) != 2 || a.DecRef(p) != 1 || a.DecRef(p) != 0 {
		t.Fatal("reference counting is off")
	}
	for _, bad := range []func(){
		func() { a.DecRef(p) },     // no reference left
		func() { a.IncRef(p + 1) }, // not a block head
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			bad()
		}()
	}
	a.Free(p, 0)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("IncRef of a free block did not panic")
			}
		}()
		a.IncRef(p)
	}()
	check(t, a, testRanges)
}

// Retype moves a whole block, 2^order pages, from one state's count to
// the other's, and back; the counters must agree with the frame table
// after each step, whatever the order.
func TestRetype(t *testing.T) {
	a := newTestAllocator(t, testRanges)
	for _, tc := range []struct {
		order    int
		from, to State
	}{
		{0, Anon, PageCache},
		{1, Anon, SwapCache},
		{3, Anon, PageCache},
		{MaxOrder, Kernel, PageCache},
	} {
		p, err := a.Alloc(tc.order, tc.from)
		if err != nil {
			t.Fatal(err)
		}
		n := uint64(1) << tc.order
		before := a.Stats().Pages
		for _, step := range []struct{ from, to State }{{tc.from, tc.to}, {tc.to, tc.from}} {
			a.Retype(p, step.from, step.to)
			want := before
			if step.to == tc.to {
				want[tc.from] -= n
				want[tc.to] += n
			}
			if got := a.Stats().Pages; got != want {
				t.Errorf("order %d, Retype %v → %v: pages per state %v, want %v", tc.order, step.from, step.to, got, want)
			}
			if s, h, o := a.StateOf(p + mm.PFN(n-1)); s != step.to || h != p || o != tc.order {
				t.Errorf("order %d: StateOf(last frame) = %v %#x %d, want %v %#x %d", tc.order, s, h, o, step.to, p, tc.order)
			}
			check(t, a, testRanges)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("order %d: Retype from the wrong state did not panic", tc.order)
				}
			}()
			a.Retype(p, tc.to, tc.from)
		}()
		a.Free(p, tc.order)
		if got := a.Stats().Pages; got[tc.from] != before[tc.from]-n || got[Free] != before[Free]+n {
			t.Errorf("order %d: after Free, pages per state %v (before %v)", tc.order, got, before)
		}
		check(t, a, testRanges)
	}
}

// Split turns an order-9 block into 512 one-frame blocks with its state
// and count, each then freed alone, in any order; the free frames must
// coalesce back into what they were.
func TestSplit(t *testing.T) {
	a := newTestAllocator(t, testRanges)
	before := a.Stats()
	p, err := a.Alloc(9, Anon)
	if err != nil {
		t.Fatal(err)
	}
	a.IncRef(p)
	a.SetTag(a.Index(p), 7)
	a.Split(p)
	if a.Order(p) != 0 || a.Tag(a.Index(p)) != 7 {
		t.Fatalf("head after Split: order %d, tag %d", a.Order(p), a.Tag(a.Index(p)))
	}
	if got := a.Stats().Pages[Anon]; got != before.Pages[Anon]+512 {
		t.Fatalf("Anon pages %d after Split, want %d", got, before.Pages[Anon]+512)
	}
	// Merge wants every frame alike: one with another count refuses.
	a.IncRef(p + 300)
	if a.Merge(p, 9) {
		t.Fatal("Merge of frames with different counts")
	}
	a.DecRef(p + 300)
	if !a.Merge(p, 9) || a.Order(p) != 9 || a.Refs(p) != 2 {
		t.Fatalf("Merge: order %d, refs %d", a.Order(p), a.Refs(p))
	}
	a.Split(p)
	rng := rand.New(rand.NewSource(1))
	for _, k := range rng.Perm(512) {
		q := p + mm.PFN(k)
		if a.Refs(q) != 2 || a.State(q) != Anon || a.Order(q) != 0 || (k > 0 && a.Tag(a.Index(q)) != 0) {
			t.Fatalf("frame %d after Split: refs %d, state %v, order %d", k, a.Refs(q), a.State(q), a.Order(q))
		}
		a.DecRef(q)
		if a.DecRef(q) != 0 {
			t.Fatal("count is off")
		}
		a.Free(q, 0)
	}
	if got := a.Stats(); got.FreePages != before.FreePages || got.FreeBlocks != before.FreeBlocks {
		t.Fatalf("after freeing the split frames: %+v, want %+v", got, before)
	}
	check(t, a, testRanges)
}
