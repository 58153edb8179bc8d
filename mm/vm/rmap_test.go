//go:build !tamago

package vm

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
)

// place is a PTE: an address space and an address in it.
type place struct {
	as *AddressSpace
	va mm.VirtAddr
}

func (p place) String() string { return fmt.Sprintf("as %d %v", p.as.ID, p.va) }

func comparePlaces(a, b place) int {
	return cmp.Or(cmp.Compare(a.as.ID, b.as.ID), cmp.Compare(a.va, b.va))
}

// checkRmap checks the anonymous reverse map (rmap.go) against what a
// scan of the page tables found: mapping holds, for every frame but the
// zero page, every PTE keeping it in every live address space. Every
// private VMA has an object and no shared one has; each object's
// members are exactly the address spaces of the VMAs whose chain holds
// it, with their counts. With reclaim on (the reverse map lives in its
// metadata), the walk from every anonymous or swap-cache frame finds
// exactly the PTEs of mapping, and a frame that records an object is
// one of those kinds.
func (e *env) checkRmap(mapping map[mm.PFN][]place) error {
	members := map[*anonObject]map[*AddressSpace]int{}
	for _, as := range e.spaces {
		for i := range as.vmas {
			v := &as.vmas[i]
			if (v.anon != nil) != (v.Flags&MapShared == 0) {
				return fmt.Errorf("as %d: VMA %v has anonymous object %p", as.ID, v, v.anon)
			}
			for o := v.anon; o != nil; o = o.parent {
				if members[o] == nil {
					members[o] = map[*AddressSpace]int{}
				}
				members[o][as]++
			}
		}
	}
	objects := maps.Clone(members)
	if e.m.rc.policy != nil {
		for i := range e.m.rc.meta {
			if o := e.m.rc.meta[i].anon; o != nil {
				objects[o] = members[o]
			}
		}
	}
	for o, want := range objects {
		got := map[*AddressSpace]int{}
		for _, mb := range o.members {
			if mb.vmas <= 0 || got[mb.as] != 0 {
				return fmt.Errorf("anonymous object %p: member entry as %d with %d VMAs", o, mb.as.ID, mb.vmas)
			}
			got[mb.as] = mb.vmas
		}
		if !maps.Equal(got, want) {
			return fmt.Errorf("anonymous object %p: members %v, VMAs chaining to it %v", o, memberIDs(got), memberIDs(want))
		}
	}
	if e.m.rc.policy == nil {
		return nil
	}
	for i := range e.m.rc.meta {
		md := &e.m.rc.meta[i]
		if md.anon == nil {
			continue
		}
		pfn := e.m.Frames.PFNAt(uint32(i))
		if st, _, _ := e.m.Frames.StateOf(pfn); st != frame.Anon && st != frame.SwapCache {
			return fmt.Errorf("frame %#x is %v and records anonymous object %p", pfn, st, md.anon)
		}
		if !md.anon.used {
			return fmt.Errorf("frame %#x belongs to anonymous object %p, marked unused", pfn, md.anon)
		}
		if _, ok := mapping[pfn]; !ok {
			mapping[pfn] = nil // the walk must find nothing either
		}
	}
	for pfn, want := range mapping {
		if st := e.m.Frames.State(pfn); st != frame.Anon && st != frame.SwapCache {
			continue
		}
		md := &e.m.rc.meta[e.m.Frames.Index(pfn)]
		if md.anon == nil && len(want) > 0 {
			return fmt.Errorf("frame %#x (%v) mapped at %v has no anonymous object", pfn, e.m.Frames.State(pfn), want)
		}
		var got []place
		e.m.anonPTEs(pfn, md, func(as *AddressSpace, va mm.VirtAddr, _ Leaf) {
			got = append(got, place{as, va})
		})
		slices.SortFunc(got, comparePlaces)
		slices.SortFunc(want, comparePlaces)
		if !slices.Equal(got, want) {
			return fmt.Errorf("frame %#x (offset %#x in %p): the reverse map finds %v, the page tables %v", pfn, md.idx, md.anon, got, want)
		}
	}
	return nil
}

// memberIDs shows members by address-space ID.
func memberIDs(m map[*AddressSpace]int) map[int]int {
	ids := map[int]int{}
	for as, n := range m {
		ids[as.ID] = n
	}
	return ids
}
