//go:build !tamago

package swap

import (
	"errors"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

func on(t testing.TB, s *Set, d Device, prio int) *Area {
	t.Helper()
	a, err := s.On(d, prio, prio == 0)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAllocClusters(t *testing.T) {
	s := NewSet()
	a := on(t, s, NewMemDevice(1024, 5, 300), 0)
	if a.Slots() != 1021 {
		t.Fatalf("slots %d, want 1021 (1023 less 2 bad)", a.Slots())
	}
	// Consecutive allocations take consecutive slots, skipping the
	// header and the bad pages.
	var got []uint64
	for range 10 {
		e, err := s.Alloc()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Slot())
	}
	want := []uint64{1, 2, 3, 4, 6, 7, 8, 9, 10, 11}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("slots %v, want %v", got, want)
		}
	}
	// Every slot once, then full.
	seen := map[uint64]bool{}
	for _, x := range got {
		seen[x] = true
	}
	for {
		e, err := s.Alloc()
		if errors.Is(err, ErrFull) {
			break
		}
		if err != nil || seen[e.Slot()] || e.Slot() == 0 || e.Slot() == 5 || e.Slot() == 300 {
			t.Fatalf("alloc %v %v (seen %v)", e, err, seen[e.Slot()])
		}
		seen[e.Slot()] = true
	}
	if uint64(len(seen)) != a.Slots() || a.Used() != a.Slots() {
		t.Fatalf("allocated %d, used %d, slots %d", len(seen), a.Used(), a.Slots())
	}
}

func TestAllocPrefersFreeCluster(t *testing.T) {
	s := NewSet()
	on(t, s, NewMemDevice(4*cluster), 0)
	var es []Entry
	for range 3 * cluster {
		e, _ := s.Alloc()
		es = append(es, e)
	}
	// es[i] is slot i+1. Free a scattered half of cluster 1 and all of
	// cluster 2; the current cluster (3) goes on first, then the next
	// cluster taken is the wholly free one, not the holes.
	for slot := cluster; slot < 2*cluster; slot += 2 {
		s.Put(es[slot-1])
	}
	for slot := 2 * cluster; slot < 3*cluster; slot++ {
		s.Put(es[slot-1])
	}
	e, _ := s.Alloc()
	if e.Slot() != 3*cluster+1 {
		t.Fatalf("next slot %d, want %d", e.Slot(), 3*cluster+1)
	}
	for e.Slot() < 4*cluster-1 {
		e, _ = s.Alloc()
	}
	e, _ = s.Alloc()
	if e.Slot() != 2*cluster {
		t.Fatalf("after the last cluster: slot %d, want %d (the free cluster 2)", e.Slot(), 2*cluster)
	}
}

func TestPriorities(t *testing.T) {
	s := NewSet()
	lo := on(t, s, NewMemDevice(64), 1)
	hi1 := on(t, s, NewMemDevice(8), 5)
	hi2 := on(t, s, NewMemDevice(8), 5)
	count := map[*Area]int{}
	for range 14 {
		e, err := s.Alloc()
		if err != nil {
			t.Fatal(err)
		}
		count[s.Area(e)]++
	}
	if count[hi1] != 7 || count[hi2] != 7 || count[lo] != 0 {
		t.Fatalf("hi1 %d hi2 %d lo %d: want 7 7 0 (equal priorities take turns, the lower waits)", count[hi1], count[hi2], count[lo])
	}
	e, _ := s.Alloc()
	if s.Area(e) != lo {
		t.Fatal("with the high areas full, the low one")
	}
	auto := on(t, s, NewMemDevice(8), 0)
	if auto.Priority != -2 {
		t.Fatalf("automatic priority %d, want -2", auto.Priority)
	}
	if _, err := s.On(lo.Dev, 0, true); !errors.Is(err, ErrBusy) {
		t.Fatalf("second swapon of a device: %v", err)
	}
}

