package vm

import (
	"strconv"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// The fault path. HandleFault runs in the trap handler, on the system
// stack, with interrupts off. It must not allocate Go memory, block, take
// a lock, defer, format with fmt, or recurse: VMAs are found by binary
// search over a slice, frames and page-table pages come from the MM's
// reserves (reserve.go), refilled outside faults or restocked by the
// fault itself when low (reclaiming first below the min watermark, with
// polled I/O), and page tables are changed in place. Tests assert
// testing.AllocsPerRun == 0 for each kind of fault, a restocking one
// that reclaims included.
//
// The same code is the first, atomic attempt of a user fault
// (HandleFaultRetry, retry.go), which runs in the process's goroutine:
// there it does no I/O and no restocking at all, and returns mustRetry
// instead, saying what it lacked; the retry path does that work where it
// may sleep, and runs the attempt again.

// Access is what the faulting instruction did.
type Access uint8

const (
	Read Access = iota
	Write
	Exec
)

// Result is what became of a fault.
type Result uint8

const (
	Resolved       Result = iota // retry the instruction
	SegvNotMapped                // no VMA covers the address
	SegvProtection               // the VMA forbids the access
	OOM                          // no frame or table could be had
	SigBus                       // past the end of the file (BUS_ADRERR), or a swap entry that is not there
	SigBusIO                     // an I/O error reading the page (BUS_OBJERR)

	// mustRetry is the atomic attempt's answer when it would have to
	// read or restock (Linux's VM_FAULT_RETRY; retry.go). Only
	// HandleFaultRetry's loop sees it: no exported function returns it.
	mustRetry
)

func (r Result) String() string {
	switch r {
	case Resolved:
		return "resolved"
	case SegvNotMapped:
		return "not mapped"
	case SegvProtection:
		return "protection violation"
	case SigBus:
		return "bus error"
	case SigBusIO:
		return "bus error (I/O error)"
	case OOM:
		return "out of memory"
	case mustRetry:
		return "retry"
	}
	return "Result(" + strconv.Itoa(int(r)) + ")"
}

// FaultKind says how HandleFault resolved (or failed) its last fault, for
// the kernel's fault trace.
type FaultKind uint8

const (
	KindZero      FaultKind = iota // mapped the zero page
	KindAnon                       // a fresh zeroed frame (private memory)
	KindCOW                        // copy-on-write: copied, or reused in place
	KindSpurious                   // nothing to do: already resolved
	KindSegv                       // no VMA, or the VMA forbids the access
	KindOOM                        // no frame or table in the reserve
	KindFileHit                    // a file page found in the page cache
	KindFileMajor                  // a file page read from its disk
	KindBus                        // past the end of file, or a read error
	KindSwapCache                  // a swapped page found in the swap cache
	KindSwapIn                     // a swapped page read from swap
)

var kindNames = [...]string{"zero", "anon", "cow", "spurious", "segv", "oom", "file-hit", "file-major", "bus", "swap-cache", "swap-in"}

func (k FaultKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "?"
}

func (a Access) String() string {
	switch a {
	case Write:
		return "write"
	case Exec:
		return "exec"
	}
	return "read"
}

// allows reports whether prot allows the access. On x86, write and
// execute permissions imply read (Linux: PROT_WRITE and PROT_EXEC alone
// are readable).
func allows(prot Prot, a Access) bool {
	switch a {
	case Write:
		return prot&ProtWrite != 0
	case Exec:
		return prot&ProtExec != 0
	}
	return prot != ProtNone
}

// userBit is U/S for a User address space, which Map then sets at every
// level above the leaf too (a user access needs it at each, SDM 3A
// 4.6.1), whatever the leaf is set to afterwards.
func (as *AddressSpace) userBit() pt.PTE {
	if as.User {
		return pt.User
	}
	return 0
}

// pteFlags are the PTE bits for a page of a VMA with prot; writable says
// whether this page may be written now (not zero page, not COW-shared).
func (as *AddressSpace) pteFlags(prot Prot, writable bool) pt.PTE {
	var f pt.PTE
	if as.User {
		f |= pt.User
	}
	if writable && prot&ProtWrite != 0 {
		f |= pt.Writable
	}
	if prot&ProtExec == 0 {
		f |= pt.NoExecute
	}
	return f
}

// HandleFault resolves a page fault at va, as Linux handle_mm_fault does
// for anonymous memory: the kernel's faults, atomically in the trap
// handler, reading a missing page polling the disk (a user process's go
// to HandleFaultRetry, retry.go). Out of memory, the OOM policy decides (oom.go):
// the access fails, or the largest address space is killed and the
// fault retried once.
//
// Preconditions (checked with -tags mmdebug): the address space is not
// destroyed; the caller holds the big kernel lock (a fault taken by the
// goroutine holding it).
func (as *AddressSpace) HandleFault(va mm.VirtAddr, access Access) Result {
	if debug && as.table == nil {
		panic("vm.HandleFault: precondition: address space destroyed")
	}
	as.Stats.Faults++
	r := as.resolve(va, access)
	if r == OOM && as.mm.oom.policy == OOMKill && !as.killed {
		if victim, freed := as.mm.oomKill(); freed && victim != as {
			r = as.resolve(va, access)
		}
	}
	if r == OOM {
		as.Stats.OOM++
		as.LastKind = KindOOM
	}
	return r
}

// resolve is one attempt at a fault.
func (as *AddressSpace) resolve(va mm.VirtAddr, access Access) Result {
	as.LastKind = KindSegv
	if as.killed {
		return OOM // killed by the OOM killer, not reaped yet
	}
	i := as.findVMA(va)
	if i < 0 {
		as.Stats.Segv++
		return SegvNotMapped
	}
	v := &as.vmas[i]
	if !allows(v.Prot, access) {
		as.Stats.Segv++
		return SegvProtection
	}
	// Before the page table is read: the reclaim restocking may do can
	// swap this very page out. An attempt that may not do I/O leaves
	// that to the retry path, once (retry.go).
	if as.mm.short() {
		switch {
		case !as.retry.noIO:
			if !as.mm.restock() {
				return OOM
			}
		case !as.retry.refilled:
			return as.mustRetry(needReserve)
		}
	}
	page := va &^ mm.PageMask
	// leafAt, spelled out so that LeafOf inlines: a first touch decodes
	// nothing. The page table, when one covers page, is kept for an
	// anonymous page's first touch, which then maps with one store
	// (as Linux's do_anonymous_page under pte_offset_map_lock).
	var e pt.PTE
	size := pt.Size4K
	ptes := as.table.PTEs(page)
	if ptes != nil {
		e = ptes[pt.PTEIndex(page)]
	} else if le, ls, ok := as.table.Leaf(page); ok {
		e, size = le, ls
	}
	l := as.mm.LeafOf(e, size)
	switch {
	case size == pt.Size2M:
		return as.hugeFault(v, page, l, access)
	case ptes == nil && l.State == LeafAbsent && v.file == nil:
		if r, ok := as.hugeAnonFault(v, page, access); ok {
			return r
		}
	}
	switch {
	case l.State == LeafSwap:
		return as.swapFault(v, page, l)
	case v.file != nil: // a file, or shared anonymous memory's object
		return as.fileFault(v, page, l, access, ptes)
	case l.State == LeafAbsent:
		return as.anonFault(v, page, access, ptes)
	case access == Write && l.State != LeafWritable:
		return as.cowFault(v, page, l, ptes)
	}
	as.LastKind = KindSpurious // already resolved (a fault that raced a fix, or spurious)
	return Resolved
}

// newFrame takes a frame for an anonymous page from the reserve and
// zeroes it.
func (as *AddressSpace) newFrame() (mm.PFN, bool) {
	pfn, ok := as.copyFrame()
	if ok {
		mm.ZeroFrames(pfn.Addr(), mm.PageSize)
	}
	return pfn, ok
}

// copyFrame takes a frame from the reserve that the caller fills at once
// by copying a page into it: zeroing it first would be wasted work.
func (as *AddressSpace) copyFrame() (mm.PFN, bool) {
	pfn, ok := as.mm.anon.take()
	if !ok {
		return 0, false
	}
	as.Stats.PagesAlloced++
	return pfn, true
}

// freeFrame drops a PTE's reference to pfn; with the last, the frame goes
// back to the reserve while it has room, else to the allocator. (A page-
// cache frame's last reference is a PTE's only once the cache dropped
// the page: it goes straight back.)
func (as *AddressSpace) freeFrame(pfn mm.PFN) {
	if as.mm.Frames.DecRef(pfn) == 0 {
		as.freeLast(pfn)
	}
}

// freeLast frees pfn, whose last reference the caller dropped.
func (as *AddressSpace) freeLast(pfn mm.PFN) {
	as.mm.untrack(pfn)
	as.Stats.PagesFreed++
	if as.mm.Frames.State(pfn) != frame.Anon {
		as.mm.Frames.Free(pfn, 0)
		return
	}
	if as.mm.anon.put(pfn) {
		as.mm.Frames.IncRef(pfn) // a reserved frame holds its one reference
		return
	}
	as.mm.Frames.Free(pfn, 0)
}

// mapEmpty maps the 4 KiB page at page, whose leaf is empty, to pa: with
// one store into ptes, the page table covering page, when the caller has
// it (a present entry did not need invalidating, and the tables above
// already carry U/S in a user space: the invariant), else through Map,
// which makes the tables.
//
// Preconditions: ptes is nil or the page table covering page, read with
// nothing since that could have freed it (no sleep, no reclaim).
func (as *AddressSpace) mapEmpty(ptes *[512]pt.PTE, page mm.VirtAddr, pa mm.PhysAddr, flags pt.PTE) error {
	if ptes == nil {
		return as.table.Map(page, pa, pt.Size4K, flags)
	}
	e := &ptes[pt.PTEIndex(page)]
	if *e != 0 {
		return pt.ErrExists
	}
	*e = pt.PTE(pa) | flags | pt.Present
	return nil
}

// setLeaf replaces page's leaf with e: in ptes when the caller has the
// page table (one store, and the invalidation if the old entry was
// present), else through Set's walk. Preconditions as mapEmpty's.
func (as *AddressSpace) setLeaf(ptes *[512]pt.PTE, page mm.VirtAddr, e pt.PTE) {
	if ptes == nil {
		as.table.Set(page, e)
		return
	}
	pt.SetPTE(ptes, page, e)
}

// anonFault: a private anonymous page with no PTE. A read maps the zero
// page read-only; a write maps a fresh zeroed frame (as Linux
// do_anonymous_page).
func (as *AddressSpace) anonFault(v *VMA, page mm.VirtAddr, access Access, ptes *[512]pt.PTE) Result {
	if access != Write {
		if as.mapEmpty(ptes, page, as.mm.zero.Addr(), as.pteFlags(v.Prot, false)) != nil {
			return OOM
		}
		as.LastKind = KindZero
		as.Stats.ZeroFaults++
		return Resolved
	}
	pfn, ok := as.newFrame()
	if !ok {
		return OOM
	}
	if as.mapEmpty(ptes, page, pfn.Addr(), as.pteFlags(v.Prot, true)) != nil {
		as.freeFrame(pfn)
		return OOM
	}
	as.rss++
	as.mm.trackAnon(pfn, v.anon, v.pageIndex(page))
	as.LastKind = KindAnon
	as.Stats.AnonFaults++
	return Resolved
}
