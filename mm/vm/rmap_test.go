//go:build !tamago

package vm

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"testing"

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

// rmapEnv is an environment with reclaim and swap on: the reverse map
// lives in the reclaimer's metadata.
func rmapEnv(t testing.TB) *env {
	e := newEnv(t)
	e.enableSwap("clock", 4096)
	return e
}

// rmapAt is what the reverse map finds from the frame as maps at va.
func (e *env) rmapAt(as *AddressSpace, va mm.VirtAddr) []place {
	e.t.Helper()
	l := leaf(as, va)
	if !l.HasFrame() {
		e.t.Fatalf("as %d %v: %v, no frame", as.ID, va, l)
	}
	var got []place
	e.m.anonPTEs(l.PFN(), &e.m.rc.meta[e.m.Frames.Index(l.PFN())], func(as *AddressSpace, va mm.VirtAddr, _ Leaf) {
		got = append(got, place{as, va})
	})
	slices.SortFunc(got, comparePlaces)
	return got
}

// wantRmap checks that the frame as maps at va is found at want and
// nowhere else (the invariant check compares every frame with a scan;
// this pins down the scenario's answer).
func (e *env) wantRmap(as *AddressSpace, va mm.VirtAddr, want ...place) {
	e.t.Helper()
	slices.SortFunc(want, comparePlaces)
	if got := e.rmapAt(as, va); !slices.Equal(got, want) {
		e.t.Fatalf("the reverse map finds the page at as %d %v at %v, want %v", as.ID, va, got, want)
	}
}

// objectAt is the anonymous object of the frame as maps at va.
func (e *env) objectAt(as *AddressSpace, va mm.VirtAddr) *anonObject {
	return e.m.rc.meta[e.m.Frames.Index(leaf(as, va).PFN())].anon
}

// wantStamps checks that page i at base reads stamp(i, seeds[i]) in as,
// or zeroes for a seed of 0 (faulting it back from swap where it went).
func (e *env) wantStamps(as *AddressSpace, base mm.VirtAddr, seeds ...uint64) {
	e.t.Helper()
	for i, s := range seeds {
		e.wantStamp(as, base+mm.VirtAddr(i)*pg, uint64(i), s)
	}
}

// wantStamp checks that the page at va reads stamp(i, seed) in as, or
// zeroes for a seed of 0.
func (e *env) wantStamp(as *AddressSpace, va mm.VirtAddr, i, seed uint64) {
	e.t.Helper()
	cur := e.cur
	e.use(as)
	want := stamp(i, seed)
	if seed == 0 {
		want = make([]byte, 16)
	}
	if got := e.read(va, 16); string(got) != string(want) {
		e.t.Fatalf("as %d %v: %x, want %x", as.ID, va, got, want)
	}
	e.use(cur)
}

// writeStamps writes stamp(i, seed) to pages first.. of base in as.
func (e *env) writeStamps(as *AddressSpace, base mm.VirtAddr, seed uint64, pages ...int) {
	e.t.Helper()
	cur := e.cur
	e.use(as)
	for _, i := range pages {
		e.write(base+mm.VirtAddr(i)*pg, stamp(uint64(i), seed))
	}
	e.use(cur)
}