func TestRefsAndCache(t *testing.T) {
	s := NewSet()
	a := on(t, s, NewMemDevice(16), 0)
	e, _ := s.Alloc()
	if err := s.Dup(e); err != nil {
		t.Fatal(err)
	}
	if s.Refs(e) != 2 {
		t.Fatalf("refs %d", s.Refs(e))
	}
	s.SetCache(e, 77)
	if pfn, ok := s.Cache(e); !ok || pfn != 77 || s.Cached() != 1 {
		t.Fatal("cache lookup")
	}
	if left, pfn := s.Put(e); left != 1 || pfn != 0 {
		t.Fatalf("put: %d %d", left, pfn)
	}
	if err := s.Off(a); !errors.Is(err, ErrInUse) {
		t.Fatalf("swapoff with a slot in use: %v", err)
	}
	if left, pfn := s.Put(e); left != 0 || pfn != 77 {
		t.Fatalf("last put: %d left, frame %d: want 0, 77 (out of the cache)", left, pfn)
	}
	if s.Cached() != 0 || a.Used() != 0 || s.Refs(e) != 0 {
		t.Fatal("slot not free")
	}
	if err := s.Dup(e); !errors.Is(err, ErrBadSlot) {
		t.Fatalf("dup of a free slot: %v", err)
	}
	if err := s.Off(a); err != nil {
		t.Fatal(err)
	}
	if len(s.Areas()) != 0 || s.Area(e) != nil {
		t.Fatal("area still listed")
	}
}

func TestWindow(t *testing.T) {
	s := NewSet()
	on(t, s, NewMemDevice(64), 0)
	var es []Entry
	for range 20 {
		e, _ := s.Alloc()
		es = append(es, e) // slots 1..20
	}
	s.Put(es[9])           // slot 10 free
	s.SetCache(es[10], 99) // slot 11 cached
	buf := make([]Entry, 8)
	n := s.Window(es[11], 8, buf) // slot 12: block 8..15
	var got []uint64
	for _, e := range buf[:n] {
		got = append(got, e.Slot())
	}
	want := []uint64{8, 9, 13, 14, 15}
	if len(got) != len(want) {
		t.Fatalf("window %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("window %v, want %v", got, want)
		}
	}
}

func TestReadWrite(t *testing.T) {
	mem := make([]byte, 2*PageSize)
	defer mm.RegisterArena(0x7000_0000, mem)()
	s := NewSet()
	d := NewMemDevice(16)
	on(t, s, d, 0)
	e, _ := s.Alloc()
	for i := range PageSize {
		mem[i] = byte(i * 7)
	}
	if err := s.Write(e, 0x7000_0000); err != nil {
		t.Fatal(err)
	}
	if err := s.Read(e, 0x7000_0000+PageSize); err != nil {
		t.Fatal(err)
	}
	for i := range PageSize {
		if mem[PageSize+i] != byte(i*7) {
			t.Fatalf("byte %d differs", i)
		}
	}
	d.BadReads = map[uint64]bool{e.Slot(): true}
	if err := s.Read(e, 0x7000_0000); !errors.Is(err, ErrInjected) {
		t.Fatalf("read error: %v", err)
	}
	if s.Stats.SwapIns != 1 || s.Stats.SwapOuts != 1 {
		t.Fatalf("stats %+v", s.Stats)
	}
}

func TestOnRefusesBadHeader(t *testing.T) {
	d := NewMemDevice(16)
	copy(d.Data[PageSize-magicLen:], "NOTASWAP!!")
	if _, err := NewSet().On(d, 0, true); !errors.Is(err, ErrNoSwap) {
		t.Fatalf("on: %v", err)
	}
}

