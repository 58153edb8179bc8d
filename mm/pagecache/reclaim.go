package pagecache

import "github.com/pagoda-os/pagoda/mm"

// Reclaim of page-cache pages, as Linux's shrink_folio_list since 5.x:
// the reclaimer never writes a filesystem's dirty page in its scan. A
// clean page is dropped at once; a dirty one is marked (pgReclaim, Linux's
// PG_reclaim), queued for the writeback path (the flusher, which
// WritebackReclaim serves) and kept, so the scan goes on to the next page
// and clean pages are taken first. When the page's write ends clean, the
// Tracker moves it to the tail of its inactive list
// (folio_rotate_reclaimable), where the next scan frees it first. A page
// written to again meanwhile stays dirty and is not rotated; a write
// that fails leaves it dirty and cached, and its error waits for the
// next sync or msync (writePage). Nothing is lost either way.
//
// A swap-backed file's page (tmpfs) is different: its write is a
// swap-out, which the reclaimer does itself, as Linux's shmem_writeout
// from pageout does (swapbacked.go).

// Tracker is told of every page entering and leaving the cache (the
// reclaimer keeps its LRU lists with it), and of each page whose
// reclaim writeback ended clean. All run in page faults too (no
// allocation), but PageRotate, which runs where a write ends (goroutine
// context). PageAdded gets the shadow the reclaimer left in the slot
// when it evicted the page there last (LeaveShadow), or 0.
type Tracker interface {
	PageAdded(f *File, idx uint64, pfn mm.PFN, shadow uint32)
	PageRemoved(pfn mm.PFN)
	// PageRotate: pfn's reclaim writeback ended and it is clean: put it
	// where the next scan takes it first (folio_rotate_reclaimable).
	PageRotate(pfn mm.PFN)
}

// reclaimQueueLen bounds the pages queued for reclaim writeback. A
// dirty page met when the queue is full is kept, unqueued: the periodic
// writeback writes it (Linux, too, only wakes the flushers).
const reclaimQueueLen = 256

// rqEntry is a queued page: its file, index and frame (a slot whose
// frame changed since, by truncation and refill, is skipped).
type rqEntry struct {
	f   *File
	idx uint64
	pfn mm.PFN
}

// rqueue is a ring of rqEntry, oldest first.
type rqueue struct {
	ents    []rqEntry
	head, n int
}

func (q *rqueue) push(e rqEntry) bool {
	if q.n == len(q.ents) {
		return false
	}
	q.ents[(q.head+q.n)%len(q.ents)] = e
	q.n++
	return true
}

func (q *rqueue) pop() rqEntry {
	e := q.ents[q.head]
	q.ents[q.head] = rqEntry{}
	q.head = (q.head + 1) % len(q.ents)
	q.n--
	return e
}

// ReclaimOutcome is what ReclaimPage did with a page.
type ReclaimOutcome uint8

const (
	Kept   ReclaimOutcome = iota // still used (a reference besides the cache's), gone, or not written
	Freed                        // dropped: the frame is free
	Queued                       // dirty: marked and queued for writeback, kept (nr_vmscan_immediate_reclaim)
)

// EachMapper calls fn for every address space mapping f: the reverse
// map the reclaimer walks to find a page's PTEs.
func (f *File) EachMapper(fn func(Mapper)) {
	for m := range f.mappers {
		fn(m)
	}
}

// UnderWriteback reports whether page idx, cached in pfn, is being
// written or waits in the reclaim queue: the reclaimer leaves it alone,
// mapped (Linux's shrink_folio_list keeps a folio under writeback).
func (f *File) UnderWriteback(idx uint64, pfn mm.PFN) bool {
	return idx < uint64(len(f.pages)) && f.pages[idx].pfn == pfn &&
		f.pages[idx].flags&(pgWriteback|pgReclaim) != 0
}

// ReclaimPage frees page idx, cached in pfn, once its PTEs are gone (the
// caller unmapped them and moved their Dirty bits here), if the cache's
// is the only reference left. A dirty page of a filesystem is not
// written here: it is marked and queued (Queued) for WritebackReclaim.
// A dirty swap-backed page is swapped out first, as before its drop
// (with fault set, in a page fault: the write polls); a failed swap-out
// leaves it dirty and cached, and returns ErrIO. No allocation.
func (f *File) ReclaimPage(idx uint64, pfn mm.PFN, fault bool) (ReclaimOutcome, error) {
	if idx >= uint64(len(f.pages)) || f.pages[idx].pfn != pfn || f.pages[idx].flags&(pgWriteback|pgReclaim) != 0 {
		return Kept, nil
	}
	if f.pages[idx].flags&pgDirty != 0 {
		if f.swap == nil {
			if !f.c.rq.push(rqEntry{f, idx, pfn}) {
				return Kept, nil
			}
			f.pages[idx].flags |= pgReclaim
			f.c.Stats.Immediate++
			return Queued, nil
		}
		f.writePage(idx, fault)
		if idx >= uint64(len(f.pages)) || f.pages[idx].pfn != pfn {
			return Kept, nil
		}
		if f.pages[idx].flags&pgDirty != 0 {
			return Kept, ErrIO
		}
	}
	if f.pages[idx].flags != 0 || f.c.Frames.Refs(pfn) != 1 {
		return Kept, nil
	}
	f.drop(idx)
	return Freed, nil
}

// ReclaimQueued is the number of pages waiting in the reclaim queue
// (stale entries included: a page truncated or written since).
func (c *Cache) ReclaimQueued() int { return c.rq.n }

// WritebackReclaim writes up to max (-1: all) of the pages the
// reclaimer queued, oldest first, and returns how many it wrote clean
// (a failed write is tried, but not counted): the
// flusher's work for reclaim (Linux's wakeup_flusher_threads with
// WB_REASON_VMSCAN), and what the reclaimer itself waits on when a scan
// found only dirty pages (reclaim_throttle). Each write ends in
// writePage, which rotates the page if it is still clean. A queued page
// written meanwhile (by the periodic writeback), truncated or refilled
// is skipped. Goroutine context: the write may sleep.
func (c *Cache) WritebackReclaim(max int) int {
	n := 0
	for c.rq.n > 0 && n != max {
		e := c.rq.pop()
		f := e.f
		if e.idx >= uint64(len(f.pages)) || f.pages[e.idx].pfn != e.pfn {
			continue
		}
		p := &f.pages[e.idx]
		if p.flags&pgReclaim == 0 || p.flags&(pgWriteback|pgDirty) != pgDirty {
			continue
		}
		c.Stats.VmscanWrite++
		if f.writePage(e.idx, false) {
			n++
		}
	}
	return n
}
