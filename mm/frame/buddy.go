package frame

import (
	"errors"
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
)

// MaxOrder is the largest block order: 2^10 frames, 4 MiB.
const MaxOrder = 10

// NumOrders is the number of block orders, 0..MaxOrder.
const NumOrders = MaxOrder + 1

// Errors of the frame allocator.
var (
	ErrNoMemory = errors.New("frame: out of memory")
	ErrInvalid  = errors.New("frame: invalid argument")
)

// Frame is one frame-table record: 16 bytes, no Go pointers.
type Frame struct {
	state State
	order uint8       // a head's block order
	flags recordFlags // flagHead, flagPoisoned
	tag   uint8       // allocated: the owner's (Tag)
	refs  uint32      // reference count (owners that share the frame)
	// link: while the block is free, the frame-table indexes of the
	// previous and next free blocks of its order (noFrame at the ends).
	// Allocated, it is room for the owner.
	link [2]uint32
}

// recordFlags are a frame-table record's flags.
type recordFlags uint8

const (
	flagHead     recordFlags = 1 << 0 // the record heads a block
	flagPoisoned recordFlags = 1 << 1 // mmdebug: the free block was poisoned when freed
)

const (
	noFrame = ^uint32(0)
	// poisonByte fills freed frames under mmdebug (as Linux's PAGE_POISON).
	poisonByte = 0xaa
)

// Allocator is a buddy allocator over the managed frames.
type Allocator struct {
	base   mm.PFN  // the frame of frames[0]
	frames []Frame // the frame table, in managed memory
	table  mm.AddrRange

	head      [NumOrders]uint32 // free list heads
	blocks    [NumOrders]uint64 // free blocks per order
	freePages uint64
	pages     [numStates]uint64 // pages per state, managed frames only
	managed   uint64            // managed pages, the frame table's included
}

// New builds the allocator over the managed ranges (page-aligned inward).
// The frame table takes the first pages of the first range large enough
// to hold it; those pages are Reserved.
func New(managed []mm.AddrRange) (*Allocator, error) {
	var rs []mm.AddrRange
	lo, hi := mm.PFN(^uint64(0)), mm.PFN(0)
	for _, r := range managed {
		s := mm.PhysAddr((uint64(r.Start) + mm.PageMask) &^ mm.PageMask)
		e := r.End &^ mm.PageMask
		if s >= e || s < r.Start {
			continue
		}
		rs = append(rs, mm.AddrRange{Start: s, End: e})
		lo, hi = min(lo, s.PFN()), max(hi, e.PFN())
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%w: no managed memory", ErrInvalid)
	}
	span := uint64(hi - lo)
	if span >= uint64(noFrame) {
		return nil, fmt.Errorf("%w: %d frames is too many", ErrInvalid, span)
	}
	tableBytes := (span*frameRecordBytes + mm.PageMask) &^ mm.PageMask
	a := &Allocator{base: lo}
	for i, r := range rs {
		if r.Size() >= tableBytes {
			a.table = mm.AddrRange{Start: r.Start, End: r.Start + mm.PhysAddr(tableBytes)}
			rs[i].Start = a.table.End
			break
		}
	}
	if a.table.End == 0 {
		return nil, fmt.Errorf("%w: no managed range holds the %d-byte frame table", ErrNoMemory, tableBytes)
	}
	a.frames = frameTable(a.table, span)
	for i := range a.frames {
		a.frames[i] = Frame{state: Reserved}
	}
	for i := range a.head {
		a.head[i] = noFrame
	}
	tablePages := tableBytes >> mm.PageShift
	a.managed, a.pages[Reserved] = tablePages, tablePages
	for _, r := range rs {
		for p := r.Start.PFN(); p < r.End.PFN(); {
			order := MaxOrder
			for order > 0 && (uint64(p)&(1<<order-1) != 0 || p+1<<order > r.End.PFN()) {
				order--
			}
			a.frames[p-lo] = Frame{state: Kernel, order: uint8(order), flags: flagHead}
			a.managed += 1 << order
			a.pages[Kernel] += 1 << order
			a.release(p, order)
			p += 1 << order
		}
	}
	return a, nil
}

