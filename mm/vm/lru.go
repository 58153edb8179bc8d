package vm

import (
	"fmt"
	"strings"

	"github.com/pagoda-os/pagoda/mm/frame"
)

// The reclaimer's lists. Every frame it may take back (anonymous pages,
// swap-cache pages, page-cache pages) is on one list of the policy in
// force, threaded through the frame table's owner room (frame's Tag and Links):
// the lists cost no memory and their operations never allocate, so the
// fault path adds the pages it maps.

const noFrame = ^uint32(0)

// lru is a doubly linked list of frame-table indexes: front is the
// newest, back the oldest.
type lru struct {
	id    uint8 // the frame's tag while on this list (never 0)
	front uint32
	back  uint32
	n     uint64 // entries
	// pages is the pages the entries hold: a huge page's entry (its
	// head frame) counts its 512, as Linux's lruvec sizes count a
	// folio's pages (meminfo's Active(anon) and the balance's sizes).
	pages uint64
}

// size is the pages of the block whose head is entry i: 1, or 512 for
// a huge page.
func (l lists) size(i uint32) uint64 { return 1 << l.frames.OrderAt(i) }

// lists threads lrus through one allocator's frame table. charge, when
// set, is memory.max's charge (memcg.go), which counts the pages on all
// of them; nil for a lists value that only reads tags.
type lists struct {
	frames *frame.Allocator
	charge *uint64
}

func (l lists) on(i uint32) uint8 { return l.frames.Tag(i) }

func (l lists) pushFront(q *lru, i uint32) {
	l.frames.SetTag(i, q.id)
	l.frames.SetLinks(i, noFrame, q.front) // prev, next
	if q.front != noFrame {
		_, next := l.frames.Links(q.front)
		l.frames.SetLinks(q.front, i, next)
	} else {
		q.back = i
	}
	q.front = i
	q.n++
	n := l.size(i)
	q.pages += n
	*l.charge += n
}

// pushBack puts i at the back of q: the next page a hand takes.
func (l lists) pushBack(q *lru, i uint32) {
	l.frames.SetTag(i, q.id)
	l.frames.SetLinks(i, q.back, noFrame)
	if q.back != noFrame {
		prev, _ := l.frames.Links(q.back)
		l.frames.SetLinks(q.back, prev, i)
	} else {
		q.front = i
	}
	q.back = i
	q.n++
	n := l.size(i)
	q.pages += n
	*l.charge += n
}

func (l lists) remove(q *lru, i uint32) {
	prev, next := l.frames.Links(i)
	if prev != noFrame {
		pp, _ := l.frames.Links(prev)
		l.frames.SetLinks(prev, pp, next)
	} else {
		q.front = next
	}
	if next != noFrame {
		_, nn := l.frames.Links(next)
		l.frames.SetLinks(next, prev, nn)
	} else {
		q.back = prev
	}
	l.frames.SetTag(i, 0)
	q.n--
	n := l.size(i)
	q.pages -= n
	*l.charge -= n
}

// each calls fn for every page on q, newest first.
func (l lists) each(q *lru, fn func(i uint32)) {
	for i := q.front; i != noFrame; {
		_, next := l.frames.Links(i)
		fn(i)
		i = next
	}
}

// Policy chooses the pages to reclaim. The reclaimer takes the victim it
// returns off the lists; a page it cannot free now goes back with Add.
type Policy interface {
	Name() string
	// Add puts a page on the lists (a new page, or one given back).
	Add(i uint32)
	// Remove takes a page off (freed by its owner).
	Remove(i uint32)
	// Victim picks the next page to reclaim and takes it off, testing
	// and clearing the hardware Accessed bits of its PTEs through
	// referenced where the policy looks at them.
	Victim(referenced func(i uint32) bool) (uint32, bool)
	// Rotate moves a page on the lists to the back of its inactive
	// list, where the next Victim takes it: its reclaim writeback has
	// ended and it is clean (Linux's folio_rotate_reclaimable, which
	// clears PG_active).
	Rotate(i uint32)
	// Lists reports each list's name and length in pages (meminfo,
	// zoneinfo).
	Lists() []ListLen
	// lruOf is the list whose entries carry tag.
	lruOf(tag uint8) *lru
}

// ListLen is a list's name and length in pages.
type ListLen struct {
	Name  string
	Pages uint64
}

// Policies are the names mm.policy= accepts.
var Policies = []string{"clock", "fifo", "lru", "lru2q"}

