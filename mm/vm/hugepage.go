package vm

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// Transparent huge pages, for private anonymous memory of user address
// spaces (Linux's mm/huge_memory.c, its anonymous part).
//
// A first touch of a page whose aligned 2 MiB lies wholly inside a
// private anonymous VMA, with no page table there yet, maps the whole
// 2 MiB with one page-directory entry (PS): a read maps the huge zero
// page, 2 MiB of zeros made once; a write takes an order-9 block from
// the frame allocator, zeroes it and maps it writable (do_huge_pmd_
// anonymous_page). Only while free memory stays above the high
// watermark by the block's size (no reclaim and no compaction for a huge
// page: Linux's defrag "madvise" default for memory not madvised); any
// other case falls back to 4 KiB pages, as does the kernel's own
// experiments' memory (the shell's address spaces are not User).
//
// A huge page is one frame-allocator block of order 9 with one reference
// count, one reclaimer record and one place on the LRU, those of its head
// frame (a compound page). Every reference is a 2 MiB entry: fork copies
// the entry and takes a reference (copy_huge_pmd, write-protecting both
// for copy-on-write), exit and a munmap of all of it drop the entry and
// the reference, a write to a shared one that is no longer shared makes
// it writable in place (do_huge_pmd_wp_page's reuse).
//
// Everything else splits the entry where it is, into 512 4 KiB entries in
// a page table of its own (__split_huge_pmd): a copy-on-write of a shared
// one (Linux copies 4 KiB too), mprotect and mremap of any part, munmap,
// madvise or a VMA split of part of one, reclaim choosing one of its
// pages (it then swaps out 4 KiB pages, as Linux without THP swap). The
// first such split also splits the block, into 512 one-frame blocks, each
// with the count, object and offset the huge page had and a place on the
// LRU (split_huge_page): each other 2 MiB entry then holds one reference
// to each of its 512 frames, and fork, exit and munmap count those 512
// (Linux keeps the compound page and counts its subpages' mappings; a
// split block is Pagoda's way to the same counts). Other address spaces
// keep their 2 MiB entries: a child's copy-on-write does not cost its
// parent its huge page. The huge zero page is no one's: its entries
// split into 512 entries of the 4 KiB zero page.
//
// Splitting needs a page table, taken before anything changes: a split
// that cannot have one fails, and so does what asked for it (ENOMEM from
// munmap, mprotect, mremap or madvise; the reserve refill for a fault; a
// page reclaim leaves for later).

// THPMode is the transparent-huge-page setting (Linux's
// /sys/kernel/mm/transparent_hugepage/enabled, and the boot option
// transparent_hugepage=).
type THPMode uint8

const (
	THPNever   THPMode = iota // 4 KiB pages only
	THPMadvise                // huge pages only in madvise(MADV_HUGEPAGE) ranges
	THPAlways                 // huge pages wherever they fit, but madvise(MADV_NOHUGEPAGE) ranges
)

var thpNames = [...]string{"never", "madvise", "always"}

func (t THPMode) String() string {
	if int(t) < len(thpNames) {
		return thpNames[t]
	}
	return fmt.Sprintf("THPMode(%d)", uint8(t))
}

// ParseTHP reads a THPMode by its name.
func ParseTHP(s string) (THPMode, error) {
	for i, n := range thpNames {
		if s == n {
			return THPMode(i), nil
		}
	}
	return 0, fmt.Errorf("%w: transparent_hugepage %q: want always, madvise or never", ErrInvalid, s)
}

// SetTHP sets the mode. Huge pages already mapped stay.
func (m *MM) SetTHP(t THPMode) { m.thp = t }

// THP is the mode.
func (m *MM) THP() THPMode { return m.thp }

// THPSplits is how many 2 MiB entries were split (thp_split_pmd).
func (m *MM) THPSplits() uint64 { return m.thpSplits }

// hugeAdvice is a VMA's madvise(MADV_HUGEPAGE / MADV_NOHUGEPAGE) mark
// (VM_HUGEPAGE, VM_NOHUGEPAGE).
type hugeAdvice uint8

const (
	hugeDefault hugeAdvice = iota
	hugeYes
	hugeNo
)

const (
	hugeOrder = 9
	hugePages = 1 << hugeOrder
	hugeSize  = mm.VirtAddr(pt.Size2M)
	hugeMask  = hugeSize - 1
)

