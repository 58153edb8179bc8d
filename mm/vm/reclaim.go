package vm

import (
	"fmt"
	"math"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// Reclaim: taking frames back from the pages that hold them when free
// memory runs low (Linux mm/vmscan.c). Anonymous pages go to swap, dirty
// file pages are written back, clean file pages are dropped. Which pages
// go is the policy's choice (lru.go); the hardware Accessed bit of each
// page's PTEs is what it sees of their use.
//
// The reverse map: an anonymous page (or a swap-cache page) records its
// anonymous object and offset, and the object's members are looked at
// (rmap.go); a page-cache page records its file and index, and the file's
// mappers are looked at.
//
// Reclaim runs in three places, always under the kernel lock: directly
// from Refill when free memory is below the min watermark (the allocating
// command then waits, as Linux direct reclaim); from the kernel's
// background goroutine (kswapd) between min and low, which works up to
// high; and in a page fault whose reserve runs short while memory is
// below min (reserve.go: restock), as Linux's direct reclaim from a
// fault's allocation. Swap writes poll the device. In a fault it must
// not allocate or block: it writes anonymous and tmpfs pages to swap as
// anywhere. A scan writes the anonymous pages it evicts a batch at a time
// (swapOut): their slots are consecutive, and each run of them is one
// request of the device.
//
// Dirty file pages are never written by the scan (Linux's
// shrink_folio_list since 5.x): the page is marked and queued for the
// writeback path (pagecache reclaim.go), kept on its lists, and the scan
// goes on, so clean pages go first. Its write ends with the page at the
// tail of its inactive list (PageRotate), the next victim. When a scan
// falls short having queued pages (every candidate was dirty), a caller
// that may sleep waits for writeback, as Linux's reclaim_throttle
// (VMSCAN_THROTTLE_WRITEBACK): under the big kernel lock the flusher
// cannot run, so the reclaimer writes queued pages itself, oldest first,
// sleeping on each write's completion interrupt, and scans again, which
// frees them first. A fault's reclaim cannot sleep: it leaves them
// queued, and the fault gets its frames elsewhere or gives up as it does
// without them (retry.go: a user fault retries in goroutine context,
// where Refill's direct reclaim waits; a kernel fault's command calls
// Throttle).

// pageMeta is what the reclaimer knows of a frame on its lists.
type pageMeta struct {
	file *pagecache.File // a page-cache page's file, or nil
	// anon is an anonymous or swap-cache page's object (rmap.go), nil
	// for a page read ahead and not mapped yet.
	anon *anonObject
	idx  uint64     // the file page index, or the anonymous page's linear offset
	ent  swap.Entry // a swap-cache page's slot
}

// Watermarks are free-page levels (Linux zone watermarks): below Low the
// background reclaim is woken and works up to High; below Min the
// allocating path reclaims itself.
type Watermarks struct{ Min, Low, High uint64 }

// watermarksFor derives the marks from the managed pages as Linux does:
// min_free_kbytes = sqrt(16 × managed KiB), within [128 KiB, 64 MiB];
// low and high are min plus a quarter and a half of it.
func watermarksFor(managed uint64) Watermarks {
	kb := managed * mm.PageSize / 1024
	minKB := min(max(uint64(math.Sqrt(float64(kb*16))), 128), 65536)
	m := minKB * 1024 / mm.PageSize
	return Watermarks{Min: m, Low: m + m/4, High: m + m/2}
}

// ReclaimStats count the reclaimer's work (vmstat).
type ReclaimStats struct {
	Scan         uint64 // pages looked at (pgscan)
	Steal        uint64 // pages freed (pgsteal)
	StealDirect  uint64 // of which by direct reclaim (faults' included)
	StealFault   uint64 // of which by faults' direct reclaim
	AllocStall   uint64 // direct reclaims
	FaultStall   uint64 // of which in a page fault
	KswapdWakes  uint64 // background reclaim wake-ups
	SwapCacheHit uint64 // swap-in faults that found the page in the swap cache
	SwapFull     uint64 // anonymous pages kept for want of a swap slot
	WriteErrors  uint64 // pages kept because their write failed
}

// reclaimer is the MM's reclaim state.
type reclaimer struct {
	policy Policy
	// wsp is policy as a workingsetPolicy, or nil (EnableReclaim).
	wsp workingsetPolicy
	// ref is m.referenced, made once: a method value made at each
	// Victim call would be allocated (faults reclaim too).
	ref    func(i uint32) bool
	meta   []pageMeta // by frame-table index
	wm     Watermarks
	spaces []*AddressSpace
	stats  ReclaimStats
	// raBuf, raEnts and raPFNs are swap readahead's window, and the
	// slots it reads with their frames (swapin.go: no allocation).
	raBuf   [swapRAMax - 1]swap.Entry
	raEnts  [swapRAMax]swap.Entry
	raPFNs  [swapRAMax]mm.PFN
	raPages [swapRAMax]mm.PhysAddr
	// out holds the anonymous pages a scan queued for swap-out, nOut
	// of them (swapOut: no allocation).
	out      [swapOutMax]swapOutPage
	nOut     int
	outPages [swapOutMax]mm.PhysAddr
	raHits   uint64     // swap-cache hits on pages read ahead, since the last swap-in
	raPrev   swap.Entry // the last slot swapped in
	// wake asks the background reclaim to run (set by the kernel).
	wake func()
	// inFault: the reclaim running is a fault's (restock). deferred
	// counts the dirty pages a fault's reclaim had to leave (filesystem
	// pages it queued, tmpfs pages whose swap-out failed), for Throttle.
	inFault  bool
	deferred uint64
	// swapDelta is vm.swappiness less its default (so the zero MM has
	// Linux's 60; workingset.go).
	swapDelta int
	// evictions counts pages evicted: with the policy's activations, the
	// non-resident age of refault detection (workingset.go).
	evictions uint64
	ws        WorkingsetStats
	// cache is the page cache whose queued writeback a reclaim that may
	// sleep waits on (nil: none).
	cache *pagecache.Cache
	// mc is memory.max (memcg.go).
	mc memcg
}

// EnableReclaim turns reclaim on with the named policy: from now on the
// pages mapped and cached are on its lists. It is set once, before any
// address space exists.
func (m *MM) EnableReclaim(policy string, cache *pagecache.Cache, wake func()) error {
	p, err := newPolicy(policy, m.Frames, m, &m.rc.mc.charge)
	if err != nil {
		return err
	}
	m.rc.policy = p
	// Asserted once here: an interface assertion in the fault path may
	// allocate its type cache at its first use (runtime.typeAssert).
	m.rc.wsp, _ = p.(workingsetPolicy)
	m.rc.ref = m.referenced
	m.rc.meta = make([]pageMeta, m.Frames.Span())
	m.rc.wm = watermarksFor(m.Frames.Stats().ManagedPages)
	m.setReserveTarget(m.rc.wm)
	m.rc.wake = wake
	m.rc.cache = cache
	if cache != nil {
		cache.Tracker = m
		cache.Reclaim = func(n int) int { return m.Reclaim(n, true) }
		cache.Room = m.pageRoom
	}
	return nil
}

// Policy is the reclaim policy in force, or nil.
func (m *MM) Policy() Policy { return m.rc.policy }

// Watermarks are the free-page marks (zero without reclaim).
func (m *MM) Watermarks() Watermarks { return m.rc.wm }

// ReclaimStats are the reclaimer's counters.
func (m *MM) ReclaimStats() ReclaimStats { return m.rc.stats }

// trackMeta records what the reclaimer knows of a frame and puts it on
// the lists if it is not there yet. A swap-cache page being filled
// takes its slot's shadow (workingset.go).
func (m *MM) trackMeta(pfn mm.PFN, md pageMeta) {
	var shadow uint32
	if md.ent != 0 && m.rc.policy != nil {
		shadow = m.Swap.TakeShadow(md.ent)
	}
	m.track(pfn, md, shadow)
}

// track is trackMeta with the shadow the page's slot held: a page
// coming back within the working set goes to its active list
// (workingsetRefault). No allocation.
func (m *MM) track(pfn mm.PFN, md pageMeta, shadow uint32) {
	if m.rc.policy == nil {
		return
	}
	i := m.Frames.Index(pfn)
	m.rc.meta[i] = md
	if (lists{frames: m.Frames}).on(i) != 0 {
		return
	}
	if activate, ws := m.workingsetRefault(m.fileLRU(i), shadow); activate {
		m.rc.wsp.AddActive(i, ws)
		return
	}
	m.rc.policy.Add(i)
}

// untrack takes a frame off the lists (it is being freed).
func (m *MM) untrack(pfn mm.PFN) {
	if m.rc.policy == nil {
		return
	}
	i := m.Frames.Index(pfn)
	if (lists{frames: m.Frames}).on(i) != 0 {
		m.rc.policy.Remove(i)
	}
	m.forget(i)
}

// forget drops what the reclaimer knows of frame-table entry i, off the
// lists: its page left memory.
func (m *MM) forget(i uint32) {
	m.rc.meta[i] = pageMeta{}
	if m.rc.wsp != nil {
		m.rc.wsp.Forget(i)
	}
}

// PageAdded tracks a page-cache page (pagecache.Tracker), with the
// shadow its slot held.
func (m *MM) PageAdded(f *pagecache.File, idx uint64, pfn mm.PFN, shadow uint32) {
	m.track(pfn, pageMeta{file: f, idx: idx}, shadow)
}

// PageRemoved untracks a page leaving the cache (pagecache.Tracker).
func (m *MM) PageRemoved(pfn mm.PFN) { m.untrack(pfn) }

// PageRotate moves a page whose reclaim writeback ended clean to the
// back of its inactive list (pagecache.Tracker; Linux's
// folio_rotate_reclaimable).
func (m *MM) PageRotate(pfn mm.PFN) {
	if m.rc.policy == nil {
		return
	}
	if i := m.Frames.Index(pfn); (lists{frames: m.Frames}).on(i) != 0 {
		m.rc.policy.Rotate(i)
	}
}

// freePages is the allocator's free count.
func (m *MM) freePages() uint64 { return m.Frames.FreePages() }

// deficit is how many frames the reserves lack.
func (m *MM) deficit() uint64 {
	return uint64(max(m.anon.target-m.anon.n, 0)) + uint64(max(m.tables.target-m.tables.n, 0))
}

// balance runs before Refill takes frames: direct reclaim below min (the
// reserves' want counted), a wake-up of the background reclaim below low.
func (m *MM) balance() {
	if m.rc.policy == nil {
		return
	}
	m.makeRoom(1) // room for the next fault: it then need not reclaim
	need, free := m.deficit(), m.freePages()
	if free < m.rc.wm.Min+need {
		m.rc.stats.AllocStall++
		m.Reclaim(int(m.rc.wm.Low+need-free), true)
	} else if free < m.rc.wm.Low+need && m.rc.wake != nil {
		m.rc.wake()
	}
}

// Throttle is the goroutine-context half of the faults' reclaim, for a
// loop that touches many pages (the kernel calls it between them, as
// Linux calls balance_dirty_pages_ratelimited after a fault): when a
// fault's reclaim queued dirty filesystem pages (or could not swap a
// tmpfs page out), it writes the reclaim queue, as the flusher the fault
// could not wake would (Linux's balance_dirty_pages has the dirtier
// wait for writeback), so that the next faults find those pages clean
// at the inactive tail; then it refills, reclaiming below min.
// Otherwise it does nothing: the faults restock themselves.
func (m *MM) Throttle() {
	if m.rc.deferred == 0 {
		return
	}
	m.rc.deferred = 0
	if m.rc.cache != nil && m.rc.cache.ReclaimQueued() > 0 {
		m.rc.cache.WritebackReclaim(-1)
	}
	m.Refill()
}

// Background is the background reclaim's pass (kswapd): from below low
// up to high. It returns the pages freed.
func (m *MM) Background() int {
	if m.rc.policy == nil {
		return 0
	}
	m.rc.stats.KswapdWakes++
	need, free := m.deficit(), m.freePages()
	if free >= m.rc.wm.High+need {
		return 0
	}
	return m.Reclaim(int(m.rc.wm.High+need-free), false)
}

// Reclaim frees up to n frames and returns how many it freed. Each
// scan looks at no more than 4n+64 pages, so that it ends when nothing
// can go. Outside faults, a scan that falls short while dirty file pages
// wait in the reclaim queue (this scan's or an earlier one's, a fault's
// included) is followed by writeback of the queue and another scan (see
// the top of this file), as long as writes succeed.
func (m *MM) Reclaim(n int, direct bool) int {
	if m.rc.policy == nil || n <= 0 {
		return 0
	}
	if m.rc.wsp != nil {
		m.rc.wsp.Cycle(true, m.rc.ws.ActivateAnon, m.rc.ws.ActivateFile)
	}
	freed := m.scan(n)
	if !m.rc.inFault && m.rc.cache != nil {
		// Each round writes at least one page clean (or stops), and
		// its scan frees it; the bound is a backstop.
		for round := 0; freed < n && m.rc.cache.ReclaimQueued() > 0 && round < n+8; round++ {
			if m.rc.cache.WritebackReclaim(min(n-freed, writebackBatch)) == 0 {
				break
			}
			freed += m.scan(n - freed)
		}
		if m.rc.cache.ReclaimQueued() > 0 && m.rc.cache.WakeFlusher != nil {
			m.rc.cache.WakeFlusher()
		}
	}
	m.rc.stats.Steal += uint64(freed)
	if direct {
		m.rc.stats.StealDirect += uint64(freed)
	}
	if m.rc.inFault {
		m.rc.stats.StealFault += uint64(freed)
	}
	if m.rc.wsp != nil {
		m.rc.wsp.Cycle(false, m.rc.ws.ActivateAnon, m.rc.ws.ActivateFile)
	}
	return freed
}

// writebackBatch bounds the queued pages a reclaim writes before it
// scans again (SWAP_CLUSTER_MAX).
const writebackBatch = 32

// scan is one pass of the policy's hands: up to n pages freed, 4n+64
// looked at. A page it cannot free goes back on the lists. Anonymous
// pages chosen are queued for swap-out and written a batch at a time
// (swapOut), when the batch is full and at the end of the pass.
func (m *MM) scan(n int) int {
	freed := 0
	for k := 0; freed+m.rc.nOut < n && k < 4*n+64; k++ {
		i, ok := m.rc.policy.Victim(m.rc.ref)
		if !ok {
			break
		}
		m.rc.stats.Scan++
		switch m.evict(i) {
		case evictFreed:
			freed++
		case evictQueued:
			if m.rc.nOut == len(m.rc.out) {
				freed += m.swapOut()
			}
		case evictKept:
			m.keep(i)
		}
	}
	return freed + m.swapOut()
}

// keep puts frame-table entry i, which the scan took off the lists and
// could not free, back on them, unless its page left memory meanwhile.
func (m *MM) keep(i uint32) {
	if m.rc.meta[i] != (pageMeta{}) {
		m.rc.policy.Add(i) // kept: round again
	}
}

// filePTEs calls fn for every PTE mapping page idx of f from pfn.
func (m *MM) filePTEs(f *pagecache.File, idx uint64, pfn mm.PFN, fn func(as *AddressSpace, v *VMA, va mm.VirtAddr, l Leaf)) {
	f.EachMapper(func(mp pagecache.Mapper) {
		as, ok := mp.(*AddressSpace)
		if !ok {
			return
		}
		for k := range as.vmas {
			v := &as.vmas[k]
			if v.file != f || idx < v.pgoff || idx >= v.pgoff+v.Pages() {
				continue
			}
			va := v.Start + mm.VirtAddr(idx-v.pgoff)*mm.PageSize
			if l := as.leafAt(va); l.HasFrame() && l.PFN() == pfn {
				fn(as, v, va, l)
			}
		}
	})
}

// referenced tests and clears the Accessed bits of the PTEs mapping
// frame-table entry i, and reports whether any was set.
func (m *MM) referenced(i uint32) bool {
	pfn, md := m.Frames.PFNAt(i), &m.rc.meta[i]
	ref := false
	test := func(as *AddressSpace, va mm.VirtAddr, l Leaf) {
		if l.PTE&pt.Accessed != 0 {
			as.table.TestAndClear(va, pt.Accessed)
			ref = true
		}
	}
	if md.file != nil {
		m.filePTEs(md.file, md.idx, pfn, func(as *AddressSpace, _ *VMA, va mm.VirtAddr, l Leaf) { test(as, va, l) })
	} else {
		m.anonPTEs(pfn, md, test)
	}
	return ref
}

// evictResult is what became of a page the scan tried to evict.
type evictResult uint8

const (
	evictKept   evictResult = iota // it stays: the scan puts it back on the lists
	evictFreed                     // its frame is free
	evictQueued                    // an anonymous page given a slot, to be written and freed by swapOut
)

// evict tries to free frame-table entry i (off the lists already).
func (m *MM) evict(i uint32) evictResult {
	pfn := m.Frames.PFNAt(i)
	md := m.rc.meta[i]
	ok := false
	switch {
	case md.file != nil:
		ok = m.evictFile(pfn, md)
	case md.ent != 0:
		ok = m.evictSwapCache(pfn, md)
	case m.Frames.State(pfn) == frame.Anon:
		// A huge page goes out 4 KiB at a time: split, its head
		// first, the rest on the lists, and so do the 2 MiB entries
		// mapping a page (hugepage.go).
		if !m.splitMappings(pfn, &md) {
			return evictKept
		}
		return m.evictAnon(pfn, md)
	}
	if ok {
		return evictFreed
	}
	return evictKept
}

// mappedBy counts the PTEs mapping anonymous page pfn; ok is false if a
// PROT_NONE entry holds it (such a page stays).
func (m *MM) mappedBy(pfn mm.PFN, md *pageMeta) (n uint32, ok bool) {
	ok = true
	m.anonPTEs(pfn, md, func(_ *AddressSpace, _ mm.VirtAddr, l Leaf) {
		if l.State == LeafProtNone {
			ok = false
		}
		n++
	})
	return n, ok
}

// unmapToSwap replaces every PTE mapping anonymous page pfn with ent, one
// slot reference each beyond the first (which the caller holds), as
// Linux try_to_unmap over rmap_walk_anon.
func (m *MM) unmapToSwap(pfn mm.PFN, md *pageMeta, ent swap.Entry, first bool) {
	m.anonPTEs(pfn, md, func(as *AddressSpace, va mm.VirtAddr, _ Leaf) {
		if !first {
			m.Swap.Dup(ent)
		}
		first = false
		as.table.Set(va, swapLeaf(ent))
		as.rss--
		m.Frames.DecRef(pfn)
	})
}

// evictAnon gives an anonymous page a fresh slot and queues it for
// swapOut, which writes it and puts the slot in every PTE that mapped it
// (Linux shrink_folio_list: add_to_swap, then try_to_unmap and pageout).
func (m *MM) evictAnon(pfn mm.PFN, md pageMeta) evictResult {
	n, ok := m.mappedBy(pfn, &md)
	if m.Swap == nil || !ok || n == 0 || n != m.Frames.Refs(pfn) {
		return evictKept
	}
	ent, err := m.Swap.Alloc()
	if err != nil {
		m.rc.stats.SwapFull++
		return evictKept
	}
	m.rc.out[m.rc.nOut] = swapOutPage{pfn: pfn, ent: ent}
	m.rc.nOut++
	return evictQueued
}

// swapOutMax is the most anonymous pages a scan queues before it writes
// them (Linux SWAP_CLUSTER_MAX).
const swapOutMax = 32

// swapOutPage is an anonymous page queued for swap-out and its slot.
type swapOutPage struct {
	pfn mm.PFN
	ent swap.Entry
}

// swapOut writes the queued anonymous pages and frees them: each run of
// consecutive slots (the allocator hands a scan's slots out in order, so
// pages evicted together sit together on the disk) with one request of
// the device, polled (Set.WriteCluster), as Linux's swap_writepage of the
// pages of one reclaim pass merges in the block layer. Then every PTE
// that mapped a page written takes its slot, and the frame is freed. The
// pages stayed mapped, unchanged, from the scan's choice to their write:
// nothing else runs under the kernel lock meanwhile, and the write
// polls. A page whose run failed to write keeps its mappings and goes
// back on the lists; its slot is freed. It returns the pages freed. No
// allocation (a fault's reclaim writes too).
func (m *MM) swapOut() int {
	out := m.rc.out[:m.rc.nOut]
	m.rc.nOut = 0
	pages := &m.rc.outPages // the device's vector (a local would escape to the heap)
	freed := 0
	for lo := 0; lo < len(out); {
		hi := lo + 1
		for hi < len(out) && out[hi].ent == out[hi-1].ent+1 {
			hi++
		}
		for k := lo; k < hi; k++ {
			pages[k-lo] = out[k].pfn.Addr()
		}
		err := m.Swap.WriteCluster(out[lo].ent, pages[:hi-lo])
		if err == nil {
			m.noteCost(false, uint64(hi-lo))
		}
		for _, p := range out[lo:hi] {
			i := m.Frames.Index(p.pfn)
			if err != nil {
				m.Swap.Put(p.ent)
				m.rc.stats.WriteErrors++
				m.keep(i)
				continue
			}
			md := m.rc.meta[i]
			m.unmapToSwap(p.pfn, &md, p.ent, true)
			m.Swap.SetShadow(p.ent, m.workingsetEviction(m.pageWorkingset(i)))
			m.forget(i)
			m.Frames.Free(p.pfn, 0)
			freed++
		}
		lo = hi
	}
	return freed
}

// noteCost charges reclaim's I/O to a type's lists: pages written out
// (lru2q.NoteCost).
func (m *MM) noteCost(file bool, n uint64) {
	if m.rc.wsp != nil {
		m.rc.wsp.NoteCost(file, n)
	}
}

// evictSwapCache drops a swap-cache page, whose slot holds its data: the
// PTEs mapping it (read-only, so it is unchanged) take the slot again.
func (m *MM) evictSwapCache(pfn mm.PFN, md pageMeta) bool {
	n, ok := m.mappedBy(pfn, &md)
	if !ok || n+1 != m.Frames.Refs(pfn) {
		return false
	}
	m.unmapToSwap(pfn, &md, md.ent, false)
	m.Swap.SetCache(md.ent, 0)
	i := m.Frames.Index(pfn)
	m.Swap.SetShadow(md.ent, m.workingsetEviction(m.pageWorkingset(i)))
	m.forget(i)
	m.Frames.DecRef(pfn)
	m.Frames.Free(pfn, 0)
	return true
}

// evictFile unmaps a page-cache page (its Dirty bits go to the cache)
// and drops it if clean. A dirty page of a filesystem is queued for
// writeback instead and stays cached, unmapped: its next touch is a
// minor fault. A page under writeback, or queued already, is left
// mapped (Linux's shrink_folio_list keeps it, nr_immediate). A dirty
// tmpfs page is swapped out first.
func (m *MM) evictFile(pfn mm.PFN, md pageMeta) bool {
	if md.file.UnderWriteback(md.idx, pfn) {
		return false
	}
	ok := true
	m.filePTEs(md.file, md.idx, pfn, func(_ *AddressSpace, _ *VMA, _ mm.VirtAddr, l Leaf) {
		ok = ok && l.State != LeafProtNone
	})
	if !ok {
		return false
	}
	m.filePTEs(md.file, md.idx, pfn, func(as *AddressSpace, v *VMA, va mm.VirtAddr, l Leaf) {
		if l.PTE&pt.Dirty != 0 && v.Flags&MapShared != 0 {
			md.file.MarkDirty(md.idx)
		}
		as.table.Clear(va)
		as.rss--
		m.Frames.DecRef(pfn)
	})
	i := m.Frames.Index(pfn)
	// The drop forgets them.
	ws, dirty, fileLRU := m.pageWorkingset(i), md.file.PageDirty(md.idx), m.fileLRU(i)
	res, err := md.file.ReclaimPage(md.idx, pfn, m.rc.inFault)
	if res == pagecache.Queued || res == pagecache.Freed && dirty {
		// Reclaim's I/O: a filesystem's page queued for writeback, a
		// tmpfs page swapped out.
		m.noteCost(fileLRU, 1)
	}
	switch {
	case res == pagecache.Freed:
		md.file.LeaveShadow(md.idx, m.workingsetEviction(ws))
	case res == pagecache.Queued && m.rc.inFault:
		m.rc.deferred++
	case err != nil && m.rc.inFault:
		m.rc.deferred++
	case err != nil:
		m.rc.stats.WriteErrors++
	}
	return res == pagecache.Freed
}

// putSwap drops a PTE's reference to a slot; a frame the swap cache then
// lets go of becomes an ordinary anonymous page, or is freed if nothing
// maps it.
func (m *MM) putSwap(ent swap.Entry) {
	_, pfn := m.Swap.Put(ent)
	if pfn == 0 {
		return
	}
	i := m.Frames.Index(pfn)
	m.rc.meta[i].ent = 0
	if m.Frames.DecRef(pfn) == 0 {
		m.untrack(pfn)
		m.Frames.Free(pfn, 0)
		return
	}
	m.Frames.Retype(pfn, frame.SwapCache, frame.Anon)
}

// String describes the marks.
func (w Watermarks) String() string {
	return fmt.Sprintf("min %d low %d high %d", w.Min, w.Low, w.High)
}
