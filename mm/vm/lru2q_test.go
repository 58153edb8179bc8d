//go:build !tamago

package vm

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// The split LRU (lru2q.go) and refault detection (workingset.go). The
// list invariants are checked after every step by checkLists
// (lists_test.go), here and in the randomized tests, which run lru2q
// with the other policies.

// frameAt is the frame-table index of the frame mapped at va.
func (e *env) frameAt(va mm.VirtAddr) uint32 {
	e.t.Helper()
	l := leaf(e.cur, va)
	if !l.HasFrame() {
		e.t.Fatalf("%v maps no frame (%v)", va, l.State)
	}
	return e.m.Frames.Index(l.PFN())
}

// evictAt evicts the page mapped at va as Reclaim does with a victim:
// off the lists, then evict.
func (e *env) evictAt(va mm.VirtAddr) {
	e.t.Helper()
	i := e.frameAt(va)
	e.m.rc.policy.Remove(i)
	if r := e.m.evict(i); r == evictKept || r == evictQueued && e.m.swapOut() != 1 {
		e.t.Fatalf("page at %v not evicted", va)
	}
	e.check()
}

// activateAt moves the page mapped at va to its active list.
func (e *env) activateAt(va mm.VirtAddr) {
	e.t.Helper()
	p := e.m.rc.policy.(*lru2q)
	i := e.frameAt(va)
	p.Remove(i)
	p.AddActive(i, false)
	e.check()
}

// listOf names the lru2q list the page mapped at va is on.
func (e *env) listOf(va mm.VirtAddr) string {
	e.t.Helper()
	p := e.m.rc.policy.(*lru2q)
	return p.Lists()[e.m.Frames.Tag(e.frameAt(va))-1].Name
}

