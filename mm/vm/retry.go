package vm

import (
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// User faults: an atomic attempt, then a retry that may sleep. A fault
// taken in ring 3 comes back to the process's goroutine (proc), which
// holds the big kernel lock in ordinary goroutine context: it may
// allocate, block, and sleep on the disk's interrupt. HandleFaultRetry
// resolves it in two halves, as Linux's handle_mm_fault does with
// FAULT_FLAG_ALLOW_RETRY:
//
//  1. The atomic path (HandleFault's, fault.go) runs with retry.noIO set.
//     It resolves everything that needs no I/O: demand-zero, the zero
//     page, copy-on-write, page-cache and swap-cache hits, a tmpfs hole.
//     Where it would have to wait (a file page that is not in the page
//     cache, a swap slot that is not in the swap cache) or restock the
//     reserves (which may reclaim, and so write), it changes nothing and
//     returns mustRetry, saying what it lacked: Linux's VM_FAULT_RETRY.
//  2. The retry path (doRetry) does that work in goroutine context: it
//     refills the reserves (MM.Refill, which reclaims directly below the
//     min watermark), and reads the page into the page cache
//     (pagecache.File.Fill, with the readahead a fault does) or the swap
//     cache (swapInWait, with swap readahead), through the disk's
//     ordinary reads, where the goroutine sleeps until the completion
//     interrupt wakes it. Then the atomic attempt runs again, and finds
//     the page cached.
//
// The page is not pinned between the read and the next attempt: on one
// CPU under the kernel lock nothing else runs, but the retry's own
// readahead may reclaim it under pressure. So the retry is bounded:
// after maxRetries rounds of work, an attempt that still lacks something
// is followed by a last one that runs as the ring-0 path does, doing its
// own (polled) I/O, as Linux's last try is made without
// ALLOW_RETRY and waits for the page instead of giving up.
//
// The kernel lock stays held while the goroutine sleeps (Linux drops
// mmap_lock here; Pagoda's MM has no lock of its own to drop yet, see
// Missing in doc.go). That is safe on this one-CPU kernel because what
// wakes the sleeper never takes it: the interrupt service goroutine
// (arch.ServeIRQs) calls blk.Disk.Interrupt, which takes only the
// driver's Disk.mu and ring spinlock (mm/doc.go's lock order: outside
// the kernel lock, never nested with it). Every other goroutine that
// wants the kernel lock waits for the fault, as it waits for a command.

// maxRetries is how many times the retry path works before the last
// attempt is allowed to do its own I/O.
const maxRetries = 2

// retryNeed is what an atomic attempt lacked (VM_FAULT_RETRY's reason).
type retryNeed uint8

const (
	needNothing  retryNeed = iota
	needReserve            // a stock was short: refill it, reclaiming below min
	needFilePage           // retry.file's page retry.idx is not cached: read it
	needSwapPage           // retry.ent's slot is not in the swap cache: read it
)

// retryState is what one HandleFaultRetry call carries between its
// attempts; zero outside one, so HandleFault (ring 0) does its own I/O.
type retryState struct {
	noIO     bool // the attempts do no I/O and no restocking
	refilled bool // the retry path refilled: an attempt takes the stocks as they are
	readIn   bool // the retry path read the faulting page: the fault is major
	tried    bool // the fault took the retry path (counted once, RetryFaults)
	need     retryNeed
	file     *pagecache.File // needFilePage
	idx      uint64          // needFilePage
	ent      swap.Entry      // needSwapPage
}

// mustRetry records what an attempt lacked and returns mustRetry. No
// allocation (the fault path).
func (as *AddressSpace) mustRetry(n retryNeed) Result {
	as.retry.need = n
	return mustRetry
}

// HandleFaultRetry resolves a page fault at va in goroutine context: a
// user process's, whose goroutine holds the big kernel lock and may
// sleep. It returns what HandleFault would, and the page read or the
// reserves refilled on the way; unlike HandleFault it never polls the
// disk for a page (but in the bounded last attempt, see above): it
// sleeps on the device's interrupt. SigBusIO is an I/O error (Linux
// sends BUS_ADRERR for both kinds; Pagoda tells BUS_OBJERR apart).
//
// Preconditions: the address space is not destroyed (checked with -tags
// mmdebug); the caller holds the big kernel lock, in goroutine context
// with interrupts enabled, not in a trap handler (vm cannot see either).
func (as *AddressSpace) HandleFaultRetry(va mm.VirtAddr, access Access) Result {
	if debug && as.table == nil {
		panic("vm.HandleFaultRetry: precondition: address space destroyed")
	}
	as.Stats.Faults++
	as.retry = retryState{noIO: true}
	r := as.retrying(va, access)
	if r == OOM && as.mm.oom.policy == OOMKill && !as.killed {
		if victim, freed := as.mm.oomKill(); freed && victim != as {
			as.retry.noIO, as.retry.refilled = true, false
			r = as.retrying(va, access)
		}
	}
	if as.retry.tried {
		as.Stats.RetryFaults++
	}
	as.retry = retryState{}
	if r == OOM {
		as.Stats.OOM++
		as.LastKind = KindOOM
	}
	return r
}

// retrying runs atomic attempts with the retry path's work between them.
func (as *AddressSpace) retrying(va mm.VirtAddr, access Access) Result {
	r := as.resolve(va, access)
	for tries := 0; r == mustRetry; tries++ {
		as.retry.tried = true
		if tries == maxRetries {
			as.retry.noIO = false // the last try, without ALLOW_RETRY
		} else if r = as.doRetry(); r != mustRetry {
			return r
		}
		r = as.resolve(va, access)
	}
	return r
}

// doRetry does what the last attempt lacked, in goroutine context: it may
// allocate, reclaim, and sleep on the disk. It returns mustRetry to run
// the attempt again, or the fault's result when the work failed (an I/O
// error, no memory).
func (as *AddressSpace) doRetry() Result {
	m := as.mm
	need := as.retry.need
	as.retry.need = needNothing
	// Whatever the attempt stopped at, it would stop at a short stock
	// next: refill once per fault (direct reclaim below min, writing
	// dirty pages as goroutine-context reclaim does).
	if m.short() && !as.retry.refilled {
		m.Refill()
		as.retry.refilled = true
		if m.atRoom() { // Refill could not make room under memory.max
			m.chargeFailed()
			return OOM
		}
	}
	switch need {
	case needFilePage:
		// Major: read for this fault; Hit: cached meanwhile, or made
		// without a read.
		out := as.retry.file.Fill(as.retry.idx)
		if r := as.noPage(out); r != Resolved {
			return r
		}
		if out == pagecache.Major {
			as.retry.readIn = true
		}
	case needSwapPage:
		return as.swapInWait(as.retry.ent)
	case needNothing, needReserve:
	}
	return mustRetry
}

// swapInWait reads ent's page into the swap cache, with swap readahead,
// in goroutine context (the retry half of swapFault, as Linux's
// do_swap_page reading with the mmap_lock dropped): the next attempt
// finds it there. The reserve is topped up first, with room for the
// readahead (a fault's reserve is not). mustRetry to run the attempt
// again.
func (as *AddressSpace) swapInWait(ent swap.Entry) Result {
	m := as.mm
	if m.Swap == nil || m.Swap.Refs(ent) == 0 {
		return mustRetry // the attempt reports it
	}
	if _, hit := m.Swap.Cache(ent); hit {
		return mustRetry
	}
	if m.anon.n < faultNeed+swapRAMax {
		// Room for the readahead too: in goroutine context the
		// reserve may be refilled (and memory reclaimed) at once.
		m.Refill()
	}
	pfn, ok := as.copyFrame()
	if !ok {
		return OOM
	}
	if r := as.readIntoSwapCache(ent, pfn, true); r != Resolved {
		return r
	}
	as.retry.readIn = true
	return mustRetry
}
