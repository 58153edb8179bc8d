package vm

import (
	"fmt"
	"strconv"
)

// Refault detection (Linux mm/workingset.c). When reclaim evicts a page,
// it leaves a shadow in the page's slot: the page cache's index slot for
// a file page (tmpfs's included), the swap slot for an anonymous or
// swap-cache page. The shadow holds the non-resident age at eviction and
// whether the page had been active (PG_workingset). When the page comes
// back (a fault, a read, a swap-in or its readahead: the page cache's
// insert and the swap cache's fill, both through track), the refault
// distance is the non-resident age now less the shadow's.
//
// The non-resident age counts evictions and activations (Linux's
// lruvec->nonresident_age, one per node for both types). A page entering
// the inactive list and then being evicted pushes every other inactive
// page one slot towards the back; an activation moves the inactive
// pages behind it one slot on as well. So the distance is the least
// number of inactive-list slots the page would have needed to stay
// resident: if it is no more than the pages the working set may take
// from the active lists (lru2q.WorkingsetSize), the page would have
// been kept by an inactive list that long, and it goes straight to
// its active list (workingset_refault's folio_set_active).
//
// Every policy counts refaults (a shadow found); only one with active
// lists that feeds the age, lru2q, activates. Counters (vmstat, Linux's
// names): workingset_refault_anon/file (a shadow found),
// workingset_activate_anon/file (of which activated),
// workingset_restore_anon/file (of which had been active before their
// eviction). Linux's workingset_nodereclaim counts xarray nodes of
// shadows freed by its shrinker; Pagoda's shadows have no nodes to free
// (below), so it has no such counter.
//
// Memory: a shadow lives in a slot that exists anyway, the page cache's
// dense index of the file or the swap area's per-slot array (4 bytes a
// slot, made at swapon), so shadows never cost more than those, and no
// shrinker is needed. They go with their slot: truncation clears the
// file's slots past the end, a freed swap slot (munmap, exit, the last
// reference dropped) clears its own, swapoff frees the area's array,
// and a deleted file's index goes with it. A shadow left by an eviction
// long ago gives a large distance and activates nothing; ages are kept
// mod 2^30 (Linux packs them into an unsigned long with the node and
// memcg, and wraps the same way).

// Shadow layout: bit 0 set in every shadow (0 is none), bit 1
// PG_workingset, bits 2..31 the age mod 2^30.
const (
	shadowPresent    = 1
	shadowWorkingset = 2
	shadowAgeShift   = 2
	shadowAgeMask    = 1<<30 - 1
)

func packShadow(age uint64, workingset bool) uint32 {
	sh := uint32(age&shadowAgeMask)<<shadowAgeShift | shadowPresent
	if workingset {
		sh |= shadowWorkingset
	}
	return sh
}

func unpackShadow(sh uint32) (age uint64, workingset bool) {
	return uint64(sh >> shadowAgeShift), sh&shadowWorkingset != 0
}

// WorkingsetStats are refault detection's counters (vmstat).
type WorkingsetStats struct {
	RefaultAnon, RefaultFile   uint64 // workingset_refault_*: evicted pages back, a shadow found
	ActivateAnon, ActivateFile uint64 // workingset_activate_*: of which activated
	RestoreAnon, RestoreFile   uint64 // workingset_restore_*: of which active before their eviction
}

// workingsetPolicy is a policy with active lists that takes part in
// refault detection (lru2q).
type workingsetPolicy interface {
	Policy
	AddActive(i uint32, workingset bool)
	Workingset(i uint32) bool
	Forget(i uint32)
	Activations() uint64
	WorkingsetSize(file bool) uint64
	NoteCost(file bool, n uint64)
	Cycle(start bool, activateAnon, activateFile uint64)
}

// WorkingsetStats are refault detection's counters.
func (m *MM) WorkingsetStats() WorkingsetStats { return m.rc.ws }

// nonresidentAge is evictions plus activations (lruvec->nonresident_age).
func (m *MM) nonresidentAge() uint64 {
	age := m.rc.evictions
	if p := m.rc.wsp; p != nil {
		age += p.Activations()
	}
	return age
}

// pageWorkingset reports whether page i had been active (PG_workingset).
func (m *MM) pageWorkingset(i uint32) bool {
	p := m.rc.wsp
	return p != nil && p.Workingset(i)
}

// workingsetEviction ages the non-resident counter by the page being
// evicted and returns the shadow to leave in its slot (Linux
// workingset_eviction). workingset is pageWorkingset's answer, read
// before the page left the lists. No allocation.
func (m *MM) workingsetEviction(workingset bool) uint32 {
	m.rc.evictions++
	return packShadow(m.nonresidentAge(), workingset)
}

// workingsetRefault counts a page coming back with shadow in its slot
// and reports whether it goes straight to its active list, and as
// workingset (Linux workingset_refault). No allocation.
func (m *MM) workingsetRefault(file bool, shadow uint32) (activate, workingset bool) {
	if shadow == 0 {
		return false, false
	}
	ws := &m.rc.ws
	if file {
		ws.RefaultFile++
	} else {
		ws.RefaultAnon++
	}
	p := m.rc.wsp
	if p == nil {
		return false, false
	}
	eviction, workingset := unpackShadow(shadow)
	distance := (m.nonresidentAge() - eviction) & shadowAgeMask
	if distance > p.WorkingsetSize(file) {
		return false, false
	}
	switch {
	case file:
		ws.ActivateFile++
	default:
		ws.ActivateAnon++
	}
	if workingset {
		if file {
			ws.RestoreFile++
		} else {
			ws.RestoreAnon++
		}
		p.NoteCost(file, 1) // the type's reclaim cost: a working page came back
	}
	return true, workingset
}

// Swappiness is vm.swappiness: how much lru2q scans anonymous pages
// against file pages, 0..200 (Linux's default 60; lru2q.go).
func (m *MM) Swappiness() int { return DefaultSwappiness + m.rc.swapDelta }

// DefaultSwappiness is Linux's default vm.swappiness.
const DefaultSwappiness = 60

// SetSwappiness sets vm.swappiness (0..200); ErrInvalid outside.
func (m *MM) SetSwappiness(n int) error {
	if n < 0 || n > 200 {
		return fmt.Errorf("%w: swappiness %d (0..200)", ErrInvalid, n)
	}
	m.rc.swapDelta = n - DefaultSwappiness
	return nil
}

// ParseSwappiness parses a vm.swappiness value (the command line's, the
// shell's): a whole decimal number, 0..200.
func ParseSwappiness(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 8)
	if err != nil || n > 200 {
		return 0, fmt.Errorf("%w: swappiness %q: want a whole number, 0 to 200", ErrInvalid, s)
	}
	return int(n), nil
}

// fileLRU, canSwap and swappiness are lru2q's lruEnv.
func (m *MM) fileLRU(i uint32) bool {
	f := m.rc.meta[i].file
	return f != nil && !f.SwapBacked()
}

func (m *MM) canSwap() bool {
	if m.Swap == nil {
		return false
	}
	total, used := m.Swap.Totals()
	return used < total
}

func (m *MM) swappiness() int { return m.Swappiness() }