// Alloc takes a block of 2^order frames for state s and returns its first
// frame. It fails with ErrNoMemory when no block is large enough.
func (a *Allocator) Alloc(order int, s State) (mm.PFN, error) {
	if order < 0 || order > MaxOrder || s == Free || s == Reserved || s >= numStates {
		return 0, fmt.Errorf("%w: Alloc(order %d, %v)", ErrInvalid, order, s)
	}
	k := order
	for k <= MaxOrder && a.head[k] == noFrame {
		k++
	}
	if k > MaxOrder {
		return 0, ErrNoMemory
	}
	i := a.head[k]
	a.unlink(i, k)
	// Split: keep the lower half, free the upper half, down to order.
	poisoned := a.frames[i].flags & flagPoisoned
	for k > order {
		k--
		b := i + 1<<k
		a.frames[b] = Frame{state: Free, order: uint8(k), flags: flagHead | poisoned}
		a.push(b, k)
	}
	a.frames[i].order = uint8(order)
	pfn := a.base + mm.PFN(i)
	a.take(i, order, s)
	return pfn, nil
}

// Free returns the block of 2^order frames at pfn, allocated by Alloc with
// that order, and coalesces it with its free buddies.
//
// Preconditions: the block was allocated with this order and is not
// already free; a violation is a kernel bug and panics.
func (a *Allocator) Free(pfn mm.PFN, order int) {
	i := a.index(pfn)
	f := &a.frames[i]
	if f.flags&flagHead == 0 || int(f.order) != order || f.state == Free || f.state == Reserved {
		panic("frame.Free: not an allocated block of that order")
	}
	a.release(pfn, order)
	if debug {
		// Poisoned after the merge, whole: the merged block's head
		// carries the flag only if every part of it was poisoned.
		poison(pfn, order)
		a.markPoisoned(pfn, order)
	}
}

// markPoisoned flags the free block now holding the just-poisoned block
// (pfn, order) as poisoned when it is that block, or when every part of
// what it merged with was poisoned too.
func (a *Allocator) markPoisoned(pfn mm.PFN, order int) {
	_, head, merged := a.StateOf(pfn)
	if (head == pfn && merged == order) || a.allPoisoned(head, merged) {
		a.frames[head-a.base].flags |= flagPoisoned
	}
}

// allPoisoned: debug-only check that every frame of the block at head holds
// the poison pattern in its first word.
func (a *Allocator) allPoisoned(head mm.PFN, order int) bool {
	for i := mm.PFN(0); i < 1<<order; i++ {
		if *(*byte)(mm.DirectMap((head + i).Addr(), 1)) != poisonByte {
			return false
		}
	}
	return true
}

// take moves the free block at index i, already off its list, to state s.
// It is the only Free → owner transition.
func (a *Allocator) take(i uint32, order int, s State) {
	f := &a.frames[i]
	if debug {
		if f.state != Free || f.flags&flagHead == 0 || int(f.order) != order {
			panic("frame.take: block is not a free head of that order")
		}
		if f.flags&flagPoisoned != 0 {
			checkPoison(a.base+mm.PFN(i), order)
		}
	}
	*f = Frame{state: s, order: uint8(order), flags: flagHead, refs: 1, link: [2]uint32{noFrame, noFrame}}
	n := uint64(1) << order
	a.freePages -= n
	a.pages[Free] -= n
	a.pages[s] += n
}

// release moves the allocated block at pfn to Free and merges it with its
// buddies as far as they are free. It is the only owner → Free transition.
func (a *Allocator) release(pfn mm.PFN, order int) {
	i := a.index(pfn)
	n := uint64(1) << order
	a.pages[a.frames[i].state] -= n
	a.pages[Free] += n
	a.freePages += n
	p := uint64(pfn)
	for order < MaxOrder {
		bp := p ^ 1<<order
		if bp < uint64(a.base) || bp-uint64(a.base) >= uint64(len(a.frames)) {
			break
		}
		b := uint32(bp - uint64(a.base))
		bf := &a.frames[b]
		if bf.flags&flagHead == 0 || bf.state != Free || int(bf.order) != order {
			break
		}
		a.unlink(b, order)
		bf.flags &^= flagHead
		p &= bp // the lower of the two heads the merged block
		order++
	}
	h := uint32(p - uint64(a.base))
	if h != i {
		a.frames[i].flags &^= flagHead
	}
	a.frames[h] = Frame{state: Free, order: uint8(order), flags: flagHead}
	a.push(h, order)
}

