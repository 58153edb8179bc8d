//go:build !tamago

package vm

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
)

// policyLRUs is every list of a policy, as the invariant check walks them.
func policyLRUs(p Policy) []*lru {
	switch p := p.(type) {
	case *clock:
		return []*lru{&p.q}
	case *fifo:
		return []*lru{&p.q}
	case *twoList:
		return []*lru{&p.active, &p.inactive}
	case *lru2q:
		return []*lru{&p.q[0], &p.q[1], &p.q[2], &p.q[3]}
	}
	panic(fmt.Sprintf("policyLRUs: policy %T", p))
}

// checkLists recomputes the reclaim lists from their links and compares
// them with the policy's counts and the frames the test found
// referenced (tracked: every frame a PTE or a cache holds but the zero
// page): each tracked page on exactly one list, under its list's tag,
// the links consistent both ways, each list's count its length, the
// Lists figures those counts. Under lru2q, each page on a list of its
// type (anon or file) and no flag left on a frame off the lists (a
// freed frame forgets PG_referenced and PG_workingset).
func (e *env) checkLists(tracked map[mm.PFN]bool) error {
	p := e.m.Policy()
	if p == nil {
		return nil
	}
	fr := e.m.Frames
	seen := map[uint32]int{}
	var total, totalPages uint64
	for k, q := range policyLRUs(p) {
		var n, pages uint64
		prev := noFrame
		for i := q.front; i != noFrame; {
			if _, dup := seen[i]; dup {
				return fmt.Errorf("frame %#x on list %d and list %d", fr.PFNAt(i), seen[i], k)
			}
			seen[i] = k
			if fr.Tag(i) != q.id {
				return fmt.Errorf("frame %#x on list %d tagged %d, want %d", fr.PFNAt(i), k, fr.Tag(i), q.id)
			}
			pv, next := fr.Links(i)
			if pv != prev {
				return fmt.Errorf("frame %#x on list %d: prev %d, want %d", fr.PFNAt(i), k, pv, prev)
			}
			if !tracked[fr.PFNAt(i)] {
				return fmt.Errorf("frame %#x (%v) on list %d holds no page", fr.PFNAt(i), fr.State(fr.PFNAt(i)), k)
			}
			if q2, ok := p.(*lru2q); ok && k/2 != q2.typeOf(i) {
				return fmt.Errorf("frame %#x (file %v) on list %d of the other type", fr.PFNAt(i), e.m.fileLRU(i), k)
			}
			n++
			pages += 1 << fr.Order(fr.PFNAt(i))
			prev, i = i, next
		}
		if q.back != prev {
			return fmt.Errorf("list %d: back %d, want %d", k, q.back, prev)
		}
		if n != q.n {
			return fmt.Errorf("list %d: count %d, length %d", k, q.n, n)
		}
		if pages != q.pages {
			return fmt.Errorf("list %d: %d pages counted, %d held", k, q.pages, pages)
		}
		total += n
		totalPages += pages
	}
	var listed uint64
	for _, l := range p.Lists() {
		listed += l.Pages
	}
	if listed != totalPages || total != uint64(len(tracked)) {
		return fmt.Errorf("lists report %d pages, hold %d in %d entries, want %d entries", listed, totalPages, total, len(tracked))
	}
	if q, ok := p.(*lru2q); ok {
		for i, f := range q.flags {
			if _, on := seen[uint32(i)]; !on && f != 0 {
				return fmt.Errorf("frame %#x off the lists keeps flags %#x", fr.PFNAt(uint32(i)), f)
			}
		}
	}
	return nil
}