// hugeOK reports whether the 2 MiB at h may be a huge page of v.
func (as *AddressSpace) hugeOK(v *VMA, h mm.VirtAddr) bool {
	m := as.mm
	switch {
	case !as.User || m.rc.policy == nil || v.file != nil || v.Flags&MapShared != 0:
		return false // the kernel's experiments, no reverse map, or not private anonymous memory
	case m.thp == THPNever || v.huge == hugeNo || m.thp == THPMadvise && v.huge != hugeYes:
		return false
	}
	return h >= v.Start && h+hugeSize <= v.End
}

// thpAlign is the alignment mmap gives a new mapping of size bytes
// without a usable hint: 2 MiB for private anonymous memory a whole
// number of huge pages long where huge pages may be, so that all of it
// can be (Linux 6.8's thp_get_unmapped_area for anonymous memory); a page
// otherwise.
func (as *AddressSpace) thpAlign(f *pagecache.File, kind Flags, size uint64) uint64 {
	if !as.User || f != nil || kind != MapPrivate || as.mm.thp == THPNever || as.mm.rc.policy == nil || size%uint64(hugeSize) != 0 {
		return mm.PageSize
	}
	return uint64(hugeSize)
}

// allocHuge takes an order-9 block for a huge page, if one is free,
// free memory stays above the high watermark and its pages fit under
// memory.max (hugeRoom).
func (m *MM) allocHuge() (mm.PFN, bool) {
	if m.Frames.FreePages() < m.rc.wm.High+hugePages || !m.hugeRoom() {
		return 0, false
	}
	pfn, err := m.Frames.Alloc(hugeOrder, frame.Anon)
	return pfn, err == nil
}

// hugeZeroPage is the huge zero page, made at its first use (Linux's
// get_huge_zero_page); never freed.
func (m *MM) hugeZeroPage() (mm.PFN, bool) {
	if m.hugeZero == 0 {
		pfn, err := m.Frames.Alloc(hugeOrder, frame.Kernel)
		if err != nil {
			return 0, false
		}
		mm.ZeroFrames(pfn.Addr(), uintptr(hugeSize))
		m.hugeZero = pfn
	}
	return m.hugeZero, true
}

// hugeAnonFault is a first touch where no page table is: a huge page if
// the 2 MiB may be one and one can be had; ok false to go on with 4 KiB.
func (as *AddressSpace) hugeAnonFault(v *VMA, page mm.VirtAddr, access Access) (r Result, ok bool) {
	h := page &^ hugeMask
	if !as.hugeOK(v, h) {
		return 0, false
	}
	m := as.mm
	if access != Write {
		z, ok := m.hugeZeroPage()
		if !ok || as.table.Map(h, z.Addr(), pt.Size2M, as.pteFlags(v.Prot, false)) != nil {
			return 0, false
		}
		as.LastKind = KindZero
		as.Stats.ZeroFaults++
		return Resolved, true
	}
	pfn, ok := m.allocHuge()
	if !ok {
		as.Stats.THPFallback++
		return 0, false
	}
	mm.ZeroFrames(pfn.Addr(), uintptr(hugeSize))
	if as.table.Map(h, pfn.Addr(), pt.Size2M, as.pteFlags(v.Prot, true)) != nil {
		m.Frames.Free(pfn, hugeOrder)
		return 0, false
	}
	as.newHuge(v, h, pfn)
	return Resolved, true
}

// newHuge counts the huge page pfn just mapped writable at h of v.
func (as *AddressSpace) newHuge(v *VMA, h mm.VirtAddr, pfn mm.PFN) {
	as.rss += hugePages
	as.mm.hugeAnon++
	as.mm.hugeMaps++
	as.mm.trackAnon(pfn, v.anon, v.pageIndex(h))
	as.LastKind = KindAnon
	as.Stats.AnonFaults++
	as.Stats.THPFaults++
	as.Stats.PagesAlloced += hugePages
}

