package vm

import (
	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// Fork makes a child address space with the same mappings: private pages
// shared copy-on-write (both sides read-only until one writes), shared
// pages shared (as Linux dup_mmap and copy_page_range). Each private VMA
// of the child gets an anonymous object whose parent is the parent VMA's,
// so the reverse map finds the pages they share from either side
// (anon_vma_fork, rmap.go). ENOMEM when the policy refuses to charge the
// child's accounted mappings (commit.go).
func (as *AddressSpace) Fork() (*AddressSpace, error) {
	charged, err := as.commitFork()
	if err != nil {
		return nil, err
	}
	child, err := as.mm.NewAddressSpace()
	if err != nil {
		as.mm.Uncommit(charged)
		return nil, err
	}
	child.User, child.MmapBase = as.User, as.MmapBase
	as.mm.Refill()
	child.vmas = append([]VMA(nil), as.vmas...)
	for i := range child.vmas {
		child.vmas[i].anon = forkAnon(as.vmas[i].anon)
		child.refObject(&child.vmas[i])
	}
	for i := range as.vmas {
		if err := as.forkRange(child, &as.vmas[i]); err != nil {
			child.Destroy()
			return nil, err
		}
	}
	return child, nil
}

// forkRange copies v's page-table entries into child, a page table (2
// MiB) at a time, as Linux's copy_pte_range: a private writable page
// becomes read-only in both (copy-on-write from now on), a swap entry
// gains a reference, every frame but the zero page one more mapping.
// The parent's TLB entries for the pages made read-only are invalidated
// once, at the end.
func (as *AddressSpace) forkRange(child *AddressSpace, v *VMA) error {
	const span = mm.VirtAddr(pt.Size2M)
	private := v.Flags&MapShared == 0
	protected := false
	defer func() {
		if protected {
			pt.InvalidateRange(v.Start, int((v.End-v.Start)/mm.PageSize))
		}
	}()
	for start := v.Start; start < v.End; start = (start | (span - 1)) + 1 {
		end := min(v.End, (start|(span-1))+1)
		src := as.table.PTEs(start)
		if src == nil {
			if e, size, ok := as.table.Leaf(start); ok && size == pt.Size2M {
				as.mm.Refill()
				p, err := as.forkHuge(child, start, e, private)
				if err != nil {
					return err
				}
				protected = protected || p
			}
			continue
		}
		as.mm.Refill()
		var dst *[512]pt.PTE
		for va := start; va < end; va += mm.PageSize {
			i := pt.PTEIndex(va)
			e := src[i]
			if e == 0 {
				continue
			}
			if dst == nil {
				var err error
				if dst, err = child.table.MakePTEs(va, child.User); err != nil {
					return ErrNoMemory
				}
			}
			// A present page, tested on the entry itself: this loop
			// runs once per page of the parent (LeafOf's decoding is
			// for the rest: swap entries and PROT_NONE pages).
			if e&pt.Present == 0 {
				if l := as.mm.LeafOf(e, pt.Size4K); l.State == LeafSwap {
					// The child names the same slot: one more reference.
					if as.mm.Swap.Dup(l.Entry()) != nil {
						return ErrNoMemory
					}
					dst[i] = e
					continue
				}
			} else if private && e&pt.Writable != 0 {
				e &^= pt.Writable
				src[i] = e
				protected = true
			}
			dst[i] = e
			if pfn := e.Addr().PFN(); pfn != as.mm.zero {
				as.mm.Frames.IncRef(pfn)
				child.rss++
			}
		}
	}
	return nil
}