// TestRmap: each operation that changes what maps an anonymous page
// keeps the reverse map right. Every step is followed by the invariant
// check, which compares the walk from every anonymous frame with a scan
// of every PTE; the steps below also pin down the answers and objects
// that Linux's rmap gives.
func TestRmap(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"one process, swap out and in", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(0, 4*pg, rw, priv)
			e.writeStamps(p, base, 1, 0, 1, 2, 3)
			e.wantRmap(p, base+pg, place{p, base + pg})
			if o := e.objectAt(p, base+pg); o != p.vmas[0].anon {
				t.Fatalf("page in object %p, its VMA's is %p", o, p.vmas[0].anon)
			}
			e.swapAllOut()
			e.wantStamps(p, base, 1, 1, 1, 1)
			e.wantRmap(p, base+pg, place{p, base + pg})
			if o := e.objectAt(p, base+pg); o != p.vmas[0].anon {
				t.Fatal("a page swapped in by its only mapper belongs to its VMA's object")
			}
		}},
		{"fork shares, a COW copy is the writer's", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(0, 4*pg, rw, priv)
			e.writeStamps(p, base, 1, 0, 1, 2, 3)
			c := e.fork()
			for i := range 4 {
				va := base + mm.VirtAddr(i)*pg
				e.wantRmap(p, va, place{p, va}, place{c, va})
			}
			e.writeStamps(c, base, 2, 0)
			e.wantRmap(c, base, place{c, base})
			e.wantRmap(p, base, place{p, base})
			if o := e.objectAt(c, base); o != c.vmas[0].anon || len(o.members) != 1 || o.members[0].as != c {
				t.Fatalf("the child's copy is in %p (members %v), want the child's object %p alone", o, o.members, c.vmas[0].anon)
			}
			e.writeStamps(p, base, 3, 1)
			e.wantRmap(c, base+pg, place{c, base + pg})
			// page_move_anon_rmap: the parent lets go of page 2, the
			// child's write reuses it and takes it to its own object.
			e.must(p.Munmap(base+2*pg, pg))
			e.writeStamps(c, base, 4, 2)
			if c.Stats.COWReused == 0 || e.objectAt(c, base+2*pg) != c.vmas[0].anon {
				t.Fatalf("reused %d, page in %p: want reused in place, in the child's object", c.Stats.COWReused, e.objectAt(c, base+2*pg))
			}
			e.wantStamps(p, base, 1, 3)
			e.wantStamps(c, base, 2, 1, 4, 1)
		}},
		{"partial munmap splits the members", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(0, 8*pg, rw, priv)
			e.writeStamps(p, base, 1, 0, 1, 2, 3, 4, 5, 6, 7)
			o := p.vmas[0].anon
			e.must(p.Munmap(base+2*pg, 2*pg))
			if len(p.vmas) != 2 || p.vmas[0].anon != o || p.vmas[1].anon != o || len(o.members) != 1 || o.members[0].vmas != 2 {
				t.Fatalf("VMAs %v, members %v: want two parts of one object", p.vmas, o.members)
			}
			c := e.fork()
			e.must(c.Munmap(base+5*pg, pg))
			e.wantRmap(p, base+4*pg, place{p, base + 4*pg}, place{c, base + 4*pg})
			e.wantRmap(p, base+5*pg, place{p, base + 5*pg})
			e.swapAllOut()
			e.wantStamp(c, base+4*pg, 4, 1)
			e.wantRmap(c, base+4*pg, place{c, base + 4*pg})
			for _, i := range []uint64{0, 1, 4, 5, 6, 7} {
				e.wantStamp(p, base+mm.VirtAddr(i)*pg, i, 1)
			}
			e.wantRmap(p, base+4*pg, place{p, base + 4*pg}, place{c, base + 4*pg})
		}},
		{"mprotect splits and merges back", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(0, 8*pg, rw, priv)
			e.writeStamps(p, base, 1, 0, 3, 7)
			o := p.vmas[0].anon
			e.must(p.Mprotect(base+2*pg, 3*pg, ProtRead))
			if len(p.vmas) != 3 || o.members[0].vmas != 3 {
				t.Fatalf("VMAs %v, members %v: want three parts of one object", p.vmas, o.members)
			}
			e.wantRmap(p, base+3*pg, place{p, base + 3*pg})
			e.must(p.Mprotect(base, 8*pg, ProtNone))
			e.wantRmap(p, base+3*pg, place{p, base + 3*pg}) // PROT_NONE entries keep their frames
			e.must(p.Mprotect(base, 8*pg, rw))
			if len(p.vmas) != 1 || p.vmas[0].anon != o || o.members[0].vmas != 1 {
				t.Fatalf("VMAs %v, members %v: want one VMA of the object", p.vmas, o.members)
			}
			e.wantStamps(p, base, 1, 0, 0, 1)
		}},
		{"mremap moves a VMA with its offsets", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(0, 4*pg, rw, priv)
			e.mmap(base+4*pg, pg, ProtRead, priv) // no room to grow in place
			e.writeStamps(p, base, 1, 0, 1, 2, 3)
			idx := e.m.rc.meta[e.m.Frames.Index(leaf(p, base+pg).PFN())].idx
			to, err := p.Mremap(base, 4*pg, 6*pg, RemapMayMove, 0)
			e.must(err)
			if to == base {
				t.Fatal("not moved")
			}
			v := p.vmaAt(to)
			if v.pgoff != uint64(base)/pg || v.pageIndex(to+pg) != idx {
				t.Fatalf("moved VMA pgoff %#x, page offset %#x: want %#x, %#x", v.pgoff, v.pageIndex(to+pg), uint64(base)/pg, idx)
			}
			e.wantRmap(p, to+pg, place{p, to + pg})
			e.writeStamps(p, to, 2, 5) // a page of the growth
			e.wantRmap(p, to+5*pg, place{p, to + 5*pg})
			e.swapAllOut()
			e.wantStamps(p, to, 1, 1, 1, 1, 0, 2)
			e.wantRmap(p, to+3*pg, place{p, to + 3*pg})
		}},
		{"mremap grows in place and shrinks", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(0, 4*pg, rw, priv)
			e.must(p.Munmap(base+2*pg, 2*pg))
			e.writeStamps(p, base, 1, 0, 1)
			to, err := p.Mremap(base, 2*pg, 4*pg, 0, 0)
			e.must(err)
			if to != base || len(p.vmas) != 1 || p.vmas[0].End != base+4*pg {
				t.Fatalf("grown to %v, VMAs %v: want in place", to, p.vmas)
			}
			e.writeStamps(p, base, 2, 3)
			e.wantRmap(p, base+3*pg, place{p, base + 3*pg})
			_, err = p.Mremap(base, 4*pg, pg, 0, 0)
			e.must(err)
			e.wantRmap(p, base, place{p, base})
			e.wantStamps(p, base, 1)
		}},
		{"mremap fixed, over a mapping", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(a0, 4*pg, rw, priv)
			other := e.mmap(a0+16*pg, 4*pg, rw, priv)
			e.writeStamps(p, base, 1, 0, 1, 2, 3)
			e.writeStamps(p, other, 9, 0, 1, 2, 3)
			to, err := p.Mremap(base+pg, 2*pg, 3*pg, RemapMayMove|RemapFixed, other+pg)
			e.must(err)
			if to != other+pg {
				t.Fatalf("moved to %v, want %v", to, other+pg)
			}
			e.wantRmap(p, other+2*pg, place{p, other + 2*pg})
			e.wantStamps(p, base, 1)
			e.wantStamps(p, other, 9, 1, 1, 0)
			e.wantStamp(p, base+3*pg, 3, 1)
		}},
		{"mremap in a child after fork", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(0, 4*pg, rw, priv)
			e.writeStamps(p, base, 1, 0, 1, 2, 3)
			c := e.fork()
			e.use(c)
			to, err := c.Mremap(base, 4*pg, 4*pg, RemapMayMove|RemapFixed, base-64*pg)
			e.must(err)
			e.use(p)
			e.wantRmap(p, base+pg, place{p, base + pg}, place{c, to + pg})
			// Out to swap, one slot for both; the first to fault it
			// back puts it in the family's root object, where the other
			// finds the same frame.
			e.swapAllOut()
			e.wantStamps(c, to, 1, 1, 1, 1)
			if o := e.objectAt(c, to+pg); o != p.vmas[0].anon {
				t.Fatalf("shared page swapped in by the child in %p, want the root %p", o, p.vmas[0].anon)
			}
			e.wantStamps(p, base, 1, 1, 1, 1)
			if leaf(p, base+pg).PFN() != leaf(c, to+pg).PFN() {
				t.Fatal("parent and child map different frames for one slot")
			}
			e.wantRmap(p, base+pg, place{p, base + pg}, place{c, to + pg})
		}},
		{"swapoff brings moved and shared pages back", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(0, 4*pg, rw, priv)
			e.writeStamps(p, base, 1, 0, 1, 2, 3)
			c := e.fork()
			to, err := c.Mremap(base, 4*pg, 8*pg, RemapMayMove|RemapFixed, base-64*pg)
			e.must(err)
			e.swapAllOut()
			e.must(e.m.SwapOff(e.m.Swap.Areas()[0]))
			e.wantRmap(p, base+2*pg, place{p, base + 2*pg}, place{c, to + 2*pg})
			e.wantStamps(c, to, 1, 1, 1, 1)
		}},
		{"OOM reap and Reap", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(0, 4*pg, rw, priv)
			e.writeStamps(p, base, 1, 0, 1)
			c := e.fork()
			more := e.mmap(0, 8*pg, rw, priv)
			e.must(p.Munmap(more, 8*pg))
			e.use(c)
			more = e.mmap(0, 8*pg, rw, priv)
			e.writeStamps(c, more, 2, 0, 1, 2, 3)
			e.use(p)
			if victim, _ := e.m.oomKill(); victim != c {
				t.Fatalf("OOM victim as %d, want the child", victim.ID)
			}
			e.check()
			e.wantRmap(p, base, place{p, base})
			c.Reap()
			e.check()
			if o := p.vmas[0].anon; len(o.members) != 1 || o.members[0].as != p {
				t.Fatalf("members %v after the child's reap", o.members)
			}
		}},
		{"Destroy leaves the pages to the rest of the family", func(t *testing.T, e *env) {
			p := e.cur
			base := e.mmap(0, 4*pg, rw, priv)
			e.writeStamps(p, base, 1, 0, 1, 2, 3)
			c := e.fork()
			o := p.vmas[0].anon
			e.use(c)
			e.destroy(p)
			e.wantRmap(c, base, place{c, base})
			if len(o.members) != 1 || o.members[0].as != c {
				t.Fatalf("the parent's object has members %v, want the child alone", o.members)
			}
			e.swapAllOut()
			e.wantStamps(c, base, 1, 1, 1, 1)
		}},
		{"merging follows is_mergeable_anon_vma", func(t *testing.T, e *env) {
			p := e.cur
			// Unused objects merge: as Linux's NULL anon_vma.
			e.mmap(a0, 2*pg, rw, priv)
			e.mmap(a0+2*pg, 2*pg, rw, priv)
			e.wantVMAs("adjacent fresh mappings", vmaShape{0, 4, rw})
			// Two used objects do not; a fresh one between them joins
			// one of them.
			e.writeStamps(p, a0, 1, 0)
			e.mmap(a0+6*pg, 2*pg, rw, priv)
			e.writeStamps(p, a0+6*pg, 1, 0)
			e.mmap(a0+4*pg, 2*pg, rw, priv)
			if len(p.vmas) != 2 {
				t.Fatalf("VMAs %v: want two, the objects differ", p.vmas)
			}
			// A moved used VMA keeps offsets that do not run on from
			// its new neighbour's: no merge; an unused one takes the
			// offsets of its new address, and merges.
			e.must(p.Munmap(a0, 8*pg))
			e.mmap(a0, 2*pg, rw, priv)
			moved := e.mmap(a0+32*pg, 2*pg, rw, priv)
			_, err := p.Mremap(moved, 2*pg, 2*pg, RemapMayMove|RemapFixed, a0+2*pg)
			e.must(err)
			e.wantVMAs("an unused VMA moved next to another", vmaShape{0, 4, rw})
			moved = e.mmap(a0+32*pg, 2*pg, rw, priv)
			e.writeStamps(p, moved, 1, 0)
			_, err = p.Mremap(moved, 2*pg, 2*pg, RemapMayMove|RemapFixed, a0+4*pg)
			e.must(err)
			e.wantVMAs("a used VMA moved next to another", vmaShape{0, 4, rw}, vmaShape{4, 2, rw})
			e.wantStamps(p, a0+4*pg, 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := rmapEnv(t)
			tc.run(t, e)
			e.destroyAll()
		})
	}
}

