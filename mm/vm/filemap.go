package vm

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// File mappings. A file VMA's pages are the page cache's frames
// (mm/pagecache): MAP_SHARED maps them writable where the VMA is, and
// the hardware Dirty bit says which were written; MAP_PRIVATE maps them
// read-only and copies on the first write, so the file never sees a
// private write. The address space is the file's Mapper: the page cache
// asks it for Dirty bits before writeback and to unmap pages a truncate
// removes.

// vmaAt is the VMA containing va, or nil.
func (as *AddressSpace) vmaAt(va mm.VirtAddr) *VMA {
	if i := as.findVMA(va); i >= 0 {
		return &as.vmas[i]
	}
	return nil
}

// pageIndex is the file (or object) page index of va in v.
func (v *VMA) pageIndex(va mm.VirtAddr) uint64 {
	return v.pgoff + uint64(va-v.Start)/mm.PageSize
}

// ownsPrivately reports whether a private PTE's frame is this mapping's
// alone, so a write may reuse it in place: an anonymous frame with one
// reference. The zero page and page-cache frames are always copied.
func (as *AddressSpace) ownsPrivately(pfn mm.PFN) bool {
	return pfn != as.mm.zero && as.mm.Frames.State(pfn) == frame.Anon && as.mm.Frames.Refs(pfn) == 1
}

// TakeFrame gives the page cache a frame from the fault reserve
// (pagecache.FrameSource), while the charge is below memory.max's full
// (memcg.go: the fault checked its own page; readahead stops there).
func (m *MM) TakeFrame() (mm.PFN, bool) {
	if m.atRoom() {
		return 0, false
	}
	return m.anon.take()
}

// PutFrame takes back a frame TakeFrame gave and the cache did not use.
func (m *MM) PutFrame(pfn mm.PFN) {
	if !m.anon.put(pfn) {
		m.Frames.Free(pfn, 0)
	}
}

// fileFault: a page of a file VMA (as Linux filemap_fault, then
// do_read_fault, do_cow_fault or do_shared_fault), or of a shared
// anonymous one, whose object is a tmpfs file (shmem_fault: a hole is
// a minor fault, file-hit in the trace).
func (as *AddressSpace) fileFault(v *VMA, page mm.VirtAddr, l Leaf, access Access, ptes *[512]pt.PTE) Result {
	shared := v.Flags&MapShared != 0
	idx := v.pageIndex(page)
	if l.State == LeafAbsent && as.retry.noIO && v.file.NeedsRead(idx) {
		// An attempt that may not read: before anything is counted.
		as.retry.file, as.retry.idx = v.file, idx
		return as.mustRetry(needFilePage)
	}
	if v.Flags&MapAnonymous != 0 {
		as.Stats.SharedFaults++
	}
	if e := l.PTE; l.State != LeafAbsent {
		if access != Write || l.State == LeafWritable {
			as.LastKind = KindSpurious
			return Resolved
		}
		if shared {
			as.setLeaf(ptes, page, e|pt.Writable)
			as.LastKind = KindSpurious
			return Resolved
		}
		return as.cowFault(v, page, l, ptes) // a private write: copy the cache page
	}
	as.Stats.FileFaults++
	if !as.retry.noIO {
		// The page cache may sleep on the disk below: whatever ran
		// meanwhile may have freed the page table.
		ptes = nil
	}
	pfn, out := v.file.FaultPage(idx, as.mm)
	if r := as.noPage(out); r != Resolved {
		return r
	}
	switch out {
	case pagecache.Major:
		as.Stats.MajFaults++
		as.LastKind = KindFileMajor
	default:
		as.LastKind = KindFileHit
		if as.retry.readIn && as.retry.file == v.file && as.retry.idx == idx {
			as.Stats.MajFaults++ // the retry path read it for this fault
			as.LastKind = KindFileMajor
		}
	}
	if !shared && access == Write {
		// do_cow_fault: the private copy at once, the cache page unmapped.
		cp, ok := as.copyFrame()
		if !ok {
			return OOM
		}
		copyFrame(cp, pfn)
		if as.mapEmpty(ptes, page, cp.Addr(), as.pteFlags(v.Prot, true)) != nil {
			as.freeFrame(cp)
			return OOM
		}
		as.rss++
		as.mm.trackAnon(cp, v.anon, v.pageIndex(page))
		as.Stats.COWFaults++
		return Resolved
	}
	as.mm.Frames.IncRef(pfn)
	if as.mapEmpty(ptes, page, pfn.Addr(), as.pteFlags(v.Prot, shared)) != nil {
		as.mm.Frames.DecRef(pfn)
		return OOM
	}
	as.rss++
	if as.User && access != Write && as.mm.FaultAround > 1 {
		as.faultAround(v, page, shared)
	}
	return Resolved
}