// mixedEnv is the mixed workload of the balance tests under lru2q with
// swappiness sw: anonPages private anonymous pages written (page i holds
// stamp(i, 5)), then filePages pages of a file mapped shared and read,
// every page just used. It returns the anonymous region's address.
func mixedEnv(t *testing.T, sw int, anonPages, filePages uint64) (*env, mm.VirtAddr) {
	t.Helper()
	e := newEnv(t)
	e.enableSwap("lru2q", 1024)
	if err := e.m.SetSwappiness(sw); err != nil {
		t.Fatal(err)
	}
	anon := e.mmap(0, anonPages*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	for i := range anonPages {
		e.write(anon+mm.VirtAddr(i)*pg, stamp(i, 5))
	}
	f, _ := e.newFile(filePattern(3, int(filePages*pg)))
	file := e.mmapFile(0, filePages*pg, ProtRead, MapShared, f, 0)
	e.read(file, int(filePages*pg))
	return e, anon
}

// TestSwappiness: a mixed workload, anonymous pages and file pages,
// every page just used, reclaimed in part. Swappiness 0 takes file
// pages only while there are any, then anonymous ones; 200 takes
// anonymous pages only while there are any; 60 takes both, about in
// the ratio of pages times weight (60 × anon against 140 × file).
func TestSwappiness(t *testing.T) {
	const anonPages, filePages = 64, 64
	for _, tc := range []struct {
		swappiness  int
		reclaim     int
		swapOuts    uint64 // want, within tol
		fileDropped uint64
		tol         uint64
	}{
		{0, 48, 0, 48, 0},
		{0, 80, 16, 64, 0}, // the file pages are gone: anon next
		{200, 48, 48, 0, 0},
		{200, 80, 64, 16, 0}, // the anonymous pages are gone: file next
		// 60×64 : 140×64 is 15 : 35; the weights follow the lists as
		// they shrink (the anonymous list shrinks slower), so a little
		// more anon.
		{60, 50, 15, 35, 3},
	} {
		e, anon := mixedEnv(t, tc.swappiness, anonPages, filePages)
		cached := e.cache.Stats.Cached
		if got := e.m.Reclaim(tc.reclaim, false); got != tc.reclaim {
			t.Fatalf("swappiness %d: reclaimed %d, want %d", tc.swappiness, got, tc.reclaim)
		}
		e.check()
		outs, dropped := e.m.Swap.Stats.SwapOuts, cached-e.cache.Stats.Cached
		if outs+dropped != uint64(tc.reclaim) || outs < tc.swapOuts-tc.tol || outs > tc.swapOuts+tc.tol {
			t.Errorf("swappiness %d, %d reclaimed: %d anonymous pages to swap, %d file pages dropped; want %d and %d (±%d)",
				tc.swappiness, tc.reclaim, outs, dropped, tc.swapOuts, tc.fileDropped, tc.tol)
		}
		for i := range uint64(anonPages) {
			if got := e.read(anon+mm.VirtAddr(i)*pg, 16); !bytes.Equal(got, stamp(i, 5)) {
				t.Fatalf("swappiness %d: anonymous page %d reads %x", tc.swappiness, i, got)
			}
		}
		e.destroyAll()
	}
}

// TestSwappinessRange: vm.swappiness is 0..200, as Linux's sysctl.
func TestSwappinessRange(t *testing.T) {
	e := newEnv(t)
	if got := e.m.Swappiness(); got != DefaultSwappiness {
		t.Fatalf("default swappiness %d, want %d", got, DefaultSwappiness)
	}
	for _, n := range []int{-1, 201} {
		if err := e.m.SetSwappiness(n); err == nil {
			t.Errorf("swappiness %d accepted", n)
		}
	}
	for _, n := range []int{0, 200, 1} {
		if err := e.m.SetSwappiness(n); err != nil || e.m.Swappiness() != n {
			t.Errorf("swappiness %d: %v, reads %d", n, err, e.m.Swappiness())
		}
	}
}

// TestNoSwapFileOnly: without a free swap slot, lru2q takes file pages
// only, and stops when they are gone (Linux's SCAN_FILE), whatever the
// swappiness.
func TestNoSwapFileOnly(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("lru2q", 9) // 8 slots
	e.must(e.m.SetSwappiness(200))
	anon := e.mmap(0, 16*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	for i := range uint64(16) {
		e.write(anon+mm.VirtAddr(i)*pg, stamp(i, 1))
	}
	f, _ := e.newFile(filePattern(3, 8*pg))
	fileBytes(t, f)
	if got := e.m.Reclaim(100, false); got != 16 {
		t.Fatalf("reclaimed %d, want 8 anonymous pages to the 8 slots, then the 8 file pages", got)
	}
	if e.m.Swap.Stats.SwapOuts != 8 || e.cache.Stats.Cached != 0 || e.m.ReclaimStats().SwapFull != 0 {
		t.Fatalf("swap-outs %d, cached %d, swap-full %d: want 8, 0, 0", e.m.Swap.Stats.SwapOuts, e.cache.Stats.Cached, e.m.ReclaimStats().SwapFull)
	}
	e.destroyAll()
}

// TestLookTwice: the inactive hand spares a page whose Accessed bit it
// finds set the first time, anonymous as well as file (Linux's
// folio_check_references since 5.9, "look twice": every mapped page
// starts with the reference of the fault that made it), and activates
// it only when it finds it referenced again. Three pages written once:
// a reclaim of one marks all three and evicts the oldest on its second
// look; none is activated. The middle one, used again, is activated by
// the next reclaim, which evicts the other.
func TestLookTwice(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("lru2q", 1024)
	base := e.mmap(0, 3*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	a, b, c := base, base+pg, base+2*pg
	for k, va := range []mm.VirtAddr{a, b, c} {
		e.write(va, stamp(uint64(k), 3))
	}
	if n := e.m.Reclaim(1, true); n != 1 {
		t.Fatalf("reclaimed %d, want 1", n)
	}
	e.check()
	if l := leaf(e.cur, a); l.HasFrame() {
		t.Errorf("the oldest page, written once, is still mapped (%v)", l.State)
	}
	for _, va := range []mm.VirtAddr{b, c} {
		if got := e.listOf(va); got != "Inactive(anon)" {
			t.Errorf("page %v, written once, is on %s after one look, want Inactive(anon)", va, got)
		}
	}
	e.write(b, stamp(1, 4))
	if n := e.m.Reclaim(1, true); n != 1 {
		t.Fatalf("reclaimed %d, want 1", n)
	}
	e.check()
	if got := e.listOf(b); got != "Active(anon)" {
		t.Errorf("page b, used again, is on %s, want Active(anon)", got)
	}
	if l := leaf(e.cur, c); l.HasFrame() {
		t.Errorf("page c, written once, is still mapped (%v)", l.State)
	}
	e.destroyAll()
}

// activeEnv is lru2q with swap and 32 private anonymous pages written,
// page k holding stamp(k, seed), pages 0 to 7 on the active list (the
// working set), the others inactive. It returns the pages' addresses.
func activeEnv(t *testing.T, seed uint64) (*env, func(k int) mm.VirtAddr) {
	e := newEnv(t)
	e.enableSwap("lru2q", 1024)
	const n = 32
	base := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	page := func(k int) mm.VirtAddr { return base + mm.VirtAddr(k)*pg }
	for k := range n {
		e.write(page(k), stamp(uint64(k), seed))
	}
	for k := range 8 {
		e.activateAt(page(k))
	}
	return e, page
}

// TestRefaultAnon: a page evicted and faulted back within the working
// set (its refault distance no more than the active lists it could
// have had) goes straight to the active list; one faulted back after
// more evictions than that starts inactive. Both count as refaults.
func TestRefaultAnon(t *testing.T) {
	for _, far := range []bool{false, true} {
		e, page := activeEnv(t, 9)
		// Page 8 takes slot 1; the target, page 9, slot 2: not next to
		// the last swap-in (none), so its swap-in reads nothing ahead.
		e.evictAt(page(8))
		e.evictAt(page(9))
		if a := e.m.Swap.Areas()[0]; a.Shadows() != 2 {
			t.Fatalf("%d shadows, want 2", a.Shadows())
		}
		if far {
			for k := 10; k < 20; k++ { // 10 evictions: beyond the 8 active pages
				e.evictAt(page(k))
			}
		}
		p := e.m.rc.policy.(*lru2q)
		_, dist := e.shadowDistance(page(9))
		size := p.WorkingsetSize(false)
		if got := e.read(page(9), 16); !bytes.Equal(got, stamp(9, 9)) {
			t.Fatalf("page 9 reads %x", got)
		}
		ws := e.m.WorkingsetStats()
		want, activate := "Active(anon)", uint64(1)
		if far {
			want, activate = "Inactive(anon)", 0
		}
		if got := e.listOf(page(9)); got != want || ws.RefaultAnon != 1 || ws.ActivateAnon != activate || ws.RefaultFile != 0 {
			t.Errorf("far %v (distance %d, working set %d): page on %s, stats %+v; want %s, 1 refault, %d activated",
				far, dist, size, got, ws, want, activate)
		}
		e.destroyAll()
	}
}

// shadowDistance is the refault distance the page at va (in swap) would
// have now.
func (e *env) shadowDistance(va mm.VirtAddr) (uint32, uint64) {
	e.t.Helper()
	l := leaf(e.cur, va)
	if l.State != LeafSwap {
		e.t.Fatalf("%v not in swap: %v", va, l.State)
	}
	sh := e.m.Swap.Shadow(l.Entry())
	if sh == 0 {
		e.t.Fatalf("%v: no shadow", va)
	}
	age, _ := unpackShadow(sh)
	return sh, (e.m.nonresidentAge() - age) & shadowAgeMask
}

// TestRefaultFile: the same for a file's pages, whose shadows stay in
// the page cache's index; the working set a file page is measured
// against is the active file list (no anonymous pages here).
func TestRefaultFile(t *testing.T) {
	for _, far := range []bool{false, true} {
		e := newEnv(t)
		e.enableSwap("lru2q", 1024)
		const n = 24
		f, _ := e.newFile(filePattern(7, n*pg))
		base := e.mmapFile(0, n*pg, ProtRead, MapShared, f, 0)
		page := func(k int) mm.VirtAddr { return base + mm.VirtAddr(k)*pg }
		want := fileBytes(t, f)
		e.read(base, n*pg)
		for k := range 8 {
			e.activateAt(page(k))
		}
		// The target is the last page: its major fault reads nothing
		// ahead.
		e.evictAt(page(n - 1))
		if far {
			for k := 8; k < 18; k++ {
				e.evictAt(page(k))
			}
		}
		if f.Shadows() == 0 {
			t.Fatal("no shadow left in the file's index")
		}
		if got := e.read(page(n-1), pg); !bytes.Equal(got, want[(n-1)*pg:]) {
			t.Fatal("the last page reads wrong")
		}
		ws := e.m.WorkingsetStats()
		list, activate := "Active(file)", uint64(1)
		if far {
			list, activate = "Inactive(file)", 0
		}
		if got := e.listOf(page(n - 1)); got != list || ws.RefaultFile != 1 || ws.ActivateFile != activate || ws.RefaultAnon != 0 {
			t.Errorf("far %v: page on %s, stats %+v; want %s, 1 refault, %d activated", far, got, ws, list, activate)
		}
		e.destroyAll()
	}
}

// TestRefaultRestore: a page that was active once (the active hand
// moved it to the inactive list: PG_workingset) and refaults within
// the working set counts as restored too, and as a cost of reclaiming
// its type.
func TestRefaultRestore(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("lru2q", 1024)
	const n = 16
	base := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	for k := range n {
		e.write(base+mm.VirtAddr(k)*pg, stamp(uint64(k), 4))
	}
	for k := range n {
		e.activateAt(base + mm.VirtAddr(k)*pg)
	}
	// Every page active: the first Reclaim's active hand deactivates
	// the oldest (page 0) and its inactive hand evicts it.
	if e.m.Reclaim(1, false) != 1 {
		t.Fatal("nothing reclaimed")
	}
	e.check()
	if l := leaf(e.cur, base); l.State != LeafSwap {
		t.Fatalf("page 0 %v, want swapped", l.State)
	}
	p := e.m.rc.policy.(*lru2q)
	before := p.cost[lruAnon] // the swap-out's
	e.read(base, 16)
	if ws := e.m.WorkingsetStats(); ws.RefaultAnon != 1 || ws.ActivateAnon != 1 || ws.RestoreAnon != 1 {
		t.Fatalf("stats %+v: want the page refaulted, activated and restored", ws)
	}
	// A restore is a cost of reclaiming anon (lru_note_cost_refault).
	if p.cost[lruAnon] != before+1 || p.cost[lruFile] != 0 {
		t.Errorf("costs after the restore: %v, want anon %d, file 0", p.cost, before+1)
	}
	e.destroyAll()
}

// TestShadowCleanup: shadows go with their slots: truncation clears the
// file's (and a file grown again over the slots has none), munmap frees
// the swap slots and their shadows, swapoff takes every shadow of the
// area as it brings the pages back.
func TestShadowCleanup(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("lru2q", 1024)
	const n = 16
	f, _ := e.newFile(filePattern(2, n*pg))
	fb := e.mmapFile(0, n*pg, ProtRead, MapShared, f, 0)
	e.read(fb, n*pg)
	anon := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	anon2 := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	for k := range mm.VirtAddr(n) {
		e.write(anon+k*pg, stamp(uint64(k), 1))
		e.write(anon2+k*pg, stamp(uint64(k), 2))
	}
	e.swapAllOut()
	a := e.m.Swap.Areas()[0]
	if f.Shadows() != n || a.Shadows() != 2*n {
		t.Fatalf("%d file shadows, %d swap shadows; want %d and %d", f.Shadows(), a.Shadows(), n, 2*n)
	}
	e.must(e.cur.Munmap(fb, n*pg))
	e.must(f.Truncate(4 * pg))
	if f.Shadows() != 4 {
		t.Fatalf("%d file shadows after truncation to 4 pages", f.Shadows())
	}
	e.must(f.Truncate(n * pg))
	if f.Shadows() != 4 {
		t.Fatalf("%d file shadows after growing back: the truncated slots' came back", f.Shadows())
	}
	e.must(e.cur.Munmap(anon, n*pg))
	e.check()
	if a.Shadows() != n {
		t.Fatalf("%d swap shadows after munmap of half, want %d", a.Shadows(), n)
	}
	if err := e.m.SwapOff(a); err != nil {
		t.Fatal(err)
	}
	e.check()
	if a.Shadows() != 0 {
		t.Fatalf("%d swap shadows after swapoff", a.Shadows())
	}
	e.destroyAll()
}

// TestRefaultAllocs: a swap-in and a file major fault that find a
// shadow and activate allocate no Go memory.
func TestRefaultAllocs(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("lru2q", 4096)
	e.nocheck = true
	const n = 64
	base := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	f, _ := e.newFile(filePattern(1, n*pg))
	fb := e.mmapFile(0, n*pg, ProtRead, MapShared, f, 0)
	for i := range uint64(n) {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, 1))
		e.read(fb+mm.VirtAddr(i)*pg, 1)
	}
	e.swapAllOut()
	i := 0
	if a := testing.AllocsPerRun(n-1, func() {
		if e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Read) != Resolved ||
			e.cur.HandleFault(fb+mm.VirtAddr(n-1-i)*pg, Read) != Resolved {
			panic("fault not resolved")
		}
		i++
	}); a != 0 {
		t.Fatalf("%v allocations per pair of refaults", a)
	}
	ws := e.m.WorkingsetStats()
	if ws.RefaultAnon == 0 || ws.RefaultFile == 0 || ws.ActivateAnon+ws.ActivateFile == 0 {
		t.Fatalf("stats %+v: want anonymous and file refaults, some activated", ws)
	}
	e.nocheck = false
	e.check()
	e.destroyAll()
}