// newPolicy makes the named policy over frames; env is what lru2q asks
// of the reclaimer, charge the count the pages on its lists add to.
func newPolicy(name string, frames *frame.Allocator, env lruEnv, charge *uint64) (Policy, error) {
	l := lists{frames, charge}
	switch name {
	case "lru2q":
		return newLRU2Q(l, env), nil
	case "clock":
		return &clock{lists: l, q: lru{id: 1, front: noFrame, back: noFrame}}, nil
	case "fifo":
		return &fifo{lists: l, q: lru{id: 1, front: noFrame, back: noFrame}}, nil
	case "lru":
		return &twoList{lists: l,
			active:   lru{id: 1, front: noFrame, back: noFrame},
			inactive: lru{id: 2, front: noFrame, back: noFrame}}, nil
	}
	return nil, fmt.Errorf("%w: policy %q (%s)", ErrInvalid, name, strings.Join(Policies, ", "))
}

// clock is the second-chance clock: the hand walks from the oldest page;
// a page whose Accessed bit is set has it cleared and goes round again,
// the first without is the victim. Moving a spared page to the front is
// the hand passing it.
type clock struct {
	lists
	q lru
}

func (c *clock) Name() string     { return "clock" }
func (c *clock) Add(i uint32)     { c.pushFront(&c.q, i) }
func (c *clock) Remove(i uint32)  { c.remove(&c.q, i) }
func (c *clock) Rotate(i uint32)  { c.remove(&c.q, i); c.pushBack(&c.q, i) }
func (c *clock) lruOf(uint8) *lru { return &c.q }

func (c *clock) Lists() []ListLen {
	return []ListLen{{"clock", c.q.pages}}
}

func (c *clock) Victim(referenced func(uint32) bool) (uint32, bool) {
	// Two turns at most: after one, every bit has been cleared.
	for range 2*c.q.n + 1 {
		i := c.q.back
		if i == noFrame {
			return 0, false
		}
		c.remove(&c.q, i)
		if !referenced(i) {
			return i, true
		}
		c.pushFront(&c.q, i)
	}
	return 0, false
}

// fifo evicts the oldest page, used or not: the baseline that shows what
// the Accessed bit is worth.
type fifo struct {
	lists
	q lru
}

func (f *fifo) Name() string     { return "fifo" }
func (f *fifo) Add(i uint32)     { f.pushFront(&f.q, i) }
func (f *fifo) Remove(i uint32)  { f.remove(&f.q, i) }
func (f *fifo) Rotate(i uint32)  { f.remove(&f.q, i); f.pushBack(&f.q, i) }
func (f *fifo) lruOf(uint8) *lru { return &f.q }

func (f *fifo) Lists() []ListLen {
	return []ListLen{{"fifo", f.q.pages}}
}

func (f *fifo) Victim(func(uint32) bool) (uint32, bool) {
	i := f.q.back
	if i == noFrame {
		return 0, false
	}
	f.remove(&f.q, i)
	return i, true
}

// twoList approximates LRU with an active and an inactive list, as Linux
// does: new pages start inactive; an inactive page found referenced is
// promoted to the active list; the active list is aged into the inactive
// one (its referenced pages rotate) to keep the two about equal; victims
// are unreferenced pages at the back of the inactive list.
type twoList struct {
	lists
	active, inactive lru
}

func (t *twoList) Name() string { return "lru" }
func (t *twoList) Add(i uint32) { t.pushFront(&t.inactive, i) }
func (t *twoList) Remove(i uint32) {
	if t.on(i) == t.active.id {
		t.remove(&t.active, i)
	} else {
		t.remove(&t.inactive, i)
	}
}
func (t *twoList) Rotate(i uint32) {
	t.Remove(i)
	t.pushBack(&t.inactive, i)
}
func (t *twoList) lruOf(tag uint8) *lru {
	if tag == t.active.id {
		return &t.active
	}
	return &t.inactive
}

func (t *twoList) Lists() []ListLen {
	return []ListLen{{"Active", t.active.pages}, {"Inactive", t.inactive.pages}}
}

func (t *twoList) Victim(referenced func(uint32) bool) (uint32, bool) {
	// Age the active list (shrink_active_list): at most its length.
	for range t.active.n {
		if t.inactive.n >= t.active.n {
			break
		}
		i := t.active.back
		t.remove(&t.active, i)
		if referenced(i) {
			t.pushFront(&t.active, i)
		} else {
			t.pushFront(&t.inactive, i)
		}
	}
	for range 2*t.inactive.n + 1 {
		i := t.inactive.back
		if i == noFrame {
			break
		}
		t.remove(&t.inactive, i)
		if !referenced(i) {
			return i, true
		}
		t.pushFront(&t.active, i)
		if t.inactive.n == 0 {
			break
		}
	}
	// Everything was referenced: the oldest active page.
	i := t.active.back
	if i == noFrame {
		return 0, false
	}
	t.remove(&t.active, i)
	return i, true
}
