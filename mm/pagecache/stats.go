package pagecache

// MappedPages counts the cached pages that some PTE maps (more than the
// cache's own reference): meminfo's Mapped.
func (c *Cache) MappedPages() uint64 {
	var n uint64
	for f := range c.files {
		for _, p := range f.pages {
			if p.pfn != 0 && c.Frames.Refs(p.pfn) > 1 {
				n++
			}
		}
	}
	return n
}
