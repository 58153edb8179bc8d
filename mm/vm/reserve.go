package vm

import (
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// Reserves. The fault path takes frames from two stocks kept in the MM:
// frames for anonymous pages, and zeroed page-table pages (as Linux's
// per-CPU page lists stand before the zone's free lists). Refill tops
// them up, outside faults: every address-space operation starts with it,
// the populate and fork loops call it as they go, and so does the kernel
// before each command.
//
// A fault that finds a stock too low to be sure of what it may take
// (faultNeed, tableNeed) restocks it itself, as Linux's allocation slow
// path does from a fault: below the min watermark it first reclaims a
// batch (direct reclaim in the fault, polled I/O), then it moves up to a
// batch of free frames into the stock. That is the one place a fault
// calls the frame allocator and the reclaimer. It is safe because every
// fault in the window comes from the goroutine that holds the kernel
// lock, from a command's own loads and stores to window memory, never
// from inside the allocator, the page cache or a filesystem (none of
// them touches the window): nothing they hold is half changed
// underneath. A fault that still finds nothing is out of memory.
//
// The anonymous stock holds up to anonReserve frames; with reclaim on,
// Refill fills it only up to the low watermark (at least two faults'
// worth), as Linux sizes its per-CPU lists from the zone's low watermark
// (zone_highsize): a frame in the stock is a frame no page has, so a
// stock as large on a small machine as on a large one keeps a good part
// of a small machine's memory from the working set (a fifth of a 5 MiB
// one: BenchmarkReplay).
const (
	anonReserve  = 256 // a fault takes one, a file fault up to 33 (its page, 31 read ahead, a private copy)
	tableReserve = 64  // a 4 KiB fault takes at most three (PDPT, PD, PT)

	faultNeed  = 33 // the most one fault takes from the anonymous stock
	tableNeed  = 3  // the most one fault takes from the table stock
	faultBatch = 32 // what a restocking fault reclaims and takes (Linux SWAP_CLUSTER_MAX)
)

// reserve is a fixed-size stock of frames, made once (no allocation on
// the fault path).
type reserve struct {
	stock []mm.PFN
	n     int
	// target is what Refill fills the stock to: len(stock), or less
	// (setReserveTarget). n ≤ target only outside faults' restock.
	target int
}

func (r *reserve) take() (mm.PFN, bool) {
	if r.n == 0 {
		return 0, false
	}
	r.n--
	return r.stock[r.n], true
}

// put keeps pfn if there is room; it reports whether it did.
func (r *reserve) put(pfn mm.PFN) bool {
	if r.n == len(r.stock) {
		return false
	}
	r.stock[r.n] = pfn
	r.n++
	return true
}

// Refill tops up the reserves from the frame allocator and the table
// source. It runs outside faults; when memory is short the reserves stay
// partly empty, and faults find out.
func (m *MM) Refill() {
	m.balance()
	m.topUp(m.anon.target, m.tables.target)
}

// setReserveTarget sizes the anonymous stock's fill from the
// watermarks (see Reserves above): the low mark, within
// [2 × faultNeed, anonReserve]. A stock above it gives back its excess.
func (m *MM) setReserveTarget(w Watermarks) {
	m.anon.target = int(min(max(w.Low, 2*faultNeed), anonReserve))
	for m.anon.n > m.anon.target {
		pfn, _ := m.anon.take()
		m.Frames.Free(pfn, 0)
	}
}

// topUp fills the stocks from the allocator and the table source up to
// anon frames and tables (at most their sizes), or until those run out.
// No Go allocation: restock calls it in faults.
func (m *MM) topUp(anon, tables int) {
	for m.anon.n < min(anon, m.anon.target) {
		pfn, err := m.Frames.Alloc(0, frame.Anon)
		if err != nil {
			break
		}
		m.anon.put(pfn)
	}
	for m.tables.n < min(tables, m.tables.target) {
		pa, err := m.Tables.AllocTable()
		if err != nil {
			break
		}
		m.tables.put(pa.PFN())
	}
}

// short reports whether a stock holds less than one fault may take: the
// fault then restocks first. Small enough to be inlined in the fault.
func (m *MM) short() bool { return m.anon.n < faultNeed || m.tables.n < tableNeed || m.atRoom() }

// restock runs at the start of a fault (HandleFault) when a stock is
// short or the charge is at memory.max's room: it makes room under
// memory.max (memcg.go), reclaims below min and tops the stocks up by a
// batch (see Reserves above). No Go allocation, no blocking: what the
// reclaimer does in a fault is written down in reclaim.go. False: no
// room under memory.max for the fault's page.
func (m *MM) restock() bool {
	if !m.faultRoom() {
		return false
	}
	if m.rc.policy != nil && m.freePages() < m.rc.wm.Min+faultBatch {
		m.rc.stats.AllocStall++
		m.rc.stats.FaultStall++
		m.rc.inFault = true
		m.Reclaim(faultBatch, true)
		m.rc.inFault = false
	}
	m.topUp(m.anon.n+faultBatch, tableNeed)
	return true
}

// Drain gives the reserves back: to account for every frame (tests), or
// before the MM goes away.
func (m *MM) Drain() {
	for {
		pfn, ok := m.anon.take()
		if !ok {
			break
		}
		m.Frames.Free(pfn, 0)
	}
	for {
		pfn, ok := m.tables.take()
		if !ok {
			break
		}
		m.Tables.FreeTable(pfn.Addr())
	}
}

// Reserved is the number of frames in the reserves: anonymous frames and
// page-table pages.
func (m *MM) Reserved() (anon, tables int) { return m.anon.n, m.tables.n }

// reserveTables is the FrameSource of address spaces' page tables: it
// takes from the table reserve (Map may run in a fault), and keeps freed
// tables, which are empty and so still zeroed, while there is room. It
// counts the tables address spaces hold (memory.max's charge).
type reserveTables struct{ m *MM }

func (s reserveTables) AllocTable() (mm.PhysAddr, error) {
	pfn, ok := s.m.tables.take()
	if !ok {
		return 0, pt.ErrNoMemory
	}
	s.m.rc.mc.charge++
	return pfn.Addr(), nil
}

func (s reserveTables) FreeTable(pa mm.PhysAddr) {
	s.m.rc.mc.charge--
	if !s.m.tables.put(pa.PFN()) {
		s.m.Tables.FreeTable(pa)
	}
}
