package pagecache

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
)

// Swap-backed files (tmpfs, as Linux's shmem). Their pages live only in
// memory until the reclaimer pushes them to swap through the Backing's
// WritePage, so the cache treats them apart:
//
//   - writeback (the periodic WritebackAll, Sync, msync's Writeback) and
//     Release never write them: a write to the backing is a swap-out,
//     which only the reclaimer decides (as Linux's shmem has no
//     writepages, only shmem_writeout from reclaim);
//   - a failed WritePage leaves the page dirty but is not the file's I/O
//     error (no swap, or swap full, is not a fault of the file), nor is a
//     failed fill in a fault (a size limit reached is a bus error for
//     the access, not an error for msync);
//   - a fault fills its own page only: no readahead; it is a major fault
//     only when the page comes back from swap;
//   - Evict and ReclaimClean (drop_caches) leave their pages alone;
//   - Release drops their dirty pages too: the file is being discarded.

// SwapBacking is the Backing of a swap-backed file.
type SwapBacking interface {
	Backing
	// InSwap reports whether filling page idx reads it from swap (a
	// major fault), rather than making it from nothing. Fault path: no
	// allocation, no lock.
	InSwap(idx uint64) bool
	// Discard makes page idx a hole, freeing its swap copy: its data
	// are no longer wanted (PunchHole). The cache holds no frame for
	// it.
	Discard(idx uint64)
}

// NewSwapBackedFile starts caching a swap-backed file (tmpfs) of the
// given size.
func (c *Cache) NewSwapBackedFile(b SwapBacking, name string, size int64) *File {
	f := c.NewFile(b, name, size)
	f.swap = b
	return f
}

// SwapBacked reports whether f is a swap-backed file.
func (f *File) SwapBacked() bool { return f.swap != nil }

// faultSwapBacked fills page idx of a swap-backed file in a fault (no
// readahead, no error kept). No allocation, no lock.
func (f *File) faultSwapBacked(idx uint64, src FrameSource) (mm.PFN, Outcome) {
	pfn, ok := src.TakeFrame()
	if !ok {
		return 0, NoMemory
	}
	major := f.swap.InSwap(idx)
	n := f.validBytes(idx)
	if f.b.ReadPage(idx, pfn.Addr(), n, true) != nil {
		src.PutFrame(pfn)
		return 0, IOError
	}
	if n < mm.PageSize {
		clear(mm.FrameBytes(pfn.Addr())[n:])
	}
	f.c.Frames.Retype(pfn, frame.Anon, frame.PageCache)
	f.insert(idx, pfn)
	if !major {
		return pfn, Hit // a minor fault, as Linux's shmem_fault on a hole
	}
	f.c.Stats.MajFaults++
	return pfn, Major
}

// LoadDirty caches page idx of a swap-backed file, reading it from the
// backing if it is not cached, and marks it dirty: what swapoff does to
// every page in the area going away (as Linux shmem_unuse, which swaps
// the page in and dirties it), before the backing forgets the page's
// swap copy. Goroutine context. ErrNoMemory when no frame is free;
// nothing changes then.
func (f *File) LoadDirty(idx uint64) error {
	if f.swap == nil {
		return fmt.Errorf("%w: %s is not swap-backed", ErrInvalid, f.Name)
	}
	if int64(idx)*mm.PageSize >= f.size {
		return fmt.Errorf("%w: page %d past the end of %s", ErrInvalid, idx, f.Name)
	}
	if _, err := f.get(idx, false); err != nil {
		return err
	}
	f.MarkDirty(idx)
	return nil
}

// SetUnmapHook sets fn to run when the file's last mapping goes
// (RemoveMapper of its last VMA), in the unmapping goroutine, after the
// mapping's PTEs are gone. tmpfs discards an unlinked file's data there,
// as Linux does at the last reference to the inode.
func (f *File) SetUnmapHook(fn func()) { f.unmapped = fn }

// PunchHole frees the pages [first, end) of a swap-backed file, in
// memory and in swap, leaving holes that read as zeros (as Linux's
// fallocate FALLOC_FL_PUNCH_HOLE on shmem). No PTE may map them: a page
// still referenced besides the cache (under writeback, or mapped
// against that rule) is left as it is. It returns the pages freed from
// memory. Goroutine context.
func (f *File) PunchHole(first, end uint64) int {
	if f.swap == nil {
		panic("pagecache.PunchHole: not a swap-backed file")
	}
	n := 0
	for idx := first; idx < min(end, uint64(len(f.pages))); idx++ {
		if p := &f.pages[idx]; p.pfn != 0 {
			if p.flags&pgWriteback != 0 || f.c.Frames.Refs(p.pfn) != 1 {
				continue
			}
			f.drop(idx)
			n++
		}
		f.pages[idx].shadow = 0
		f.swap.Discard(idx)
	}
	return n
}

// Shmem counts the cached pages of swap-backed files, and of them the
// dirty ones: meminfo's Shmem, and what its Dirty leaves out (as Linux,
// whose Dirty counts pages waiting for writeback to a disk).
func (c *Cache) Shmem() (pages, dirty uint64) {
	for f := range c.files {
		if f.swap == nil {
			continue
		}
		for _, p := range f.pages {
			if p.pfn == 0 {
				continue
			}
			pages++
			if p.flags&pgDirty != 0 {
				dirty++
			}
		}
	}
	return pages, dirty
}
