package vm

import (
	"fmt"
	"math"

	"github.com/pagoda-os/pagoda/mm"
)

// memory.max: a cap on user memory, as a Linux memory cgroup's
// memory.max caps what is charged to the group (mm/memcontrol.c), for
// the one group Pagoda has, which holds every address space and every
// cached page. mm.limit caps all the frames the kernel manages, and
// reclaim keeps free frames between watermarks under it; memory.max
// caps only the charge, and reclaim keeps the charge at or below it
// however much is free, so that a workload under memory.max=16M has
// about the 16 MiB a process in a 16M cgroup of Linux has.
//
// The charge is Linux's for a cgroup of user processes:
//   - the pages on the reclaimer's lists: anonymous (tmpfs's and
//     shared anonymous memory's included), swap cache, page cache, a
//     huge page its 512 (memory.stat's anon, file, shmem, swapcached);
//   - the page-table pages address spaces hold, their PML4s included
//     (memory.stat's pagetables; the kernel's own are not charged, nor
//     the fault path's stock of empty ones).
//
// Not charged, as in Linux (where they are the kernel's or a per-CPU
// list's): the fault path's anonymous stock, the zero pages, the frame
// table, kernel memory.
//
// Where it is enforced, as Linux's try_charge reclaims in the context
// that charges:
//   - in a fault, before it takes a page: the fast path compares the
//     charge, one counter, with full (short, reserve.go): memory.max
//     less the page tables one fault may make and its page. A fault at
//     full restocks, which reclaims a batch below (makeRoom), as Linux's
//     charge reclaims SWAP_CLUSTER_MAX pages. A fault
//     that cannot make room for its own page is out of memory (the OOM
//     policy decides, oom.go), unless dirty pages it queued for
//     writeback will make room once written (the command's Throttle, or
//     the user fault's retry, waits for them);
//   - what else a fault takes fits in what is left: swap readahead
//     first reclaims room for its window (raMakeRoom), as Linux charges
//     each page it reads ahead, reclaiming; readahead, of swap
//     (swapWindow) or of a file (TakeFrame), stops at full; a private
//     copy of the page read is the one page the fault check keeps;
//   - a huge page is taken only if its 512 pages fit below full, else
//     the fault falls back to 4 KiB pages (Linux's
//     thp_fault_fallback_charge);
//   - outside faults, in Refill's balance (before every command, in the
//     address-space operations and a user fault's retry), and before the
//     page cache takes a frame for read, write or a tmpfs page
//     (pagecache.Cache.Room).
//
// There is no background reclaim for memory.max (Linux has none for
// memory.max either; kswapd works for the watermarks).

// MemcgEvents count the times the charge met memory.max, as the
// cgroup's memory.events.
type MemcgEvents struct {
	Max uint64 // a charge would have passed memory.max: reclaim ran
	OOM uint64 // reclaim could not make room: the charge failed
}

// memcg is the MM's memory.max state, part of the reclaimer.
type memcg struct {
	max uint64 // memory.max in pages; 0: none
	// charge is the pages charged: the lists keep it for their pages
	// (lru.go), reserveTables for the page tables address spaces hold.
	charge uint64
	// full is the charge at which a fault makes room: memory.max less
	// the tables one fault may make, less its own page (noLimit: none).
	full   uint64
	events MemcgEvents
}

// MaxNone is what MemoryMax reports without a limit, as memory.max
// prints "max".
const MaxNone = math.MaxUint64

// noLimit is full without memory.max: no charge reaches it.
const noLimit = math.MaxUint64

// SetMemoryMax sets memory.max to bytes (rounded down to pages;
// MaxNone: no limit) and reclaims down to it, as writing memory.max
// does. It fails, leaving the old limit, with reclaim off or a limit
// below one page; when the charge stays above the new limit it keeps
// the limit and reports ErrNoMemory, as Linux's write keeps its limit
// and returns EBUSY.
func (m *MM) SetMemoryMax(bytes uint64) error {
	if m.rc.policy == nil {
		return fmt.Errorf("%w: memory.max needs reclaim (mm.policy)", ErrInvalid)
	}
	if bytes == MaxNone {
		m.rc.mc.max = 0
		m.setRoom()
		return nil
	}
	pages := bytes / mm.PageSize
	if pages == 0 {
		return fmt.Errorf("%w: memory.max=%d is below one page", ErrInvalid, bytes)
	}
	m.rc.mc.max = pages
	if m.makeRoom(0); m.overMax(0) {
		return fmt.Errorf("%w: %d pages still charged over memory.max's %d", ErrNoMemory, m.Charged()-pages, pages)
	}
	return nil
}

// ParseMemoryMax reads a memory.max as its file takes it: "max" (no
// limit, MaxNone) or a size (mm.ParseSize: 16M, 0x1000000).
func ParseMemoryMax(s string) (uint64, error) {
	if s == "max" {
		return MaxNone, nil
	}
	return mm.ParseSize(s)
}