// FuzzParseSwappiness: whatever the input, a value accepted is the
// decimal number it spells, within 0..200.
func FuzzParseSwappiness(f *testing.F) {
	for _, s := range []string{"60", "0", "200", "201", "-1", "+5", "060", "", "1e2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSwappiness(s)
		if err != nil {
			return
		}
		if m, perr := strconv.Atoi(s); perr != nil || m != n || n < 0 || n > 200 || s[0] == '+' {
			t.Fatalf("%q parsed as %d", s, n)
		}
	})
}

// TestScanCost: the recent cost of a type's reclaim (pages written out,
// workingset refaults) steers the balance away from it, as Linux's
// get_scan_count since 5.8. The same mixed workload as TestSwappiness,
// swappiness 100 (equal weights): reclaim takes both types about
// evenly; after a recent anonymous cost of 30 pages it takes about twice
// as many file pages (the fractions 150 : 300 once the cost dominates),
// and swap-outs charge the anonymous lists. The costs halve once their
// sum passes a quarter of the listed pages.
func TestScanCost(t *testing.T) {
	const anonPages, filePages, reclaim = 64, 64, 48
	outs := func(anonCost uint64, after func(p *lru2q)) uint64 {
		e, _ := mixedEnv(t, 100, anonPages, filePages)
		p := e.m.rc.policy.(*lru2q)
		p.NoteCost(false, anonCost)
		if got := e.m.Reclaim(reclaim, false); got != reclaim {
			t.Fatalf("anon cost %d: reclaimed %d, want %d", anonCost, got, reclaim)
		}
		e.check()
		n := e.m.Swap.Stats.SwapOuts
		if n > 0 && p.cost[lruAnon] == 0 {
			t.Errorf("anon cost %d: %d swap-outs charged nothing to anon", anonCost, n)
		}
		if p.cost[lruFile] != 0 {
			t.Errorf("anon cost %d: file cost %d with clean file pages only", anonCost, p.cost[lruFile])
		}
		if after != nil {
			after(p)
		}
		e.destroyAll()
		return n
	}
	even := outs(0, nil)
	costly := outs(30, nil)
	t.Logf("anonymous pages of %d reclaimed: %d without cost, %d with", reclaim, even, costly)
	if even < 20 || even > 28 {
		t.Errorf("no cost: %d of %d reclaimed pages were anonymous, want about half", even, reclaim)
	}
	if costly < 12 || costly > 19 || costly+4 > even {
		t.Errorf("anon cost 30: %d of %d reclaimed pages were anonymous (%d without the cost), want about a third", costly, reclaim, even)
	}

	// Aging: the costs halve once their sum passes a quarter of the
	// listed pages (128 here: 32).
	outs(0, func(p *lru2q) {
		p.cost = [2]uint64{}
		for range 100 {
			p.NoteCost(true, 1)
		}
		if n := p.pages(lruAnon) + p.pages(lruFile); p.cost[lruFile] > n/4 || p.cost[lruFile] == 0 {
			t.Errorf("100 file costs over %d listed pages: cost %d, want at most %d and not 0", n, p.cost[lruFile], n/4)
		}
	})
}