// Index is pfn's index in the frame table: a dense number for the
// owner's side tables.
func (a *Allocator) Index(pfn mm.PFN) uint32 { return a.index(pfn) }

// PFNAt is the frame at frame-table index i.
func (a *Allocator) PFNAt(i uint32) mm.PFN { return a.base + mm.PFN(i) }

// Span is the number of frame-table records: every Index is below it.
func (a *Allocator) Span() int { return len(a.frames) }

// Owner room. An allocated frame's record has room for its owner: a tag
// byte and two frame-table indexes, for lists threaded through the frame
// table (the reclaimer's LRU lists), which cost no memory besides. They
// are read and written by frame-table index (Index), as such lists link
// frames; the allocator overwrites them when the frame is freed. No
// pointer into the table leaves the package.

// Tag is the owner's tag of the frame at frame-table index i.
func (a *Allocator) Tag(i uint32) uint8 { return a.frames[i].tag }

// OrderAt is the block order recorded at frame-table index i: the
// order of the allocated block whose head it is, for an owner that keeps
// heads on its lists (no check that it is one: Order checks).
func (a *Allocator) OrderAt(i uint32) int { return int(a.frames[i].order) }

// SetTag sets the owner's tag of the frame at frame-table index i.
func (a *Allocator) SetTag(i uint32, tag uint8) { a.frames[i].tag = tag }

// Links are the owner's two frame-table indexes in the record of the
// frame at index i (a list's previous and next, say).
func (a *Allocator) Links(i uint32) (prev, next uint32) {
	l := &a.frames[i].link
	return l[0], l[1]
}

// SetLinks sets the owner's two frame-table indexes of the frame at i.
func (a *Allocator) SetLinks(i uint32, prev, next uint32) {
	a.frames[i].link = [2]uint32{prev, next}
}

func (a *Allocator) index(pfn mm.PFN) uint32 {
	if pfn < a.base || uint64(pfn-a.base) >= uint64(len(a.frames)) {
		panic("frame: PFN outside the frame table")
	}
	return uint32(pfn - a.base)
}

// push puts the free head i at the front of the list of its order.
func (a *Allocator) push(i uint32, order int) {
	f := &a.frames[i]
	f.link = [2]uint32{noFrame, a.head[order]}
	if a.head[order] != noFrame {
		a.frames[a.head[order]].link[0] = i
	}
	a.head[order] = i
	a.blocks[order]++
}

// unlink takes the free head i off the list of its order.
func (a *Allocator) unlink(i uint32, order int) {
	f := &a.frames[i]
	prev, next := f.link[0], f.link[1]
	if prev == noFrame {
		a.head[order] = next
	} else {
		a.frames[prev].link[1] = next
	}
	if next != noFrame {
		a.frames[next].link[0] = prev
	}
	f.link = [2]uint32{noFrame, noFrame}
	a.blocks[order]--
}

// StateOf is the state of the block holding pfn, and that block's head and
// order. Frames outside the table are Reserved.
func (a *Allocator) StateOf(pfn mm.PFN) (s State, head mm.PFN, order int) {
	if pfn < a.base || uint64(pfn-a.base) >= uint64(len(a.frames)) {
		return Reserved, pfn, 0
	}
	for k := 0; k <= MaxOrder; k++ {
		h := pfn &^ (1<<k - 1)
		if h < a.base {
			break
		}
		f := &a.frames[h-a.base]
		if f.flags&flagHead != 0 && int(f.order) >= k {
			return f.state, h, int(f.order)
		}
	}
	return a.frames[pfn-a.base].state, pfn, 0
}

// Stats is a snapshot of the allocator's counters.
type Stats struct {
	ManagedPages uint64
	FreePages    uint64
	// FreeBlocks is the number of free blocks of each order.
	FreeBlocks [NumOrders]uint64
	// Pages counts managed pages per state.
	Pages [numStates]uint64
	// Table is where the frame table lives.
	Table mm.AddrRange
}

// FreePages is the number of free pages.
func (a *Allocator) FreePages() uint64 { return a.freePages }

// Stats returns the counters.
func (a *Allocator) Stats() Stats {
	return Stats{ManagedPages: a.managed, FreePages: a.freePages, FreeBlocks: a.blocks, Pages: a.pages, Table: a.table}
}