// FormatMemoryMax writes a memory.max as its file shows it: "max", or
// the bytes.
func FormatMemoryMax(bytes uint64) string {
	if bytes == MaxNone {
		return "max"
	}
	return fmt.Sprint(bytes)
}

// MemoryMax is memory.max in bytes, MaxNone without a limit.
func (m *MM) MemoryMax() uint64 {
	if m.rc.mc.max == 0 {
		return MaxNone
	}
	return m.rc.mc.max * mm.PageSize
}

// MemoryCurrent is memory.current: the charge in bytes.
func (m *MM) MemoryCurrent() uint64 { return m.Charged() * mm.PageSize }

// MemcgEvents are memory.events' counts.
func (m *MM) MemcgEvents() MemcgEvents { return m.rc.mc.events }

// Charged is memory.current in pages: the lists' pages and the charged
// page tables (see the top of this file).
func (m *MM) Charged() uint64 { return m.rc.mc.charge }

// atRoom reports whether a fault must make room before it takes pages.
// Inlined in short, on every fault: one compare.
func (m *MM) atRoom() bool { return m.rc.mc.charge >= m.rc.mc.full }

// raRoom is how many pages a fault's readahead may take besides taken
// pages it holds and has not listed yet, so that the charge stays at or
// below full (the fault's private copy, if it makes one, then takes
// the page full keeps).
func (m *MM) raRoom(taken int) int {
	if m.rc.mc.full == noLimit {
		return math.MaxInt
	}
	return max(int(m.rc.mc.full)-int(m.rc.mc.charge)-taken, 0)
}

// raMakeRoom makes room under memory.max for a swap readahead window of
// n slots before it is chosen, as Linux charges each page it reads
// ahead, reclaiming: in the fault (polled, no sleep) or, wait, in a user
// fault's retry (goroutine context). The window's slots are in use and
// not cached, so the reclaim cannot touch them (its swap-outs take free
// slots), nor the fault's own slot, which its PTE holds. Then it tops
// the anonymous stock up by a batch, as the restock it stands for would
// (readahead in a fault takes frames only from a stock over half full).
func (m *MM) raMakeRoom(n uint64, wait bool) {
	inFault := m.rc.inFault
	m.rc.inFault = !wait
	m.makeRoom(n)
	m.rc.inFault = inFault
	m.topUp(m.anon.n+faultBatch, tableNeed)
}

// setRoom sets full from memory.max: less the tables one fault may make
// (tableNeed) and its page; at least 1.
func (m *MM) setRoom() {
	mc := &m.rc.mc
	mc.full = noLimit
	if mc.max != 0 {
		mc.full = max(mc.max, tableNeed+2) - tableNeed - 1
	}
}

// makeRoom reclaims until n more pages, a fault's tables and a private
// copy fit under memory.max (a batch at least, as a charge reclaims
// SWAP_CLUSTER_MAX), and reports whether they do: for one page, that
// the charge is below full, which is what a fault's frames (TakeFrame,
// readahead) then go by. No allocation: faults call it.
func (m *MM) makeRoom(n uint64) bool {
	mc := &m.rc.mc
	if mc.max == 0 {
		return true
	}
	want := n + tableNeed + 1
	if c := m.Charged(); c+want > mc.max {
		mc.events.Max++
		m.rc.stats.AllocStall++
		m.Reclaim(int(max(c+want-mc.max, faultBatch)), true)
	}
	m.setRoom()
	return m.Charged()+want <= mc.max
}

// overMax reports whether n more pages would pass memory.max.
func (m *MM) overMax(n uint64) bool {
	return m.rc.mc.max != 0 && m.Charged()+n > m.rc.mc.max
}

// chargeFailed counts a charge that reclaim could not make room for
// (memory.events' oom).
func (m *MM) chargeFailed() { m.rc.mc.events.OOM++ }

// faultRoom is makeRoom for a fault about to take its pages (restock):
// false when not even its own page fits and no queued write is on its
// way to free one.
func (m *MM) faultRoom() bool {
	if !m.atRoom() {
		return true
	}
	m.rc.stats.FaultStall++
	m.rc.inFault = true
	ok := m.makeRoom(1)
	m.rc.inFault = false
	if ok || m.rc.deferred > 0 {
		return true
	}
	m.chargeFailed()
	return false
}

// pageRoom is the page cache's Room: room for one page taken outside
// faults (read, write, a tmpfs page), reclaiming as goroutine context
// may (writing dirty pages back).
func (m *MM) pageRoom() bool {
	if m.makeRoom(1) {
		return true
	}
	m.chargeFailed()
	return false
}

// hugeRoom reports whether a huge page's 512 pages fit under memory.max
// with a fault's worth to spare; it does not reclaim (the fault falls
// back to 4 KiB pages instead).
func (m *MM) hugeRoom() bool {
	return m.rc.mc.full == noLimit || m.rc.mc.charge+hugePages < m.rc.mc.full
}