// faultAround maps the neighbours of a file page just mapped for a read
// that the page cache holds already, within the aligned window of
// MM.FaultAround pages, the VMA and the end of file, as Linux's
// do_fault_around and filemap_map_pages: no I/O, no allocation, and the
// entries made old (Accessed clear), so that reclaim sees which were
// used. A program reading its text then takes one fault per window
// instead of one per page. Only user address spaces do it: the shell's
// experiments count every page's fault.
func (as *AddressSpace) faultAround(v *VMA, page mm.VirtAddr, shared bool) {
	ptes := as.table.PTEs(page)
	if ptes == nil {
		return
	}
	window := mm.VirtAddr(as.mm.FaultAround) * mm.PageSize
	start := max(page&^(window-1), v.Start)
	end := min(page&^(window-1)+window, v.End)
	size := uint64(v.file.Size())
	e := pt.Present | as.pteFlags(v.Prot, shared)
	for va := start; va < end; va += mm.PageSize {
		i := pt.PTEIndex(va)
		if va == page || ptes[i] != 0 {
			continue
		}
		idx := v.pageIndex(va)
		if idx*mm.PageSize >= size {
			break
		}
		pfn, ok := v.file.Lookup(idx)
		if !ok {
			continue
		}
		as.mm.Frames.IncRef(pfn)
		ptes[i] = pt.PTE(pfn.Addr()) | e
		as.rss++
	}
}

// SyncDirty moves the Dirty bits of f's shared PTEs into the page cache
// (pagecache.Mapper; as Linux page_mkclean over the rmap).
func (as *AddressSpace) SyncDirty(f *pagecache.File) {
	for i := range as.vmas {
		v := &as.vmas[i]
		if v.file != f || v.Flags&MapShared == 0 {
			continue
		}
		as.syncRange(v, v.Start, v.End)
	}
}

// syncRange moves the Dirty bits of v's PTEs in [start, end) into the
// cache. A PROT_NONE page keeps its bits in its non-present entry.
func (as *AddressSpace) syncRange(v *VMA, start, end mm.VirtAddr) {
	as.eachLeaf(start, end, func(va mm.VirtAddr, l Leaf) bool {
		if l.PTE&pt.Dirty == 0 || l.State == LeafSwap {
			return true
		}
		as.table.Set(va, l.PTE&^pt.Dirty)
		v.file.MarkDirty(v.pageIndex(va))
		return true
	})
}

// UnmapFrom removes every PTE mapping page idx or later of f, private
// copies included (pagecache.Mapper; as Linux unmap_mapping_range with
// even_cows, on truncate). The VMAs stay: a later touch is a bus error.
func (as *AddressSpace) UnmapFrom(f *pagecache.File, idx uint64) {
	for i := range as.vmas {
		v := &as.vmas[i]
		if v.file != f || v.pgoff+v.Pages() <= idx {
			continue
		}
		start := v.Start
		if idx > v.pgoff {
			start += mm.VirtAddr(idx-v.pgoff) * mm.PageSize
		}
		as.dropPages(start, v.End)
	}
}

// MsyncFlags are msync's flags.
type MsyncFlags uint8

const (
	MsAsync MsyncFlags = 1 << iota
	MsSync
	MsInvalidate
)

// Msync flushes the file pages of [addr, addr+length) (as Linux
// msync(2)): the Dirty bits of MAP_SHARED PTEs move to the page cache;
// with MS_SYNC the dirty pages are written and waited for, and a pending
// error of the file (a failed writeback, or a read that failed in a
// fault) is returned, once, as EIO. MS_ASYNC leaves the writing to the
// background writeback; MS_INVALIDATE does nothing more, as in Linux
// since 2.6. EINVAL for an unaligned address or both SYNC and ASYNC;
// ENOMEM when the range is not wholly mapped.
func (as *AddressSpace) Msync(addr mm.VirtAddr, length uint64, flags MsyncFlags) error {
	if flags&^(MsAsync|MsSync|MsInvalidate) != 0 || flags&(MsAsync|MsSync) == MsAsync|MsSync {
		return fmt.Errorf("%w: msync flags %#x", ErrInvalid, uint8(flags))
	}
	end, err := as.rangeArgs(addr, length)
	if err != nil || length == 0 {
		return err
	}
	for i := as.firstEndingAfter(addr); i < len(as.vmas) && as.vmas[i].Start < end; i++ {
		v := &as.vmas[i]
		if v.file == nil {
			continue
		}
		s, e := max(v.Start, addr), min(v.End, end)
		if v.Flags&MapShared != 0 {
			as.syncRange(v, s, e)
		}
		if flags&MsSync == 0 {
			continue
		}
		if v.Flags&MapShared != 0 {
			v.file.Writeback(v.pageIndex(s), v.pageIndex(e-1)+1)
		}
		if ferr := v.file.TakeError(); ferr != nil && err == nil {
			err = fmt.Errorf("%w: %s: %v", ErrIO, v.file.Name, ferr)
		}
	}
	return err
}

// noPage is the result of a page-cache outcome that gives no page, as
// Linux's VM_FAULT_SIGBUS and VM_FAULT_OOM: past the end of the file
// SigBus, a read error SigBusIO (both counted), no memory OOM; Resolved
// for an outcome with a page.
func (as *AddressSpace) noPage(out pagecache.Outcome) Result {
	switch out {
	case pagecache.Beyond:
		as.Stats.Bus++
		as.LastKind = KindBus
		return SigBus
	case pagecache.IOError:
		as.Stats.Bus++
		as.LastKind = KindBus
		return SigBusIO
	case pagecache.NoMemory:
		return OOM
	}
	return Resolved
}
