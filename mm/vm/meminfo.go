package vm

import (
	"math"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// Memory accounting: the figures of Linux's /proc/meminfo
// (fs/proc/meminfo.c meminfo_proc_show), computed in one place from the
// frame allocator, the page cache, the swap areas, the reclaim policy and
// commit accounting. The shell's meminfo prints them, and so will /proc.
//
// Each figure is recomputed when asked for, from the objects that own
// the pages (no counter of its own to drift): frames by state, the swap
// cache's frames by reference count, the reclaim lists, the PTEs'
// Accessed bits. That is a walk of the swap areas and, under the clock
// policy, of its list and of the PTEs mapping each page: goroutine
// context, not the fault path.

// Meminfo is every figure meminfo shows, in bytes, with Linux's meaning
// unless said otherwise. Figures holds their order and names.
type Meminfo struct {
	// MemTotal is all RAM in the firmware's memory map (Linux
	// totalram_pages): the caller's, as vm sees only managed frames.
	MemTotal uint64
	// MemFree is the frame allocator's free frames (NR_FREE_PAGES),
	// what buddyinfo adds up. The fault path's reserves are taken from
	// the allocator: they are not free, and hold nothing yet, so they
	// count in no figure below either (Linux's per-CPU lists do count
	// as free; Pagoda's reserves cannot be drained on demand).
	MemFree uint64
	// MemAvailable estimates what can be had without swapping: MemFree
	// plus the page cache reclaim can drop with no I/O, that is neither
	// tmpfs (Shmem: it only goes to swap) nor Dirty nor under
	// Writeback. Linux's si_mem_available counts the whole file LRU,
	// dirty pages included, less half of it or the low watermark, and
	// subtracts the watermarks' reserve (totalreserve_pages) and adds
	// part of the reclaimable slab; Pagoda has no slab, and counts only
	// what its reclaim can free at once.
	MemAvailable uint64
	// Cached is the page cache (NR_FILE_PAGES less the swap cache):
	// file pages, tmpfs pages included, as in Linux.
	Cached uint64
	// Dirty is the dirty page cache waiting for writeback to a disk
	// (NR_FILE_DIRTY): tmpfs pages are left out, as Linux's shmem does
	// no dirty accounting.
	Dirty uint64
	// Writeback is the page cache being written (NR_WRITEBACK). Writes
	// poll the device, so it is seen only while one is under way.
	Writeback uint64
	// AnonPages is the anonymous pages some PTE maps (NR_ANON_MAPPED),
	// each once however many address spaces map it: ordinary anonymous
	// frames, and swap-cache frames a PTE maps. A swapped-in page whose
	// slot another PTE still names (a fork's) stays in the swap cache,
	// mapped read-only (swapin.go), and its frame's one state says
	// SwapCache: it is in AnonPages and in SwapCached both, as in Linux.
	// Shared anonymous memory is tmpfs: it is in Shmem instead.
	AnonPages uint64
	// AnonHugePages: of AnonPages, those in huge pages (hugepage.go).
	AnonHugePages uint64
	// Mapped is the page-cache pages some PTE maps (NR_FILE_MAPPED).
	Mapped uint64
	// Shmem is the tmpfs pages in memory, those of shared anonymous
	// mappings included (NR_SHMEM).
	Shmem uint64
	// PageTables is the frames holding address spaces' page tables and
	// the kernel's (NR_PAGETABLE), the reserve of empty ones left out.
	PageTables uint64
	// SwapCached is the frames in the swap cache, mapped or not
	// (total_swapcache_pages).
	SwapCached uint64
	// Active and Inactive split the pages on the reclaim lists (Linux's
	// LRU lists, anonymous and file together): Active is those the
	// policy keeps for their recent use. Under lru, its two lists. Under
	// clock, which keeps one list and spares a page whose Accessed bit
	// is set, the pages with an Accessed bit set (as Linux's MGLRU
	// reports its youngest generations as active). Under fifo, which
	// ignores use, every page is Inactive.
	Active, Inactive uint64
	// ActiveAnon, InactiveAnon, ActiveFile and InactiveFile split Active
	// and Inactive by Linux's folio_is_file_lru: file pages are the
	// page cache of files that are not swap-backed; anonymous pages
	// are private anonymous, swap-cache and tmpfs pages (shared
	// anonymous memory's included). Under lru2q, its four lists.
	ActiveAnon, InactiveAnon, ActiveFile, InactiveFile uint64
	// SwapTotal and SwapFree are the swap areas' slots and those free
	// (a slot held by a swap-cache page only is in use, as in Linux).
	SwapTotal, SwapFree uint64
	// CommitLimit and CommittedAS are commit accounting's limit and
	// promises (commit.go: vm_commit_limit, vm_memory_committed), shown
	// whatever the overcommit policy.
	CommitLimit, CommittedAS uint64
	// FrameTable is Pagoda's own: the frame table's size, one record a
	// frame, holes included.
	FrameTable uint64
}

// Figure is one named figure of meminfo (bytes) or vmstat (the
// counter's own unit).
type Figure struct {
	Name  string
	Value uint64
}

// Figures lists mi's figures by their /proc/meminfo names, in the order
// meminfo prints them (Pagoda's own: Linux's puts SwapCached, Active and
// Inactive before Dirty).
func (mi *Meminfo) Figures() []Figure {
	return []Figure{
		{"MemTotal", mi.MemTotal},
		{"MemFree", mi.MemFree},
		{"MemAvailable", mi.MemAvailable},
		{"Cached", mi.Cached},
		{"Dirty", mi.Dirty},
		{"Writeback", mi.Writeback},
		{"AnonPages", mi.AnonPages},
		{"Mapped", mi.Mapped},
		{"Shmem", mi.Shmem},
		{"PageTables", mi.PageTables},
		{"SwapCached", mi.SwapCached},
		{"Active", mi.Active},
		{"Inactive", mi.Inactive},
		{"Active(anon)", mi.ActiveAnon},
		{"Inactive(anon)", mi.InactiveAnon},
		{"Active(file)", mi.ActiveFile},
		{"Inactive(file)", mi.InactiveFile},
		{"SwapTotal", mi.SwapTotal},
		{"SwapFree", mi.SwapFree},
		{"CommitLimit", mi.CommitLimit},
		{"Committed_AS", mi.CommittedAS},
		{"AnonHugePages", mi.AnonHugePages},
		{"FrameTable", mi.FrameTable},
	}
}

// FramesMeminfo is what the frame allocator alone says, for a kernel
// without an MM (no fault reserves, no reclaim lists): free, anonymous,
// page-table and swap-cache frames and the frame table. The page cache,
// swap and commit figures are 0, CommitLimit too. memTotal is MemTotal
// in bytes.
func FramesMeminfo(frames *frame.Allocator, memTotal uint64) Meminfo {
	st := frames.Stats()
	free := pageBytes(st.FreePages)
	return Meminfo{
		MemTotal:     memTotal,
		MemFree:      free,
		MemAvailable: free,
		AnonPages:    pageBytes(st.Pages[frame.Anon]),
		PageTables:   pageBytes(st.Pages[frame.PageTable]),
		SwapCached:   pageBytes(st.Pages[frame.SwapCache]),
		FrameTable:   st.Table.Size(),
	}
}

// Meminfo computes the figures. memTotal is MemTotal in bytes; cache is
// the page cache (nil: none), which the MM does not hold.
func (m *MM) Meminfo(memTotal uint64, cache *pagecache.Cache) Meminfo {
	st := m.Frames.Stats()
	anonRes, tableRes := m.Reserved()
	var pc pagecache.Stats
	var mapped, shmem, shmemDirty uint64
	if cache != nil {
		pc = cache.Stats
		mapped = cache.MappedPages()
		shmem, shmemDirty = cache.Shmem()
	}
	dirty := sub(pc.Dirty, shmemDirty)
	// The file pages reclaim drops without I/O: tmpfs's dirty pages are
	// in shmem, not in dirty, so each page is taken out once.
	clean := sub(sub(sub(pc.Cached, shmem), dirty), pc.Writeback)
	var swapTotal, swapUsed uint64
	if m.Swap != nil {
		swapTotal, swapUsed = m.Swap.Totals()
	}
	lru := m.lruSizes()
	return Meminfo{
		MemTotal:      memTotal,
		MemFree:       pageBytes(st.FreePages),
		MemAvailable:  pageBytes(st.FreePages + clean),
		Cached:        pageBytes(pc.Cached),
		Dirty:         pageBytes(dirty),
		Writeback:     pageBytes(pc.Writeback),
		AnonPages:     pageBytes(sub(st.Pages[frame.Anon], uint64(anonRes)) + m.mappedSwapCache()),
		AnonHugePages: pageBytes(m.hugeAnon * hugePages),
		Mapped:        pageBytes(mapped),
		Shmem:         pageBytes(shmem),
		PageTables:    pageBytes(sub(st.Pages[frame.PageTable], uint64(tableRes))),
		SwapCached:    pageBytes(st.Pages[frame.SwapCache]),
		Active:        pageBytes(lru[1] + lru[3]),
		Inactive:      pageBytes(lru[0] + lru[2]),
		ActiveAnon:    pageBytes(lru[1]),
		InactiveAnon:  pageBytes(lru[0]),
		ActiveFile:    pageBytes(lru[3]),
		InactiveFile:  pageBytes(lru[2]),
		SwapTotal:     pageBytes(swapTotal),
		SwapFree:      pageBytes(swapTotal - swapUsed),
		CommitLimit:   pageBytes(m.CommitLimit()),
		CommittedAS:   pageBytes(m.Committed()),
		FrameTable:    st.Table.Size(),
	}
}

// mappedSwapCache counts the swap-cache frames some PTE maps: those
// with a reference beyond the swap cache's own (the invariant of
// doc.go: a frame's references are its PTEs and its caches).
func (m *MM) mappedSwapCache() uint64 {
	if m.Swap == nil {
		return 0
	}
	var n uint64
	for _, a := range m.Swap.Areas() {
		a.Each(func(_ swap.Entry, _ int, pfn mm.PFN) bool {
			if pfn != 0 && m.Frames.Refs(pfn) > 1 {
				n++
			}
			return true
		})
	}
	return n
}

// lruSizes counts the pages on the reclaim lists by Linux's enum
// lru_list: inactive anon, active anon, inactive file, active file.
// Active is what the policy keeps for recent use: lru2q's and lru's
// active lists; under clock, the pages with an Accessed bit set; under
// fifo, none.
func (m *MM) lruSizes() (n [4]uint64) {
	add := func(i uint32, active bool) {
		k := 0
		if m.fileLRU(i) {
			k = 2
		}
		if active {
			k++
		}
		n[k] += lists{frames: m.Frames}.size(i) // a huge page's 512
	}
	switch p := m.rc.policy.(type) {
	case *lru2q:
		for k := range n {
			n[k] = p.q[k].pages
		}
	case *clock:
		p.each(&p.q, func(i uint32) { add(i, m.young(i)) })
	case *fifo:
		p.each(&p.q, func(i uint32) { add(i, false) })
	case *twoList:
		p.each(&p.active, func(i uint32) { add(i, true) })
		p.each(&p.inactive, func(i uint32) { add(i, false) })
	}
	return n
}

// young reports whether a PTE mapping frame-table entry i has its
// Accessed bit set: what clock's hand would spare it for. Unlike
// referenced, it clears nothing (Linux's folio_referenced clears; a
// figure must not change what it measures).
func (m *MM) young(i uint32) bool {
	pfn, md := m.Frames.PFNAt(i), m.rc.meta[i]
	y := false
	if md.file != nil {
		m.filePTEs(md.file, md.idx, pfn, func(_ *AddressSpace, _ *VMA, _ mm.VirtAddr, l Leaf) {
			y = y || l.PTE&pt.Accessed != 0
		})
	} else {
		m.anonPTEs(pfn, &md, func(_ *AddressSpace, _ mm.VirtAddr, l Leaf) {
			y = y || l.PTE&pt.Accessed != 0
		})
	}
	return y
}

// sub is a - b, or 0 when b is larger (a figure made of counters that
// a caller may read mid-change never wraps).
func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// pageBytes is n pages in bytes, saturating (CommitLimit may be
// unbounded).
func pageBytes(n uint64) uint64 {
	return min(n, math.MaxUint64>>mm.PageShift) << mm.PageShift
}
