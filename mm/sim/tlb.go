//go:build !tamago

package sim

import "github.com/pagoda-os/pagoda/mm"

// tlbEntry is a cached translation (SDM 3A 4.10.2.2): the page's frame,
// the rights combined over the walk, the leaf's G flag, and whether the
// leaf's D flag was set when the entry was loaded or since through it.
type tlbEntry struct {
	base   mm.PhysAddr // the page's first byte
	huge   bool        // a 2 MiB page, cached by its 2 MiB page number
	rights rights
	global bool
	dirty  bool
}

// addr is the physical address of va through the entry.
func (e tlbEntry) addr(va mm.VirtAddr) mm.PhysAddr {
	if e.huge {
		return e.base + mm.PhysAddr(va&(hugeSize-1))
	}
	return e.base + mm.PhysAddr(va&mm.PageMask)
}

// tlb caches translations without bound: an entry leaves only when it is
// invalidated, flushed, or faulted on. A real TLB may also evict, which
// would hide a missing invalidation; this one does not.
type tlb struct {
	small map[mm.VirtAddr]tlbEntry // 4 KiB pages, by their first address
	huge  map[mm.VirtAddr]tlbEntry // 2 MiB pages, by their first address
}

func newTLB() tlb {
	return tlb{small: make(map[mm.VirtAddr]tlbEntry), huge: make(map[mm.VirtAddr]tlbEntry)}
}

func (t *tlb) lookup(va mm.VirtAddr) (tlbEntry, bool) {
	if e, ok := t.small[va&^mm.PageMask]; ok {
		return e, true
	}
	e, ok := t.huge[va&^(hugeSize-1)]
	return e, ok
}

// insert caches e for va's page, replacing whatever was cached for va.
func (t *tlb) insert(va mm.VirtAddr, e tlbEntry) {
	t.invalidate(va)
	if e.huge {
		t.huge[va&^(hugeSize-1)] = e
	} else {
		t.small[va&^mm.PageMask] = e
	}
}

// invalidate drops the entries of the page holding va, of either size.
func (t *tlb) invalidate(va mm.VirtAddr) {
	delete(t.small, va&^mm.PageMask)
	delete(t.huge, va&^(hugeSize-1))
}

func (t *tlb) flush() {
	clear(t.small)
	clear(t.huge)
}

func (t *tlb) dropNonGlobal() {
	for va, e := range t.small {
		if !e.global {
			delete(t.small, va)
		}
	}
	for va, e := range t.huge {
		if !e.global {
			delete(t.huge, va)
		}
	}
}