// BenchmarkSlotAlloc: one slot allocated and freed, in a half-full area
// (the cluster scan included). 0 allocs/op: the reclaimer calls it with
// memory short.
func BenchmarkSlotAlloc(b *testing.B) {
	s := NewSet()
	on(b, s, NewMemDevice(1<<16), 0)
	var held []Entry
	for range 1 << 15 {
		e, _ := s.Alloc()
		held = append(held, e)
	}
	for i := 0; i < len(held); i += 2 {
		s.Put(held[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e, err := s.Alloc()
		if err != nil {
			b.Fatal(err)
		}
		s.Put(e)
	}
}

// ReadWait reads a slot through the device's ReadAt (the sleeping
// read), never ReadPhys, and counts as a swap-in as Read does.
func TestReadWait(t *testing.T) {
	mem := make([]byte, 2*PageSize)
	defer mm.RegisterArena(0x7100_0000, mem)()
	s := NewSet()
	d := NewMemDevice(16)
	on(t, s, d, 0)
	e, _ := s.Alloc()
	for i := range PageSize {
		mem[i] = byte(i * 5)
	}
	if err := s.Write(e, 0x7100_0000); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadWait(e, 0x7100_0000+PageSize); err != nil {
		t.Fatal(err)
	}
	if string(mem[PageSize:]) != string(mem[:PageSize]) {
		t.Fatal("the page read back differs")
	}
	if d.Reads != 0 || d.WaitReads != 1 || s.Stats.SwapIns != 1 {
		t.Fatalf("%d polled reads, %d sleeping, stats %+v", d.Reads, d.WaitReads, s.Stats)
	}
	d.BadReads = map[uint64]bool{e.Slot(): true}
	if err := s.ReadWait(e, 0x7100_0000); !errors.Is(err, ErrInjected) {
		t.Fatalf("read error: %v", err)
	}
	if err := s.ReadWait(0, 0x7100_0000); !errors.Is(err, ErrBadSlot) {
		t.Fatalf("no entry: %v", err)
	}
}

// A shadow stays in a slot in use and not cached, is taken once, and
// goes when the slot is freed; a slot whose page is cached, or a free
// one, takes none.
func TestShadows(t *testing.T) {
	s := NewSet()
	a := on(t, s, NewMemDevice(16), 0)
	e, err := s.Alloc()
	if err != nil {
		t.Fatal(err)
	}
	s.SetShadow(e, 7)
	if s.Shadow(e) != 7 || a.Shadows() != 1 {
		t.Fatalf("shadow %d, %d in the area; want 7 and 1", s.Shadow(e), a.Shadows())
	}
	if sh := s.TakeShadow(e); sh != 7 || s.Shadow(e) != 0 {
		t.Fatalf("took %d, left %d", sh, s.Shadow(e))
	}
	s.SetCache(e, 0x1234)
	s.SetShadow(e, 9)
	if s.Shadow(e) != 0 {
		t.Fatal("a cached slot took a shadow")
	}
	s.SetCache(e, 0)
	s.SetShadow(e, 9)
	if err := s.Dup(e); err != nil {
		t.Fatal(err)
	}
	if left, _ := s.Put(e); left != 1 || s.Shadow(e) != 9 {
		t.Fatalf("%d references left, shadow %d: want 1 and 9", left, s.Shadow(e))
	}
	s.Put(e)
	if a.Shadows() != 0 {
		t.Fatal("a freed slot kept its shadow")
	}
	s.SetShadow(e, 5)
	if a.Shadows() != 0 {
		t.Fatal("a free slot took a shadow")
	}
}

// A cluster is written and read back with one request of the device,
// polled or sleeping as asked, into frames in any order; a run with a
// free or bad slot in it, or past the area's end, moves nothing; an
// injected error on any slot of the run fails it and counts nothing.
func TestClusters(t *testing.T) {
	const frames = 8
	mem := make([]byte, 2*frames*PageSize)
	defer mm.RegisterArena(0x7100_0000, mem)()
	pa := func(i int) mm.PhysAddr { return 0x7100_0000 + mm.PhysAddr(i*PageSize) }
	s := NewSet()
	d := NewMemDevice(16, 9) // slot 9 bad
	on(t, s, d, 0)
	var ents []Entry
	for range 10 {
		e, err := s.Alloc()
		if err != nil {
			t.Fatal(err)
		}
		ents = append(ents, e) // slots 1..8, 10, 11
	}
	out := []mm.PhysAddr{pa(3), pa(0), pa(7), pa(1), pa(5)}
	for i := range frames * PageSize {
		mem[i] = byte(i*7 + i/PageSize)
	}
	if err := s.WriteCluster(ents[2], out); err != nil { // slots 3..7
		t.Fatal(err)
	}
	if d.Writes != 1 || d.PagesOut != 5 || s.Stats.SwapOuts != 5 {
		t.Fatalf("%d writes of %d pages, stats %+v: want one of 5", d.Writes, d.PagesOut, s.Stats)
	}
	for k, p := range out {
		if got, want := d.Data[(3+k)*PageSize:][:PageSize], mm.PhysBytes(p, PageSize); string(got) != string(want) {
			t.Fatalf("slot %d does not hold frame %v", 3+k, p)
		}
	}
	for _, wait := range []bool{false, true} {
		in := []mm.PhysAddr{pa(8), pa(12), pa(9), pa(15), pa(10)}
		for _, p := range in {
			clear(mm.PhysBytes(p, PageSize))
		}
		reads, waits, swapIns := d.Reads, d.WaitReads, s.Stats.SwapIns
		if err := s.ReadCluster(ents[2], in, wait); err != nil {
			t.Fatal(err)
		}
		for k := range in {
			if string(mm.PhysBytes(in[k], PageSize)) != string(mm.PhysBytes(out[k], PageSize)) {
				t.Fatalf("wait %v: page %d of the cluster read back differs", wait, k)
			}
		}
		if wait && (d.WaitReads != waits+1 || d.Reads != reads) || !wait && (d.Reads != reads+1 || d.WaitReads != waits) || s.Stats.SwapIns != swapIns+5 {
			t.Fatalf("wait %v: %d polled reads, %d sleeping, stats %+v", wait, d.Reads-reads, d.WaitReads-waits, s.Stats)
		}
	}
	// Runs that are not all in use: over the bad slot 9, over a freed
	// slot, beyond the area.
	s.Put(ents[5]) // slot 6
	for _, c := range []struct {
		first Entry
		n     int
	}{{ents[7], 2}, {ents[3], 3}, {ents[9], 5}, {ents[0], 0}} {
		pages := make([]mm.PhysAddr, c.n)
		for i := range pages {
			pages[i] = pa(i)
		}
		if err := s.WriteCluster(c.first, pages); !errors.Is(err, ErrBadSlot) {
			t.Errorf("write of %d from %v: %v, want ErrBadSlot", c.n, c.first, err)
		}
		if err := s.ReadCluster(c.first, pages, true); !errors.Is(err, ErrBadSlot) {
			t.Errorf("read of %d from %v: %v, want ErrBadSlot", c.n, c.first, err)
		}
	}
	outs, ins := s.Stats.SwapOuts, s.Stats.SwapIns
	d.BadReads = map[uint64]bool{2: true}
	d.BadWrites = map[uint64]bool{2: true}
	if err := s.ReadCluster(ents[0], []mm.PhysAddr{pa(0), pa(1), pa(2)}, false); !errors.Is(err, ErrInjected) {
		t.Errorf("read over a bad page: %v", err)
	}
	if err := s.WriteCluster(ents[0], []mm.PhysAddr{pa(0), pa(1), pa(2)}); !errors.Is(err, ErrInjected) {
		t.Errorf("write over a bad page: %v", err)
	}
	if s.Stats.SwapOuts != outs || s.Stats.SwapIns != ins {
		t.Errorf("failed transfers counted: %+v", s.Stats)
	}
}
