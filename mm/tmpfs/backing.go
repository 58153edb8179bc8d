package tmpfs

import (
	"errors"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// pageBytes is the size of a page.
const pageBytes = mm.PageSize

// pageState is where a file page's data are.
type pageState uint8

const (
	// hole: never written, or truncated away; reads as zeros, not
	// charged, never cached.
	hole pageState = iota
	// inMemory: only in the page cache.
	inMemory
	// inSwap: a copy in swap; the page cache may hold the page too,
	// newer than the copy only when dirty.
	inSwap
)

var stateNames = [...]string{"hole", "in memory", "in swap"}

func (s pageState) String() string { return stateNames[s] }

// slot is one page's state.
type slot struct {
	// entry is the swap entry of an inSwap page.
	entry swap.Entry
	// keep is how many bytes of an inSwap page's copy belong to the
	// file (its end of file then, or a truncate since): the rest reads
	// as zeros, whatever the copy holds past it.
	keep  uint16
	state pageState
}

// backing is a File's pagecache.SwapBacking: the per-page table.
// Invariants: slots covers every page below the end of file; slots at
// or past it are holes; a page the cache holds is not a hole; pages
// counts the slots that are not holes, and the FS's used adds pages up
// over its live files.
type backing struct {
	fsys  *FS
	slots []slot
	pages uint64
}

// state is page idx's state (hole past the table).
func (b *backing) state(idx uint64) pageState {
	if idx >= uint64(len(b.slots)) {
		return hole
	}
	return b.slots[idx].state
}

// grow makes the table cover n pages (goroutine context: it may
// allocate). The slots past the old length are holes: forget cleared
// them when it dropped them.
func (b *backing) grow(n uint64) {
	if uint64(len(b.slots)) >= n {
		return
	}
	if uint64(cap(b.slots)) >= n {
		b.slots = b.slots[:n]
		return
	}
	s := make([]slot, n, n+n/4)
	copy(s, b.slots)
	b.slots = s
}

// shrinkTo forgets every page from n on and cuts the table there.
func (b *backing) shrinkTo(n uint64) {
	for idx := n; idx < uint64(len(b.slots)); idx++ {
		b.forget(idx)
	}
	b.slots = b.slots[:min(n, uint64(len(b.slots)))]
}

// charge makes hole idx a page in memory, counting it against the limit
// (hole → inMemory). The caller checked room. No allocation.
func (b *backing) charge(idx uint64) {
	b.slots[idx].state = inMemory
	b.pages++
	b.fsys.used++
}

// forget makes page idx a hole, freeing its swap entry and uncharging
// it (→ hole).
func (b *backing) forget(idx uint64) {
	s := &b.slots[idx]
	switch s.state {
	case hole:
		return
	case inSwap:
		b.fsys.swap.Free(s.entry)
		b.fsys.swapped--
	}
	*s = slot{}
	b.pages--
	b.fsys.used--
}

// errBeyond: the page cache asked for a page past the table (a bug of
// the caller). Made once: the fault path may not allocate.
var errBeyond = errors.New("tmpfs: page past the end of the file's table")

// ReadPage fills the first n bytes of the frame at pa with page idx
// (pagecache.Backing): zeros for a page made from nothing (a hole, now
// charged: ErrNoSpace past the limit), the swap copy for a page in
// swap. With fault set it runs in a page fault: no allocation, no lock,
// and the swap read polls.
func (b *backing) ReadPage(idx uint64, pa mm.PhysAddr, n int, fault bool) error {
	if idx >= uint64(len(b.slots)) {
		return errBeyond
	}
	s := &b.slots[idx]
	switch s.state {
	case hole, inMemory:
		if s.state == hole {
			if !b.fsys.room(1) {
				return ErrNoSpace
			}
			b.charge(idx)
		}
		// The whole frame, with the strategy measured at boot, as a
		// demand-zero fault does.
		mm.ZeroFrames(pa, mm.PageSize)
	case inSwap:
		if err := b.fsys.swap.In(s.entry, pa, fault); err != nil {
			return err
		}
		if k := int(s.keep); k < n {
			clear(mm.FrameBytes(pa)[k:n])
		}
	}
	return nil
}

// WritePage is a swap-out of page idx (pagecache.Backing): the frame
// goes to a free swap slot, the page's older entry, if any, is freed
// (→ inSwap). Only the reclaimer calls it. With no swap, or when Out
// fails, the page stays as it was (dirty in the cache). Swap writes
// poll, so a fault's direct reclaim (fault set) does the same.
func (b *backing) WritePage(idx uint64, pa mm.PhysAddr, n int, _ bool) error {
	if b.fsys.swap == nil {
		return ErrNoSwap
	}
	if idx >= uint64(len(b.slots)) {
		return errBeyond
	}
	s := &b.slots[idx]
	if s.state == hole {
		// A cached page is never a hole: File.WriteAt charges first.
		panic("tmpfs.WritePage: a hole in the page cache")
	}
	entry, err := b.fsys.swap.Out(pa)
	if err != nil {
		return err
	}
	switch s.state {
	case inMemory:
		b.fsys.swapped++
	case inSwap:
		b.fsys.swap.Free(s.entry)
	}
	*s = slot{entry: entry, keep: uint16(n), state: inSwap}
	return nil
}

// Truncate sets the size (pagecache.Backing): the table grows (sparse)
// or the pages past the end are forgotten; the swap copy of a last page
// cut short keeps only the bytes below the end. (When the file grows,
// a copy's keep is at most the old end's, below the new one: the check
// changes nothing.)
func (b *backing) Truncate(size int64) error {
	n := pagesFor(size)
	if n > uint64(len(b.slots)) {
		b.grow(n)
		return nil
	}
	b.shrinkTo(n)
	if tail := size % pageBytes; tail != 0 {
		if s := &b.slots[n-1]; s.state == inSwap && int64(s.keep) > tail {
			s.keep = uint16(tail)
		}
	}
	return nil
}

// Discard forgets page idx (pagecache.SwapBacking, for PunchHole): a
// hole from now on, its swap entry freed and its charge given back.
func (b *backing) Discard(idx uint64) {
	if idx < uint64(len(b.slots)) {
		b.forget(idx)
	}
}

// InSwap reports whether page idx is in swap (pagecache.SwapBacking: a
// fault that fills it is a major one). No allocation.
func (b *backing) InSwap(idx uint64) bool { return b.state(idx) == inSwap }