// TestRmapForkChain: parent → child → grandchild, each with pages of its
// own and pages shared with the generations above, torn down in every
// order; after each exit the pages go to swap and come back, and every
// survivor reads what it wrote or inherited.
func TestRmapForkChain(t *testing.T) {
	for _, order := range [][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			e := rmapEnv(t)
			p := e.cur
			base := e.mmap(0, 4*pg, rw, priv)
			e.writeStamps(p, base, 1, 0, 1, 2, 3)
			c := e.fork()
			e.writeStamps(c, base, 2, 1) // the child's own page 1
			e.use(c)
			g := e.fork()
			e.use(p)
			e.writeStamps(g, base, 3, 2) // the grandchild's own page 2
			e.writeStamps(p, base, 4, 3) // the parent's own page 3
			e.wantRmap(p, base, place{p, base}, place{c, base}, place{g, base})
			e.wantRmap(c, base+pg, place{c, base + pg}, place{g, base + pg})
			e.wantRmap(c, base+2*pg, place{p, base + 2*pg}, place{c, base + 2*pg})
			e.wantRmap(g, base+2*pg, place{g, base + 2*pg})
			e.wantRmap(c, base+3*pg, place{c, base + 3*pg}, place{g, base + 3*pg})
			if o := g.vmas[0].anon; o.parent != c.vmas[0].anon || o.parent.parent != p.vmas[0].anon || o.root() != p.vmas[0].anon {
				t.Fatal("the grandchild's object does not chain to the child's and the parent's")
			}
			seeds := map[*AddressSpace][]uint64{p: {1, 1, 1, 4}, c: {1, 2, 1, 1}, g: {1, 2, 3, 1}}
			spaces := []*AddressSpace{p, c, g}
			idle := e.newSpace() // current while the others go
			alive := slices.Clone(spaces)
			for _, k := range order {
				e.destroy(spaces[k])
				alive = slices.DeleteFunc(alive, func(as *AddressSpace) bool { return as == spaces[k] })
				e.swapAllOut()
				for _, as := range alive {
					e.wantStamps(as, base, seeds[as]...)
				}
			}
			e.use(idle)
			e.destroyAll()
		})
	}
}