// hugeFault is a fault on a present 2 MiB entry l at page: only a write
// to a read-only one has something to do. The huge zero page becomes a
// huge page of its own if one can be had; a huge page no other entry
// maps becomes writable in place; any other is split, and the write
// copies 4 KiB.
func (as *AddressSpace) hugeFault(v *VMA, page mm.VirtAddr, l Leaf, access Access) Result {
	if access != Write || l.State == LeafWritable {
		as.LastKind = KindSpurious
		return Resolved
	}
	m := as.mm
	h := page &^ hugeMask
	switch {
	case l.State == LeafZero:
		if pfn, ok := m.allocHuge(); ok {
			mm.ZeroFrames(pfn.Addr(), uintptr(hugeSize))
			if _, err := as.table.Unmap(h, pt.Size2M); err == nil && as.table.Map(h, pfn.Addr(), pt.Size2M, as.pteFlags(v.Prot, true)) == nil {
				as.newHuge(v, h, pfn)
				return Resolved
			}
			m.Frames.Free(pfn, hugeOrder)
			// Unmapped: the 4 KiB path maps the page.
			return as.resolve4K(v, page, access)
		}
	case m.whole(l.PFN()) && as.ownsPrivately(l.PFN()):
		if err := as.table.Protect(h, pt.Size2M, as.pteFlags(v.Prot, true)); err == nil {
			m.moveAnon(l.PFN(), v, h)
			as.LastKind = KindCOW
			as.Stats.COWReused++
			return Resolved
		}
	case m.Frames.Order(l.PFN()) == hugeOrder:
		if r, ok := as.copyHuge(v, h, l); ok {
			return r
		}
	}
	if !as.splitLeaf(h, l) {
		if as.retry.noIO && !as.retry.refilled {
			return as.mustRetry(needReserve)
		}
		return OOM
	}
	return as.resolve4K(v, page, access)
}

// copyHuge is a write to a shared huge page: a huge page of its own for
// the writer, a copy of all 2 MiB (as Linux before 5.8: its
// do_huge_pmd_wp_page_fallback came after; the other side keeps its
// huge page whole either way), if one can be had; ok false to split.
func (as *AddressSpace) copyHuge(v *VMA, h mm.VirtAddr, l Leaf) (r Result, ok bool) {
	m := as.mm
	pfn, ok := m.allocHuge()
	if !ok {
		as.Stats.THPFallback++
		return 0, false
	}
	old := l.PFN()
	copy(mm.PhysBytes(pfn.Addr(), int(hugeSize)), mm.PhysBytes(old.Addr(), int(hugeSize)))
	if _, err := as.table.ClearHuge(h); err != nil {
		panic("vm.copyHuge: the 2 MiB entry went")
	}
	if as.table.Map(h, pfn.Addr(), pt.Size2M, as.pteFlags(v.Prot, true)) != nil {
		panic("vm.copyHuge: no room for a 2 MiB entry just cleared")
	}
	if m.Frames.DecRef(old) == 0 {
		panic("vm.copyHuge: a shared huge page had one reference")
	}
	m.hugeAnon++
	m.trackAnon(pfn, v.anon, v.pageIndex(h))
	as.LastKind = KindCOW
	as.Stats.COWFaults++
	as.Stats.THPFaults++
	as.Stats.PagesAlloced += hugePages
	return Resolved, true
}

// resolve4K is resolve's last step at page, whose page table exists (or
// whose leaf is empty), for a fault the 2 MiB path handed on.
func (as *AddressSpace) resolve4K(v *VMA, page mm.VirtAddr, access Access) Result {
	ptes := as.table.PTEs(page)
	var e pt.PTE
	if ptes != nil {
		e = ptes[pt.PTEIndex(page)]
	}
	l := as.mm.LeafOf(e, pt.Size4K)
	switch {
	case l.State == LeafAbsent:
		return as.anonFault(v, page, access, ptes)
	case access == Write && l.State != LeafWritable:
		return as.cowFault(v, page, l, ptes)
	}
	as.LastKind = KindSpurious
	return Resolved
}

// splitLeaf splits the 2 MiB entry l at h into a page table, the block it
// maps too if that is still whole. It reports whether it could.
func (as *AddressSpace) splitLeaf(h mm.VirtAddr, l Leaf) bool {
	m := as.mm
	tbl, ok := m.takeTables(1)
	if !ok {
		return false
	}
	base, stride := l.PFN().Addr(), uint64(mm.PageSize)
	switch {
	case l.State == LeafZero:
		base, stride = m.zero.Addr(), 0
	case m.Frames.Order(l.PFN()) == hugeOrder:
		m.splitBlock(l.PFN())
		m.hugeMaps--
	default:
		m.hugeMaps--
	}
	if as.table.SplitLeaf(h, tbl, base, stride) != nil {
		panic("vm.splitLeaf: the 2 MiB entry went")
	}
	m.thpSplits++
	return true
}

