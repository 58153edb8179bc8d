package vm

import (
	"errors"
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// MM is what every address space shares.
type MM struct {
	Frames *frame.Allocator
	Tables pt.FrameSource
	// Window is where address spaces place mappings, page-aligned: the
	// PML4 entries covering any of it belong to each address space.
	WindowStart, WindowEnd mm.VirtAddr
	// Hole is a 2 MiB-aligned range inside the window that is the
	// kernel's (the kernel window, README "Memory layout"): mmap never
	// places or accepts a mapping there, and each address space's page
	// directory entries for it are the kernel's (pagetable.Share). Empty
	// for none. Set once, before the first address space is made.
	HoleStart, HoleEnd mm.VirtAddr
	// Kernel is the kernel's PML4 (0 on the host): its entries outside
	// the window are copied into every address space's PML4, and its
	// page directory entries of the hole shared.
	Kernel mm.PhysAddr

	zero mm.PFN // the zero page: read-only, never freed
	// hugeZero is the huge zero page (0 until first used), thp the
	// transparent-huge-page mode, thpSplits the 2 MiB entries split
	// (hugepage.go).
	hugeZero  mm.PFN
	thp       THPMode
	thpSplits uint64
	// hugeAnon is how many huge pages are allocated (AnonHugePages),
	// hugeMaps how many 2 MiB entries map anonymous frames.
	hugeAnon, hugeMaps uint64
	nextID             int
	// anon and tables are the fault path's reserves (reserve.go).
	anon, tables reserve
	// Swap is the swap areas (nil: no swap layer); rc is the
	// reclaimer (reclaim.go).
	Swap *swap.Set
	rc   reclaimer
	// Shmem makes the object of a shared anonymous mapping: an
	// unnamed swap-backed file of size bytes, all holes, that the
	// caller maps at once and whose last unmap discards it (the
	// kernel's: VFS.ShmemFile, on its internal tmpfs, as Linux's
	// shmem_zero_setup on shm_mnt). nil: such mappings fail with
	// ErrNoDevice. Set once, before any mapping is made.
	Shmem func(size int64) (*pagecache.File, error)
	// Unswap brings back into memory every page held outside page
	// tables (tmpfs's, shared anonymous memory's) whose swap entry
	// area(entry) reports: swapoff's part in them, run by SwapOff
	// before the PTEs (the kernel's: VFS.UnswapTmpfs). It stops at
	// the first failure, losing nothing. nil: no such pages. Set once,
	// with the swap layer.
	Unswap func(area func(swap.Entry) bool) (int, error)
	// objects are the live objects of shared anonymous mappings, by
	// file: their size and charge (shmem.go). sharedPages adds up
	// their pages: bounded by memory and swap, as their page indexes
	// live on the Go heap.
	objects     map[*pagecache.File]shmemObject
	sharedPages uint64
	// commit is the overcommit policy and Committed_AS (commit.go).
	commit commitState
	// oom is the OOM policy and its kill count (oom.go).
	oom oomState
	// FaultAround is how many pages a read fault on a file page of a
	// user address space maps at once, those the page cache holds
	// (Linux's fault_around_bytes / PAGE_SIZE, 16 by default; a power
	// of two up to 512; 1 turns it off). Set before faults happen.
	FaultAround int
	// zap holds one page table's entries while dropPages frees what
	// they mapped (mmap.go): only dropPages uses it, never twice at once.
	zap [512]pt.PTE
}

// DefaultFaultAround is MM.FaultAround's default: 64 KiB, Linux's
// fault_around_bytes.
const DefaultFaultAround = 16

// pml4Span is the address range one PML4 entry covers: 512 GiB.
const pml4Span = 1 << 39

// NewMM makes the shared state and the zero page.
func NewMM(frames *frame.Allocator, tables pt.FrameSource, windowStart, windowEnd mm.VirtAddr, kernel mm.PhysAddr) (*MM, error) {
	if (windowStart|windowEnd)&mm.PageMask != 0 || windowStart >= windowEnd || !pt.Canonical(windowEnd-1) {
		return nil, fmt.Errorf("%w: window [%v, %v) must be page-aligned and canonical", ErrInvalid, windowStart, windowEnd)
	}
	z, err := frames.Alloc(0, frame.Kernel)
	if err != nil {
		return nil, err
	}
	mm.ZeroFrames(z.Addr(), mm.PageSize)
	m := &MM{Frames: frames, Tables: tables, WindowStart: windowStart, WindowEnd: windowEnd, Kernel: kernel, zero: z, nextID: 1,
		anon:        reserve{stock: make([]mm.PFN, anonReserve), target: anonReserve},
		tables:      reserve{stock: make([]mm.PFN, tableReserve), target: tableReserve},
		commit:      commitState{ratio: DefaultOvercommitRatio},
		FaultAround: DefaultFaultAround,
		objects:     map[*pagecache.File]shmemObject{},
		rc:          reclaimer{mc: memcg{full: noLimit}},
	}
	m.Refill()
	return m, nil
}

// ZeroPage is the shared zero page's frame.
func (m *MM) ZeroPage() mm.PFN { return m.zero }

// Stats counts events in an address space (the kernel's vmstat sums
// them).
type Stats struct {
	Faults       uint64 // every fault HandleFault and HandleFaultRetry saw
	RetryFaults  uint64 // of which gave up once to read or restock in goroutine context (retry.go)
	ZeroFaults   uint64 // reads that mapped the zero page
	AnonFaults   uint64 // demand-zero: a fresh zeroed frame
	COWFaults    uint64 // writes that copied a shared page
	COWReused    uint64 // writes that made a no-longer-shared page writable in place
	SharedFaults uint64 // faults on shared anonymous memory (those needing a PTE count in FileFaults too)
	FileFaults   uint64 // faults on file pages needing a PTE
	MajFaults    uint64 // of which read the page from disk (pgmajfault)
	SwapFaults   uint64 // faults on swapped pages (from the swap cache or the disk)
	Bus          uint64 // unresolvable: past the end of file, or I/O error
	Segv         uint64 // unresolvable: no VMA or protection
	OOM          uint64 // unresolvable: no frame
	PagesAlloced uint64 // frames taken (pgalloc)
	PagesFreed   uint64 // frames given back (pgfree)
	THPFaults    uint64 // of AnonFaults, those that mapped a huge page (thp_fault_alloc)
	THPFallback  uint64 // writes that could have had a huge page and took 4 KiB (thp_fault_fallback)
}

// AddressSpace is a set of mappings over its own page table.
type AddressSpace struct {
	ID int
	// User makes the address space's pages reachable from ring 3 (U/S
	// in every leaf): a process's. The kernel's own experiments (the
	// shell's address spaces) map supervisor-only pages, which the
	// kernel touches by their addresses. Set before the first mapping;
	// fork copies it.
	User bool
	// dying: Destroy is tearing the space down; dropPages leaves the
	// emptied page tables for Destroy to free at once.
	dying bool
	// MmapBase is where mmap's top-down search for room starts (Linux's
	// mm->mmap_base, below the stack's gap); 0 for the window's end.
	// When nothing fits below it the whole window is searched.
	MmapBase mm.VirtAddr
	mm       *MM
	table    *pt.Table
	vmas     []VMA
	rss      uint64 // PTEs mapping a frame other than the zero page
	Stats    Stats
	// LastKind is how the last fault went (the kernel's fault trace).
	LastKind FaultKind
	// retry is the state of the HandleFaultRetry call in progress, zero
	// outside one (retry.go): it tells the fault path not to do I/O.
	retry retryState
	// killed: the OOM killer chose this address space and reaped its
	// private memory; kill says what it found and freed (oom.go).
	killed bool
	kill   Kill
	// oomScoreAdj is Linux's oom_score_adj, -1000..1000 (oom.go); 0
	// unless set.
	oomScoreAdj int
}

// NewAddressSpace makes an empty address space whose PML4 shares the
// kernel's entries outside the window.
func (m *MM) NewAddressSpace() (*AddressSpace, error) {
	m.Refill()
	t, err := pt.New(reserveTables{m})
	if err != nil {
		return nil, ErrNoMemory
	}
	if m.Kernel != 0 {
		kernel := (*[512]pt.PTE)(mm.DirectMap(m.Kernel, mm.PageSize))
		root := t.RootEntries()
		for i := range root {
			if !m.windowEntry(i) {
				root[i] = kernel[i]
			}
		}
		if m.HoleStart < m.HoleEnd {
			if err := t.Share(m.Kernel, m.HoleStart, m.HoleEnd); err != nil {
				clear(root[:])
				t.Release()
				if errors.Is(err, pt.ErrNoMemory) {
					return nil, ErrNoMemory
				}
				panic("vm.NewAddressSpace: the kernel's hole cannot be shared: " + err.Error())
			}
		}
	}
	as := &AddressSpace{ID: m.nextID, mm: m, table: t}
	m.nextID++
	m.rc.spaces = append(m.rc.spaces, as)
	return as, nil
}

// windowEntry reports whether PML4 entry i covers any of the window:
// such entries are the address space's own.
func (m *MM) windowEntry(i int) bool {
	lo := mm.VirtAddr(i) * pml4Span
	return lo < m.WindowEnd && lo+pml4Span > m.WindowStart
}

// inHole reports whether [start, end) meets the kernel's hole.
func (m *MM) inHole(start, end mm.VirtAddr) bool {
	return start < m.HoleEnd && m.HoleStart < end
}

// Root is the physical address of the PML4: what CR3 holds while this
// address space is current.
func (as *AddressSpace) Root() mm.PhysAddr { return as.table.Root() }

// Table is the address space's page table.
func (as *AddressSpace) Table() *pt.Table { return as.table }

// VMAs returns a copy of the VMAs, in address order.
func (as *AddressSpace) VMAs() []VMA { return append([]VMA(nil), as.vmas...) }

// RSS is the number of pages backed by frames of their own (the zero page
// does not count, as in Linux).
func (as *AddressSpace) RSS() uint64 { return as.rss }

// Destroy unmaps everything, frees every frame and table the address
// space holds, and its PML4. The address space must not be current.
func (as *AddressSpace) Destroy() {
	// The tables go in one walk at the end (FreeBelow), not as each
	// page table empties.
	as.dying = true
	as.unmapAll()
	if as.mm.Kernel != 0 && as.mm.HoleStart < as.mm.HoleEnd {
		if err := as.table.Unshare(as.mm.HoleStart, as.mm.HoleEnd); err != nil {
			panic("vm.Destroy: the kernel's hole was not shared: " + err.Error())
		}
	}
	root := as.table.RootEntries()
	for i := range root {
		switch {
		case as.mm.windowEntry(i):
			as.table.FreeBelow(i)
		case as.mm.Kernel != 0:
			root[i] = 0 // the kernel's, copied
		}
	}
	as.table.Release()
	as.table = nil
	m := as.mm
	for i, x := range m.rc.spaces {
		if x == as {
			m.rc.spaces = append(m.rc.spaces[:i], m.rc.spaces[i+1:]...)
			break
		}
	}
}

// unmapAll removes every mapping, with its frames and charges.
func (as *AddressSpace) unmapAll() {
	for len(as.vmas) > 0 {
		v := as.vmas[len(as.vmas)-1]
		as.unmapRange(v.Start, v.End)
	}
}

// copyFrame copies a page between frames through the direct map.
func copyFrame(dst, src mm.PFN) {
	copy(mm.FrameBytes(dst.Addr()), mm.FrameBytes(src.Addr()))
}