// TestRmapMremapSwapFork: moves, swap, swap-in and forks together. The
// parent moves its mapping; a child moves it again; everything goes to
// swap; a grandchild is forked from the child while its pages are in
// swap; each reads its pages back (the first reader of a shared slot
// puts the page in the family's root object, where the others find it);
// everything goes out and comes back again through swapoff.
func TestRmapMremapSwapFork(t *testing.T) {
	e := rmapEnv(t)
	p := e.cur
	base := e.mmap(0, 8*pg, rw, priv)
	e.writeStamps(p, base, 1, 0, 1, 2, 3, 4, 5, 6, 7)
	pa, err := p.Mremap(base, 8*pg, 8*pg, RemapMayMove|RemapFixed, base-128*pg)
	e.must(err)
	c := e.fork()
	e.use(c)
	ca, err := c.Mremap(pa+2*pg, 4*pg, 6*pg, RemapMayMove|RemapFixed, pa-64*pg) // the middle, grown
	e.must(err)
	e.writeStamps(c, ca, 2, 1, 4) // a copy, and a page of the growth
	e.swapAllOut()
	g := e.fork()
	e.use(p)
	// The child's moved pages: page k of ca holds stamp(i, seed).
	moved := func(as *AddressSpace) {
		for k, w := range [][2]uint64{{2, 1}, {1, 2}, {4, 1}, {5, 1}, {4, 2}, {5, 0}} {
			e.wantStamp(as, ca+mm.VirtAddr(k)*pg, w[0], w[1])
		}
	}
	moved(g)
	e.wantStamps(p, pa, 1, 1, 1, 1, 1, 1, 1, 1)
	moved(c)
	e.wantRmap(p, pa+5*pg, place{p, pa + 5*pg}, place{c, ca + 3*pg}, place{g, ca + 3*pg})
	e.wantRmap(p, pa+3*pg, place{p, pa + 3*pg})
	e.wantRmap(c, ca+4*pg, place{c, ca + 4*pg}, place{g, ca + 4*pg})
	e.wantStamps(c, pa, 1, 1)
	e.wantRmap(c, pa+pg, place{p, pa + pg}, place{c, pa + pg})
	e.swapAllOut()
	e.must(e.m.SwapOff(e.m.Swap.Areas()[0]))
	e.wantRmap(p, pa+5*pg, place{p, pa + 5*pg}, place{c, ca + 3*pg}, place{g, ca + 3*pg})
	e.destroyAll()
}

// BenchmarkReclaimAnonPage: reclaiming one anonymous page (written to
// swap, its PTE replaced) among n address spaces, each with one such
// page at the same address. The reverse map looks at the page's own
// address space only, so the time does not grow with n. (The fifo
// policy makes the victims go round the spaces in order; the fault
// that brings each back is not timed.)
func BenchmarkReclaimAnonPage(b *testing.B) {
	for _, n := range []int{1, 64} {
		b.Run(fmt.Sprint("spaces=", n), func(b *testing.B) {
			e := newEnv(b)
			e.enableSwap("fifo", 4096)
			e.nocheck = true
			spaces := []*AddressSpace{e.cur}
			for len(spaces) < n {
				spaces = append(spaces, e.newSpace())
			}
			for _, as := range spaces {
				e.use(as)
				e.mmap(a0, pg, rw, priv)
				e.write(a0, stamp(0, 1))
			}
			b.ResetTimer()
			for i := range b.N {
				if e.m.Reclaim(1, false) != 1 {
					b.Fatal("nothing reclaimed")
				}
				b.StopTimer()
				e.use(spaces[i%n])
				e.write(a0, stamp(0, 1))
				b.StartTimer()
			}
		})
	}
}
