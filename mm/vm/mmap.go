package vm

import (
	"fmt"
	"slices"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// pageRound rounds n up to whole pages; ok is false on overflow.
func pageRound(n uint64) (uint64, bool) {
	r := (n + mm.PageMask) &^ mm.PageMask
	return r, r >= n
}

// checkRange panics with msg unless [start, end) is page-aligned and
// start <= end, and, with window set, non-empty and inside the window:
// the preconditions of the range operations, checked in -tags mmdebug
// builds (callers write `if debug { ... }`, so release builds compile
// the check out).
func (as *AddressSpace) checkRange(start, end mm.VirtAddr, window bool, msg string) {
	if (start|end)&mm.PageMask != 0 || end < start ||
		window && !as.inWindow(start, uint64(end-start)) {
		panic(msg)
	}
}

// inWindow reports whether [start, start+length) lies in the window and
// out of the kernel's hole.
func (as *AddressSpace) inWindow(start mm.VirtAddr, length uint64) bool {
	end := start + mm.VirtAddr(length)
	return start >= as.mm.WindowStart && end > start && end <= as.mm.WindowEnd && !as.mm.inHole(start, end)
}

// Mmap maps length bytes of anonymous memory, as Linux mmap(2) does
// without a file: MAP_PRIVATE or MAP_SHARED with MAP_ANONYMOUS (shared:
// the mapping maps an unnamed tmpfs file from MM.Shmem, shmem.go; ENODEV
// without one); a hint, or MAP_FIXED (replacing what is there) or
// MAP_FIXED_NOREPLACE (EEXIST if anything is); MAP_POPULATE faults every
// page in; MAP_NORESERVE skips the commit charge unless the policy is
// OvercommitNever (commit.go). ENOMEM when the policy refuses the
// charge. Adjacent compatible mappings merge.
func (as *AddressSpace) Mmap(addr mm.VirtAddr, length uint64, prot Prot, flags Flags) (mm.VirtAddr, error) {
	if flags&MapAnonymous == 0 {
		return 0, fmt.Errorf("%w: MAP_ANONYMOUS without a file", ErrInvalid)
	}
	return as.mmap(addr, length, prot, flags, nil, 0, false)
}

// MmapFile maps length bytes of a file from offset, as Linux mmap(2)
// with a file: MAP_PRIVATE pages are the page cache's until written
// (then copied), MAP_SHARED pages are the page cache's, and their writes
// reach the file. writable says whether the file was opened for writing:
// MAP_SHARED with PROT_WRITE of a file that was not is EACCES. Pages past
// the end of file may be mapped; touching them is a bus error.
func (as *AddressSpace) MmapFile(addr mm.VirtAddr, length uint64, prot Prot, flags Flags, f *pagecache.File, offset uint64, writable bool) (mm.VirtAddr, error) {
	if f == nil || flags&MapAnonymous != 0 {
		return 0, fmt.Errorf("%w: a file mapping needs a file and no MAP_ANONYMOUS", ErrInvalid)
	}
	if offset&mm.PageMask != 0 {
		return 0, fmt.Errorf("%w: offset %#x not page-aligned", ErrInvalid, offset)
	}
	if flags&MapShared != 0 && prot&ProtWrite != 0 && !writable {
		return 0, fmt.Errorf("%w: %s is read-only: no shared writable mapping", ErrAccess, f.Name)
	}
	if _, ok := pageRound(length); !ok || offset+length < offset {
		return 0, fmt.Errorf("%w: length %d", ErrNoMemory, length)
	}
	noWrite := flags&MapShared != 0 && !writable
	return as.mmap(addr, length, prot, flags, f, offset/mm.PageSize, noWrite)
}

// mmap is Mmap and MmapFile once their own arguments are checked. What
// comes from the caller is an error, not a panic; with -tags mmdebug it
// checks that the VMA it makes is page-aligned, non-empty, inside the
// window and alone there before inserting it.
func (as *AddressSpace) mmap(addr mm.VirtAddr, length uint64, prot Prot, flags Flags, f *pagecache.File, pgoff uint64, noWrite bool) (mm.VirtAddr, error) {
	as.mm.Refill()
	if length == 0 {
		return 0, fmt.Errorf("%w: length 0", ErrInvalid)
	}
	if prot&^protMask != 0 {
		return 0, fmt.Errorf("%w: protection %#x", ErrInvalid, uint8(prot))
	}
	kind := flags & (MapShared | MapPrivate)
	if kind != MapShared && kind != MapPrivate {
		return 0, fmt.Errorf("%w: exactly one of MAP_SHARED and MAP_PRIVATE", ErrInvalid)
	}
	size, ok := pageRound(length)
	if !ok {
		return 0, fmt.Errorf("%w: length %d", ErrNoMemory, length)
	}
	object := f == nil && kind == MapShared // shared anonymous: make its file
	if object {
		if err := as.mm.canMapShared(size); err != nil {
			return 0, err
		}
	}
	var start mm.VirtAddr
	replace := false
	switch {
	case flags&(MapFixed|MapFixedNoReplace) != 0:
		if addr&mm.PageMask != 0 {
			return 0, fmt.Errorf("%w: fixed address %v not page-aligned", ErrInvalid, addr)
		}
		if !as.inWindow(addr, size) {
			return 0, fmt.Errorf("%w: [%v, +%#x) is outside the window or meets the kernel's hole", ErrNoMemory, addr, size)
		}
		if as.overlaps(addr, addr+mm.VirtAddr(size)) {
			if flags&MapFixed == 0 {
				return 0, fmt.Errorf("%w: [%v, +%#x)", ErrExists, addr, size)
			}
			replace = true // once the charge is made
		}
		start = addr
	default:
		hint := (addr + mm.PageMask) &^ mm.PageMask
		if hint >= addr && as.inWindow(hint, size) && !as.overlaps(hint, hint+mm.VirtAddr(size)) {
			start = hint
		} else if start, ok = as.findGapAligned(size, as.thpAlign(f, kind, size)); !ok {
			return 0, fmt.Errorf("%w: no room for %#x bytes", ErrNoMemory, size)
		}
	}
	if replace {
		if err := as.splitHugeEnds(start, start+mm.VirtAddr(size)); err != nil {
			return 0, err
		}
	}
	c, err := as.commitMmap(start, start+mm.VirtAddr(size), prot, flags, f != nil)
	if err != nil {
		return 0, err
	}
	if object {
		// After the charge, as Linux's mmap_region calls
		// shmem_zero_setup; before anything is unmapped.
		if f, err = as.mm.newObject(size, c.object); err != nil {
			if c.object {
				as.mm.Uncommit(size / mm.PageSize)
			}
			return 0, err
		}
	}
	if replace {
		as.unmapRange(start, start+mm.VirtAddr(size))
		c.keep(as.mm)
	}
	v := VMA{Start: start, End: start + mm.VirtAddr(size), Prot: prot, Flags: kind | flags&MapAnonymous, file: f, pgoff: pgoff, noWrite: noWrite,
		account: c.account, noReserve: c.noReserve}
	if kind == MapPrivate {
		// Its anonymous object, unused until a page is made (rmap.go);
		// anonymous memory's offsets start at its address in pages.
		v.anon = newAnonObject()
		if f == nil {
			v.pgoff = uint64(start) / mm.PageSize
		}
	}
	if debug {
		as.checkRange(v.Start, v.End, true, "vm.mmap: new VMA not page-aligned, empty or outside the window")
		if as.overlaps(v.Start, v.End) {
			panic("vm.mmap: new VMA overlaps a mapping")
		}
	}
	as.refObject(&v)
	i := as.firstEndingAfter(start)
	as.vmas = append(as.vmas, VMA{})
	copy(as.vmas[i+1:], as.vmas[i:])
	as.vmas[i] = v
	as.mergeAround(i)
	if flags&MapPopulate != 0 && prot != ProtNone {
		access := Read
		if prot&ProtWrite != 0 {
			access = Write
		}
		for va := start; va < v.End; va += mm.PageSize {
			as.mm.Refill()
			if as.HandleFault(va, access) != Resolved {
				break // as Linux: populate is best effort
			}
		}
	}
	return start, nil
}

// findGap finds room for size bytes, from the top of the window down (as
// Linux's top-down mmap layout), around the kernel's hole.
func (as *AddressSpace) findGap(size uint64) (mm.VirtAddr, bool) {
	return as.findGapAligned(size, mm.PageSize)
}

// findGapAligned is findGap for a start aligned to align, a power of two
// (a page, or 2 MiB for huge pages: thpAlign).
func (as *AddressSpace) findGapAligned(size, align uint64) (mm.VirtAddr, bool) {
	if b := as.MmapBase; b > as.mm.WindowStart && b < as.mm.WindowEnd {
		if va, ok := as.findGapBelow(b, size, align); ok {
			return va, true
		}
	}
	return as.findGapBelow(as.mm.WindowEnd, size, align)
}

// findGapBelow finds room for size bytes ending at or below limit, as
// high as it can.
func (as *AddressSpace) findGapBelow(limit mm.VirtAddr, size, align uint64) (mm.VirtAddr, bool) {
	top := as.mm.WindowEnd
	for i := len(as.vmas); i >= 0; i-- {
		bottom := as.mm.WindowStart
		if i > 0 {
			bottom = as.vmas[i-1].End
		}
		if va, ok := as.mm.fitBelow(bottom, min(top, limit), size, align); ok {
			return va, true
		}
		if i > 0 {
			top = as.vmas[i-1].Start
		}
	}
	return 0, false
}

// fitBelow places size bytes as high as it can in the free gap [bottom,
// top), less the kernel's hole, at a multiple of align.
func (m *MM) fitBelow(bottom, top mm.VirtAddr, size, align uint64) (mm.VirtAddr, bool) {
	if top <= bottom {
		return 0, false
	}
	fit := func(lo, hi mm.VirtAddr) (mm.VirtAddr, bool) {
		if hi <= lo || uint64(hi-lo) < size {
			return 0, false
		}
		va := (hi - mm.VirtAddr(size)) &^ mm.VirtAddr(align-1)
		return va, va >= lo
	}
	if m.inHole(bottom, top) {
		if va, ok := fit(max(bottom, m.HoleEnd), top); ok {
			return va, true
		}
		top = min(top, m.HoleStart)
	}
	return fit(bottom, top)
}

// Munmap removes the mappings of [addr, addr+length), splitting VMAs that
// straddle its ends; frames go back at once, and tables left empty too
// (as Linux munmap(2)). Unmapping nothing is not an error.
func (as *AddressSpace) Munmap(addr mm.VirtAddr, length uint64) error {
	if addr&mm.PageMask != 0 || length == 0 {
		return fmt.Errorf("%w: munmap(%v, %d)", ErrInvalid, addr, length)
	}
	size, ok := pageRound(length)
	if !ok || !as.inWindow(addr, size) {
		return fmt.Errorf("%w: [%v, +%#x) is outside the window or meets the kernel's hole", ErrInvalid, addr, length)
	}
	if err := as.splitHugeEnds(addr, addr+mm.VirtAddr(size)); err != nil {
		return err
	}
	as.unmapRange(addr, addr+mm.VirtAddr(size))
	return nil
}

// unmapRange removes every mapping in [start, end).
//
// Preconditions (checked with -tags mmdebug): start and end are
// page-aligned, start < end, and the range lies in the window.
func (as *AddressSpace) unmapRange(start, end mm.VirtAddr) {
	if debug {
		as.checkRange(start, end, true, "vm.unmapRange: precondition: range not page-aligned, empty or outside the window")
	}
	as.splitAt(start)
	as.splitAt(end)
	i := as.firstEndingAfter(start)
	j := i
	var shared []*pagecache.File // shared anonymous objects unmapped in part
	for j < len(as.vmas) && as.vmas[j].Start < end {
		v := &as.vmas[j]
		as.dropPages(v.Start, v.End)
		as.uncommitVMA(v)
		as.unrefObject(v)
		if v.Flags&MapAnonymous != 0 && v.file != nil && v.file.Mapped() && !slices.Contains(shared, v.file) {
			shared = append(shared, v.file)
		}
		j++
	}
	as.vmas = append(as.vmas[:i], as.vmas[j:]...)
	for _, f := range shared {
		as.mm.trimObject(f)
	}
}

// eachLeaf calls fn for every leaf in [start, end) that is not
// LeafAbsent, in address order, skipping what a missing table entry
// covers (512 GiB, 1 GiB or 2 MiB) at once. fn returns false to stop;
// eachLeaf then returns false.
func (as *AddressSpace) eachLeaf(start, end mm.VirtAddr, fn func(va mm.VirtAddr, l Leaf) bool) bool {
	for va := start; va < end; {
		e, size, ok := as.table.Leaf(va)
		if !ok {
			// No table down to the leaf: skip to the last page of what
			// the missing entry covers.
			span := mm.VirtAddr(as.table.Walk(va).Span())
			next := (va | (span - 1)) &^ mm.PageMask
			if span == 0 || next < va { // non-canonical, or the top of the address space
				break
			}
			va = next + mm.PageSize
			continue
		}
		if l := as.mm.LeafOf(e, size); l.State != LeafAbsent && !fn(va, l) {
			return false
		}
		va = (va | mm.VirtAddr(size-1)) + 1 // the next leaf
	}
	return true
}

// dropPages removes the PTEs of [start, end), dropping their frames. A
// dirty PTE of a shared file page hands its Dirty bit to the page cache
// first (as Linux zap_pte_range's set_page_dirty).
//
// Preconditions (checked with -tags mmdebug): start and end are
// page-aligned, start <= end.
func (as *AddressSpace) dropPages(start, end mm.VirtAddr) {
	if debug {
		as.checkRange(start, end, false, "vm.dropPages: precondition: range not page-aligned or reversed")
	}
	// A page table (2 MiB) at a time, as Linux's zap_pte_range: the
	// entries are cleared, the TLB invalidated once, and only then the
	// frames freed (no CPU may reach a freed frame through a stale
	// translation); a page table left empty goes too.
	const span = mm.VirtAddr(pt.Size2M)
	for chunk := start; chunk < end; {
		next := min(end, (chunk|(span-1))+1)
		ptes := as.table.PTEs(chunk)
		if ptes == nil {
			w := as.table.Walk(chunk)
			if w.Mapped { // a huge page (hugepage.go): all of it goes, or it splits
				h := chunk &^ hugeMask
				if chunk == h && next == h+hugeSize {
					as.dropHuge(h)
					chunk = next
					continue
				}
				e, size, _ := as.table.Leaf(h)
				if !as.splitLeaf(h, as.mm.LeafOf(e, size)) {
					panic("vm.dropPages: no page table to split the huge page at " + h.String())
				}
				continue // again, with the page table
			}
			// Nothing below the missing entry: skip all it covers.
			skip := mm.VirtAddr(w.Span())
			n := (chunk | (skip - 1)) + 1
			if skip == 0 || n <= chunk { // non-canonical, or the top of the address space
				break
			}
			chunk = min(end, n)
			continue
		}
		lo := pt.PTEIndex(chunk)
		hi := lo + int((next-chunk)/mm.PageSize)
		old := &as.mm.zap // the MM's, not zeroed again on every call
		cleared := false
		var v *VMA // the VMA of the last dirty page (dropLeaf)
		for i := lo; i < hi; i++ {
			if old[i] = ptes[i]; old[i] != 0 {
				ptes[i] = 0
				cleared = true
			}
		}
		if cleared {
			pt.InvalidateRange(chunk, hi-lo)
			for i := lo; i < hi; i++ {
				e := old[i]
				if e == 0 {
					continue
				}
				va := chunk + mm.VirtAddr(i-lo)*mm.PageSize
				// A present page that is clean or in a VMA without a
				// shared file, inline: this loop runs once per page of
				// an exiting process. dropLeaf has the rest.
				if e&pt.Present != 0 && (e&pt.Dirty == 0 || v != nil && va >= v.Start && va < v.End && (v.file == nil || v.Flags&MapShared == 0)) {
					if pfn := e.Addr().PFN(); pfn != as.mm.zero {
						as.rss--
						if as.mm.Frames.DecRef(pfn) == 0 {
							as.freeLast(pfn)
						}
					}
					continue
				}
				v = as.dropLeaf(va, as.mm.LeafOf(e, pt.Size4K), v)
			}
			if !as.dying {
				as.table.Prune(chunk)
			}
		}
		chunk = next
	}
}

// dropLeaf lets go of what a cleared leaf held: its swap slot's
// reference, or its frame's (a dirty shared file page hands its Dirty
// bit to the page cache first). v is the VMA a dirty page before it was
// found in (or nil), which it returns for the next: the pages of a zap
// lie in one VMA or a few, and every page a process wrote is dirty.
func (as *AddressSpace) dropLeaf(va mm.VirtAddr, l Leaf, v *VMA) *VMA {
	switch {
	case l.State == LeafAbsent:
		return v
	case l.State == LeafSwap:
		as.mm.putSwap(l.Entry())
		return v
	}
	if l.PTE&pt.Dirty != 0 {
		if v == nil || va < v.Start || va >= v.End {
			v = as.vmaAt(va)
		}
		if v != nil && v.file != nil && v.Flags&MapShared != 0 {
			v.file.MarkDirty(v.pageIndex(va))
		}
	}
	if pfn := l.PFN(); pfn != as.mm.zero { // the zero page, or PROT_NONE over it
		as.rss--
		as.freeFrame(pfn)
	}
	return v
}

// covered reports whether VMAs cover [start, end) without a hole.
func (as *AddressSpace) covered(start, end mm.VirtAddr) bool {
	at := start
	for i := as.firstEndingAfter(start); i < len(as.vmas) && at < end; i++ {
		if as.vmas[i].Start > at {
			return false
		}
		at = as.vmas[i].End
	}
	return at >= end
}

// rangeArgs checks the (addr, length) of mprotect, madvise and mincore:
// EINVAL for an unaligned address, ENOMEM for a range not wholly mapped.
// A zero length is a valid empty range.
func (as *AddressSpace) rangeArgs(addr mm.VirtAddr, length uint64) (mm.VirtAddr, error) {
	if addr&mm.PageMask != 0 {
		return 0, fmt.Errorf("%w: address %v not page-aligned", ErrInvalid, addr)
	}
	size, ok := pageRound(length)
	end := addr + mm.VirtAddr(size)
	if !ok || end < addr {
		return 0, fmt.Errorf("%w: length %d", ErrNoMemory, length)
	}
	if length > 0 && !as.covered(addr, end) {
		return 0, fmt.Errorf("%w: [%v, %v) is not wholly mapped", ErrNoMemory, addr, end)
	}
	return end, nil
}

// Mprotect changes the protection of [addr, addr+length), splitting and
// re-merging VMAs, and rewrites the PTEs at once (write-protection is in
// effect when it returns). Unlike Linux, which changes the VMAs before a
// hole and then fails, it checks the whole range first. EACCES for
// PROT_WRITE on a shared mapping of a file not opened for writing;
// ENOMEM when the policy refuses the charge PROT_WRITE on private
// mappings makes (commit.go).
func (as *AddressSpace) Mprotect(addr mm.VirtAddr, length uint64, prot Prot) error {
	if prot&^protMask != 0 {
		return fmt.Errorf("%w: protection %#x", ErrInvalid, uint8(prot))
	}
	end, err := as.rangeArgs(addr, length)
	if err != nil || length == 0 {
		return err
	}
	for i := as.firstEndingAfter(addr); prot&ProtWrite != 0 && i < len(as.vmas) && as.vmas[i].Start < end; i++ {
		if as.vmas[i].noWrite {
			return fmt.Errorf("%w: %s is read-only: no shared writable mapping", ErrAccess, as.vmas[i].file.Name)
		}
	}
	// The new protection is written 4 KiB at a time.
	if err := as.splitHugeRange(addr, end); err != nil {
		return err
	}
	if err := as.commitMprotect(addr, end, prot); err != nil {
		return err
	}
	as.updateVMAs(addr, end, func(v *VMA) {
		if prot&ProtWrite != 0 && chargedByWrite(v) {
			v.account = true // commitMprotect charged it
		}
		v.Prot = prot
		as.eachLeaf(v.Start, v.End, func(va mm.VirtAddr, l Leaf) bool {
			if l.State != LeafSwap { // a swapped page takes its protection from the VMA when it comes back
				as.table.Set(va, as.reprotect(v, l))
			}
			return true
		})
	})
	return nil
}

// reprotect is a page's entry under its VMA's new protection.
func (as *AddressSpace) reprotect(v *VMA, l Leaf) pt.PTE {
	e, pfn := l.PTE, l.PFN()
	if v.Prot == ProtNone {
		return protNoneLeaf(pfn, e)
	}
	writable := v.Flags&MapShared != 0 || as.ownsPrivately(pfn)
	return pt.PTE(pfn.Addr()) | pt.Present | e&(pt.Accessed|pt.Dirty) | as.pteFlags(v.Prot, writable)
}

// Advice is madvise's advice.
type Advice uint8

const (
	AdviceNormal Advice = iota
	AdviceRandom
	AdviceSequential
	AdviceWillNeed
	AdviceDontNeed
	AdviceHugePage   // huge pages here even in THP mode madvise (hugepage.go)
	AdviceNoHugePage // no huge pages here
)

// Madvise applies advice to [addr, addr+length). DONTNEED drops the pages:
// the next touch of a private page is zero-filled again (a shared page,
// file or anonymous, is found again in the page cache). HUGEPAGE and
// NOHUGEPAGE mark the range for transparent huge pages or against them
// (hugepage.go). The others are accepted and do nothing for anonymous
// memory, as in Linux.
func (as *AddressSpace) Madvise(addr mm.VirtAddr, length uint64, advice Advice) error {
	if advice > AdviceNoHugePage {
		return fmt.Errorf("%w: advice %d", ErrInvalid, advice)
	}
	end, err := as.rangeArgs(addr, length)
	if err != nil || length == 0 {
		return err
	}
	switch advice {
	case AdviceHugePage, AdviceNoHugePage:
		return as.adviseHuge(addr, end, advice)
	case AdviceDontNeed:
		if err := as.splitHugeEnds(addr, end); err != nil {
			return err
		}
		as.dropPages(addr, end)
	}
	return nil
}

// Mincore reports, page by page, whether [addr, addr+length) is resident:
// mapped to a frame, the zero page included, as the page tables say.
func (as *AddressSpace) Mincore(addr mm.VirtAddr, length uint64) ([]bool, error) {
	end, err := as.rangeArgs(addr, length)
	if err != nil {
		return nil, err
	}
	out := make([]bool, uint64(end-addr)/mm.PageSize)
	for i := range out {
		out[i] = as.leafAt(addr + mm.VirtAddr(i)*mm.PageSize).HasFrame()
	}
	return out, nil
}
