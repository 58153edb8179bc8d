package vm

import (
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// swapFault: a PTE holding a swap entry (as Linux do_swap_page). The page
// is looked for in the swap cache first; on a miss it is read, polling
// the device, with the in-use neighbours of its slot read ahead into the
// swap cache. The PTE then maps the frame and gives up its slot
// reference. If that was the slot's last, the page is this mapping's
// alone: it leaves the swap cache and is mapped writable (where the VMA
// allows). Otherwise others still name the slot (a fork shared it): the
// page stays in the swap cache, mapped read-only, and a write copies it.
func (as *AddressSpace) swapFault(v *VMA, page mm.VirtAddr, l Leaf) Result {
	m := as.mm
	ent := l.Entry()
	if m.Swap == nil || m.Swap.Refs(ent) == 0 {
		as.Stats.Bus++ // a slot that is not there: cannot happen, but never map garbage
		as.LastKind = KindBus
		return SigBus
	}
	pfn, hit := m.Swap.Cache(ent)
	switch {
	case hit && as.retry.readIn && as.retry.ent == ent:
		// The retry path read it for this fault (retry.go): a swap-in.
		as.Stats.MajFaults++
		as.LastKind = KindSwapIn
	case hit:
		as.LastKind = KindSwapCache
		m.rc.stats.SwapCacheHit++
		if m.rc.meta[m.Frames.Index(pfn)].anon == nil {
			m.rc.raHits++ // a page read ahead, and wanted
		}
	case as.retry.noIO:
		as.retry.ent = ent
		return as.mustRetry(needSwapPage)
	default:
		var ok bool
		if pfn, ok = as.copyFrame(); !ok {
			return OOM
		}
		if r := as.readIntoSwapCache(ent, pfn, false); r != Resolved {
			return r
		}
		as.Stats.MajFaults++
		as.LastKind = KindSwapIn
	}
	as.Stats.SwapFaults++
	m.Frames.IncRef(pfn) // the PTE's
	writable := false
	if left, uncached := m.Swap.Put(ent); left == 0 && uncached == pfn {
		// The slot's last reference: out of the swap cache, an ordinary
		// page, writable if no other PTE maps it (one that swapped it in
		// earlier may).
		writable = m.Frames.DecRef(pfn) == 1
		m.Frames.Retype(pfn, frame.SwapCache, frame.Anon)
		m.rc.meta[m.Frames.Index(pfn)].ent = 0
	}
	m.swappedIn(pfn, v, page, writable)
	if v.Prot == ProtNone { // swapoff bringing back a PROT_NONE page
		as.table.Set(page, protNoneLeaf(pfn, 0))
	} else {
		as.table.Set(page, pt.PTE(pfn.Addr())|pt.Present|as.pteFlags(v.Prot, writable))
	}
	as.rss++
	return Resolved
}

// swappedIn gives a swapped-in page mapped at page of v its place in the
// reverse map, on its first mapping (as Linux do_swap_page's
// folio_add_anon_rmap): v's object if the page is v's alone (exclusive),
// else the root of v's chain, to which every VMA that may share the slot
// (v's fork family) chains. A page mapped before keeps its place: the
// VMAs that name its slot are all of one family, at one offset. No
// allocation (the fault path).
func (m *MM) swappedIn(pfn mm.PFN, v *VMA, page mm.VirtAddr, exclusive bool) {
	if m.rc.policy == nil {
		return
	}
	md := &m.rc.meta[m.Frames.Index(pfn)]
	if md.anon != nil {
		if debug && (md.idx != v.pageIndex(page) || !v.anon.chains(md.anon)) {
			panic("vm.swappedIn: a swap-cache page mapped outside its object's offset or chain")
		}
		return
	}
	o := v.anon
	if !exclusive {
		o = o.root()
	}
	o.used = true
	md.anon, md.idx = o, v.pageIndex(page)
}

// readIntoSwapCache reads slot ent into pfn, a frame from the reserve,
// and puts it in the swap cache with readahead after it: the read half of
// a swap-in, polled in the fault or sleeping on the device in the retry
// path (wait). A read error gives the frame back: SigBusIO.
func (as *AddressSpace) readIntoSwapCache(ent swap.Entry, pfn mm.PFN, wait bool) Result {
	m := as.mm
	read := m.Swap.Read
	if wait {
		read = m.Swap.ReadWait
	}
	if read(ent, pfn.Addr()) != nil {
		m.PutFrame(pfn)
		as.Stats.PagesAlloced--
		as.Stats.Bus++
		as.LastKind = KindBus
		return SigBusIO
	}
	m.Frames.Retype(pfn, frame.Anon, frame.SwapCache)
	m.Swap.SetCache(ent, pfn) // the frame's one reference is the cache's
	m.trackMeta(pfn, pageMeta{ent: ent})
	as.swapReadahead(ent, wait)
	return Resolved
}

// swapReadahead reads the in-use, uncached neighbours of ent's slot into
// the swap cache (best effort, leaving the reserve half full for the
// faults to come). Their frames are not mapped: a later fault on them is
// a swap-cache hit. The window adapts as Linux's __swapin_nr_pages: it
// is the readahead hits since the last swap-in plus two, rounded up to a
// power of two, at most 8; at 2, only a swap-in next to the last one
// reads ahead (4 slots), so random access reads nothing ahead. With wait
// set it runs in a user fault's retry path (retry.go) and reads as it
// does, sleeping on the device; otherwise it polls.
func (as *AddressSpace) swapReadahead(ent swap.Entry, wait bool) {
	m := as.mm
	span := uint64(1)
	for span < m.rc.raHits+2 {
		span <<= 1
	}
	m.rc.raHits = 0
	prev := m.rc.raPrev
	m.rc.raPrev = ent
	if span <= 2 {
		if ent != prev+1 && ent != prev-1 {
			return
		}
		span = 4
	}
	n := m.Swap.Window(ent, min(span, uint64(len(m.rc.raBuf))), m.rc.raBuf[:])
	for _, ra := range m.rc.raBuf[:n] {
		if m.anon.n < m.anon.target/2 {
			return
		}
		pfn, ok := m.anon.take()
		if !ok {
			return
		}
		var err error
		if wait {
			err = m.Swap.ReadWait(ra, pfn.Addr())
		} else {
			err = m.Swap.Read(ra, pfn.Addr())
		}
		if err != nil {
			m.PutFrame(pfn)
			return
		}
		m.Frames.Retype(pfn, frame.Anon, frame.SwapCache)
		m.Swap.SetCache(ra, pfn)
		m.trackMeta(pfn, pageMeta{ent: ra})
		m.Swap.Stats.Readahead++
	}
}
