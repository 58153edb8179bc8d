package pagecache

import (
	"github.com/pagoda-os/pagoda/mm"
)

// Writeback writes the dirty pages of [first, end) (page indexes) to the
// backing store, after moving the Dirty bits of shared PTEs into the
// cache (as Linux filemap_write_and_wait_range after the rmap walk of
// page_mkclean). A page that fails stays dirty, so nothing is dropped;
// the first error is kept for Sync. A swap-backed file is left alone:
// only the reclaimer writes its pages (to swap).
func (f *File) Writeback(first, end uint64) {
	if f.swap != nil {
		return
	}
	for m := range f.mappers {
		m.SyncDirty(f)
	}
	// The bound is read each time: a truncate while a page is out
	// shrinks the index.
	for idx := first; idx < min(end, uint64(len(f.pages))); idx++ {
		p := &f.pages[idx]
		if p.pfn == 0 || p.flags&pgDirty == 0 {
			continue
		}
		f.writePage(idx, false)
	}
}

// writePage writes one dirty page. The cache's flag is cleared before
// the copy-out, so a write meanwhile re-dirties it; the page holds an
// extra reference while under writeback, so a truncate cannot free it.
// With fault set it runs in a page fault (a swap-backed page's swap-out
// by the fault's direct reclaim): the backing polls, or refuses; a
// refused or failed write there is not kept as the file's error. It
// reports whether the write succeeded.
func (f *File) writePage(idx uint64, fault bool) bool {
	p := &f.pages[idx]
	pfn := p.pfn
	p.flags = p.flags&^pgDirty | pgWriteback
	f.c.Stats.Dirty--
	f.c.Stats.Writeback++
	f.c.Frames.IncRef(pfn)
	n := f.validBytes(idx)
	var err error
	if n > 0 {
		err = f.b.WritePage(idx, pfn.Addr(), n, fault)
	}
	f.endWriteback(idx, pfn, err, fault)
	return err == nil
}

// endWriteback finishes the write of page idx from pfn (Linux's
// folio_end_writeback): the page leaves writeback; a failed write
// re-dirties it (nothing is dropped) and keeps the error for the next
// sync (as Linux's mapping_set_error, AS_EIO); a page the reclaimer
// queued that is still clean goes to the tail of its inactive list
// (folio_rotate_reclaimable, pgrotated). Then the writeback's
// reference goes.
func (f *File) endWriteback(idx uint64, pfn mm.PFN, err error, fault bool) {
	f.c.Stats.Writeback--
	// The slot may have been emptied (truncate) while the page was out.
	if idx < uint64(len(f.pages)) && f.pages[idx].pfn == pfn {
		q := &f.pages[idx]
		reclaim := q.flags&pgReclaim != 0
		q.flags &^= pgWriteback | pgReclaim
		if err != nil {
			f.MarkDirty(idx)
		}
		if reclaim && q.flags&pgDirty == 0 && f.c.Tracker != nil {
			f.c.Stats.Rotated++
			f.c.Tracker.PageRotate(pfn)
		}
	}
	f.put(pfn)
	if err != nil {
		// A swap-out that failed (no swap, swap full) is no I/O error
		// of the file: the page stays dirty in memory.
		if f.err == nil && f.swap == nil && !fault {
			f.err = err
		}
		return
	}
	if f.swap == nil {
		f.c.Stats.PgPgOut++
	}
}

// Sync writes back every dirty page and reports, once, the first error
// met since the last report: a failed read in a fault, or a failed write
// (as Linux fsync and errseq).
func (f *File) Sync() error {
	f.Writeback(0, uint64(len(f.pages)))
	return f.TakeError()
}

// TakeError returns and clears the file's pending error.
func (f *File) TakeError() error {
	err := f.err
	f.err = nil
	return err
}

// DirtyPages counts the file's dirty pages (as the cache sees them,
// without asking the mappers).
func (f *File) DirtyPages() int {
	n := 0
	for _, p := range f.pages {
		if p.pfn != 0 && p.flags&pgDirty != 0 {
			n++
		}
	}
	return n
}

// PageDirty reports whether page idx is cached and dirty (as the cache
// sees it, without asking the mappers).
func (f *File) PageDirty(idx uint64) bool {
	return idx < uint64(len(f.pages)) && f.pages[idx].pfn != 0 && f.pages[idx].flags&pgDirty != 0
}

// CachedPages counts the file's cached pages.
func (f *File) CachedPages() int {
	n := 0
	for _, p := range f.pages {
		if p.pfn != 0 {
			n++
		}
	}
	return n
}

// Release writes the file back and drops all its pages; the file must
// no longer be mapped. It returns the pending error, if any. A
// swap-backed file is released when it is discarded: its dirty pages go
// too (their swap copies are the backing's to free, by Truncate(0)).
func (f *File) Release() error {
	if len(f.mappers) > 0 {
		panic("pagecache.Release: file still mapped")
	}
	err := f.Sync()
	for idx := range f.pages {
		if f.pages[idx].flags&pgDirty != 0 && f.swap == nil {
			continue // a page that failed to write is kept (not lost)
		}
		f.drop(uint64(idx))
	}
	if f.DirtyPages() == 0 {
		delete(f.c.files, f)
	}
	return err
}

// WritebackAll writes back every file's dirty pages (the periodic
// writeback and sync); it returns the first file error it meets, without
// clearing it (msync and sync on the file still see it).
func (c *Cache) WritebackAll() error {
	var first error
	for f := range c.files {
		f.Writeback(0, uint64(len(f.pages)))
		if first == nil && f.err != nil {
			first = f.err
		}
	}
	return first
}

// ReclaimClean drops up to max clean pages that no PTE maps and no
// writeback holds (refcount 1: the cache's own), and returns how many
// it dropped. This is the hook the reclaimer calls under pressure.
func (c *Cache) ReclaimClean(max int) int {
	n := 0
	for f := range c.files {
		if n == max {
			break
		}
		left := -1
		if max >= 0 {
			left = max - n
		}
		n += f.evict(left)
	}
	return n
}

// pageBytes exposes a cached page for tests and the kernel's dumps.
func (f *File) pageBytes(idx uint64) []byte {
	pfn, ok := f.Lookup(idx)
	if !ok {
		return nil
	}
	return mm.FrameBytes(pfn.Addr())[:mm.PageSize]
}
