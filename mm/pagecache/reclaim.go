package pagecache

import "github.com/pagoda-os/pagoda/mm"

// Tracker is told of every page entering and leaving the cache (the
// reclaimer keeps its LRU lists with it). Both run in page faults too:
// no allocation. PageAdded gets the shadow the reclaimer left in the
// slot when it evicted the page there last (LeaveShadow), or 0.
type Tracker interface {
	PageAdded(f *File, idx uint64, pfn mm.PFN, shadow uint32)
	PageRemoved(pfn mm.PFN)
}

// EachMapper calls fn for every address space mapping f: the reverse
// map the reclaimer walks to find a page's PTEs.
func (f *File) EachMapper(fn func(Mapper)) {
	for m := range f.mappers {
		fn(m)
	}
}

// ReclaimPage frees page idx, cached in pfn, once its PTEs are gone (the
// caller unmapped them and moved their Dirty bits here): a dirty page is
// written back first (as Linux pageout), then dropped if the cache's is
// the only reference left. It reports whether the frame was freed; a
// failed write leaves the page dirty and cached, and returns the error.
// With fault set it runs in a page fault: the write polls, or the
// backing refuses it (writePage).
func (f *File) ReclaimPage(idx uint64, pfn mm.PFN, fault bool) (bool, error) {
	if idx >= uint64(len(f.pages)) || f.pages[idx].pfn != pfn {
		return false, nil
	}
	if f.pages[idx].flags&pgDirty != 0 {
		f.writePage(idx, fault)
		if idx >= uint64(len(f.pages)) || f.pages[idx].pfn != pfn {
			return false, nil
		}
		if f.pages[idx].flags&pgDirty != 0 {
			return false, ErrIO
		}
	}
	if f.pages[idx].flags != 0 || f.c.Frames.Refs(pfn) != 1 {
		return false, nil
	}
	f.drop(idx)
	return true, nil
}