// takeTables takes n zeroed page-table pages, from the reserve first,
// chained through their first word (no allocation); nothing if it cannot
// have them all.
func (m *MM) takeTables(n int) (mm.PhysAddr, bool) {
	var list mm.PhysAddr
	for range n {
		var pa mm.PhysAddr
		if pfn, ok := m.tables.take(); ok {
			pa = pfn.Addr()
		} else if p, err := m.Tables.AllocTable(); err == nil {
			pa = p
		} else {
			for list != 0 {
				reserveTables{m}.FreeTable(nextTable(&list))
			}
			return 0, false
		}
		m.rc.mc.charge++ // as reserveTables.AllocTable: FreeTable gives it back
		*(*mm.PhysAddr)(mm.DirectMap(pa, 8)) = list
		list = pa
	}
	return list, true
}

// nextTable unchains the first table of *list, zeroed again, and returns
// it; *list becomes the rest.
func nextTable(list *mm.PhysAddr) mm.PhysAddr {
	pa := *list
	link := (*mm.PhysAddr)(mm.DirectMap(pa, 8))
	*list, *link = *link, 0
	return pa
}

// splitBlock splits the huge page whose head is pfn into 512 pages of
// one frame (split_huge_page): each keeps the count (the 2 MiB entries
// mapping the block then hold one reference to each frame), the object
// and its offset, and goes on the LRU.
func (m *MM) splitBlock(pfn mm.PFN) {
	md := m.rc.meta[m.Frames.Index(pfn)]
	m.Frames.Split(pfn)
	m.resized(m.Frames.Index(pfn), hugePages, 1)
	m.hugeAnon--
	for k := uint64(1); k < hugePages; k++ {
		m.track(pfn+mm.PFN(k), pageMeta{anon: md.anon, idx: md.idx + k}, 0)
	}
}

// mergeBlock makes the split block at pfn, which a 2 MiB entry maps, a
// huge page again when that entry is all that refers to its frames (each
// has one reference: the entry's): a huge page a copy-on-write split
// whose other side has gone. The head keeps its object and offset; the
// other frames leave the LRU. It reports whether it merged.
func (m *MM) mergeBlock(pfn mm.PFN) bool {
	if m.Frames.Refs(pfn) != 1 || m.Frames.State(pfn) != frame.Anon {
		return false
	}
	for k := range mm.PFN(hugePages) {
		if m.Frames.Refs(pfn+k) != 1 || m.Frames.State(pfn+k) != frame.Anon {
			return false
		}
	}
	for k := mm.PFN(1); k < hugePages; k++ {
		m.untrack(pfn + k)
	}
	if !m.Frames.Merge(pfn, hugeOrder) {
		panic("vm.mergeBlock: frames that checked out would not merge")
	}
	m.resized(m.Frames.Index(pfn), 1, hugePages)
	m.hugeAnon++
	return true
}

// resized makes the page count of the list holding entry i follow its
// block from from pages to to (a huge page split or merged in place).
func (m *MM) resized(i uint32, from, to uint64) {
	if m.rc.policy == nil {
		return
	}
	if tag := (lists{frames: m.Frames}).on(i); tag != 0 {
		q := m.rc.policy.lruOf(tag)
		q.pages = q.pages - from + to
		m.rc.mc.charge = m.rc.mc.charge - from + to
	}
}

// whole reports whether the 2 MiB entry's frames at pfn are a huge page,
// merging them if they can be (mergeBlock).
func (m *MM) whole(pfn mm.PFN) bool {
	return m.Frames.Order(pfn) == hugeOrder || m.mergeBlock(pfn)
}

// splitMappings splits the 2 MiB entries mapping the anonymous page pfn
// (and its block, if whole), for reclaim, which unmaps 4 KiB entries. It
// reports whether every one could be split.
func (m *MM) splitMappings(pfn mm.PFN, md *pageMeta) bool {
	if m.hugeMaps == 0 {
		return true // no 2 MiB entry anywhere: no walk
	}
	if m.Frames.Order(pfn) == hugeOrder {
		m.splitBlock(pfn)
	}
	ok := true
	m.anonPTEs(pfn, md, func(as *AddressSpace, va mm.VirtAddr, l Leaf) {
		if l.Size == pt.Size2M && ok {
			ok = as.splitLeaf(va&^hugeMask, l)
		}
	})
	return ok
}