func poison(pfn mm.PFN, order int) {
	b := mm.PhysBytes(pfn.Addr(), mm.PageSize<<order)
	for i := range b {
		b[i] = poisonByte
	}
}

func checkPoison(pfn mm.PFN, order int) {
	b := mm.PhysBytes(pfn.Addr(), mm.PageSize<<order)
	for i := range b {
		if b[i] != poisonByte {
			panic("frame: a free frame was written (poison damaged)")
		}
	}
}

// Reference counts. Alloc hands out a block with one reference; owners
// that share it (copy-on-write after fork) take more. The count lives in
// the block's head record.

// block returns the head record of the allocated block starting at pfn.
func (a *Allocator) block(pfn mm.PFN) *Frame {
	f := &a.frames[a.index(pfn)]
	if f.flags&flagHead == 0 || f.state == Free || f.state == Reserved {
		panic("frame: reference to a frame that is not an allocated block")
	}
	return f
}

// IncRef takes another reference to the block at pfn.
func (a *Allocator) IncRef(pfn mm.PFN) { a.block(pfn).refs++ }

// DecRef drops a reference to the block at pfn and returns how many are
// left; at 0 the caller frees the block.
func (a *Allocator) DecRef(pfn mm.PFN) uint32 {
	f := a.block(pfn)
	if f.refs == 0 {
		panic("frame.DecRef: no reference left")
	}
	f.refs--
	return f.refs
}

// Refs is the reference count of the block at pfn.
func (a *Allocator) Refs(pfn mm.PFN) uint32 { return a.block(pfn).refs }

// Retype hands the allocated block at pfn from one owner kind to another
// (an anonymous frame from the fault reserve becoming a page-cache page,
// and back). It is the only owner → owner transition; it does not
// allocate (fault path).
//
// Preconditions: the block is allocated in state from.
func (a *Allocator) Retype(pfn mm.PFN, from, to State) {
	f := a.block(pfn)
	if f.state != from || to == Free || to == Reserved || to >= numStates {
		panic("frame.Retype: block is not in the expected state")
	}
	n := uint64(1) << f.order
	a.pages[from] -= n
	a.pages[to] += n
	f.state = to
}

// State is the state of the allocated block at pfn (its head).
func (a *Allocator) State(pfn mm.PFN) State { return a.block(pfn).state }

// Order is the order of the allocated block at pfn.
func (a *Allocator) Order(pfn mm.PFN) int { return int(a.block(pfn).order) }

// Split makes the allocated block at pfn 2^order blocks of one frame
// each, in its state with its reference count (Linux split_page): a huge
// page whose mappings became page-table entries, each frame of it now
// shared, freed and reclaimed alone. The head keeps its owner's room
// (Tag, Links); the other frames' is cleared. Page counts do not change.
// No allocation.
func (a *Allocator) Split(pfn mm.PFN) {
	f := a.block(pfn)
	i := a.index(pfn)
	n := uint32(1) << f.order
	for j := uint32(1); j < n; j++ {
		a.frames[i+j] = Frame{state: f.state, flags: flagHead, refs: f.refs, link: [2]uint32{noFrame, noFrame}}
	}
	f.order = 0
}

// Merge makes the 2^order one-frame blocks from pfn, aligned to their
// size, one block again (the reverse of Split): each must be an
// allocated one-frame block in the head's state with the head's count.
// It reports whether they were; if not, nothing changes. The head keeps
// its owner's room; the others' records become the block's body. No
// allocation.
func (a *Allocator) Merge(pfn mm.PFN, order int) bool {
	i := a.index(pfn)
	n := uint32(1) << order
	if order < 1 || order > MaxOrder || uint64(pfn)&uint64(n-1) != 0 || uint64(i)+uint64(n) > uint64(len(a.frames)) {
		return false
	}
	h := a.frames[i]
	for j := uint32(0); j < n; j++ {
		f := &a.frames[i+j]
		if f.flags&flagHead == 0 || f.order != 0 || f.state != h.state || f.refs != h.refs || f.state == Free || f.state == Reserved {
			return false
		}
	}
	for j := uint32(1); j < n; j++ {
		a.frames[i+j] = Frame{state: h.state}
	}
	a.frames[i].order = uint8(order)
	return true
}
