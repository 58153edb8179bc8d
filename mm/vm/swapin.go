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

// swapRAMax is the most slots one swap-in reads, its own and those read
// ahead: page-cluster 5, the ceiling Linux puts on its page-cluster
// (SWAP_RA_ORDER_CEILING), whose default of 3 reads 8.
const swapRAMax = 32

// readIntoSwapCache reads slot ent into pfn, a frame from the reserve,
// and puts it in the swap cache, with the slots read ahead around it:
// the read half of a swap-in, polled in the fault or sleeping on the
// device in the retry path (wait). The fault's slot and the in-use
// neighbours read ahead (swapWindow) are read by runs of consecutive
// slots, each run one request of the device (Set.ReadCluster), as
// Linux's swap_cluster_readahead submits its reads under one plug and
// the block layer merges them. A run that fails is read again without
// its readahead: only an error on ent's own slot fails the fault, which
// gives its frame back (SigBusIO); the frames of readahead that failed
// go back too.
func (as *AddressSpace) readIntoSwapCache(ent swap.Entry, pfn mm.PFN, wait bool) Result {
	m := as.mm
	ents, pfns := as.swapWindow(ent, pfn, wait)
	pages := &m.rc.raPages // the device's vector (a local would escape to the heap)
	ok := false            // ent's page was read
	for lo := 0; lo < len(ents); {
		hi := lo + 1
		for hi < len(ents) && ents[hi] == ents[hi-1]+1 {
			hi++
		}
		for k := lo; k < hi; k++ {
			pages[k-lo] = pfns[k].Addr()
		}
		err := m.Swap.ReadCluster(ents[lo], pages[:hi-lo], wait)
		for k := lo; k < hi; k++ {
			switch {
			case err == nil:
				ok = ok || ents[k] == ent
				m.cacheSwapPage(ents[k], pfns[k], ents[k] != ent)
			case ents[k] == ent:
				ok = m.Swap.ReadCluster(ent, pages[k-lo:k-lo+1], wait) == nil
				if ok {
					m.cacheSwapPage(ent, pfn, false)
				}
			default:
				m.PutFrame(pfns[k])
			}
		}
		lo = hi
	}
	if !ok {
		m.PutFrame(pfn)
		as.Stats.PagesAlloced--
		as.Stats.Bus++
		as.LastKind = KindBus
		return SigBusIO
	}
	return Resolved
}

// cacheSwapPage puts pfn, just read from slot ent, in the swap cache
// (the frame's one reference is the cache's) and on the reclaim lists;
// ra says it was read ahead. No allocation.
func (m *MM) cacheSwapPage(ent swap.Entry, pfn mm.PFN, ra bool) {
	m.Frames.Retype(pfn, frame.Anon, frame.SwapCache)
	m.Swap.SetCache(ent, pfn)
	m.trackMeta(pfn, pageMeta{ent: ent})
	if ra {
		m.Swap.Stats.Readahead++
	}
}

// swapWindow is what a swap-in of ent into pfn reads: ent and the
// in-use, uncached neighbours of its slot that get a frame, in slot
// order, with their frames (m.rc's buffers: no allocation). The window
// adapts as Linux's __swapin_nr_pages: it is the readahead hits since
// the last swap-in plus two, rounded up to a power of two, at most
// swapRAMax; at 2, only a swap-in next to the last one reads ahead (4
// slots), so random access reads nothing ahead. The slots are those of
// the aligned block of that many that holds ent (Set.Window). Readahead
// takes frames from the reserve while it is more than half full, or in
// the retry path (wait), where the caller has topped it up, while it
// keeps what a fault may take (faultNeed), and while the pages fit under
// memory.max (raRoom).
func (as *AddressSpace) swapWindow(ent swap.Entry, pfn mm.PFN, wait bool) ([]swap.Entry, []mm.PFN) {
	m := as.mm
	ents, pfns := m.rc.raEnts[:0], m.rc.raPFNs[:0]
	span := uint64(1)
	for span < m.rc.raHits+2 {
		span <<= 1
	}
	m.rc.raHits = 0
	prev := m.rc.raPrev
	m.rc.raPrev = ent
	n := 0
	if span > 2 || ent == prev+1 || ent == prev-1 {
		w := min(max(span, 4), swapRAMax)
		if m.raRoom(1) < int(w)-1 {
			m.raMakeRoom(w, wait)
		}
		n = m.Swap.Window(ent, w, m.rc.raBuf[:])
	}
	keep := m.anon.target / 2
	if wait {
		keep = faultNeed + 1
	}
	placed := false
	left := m.raRoom(1) // under memory.max, besides pfn
	for _, ra := range m.rc.raBuf[:n] {
		if !placed && ra > ent {
			ents, pfns = append(ents, ent), append(pfns, pfn)
			placed = true
		}
		if m.anon.n < keep || left == 0 {
			break
		}
		left--
		f, ok := m.anon.take()
		if !ok {
			break
		}
		ents, pfns = append(ents, ra), append(pfns, f)
	}
	if !placed {
		ents, pfns = append(ents, ent), append(pfns, pfn)
	}
	return ents, pfns
}
