package pagecache

// Evict drops the file's clean pages that no PTE maps and no writeback
// holds, and returns how many it dropped (as Linux
// invalidate_mapping_pages, behind drop_caches).
func (f *File) Evict() int { return f.evict(-1) }

// evict drops up to max (-1: all) of the file's clean, unmapped pages:
// refcount 1 is the cache's own reference, so no PTE and no writeback
// holds the frame. A swap-backed file's pages are its data: they leave
// memory only through the reclaimer, by swap.
func (f *File) evict(max int) int {
	n := 0
	if f.swap != nil {
		return 0
	}
	for idx := range f.pages {
		if n == max {
			break
		}
		p := &f.pages[idx]
		if p.pfn == 0 || p.flags != 0 || f.c.Frames.Refs(p.pfn) != 1 {
			continue
		}
		f.drop(uint64(idx))
		n++
	}
	return n
}
