package vm

import (
	"github.com/pagoda-os/pagoda/mm"
)

// The anonymous reverse map: from an anonymous page to every PTE that
// maps it, without looking at every address space (as Linux mm/rmap.c,
// simplified).
//
// Every private VMA, anonymous or of a file, has an anonObject of its own
// (Linux's anon_vma), made with it. The anonymous pages it makes (a first
// write, a copy-on-write copy, a private copy of a file page) belong to
// that object, and each records, in the reclaimer's pageMeta, its object
// and its linear page offset: the VMA's pgoff plus the page's index in
// it (Linux's page->index, linear_page_index). A private anonymous VMA's
// pgoff starts as its address in pages (as Linux's vm_pgoff), splits
// keep each part's offsets, and mremap moves a VMA with its pgoff, so a
// page's offset is the same wherever it is mapped.
//
// Fork gives the child's VMA an object of its own whose parent is the
// parent VMA's object (anon_vma_fork). A VMA is a member of its object
// and of every object up the parent chain (the anon_vma_chain), so the
// members of an object are every VMA that may map one of its pages: the
// one that made it, and those forked from it, down any number of
// generations. Members are kept per address space (anonMember: how many
// of its VMAs chain to the object); rmap_walk_anon, here anonPTEs, looks
// at each member address space's VMAs on the object's chain that cover
// the page's offset, at that offset.
//
// A copy made by a write belongs to the writer's object only; a page a
// write reuses in place moves to the writer's object (page_move_anon_rmap),
// as it is no longer shared. A page swapped in goes, on its first
// mapping, to the faulting VMA's object if this was the slot's last
// reference, else to the root of its chain, which every VMA of the fork
// family chains to (__page_set_anon_rmap with !exclusive); a page read
// ahead has no object until a fault maps it.
//
// Merging (is_mergeable_anon_vma): two VMAs merge only when they share
// their object, or when one's object is unused (no page ever belonged to
// it, and it has no parent): that one is Linux's NULL anon_vma, made
// eagerly so that no fault has to allocate one (anon_vma_prepare). Its
// offsets must still run on, as Linux's vm_pgoff check; mremap of such
// a VMA gives it the offsets of its new address, as Linux copy_vma.
//
// Objects are Go values, referenced by VMAs, by the metadata of their
// pages and by their children; the collector frees them. Like the rest
// of the MM they are guarded by the big kernel lock. The fault path
// only reads them and sets used.

// anonObject anchors the reverse map of a set of anonymous pages (Linux's
// anon_vma).
type anonObject struct {
	// parent is the object of the VMA this one's was forked from, or nil
	// (anon_vma->parent). root is the top of the chain.
	parent *anonObject
	// members are the address spaces with VMAs whose chain holds this
	// object, and how many such VMAs each has (anon_vma's rb_root of
	// anon_vma_chains, per address space). Changed at mmap, split,
	// merge, fork, munmap and Destroy, never in a fault.
	members []anonMember
	// used: a page has belonged to the object (set by the fault path).
	used bool
}

// anonMember is one address space's share of an object's members.
type anonMember struct {
	as   *AddressSpace
	vmas int
}

// newAnonObject is a new private VMA's object.
func newAnonObject() *anonObject { return &anonObject{} }

// unused reports whether o stands for Linux's NULL anon_vma: no page
// ever belonged to it and it is nobody's child.
func (o *anonObject) unused() bool { return !o.used && o.parent == nil }

// root is the top of o's chain (anon_vma->root).
func (o *anonObject) root() *anonObject {
	for o.parent != nil {
		o = o.parent
	}
	return o
}

// chains reports whether x is on o's chain: o or one of its ancestors.
func (o *anonObject) chains(x *anonObject) bool {
	for ; o != nil; o = o.parent {
		if o == x {
			return true
		}
	}
	return false
}

// forkAnon is the object of a child's copy of a VMA whose object is o
// (anon_vma_fork): none without one; a new unused one if o is unused, as
// Linux gives the child no anon_vma when the parent has none; else one
// whose parent is o.
func forkAnon(o *anonObject) *anonObject {
	switch {
	case o == nil:
		return nil
	case o.unused():
		return newAnonObject()
	}
	return &anonObject{parent: o}
}

// linkAnon makes a VMA of as a member of every object on its chain
// (anon_vma_clone, anon_vma_chain_link).
func (as *AddressSpace) linkAnon(v *VMA) {
	for o := v.anon; o != nil; o = o.parent {
		i := 0
		for i < len(o.members) && o.members[i].as != as {
			i++
		}
		if i == len(o.members) {
			o.members = append(o.members, anonMember{as: as})
		}
		o.members[i].vmas++
	}
}

// unlinkAnon undoes linkAnon for a VMA that goes (unlink_anon_vmas).
func (as *AddressSpace) unlinkAnon(v *VMA) {
	for o := v.anon; o != nil; o = o.parent {
		i := 0
		for i < len(o.members) && o.members[i].as != as {
			i++
		}
		if i == len(o.members) {
			panic("vm.unlinkAnon: address space not a member of the VMA's object")
		}
		if o.members[i].vmas--; o.members[i].vmas == 0 {
			o.members = append(o.members[:i], o.members[i+1:]...)
		}
	}
}

// anonMergeable reports whether VMAs with objects a and b may merge
// (is_mergeable_anon_vma).
func anonMergeable(a, b *anonObject) bool {
	return a == b || a != nil && b != nil && (a.unused() || b.unused())
}

// trackAnon records that the anonymous page in pfn belongs to o at
// offset off, and puts it on the reclaimer's lists (Linux
// folio_add_new_anon_rmap). No allocation (the fault path).
func (m *MM) trackAnon(pfn mm.PFN, o *anonObject, off uint64) {
	o.used = true
	m.trackMeta(pfn, pageMeta{anon: o, idx: off})
}

// moveAnon gives the page in pfn, mapped at page of v and written there
// in place, to v's object (page_move_anon_rmap): no other PTE maps it
// any more. No allocation (the fault path).
func (m *MM) moveAnon(pfn mm.PFN, v *VMA, page mm.VirtAddr) {
	if m.rc.policy == nil {
		return
	}
	md := &m.rc.meta[m.Frames.Index(pfn)]
	if debug && md.anon != nil && md.idx != v.pageIndex(page) {
		panic("vm.moveAnon: the page's offset is not its VMA's")
	}
	v.anon.used = true
	md.anon, md.idx = v.anon, v.pageIndex(page)
}

// anonPTEs calls fn for every PTE mapping the anonymous page in pfn,
// present or kept by a PROT_NONE entry, whose metadata is md: in each
// member address space of its object, at its offset in every VMA on the
// object's chain that covers it (as Linux rmap_walk_anon). A page with
// no object (read ahead, never mapped) has none. No allocation.
func (m *MM) anonPTEs(pfn mm.PFN, md *pageMeta, fn func(as *AddressSpace, va mm.VirtAddr, l Leaf)) {
	o := md.anon
	if o == nil {
		return
	}
	for _, mb := range o.members {
		as := mb.as
		for k := range as.vmas {
			v := &as.vmas[k]
			if md.idx < v.pgoff || md.idx-v.pgoff >= v.Pages() || !v.anon.chains(o) {
				continue
			}
			va := v.Start + mm.VirtAddr(md.idx-v.pgoff)*mm.PageSize
			if l := as.leafAt(va); l.HasFrame() && l.PFNAt(va) == pfn {
				fn(as, va, l)
			}
		}
	}
}