// splitHugeAt splits the 2 MiB entry covering va, if there is one and va
// is not its start: before a VMA boundary is made at va, so that a huge
// page never straddles two VMAs (vma_adjust_trans_huge).
func (as *AddressSpace) splitHugeAt(va mm.VirtAddr) error {
	if va&hugeMask == 0 {
		return nil
	}
	return as.splitHugeRange(va, va+1)
}

// splitHugeEnds splits the huge pages start and end fall inside of: for
// an operation on [start, end) that splits VMAs there, before it changes
// anything.
func (as *AddressSpace) splitHugeEnds(start, end mm.VirtAddr) error {
	if err := as.splitHugeAt(start); err != nil {
		return err
	}
	return as.splitHugeAt(end)
}

// splitHugeRange splits every 2 MiB entry with a page in [start, end).
func (as *AddressSpace) splitHugeRange(start, end mm.VirtAddr) error {
	for h := start &^ hugeMask; h < end && h >= start&^hugeMask; h += hugeSize {
		e, size, ok := as.table.Leaf(h)
		if !ok || size != pt.Size2M {
			continue
		}
		if !as.splitLeaf(h, as.mm.LeafOf(e, size)) {
			return fmt.Errorf("%w: page tables to split the huge page at %v", ErrNoMemory, h)
		}
	}
	return nil
}

// dropHuge removes the 2 MiB entry at h, dropping its reference: the
// last frees the block. To a split block it held one reference a frame.
func (as *AddressSpace) dropHuge(h mm.VirtAddr) {
	var pa mm.PhysAddr
	var err error
	if as.dying { // the tables go all at once (Destroy)
		pa, err = as.table.ClearHuge(h)
	} else {
		pa, err = as.table.Unmap(h, pt.Size2M)
	}
	if err != nil {
		panic("vm.dropHuge: no 2 MiB entry at " + h.String())
	}
	m := as.mm
	pfn := pa.PFN()
	if pfn == m.hugeZero {
		return
	}
	as.rss -= hugePages
	m.hugeMaps--
	if !m.whole(pfn) {
		for k := range mm.PFN(hugePages) {
			as.freeFrame(pfn + k)
		}
		return
	}
	if m.Frames.DecRef(pfn) == 0 {
		m.untrack(pfn)
		m.hugeAnon--
		as.Stats.PagesFreed += hugePages
		m.Frames.Free(pfn, hugeOrder)
	}
}

// forkHuge copies the 2 MiB entry e at h into child (copy_huge_pmd): a
// private writable one becomes read-only in both, and the huge page gets
// one more reference. It reports whether the parent's entry changed.
func (as *AddressSpace) forkHuge(child *AddressSpace, h mm.VirtAddr, e pt.PTE, private bool) (bool, error) {
	flags := e & (pt.Writable | pt.User | pt.NoExecute)
	protect := private && e&pt.Writable != 0
	if protect {
		flags &^= pt.Writable
	}
	pfn := mm.PhysAddr(e & hugeAddrMask).PFN()
	if child.table.Map(h, pfn.Addr(), pt.Size2M, flags) != nil {
		return false, ErrNoMemory
	}
	if protect {
		as.table.Protect(h, pt.Size2M, flags)
	}
	switch {
	case pfn == as.mm.hugeZero:
	case as.mm.whole(pfn):
		as.mm.Frames.IncRef(pfn)
		child.rss += hugePages
		as.mm.hugeMaps++
	default: // a split block: a reference to each frame
		for k := range mm.PFN(hugePages) {
			as.mm.Frames.IncRef(pfn + k)
		}
		child.rss += hugePages
		as.mm.hugeMaps++
	}
	return protect, nil
}

// hugeAddrMask selects a 2 MiB entry's address (bit 12 is its PAT bit).
const hugeAddrMask = pt.PTE(0x000f_ffff_ffe0_0000)

// adviseHuge marks [addr, end) for huge pages or against them
// (madvise MADV_HUGEPAGE, MADV_NOHUGEPAGE: hugepage_madvise), splitting
// VMAs at its ends and merging what it can after (updateVMAs). Huge pages already
// there stay, as in Linux.
func (as *AddressSpace) adviseHuge(addr, end mm.VirtAddr, advice Advice) error {
	mark := hugeYes
	if advice == AdviceNoHugePage {
		mark = hugeNo
	}
	if err := as.splitHugeEnds(addr, end); err != nil {
		return err
	}
	as.updateVMAs(addr, end, func(v *VMA) { v.huge = mark })
	return nil
}
