package vm

import (
	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// cowFault: a write to a present read-only page of a writable private
// VMA (as Linux do_wp_page). Away from the zero page, a fresh frame; a
// frame still shared, a copy; a frame whose other users are gone, the
// same frame made writable in place. The new frame belongs to the
// writer's anonymous object, as does a frame reused in place (Linux
// page_move_anon_rmap): the rest of the fork family maps it no more.
//
// ptes is the page table covering page, or nil (mapEmpty's rule).
func (as *AddressSpace) cowFault(v *VMA, page mm.VirtAddr, l Leaf, ptes *[512]pt.PTE) Result {
	e, old := l.PTE, l.PFN()
	flags := pt.Present | as.pteFlags(v.Prot, true)
	as.LastKind = KindCOW
	if as.ownsPrivately(old) {
		as.setLeaf(ptes, page, e|pt.Writable)
		as.mm.moveAnon(old, v, page)
		as.Stats.COWReused++
		return Resolved
	}
	var pfn mm.PFN
	var ok bool
	if l.State == LeafZero {
		pfn, ok = as.newFrame()
	} else {
		pfn, ok = as.copyFrame()
	}
	if !ok {
		return OOM
	}
	if l.State == LeafZero {
		as.rss++
	} else {
		copyFrame(pfn, old)
		as.mm.Frames.DecRef(old) // others still hold it: refs was > 1
	}
	as.setLeaf(ptes, page, pt.PTE(pfn.Addr())|flags)
	as.mm.trackAnon(pfn, v.anon, v.pageIndex(page))
	as.Stats.COWFaults++
	return Resolved
}