// TestRefaultDeactivate: with the inactive list not low, the active
// hand rests, unless refaults activated pages since the last reclaim
// (Linux 5.9+'s may_deactivate): then a reclaim ages the active list
// too, once; the next, with no refault between, does not.
func TestRefaultDeactivate(t *testing.T) {
	e, page := activeEnv(t, 3)
	p := e.m.rc.policy.(*lru2q)
	active := func() uint64 { return p.list(lruAnon, lruActive).pages }
	if e.m.Reclaim(1, false) != 1 || active() != 8 {
		t.Fatalf("a reclaim with no refault: %d active pages, want 8 (the inactive list is not low)", active())
	}
	e.evictAt(page(31)) // the newest: the reclaims take the oldest
	if got := e.read(page(31), 16); !bytes.Equal(got, stamp(31, 3)) {
		t.Fatalf("page 31 reads %x", got)
	}
	if ws := e.m.WorkingsetStats(); ws.ActivateAnon != 1 || active() != 9 {
		t.Fatalf("refault: %+v, %d active pages; want one activation, 9", ws, active())
	}
	if e.m.Reclaim(1, false) != 1 || active() >= 9 {
		t.Fatalf("a reclaim after a refault activation: %d active pages, want fewer than 9", active())
	}
	aged := active()
	if e.m.Reclaim(1, false) != 1 || active() != aged {
		t.Fatalf("the next reclaim, no refault between: %d active pages, want %d", active(), aged)
	}
	e.check()
}
