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
		v := &as.vmas[i]
		ok := as.eachLeaf(v.Start, v.End, func(va mm.VirtAddr, l Leaf) bool {
			as.mm.Refill()
			err = as.forkPage(child, v, va, l)
			return err == nil
		})
		if !ok {
			child.Destroy()
			return nil, err
		}
	}
	return child, nil
}

func (as *AddressSpace) forkPage(child *AddressSpace, v *VMA, va mm.VirtAddr, l Leaf) error {
	if l.Size != pt.Size4K {
		// Table.Set takes 4 KiB leaves only; vm maps no other yet.
		panic("vm.forkPage: a 2 MiB leaf in an address space")
	}
	e := l.PTE
	if l.State == LeafSwap {
		// The child names the same slot: one more reference.
		if as.mm.Swap.Dup(l.Entry()) != nil {
			return ErrNoMemory
		}
		if child.table.Map(va, 0, l.Size, child.userBit()) != nil {
			as.mm.putSwap(l.Entry())
			return ErrNoMemory
		}
		child.table.Set(va, e)
		return nil
	}
	pfn := l.PFN()
	ce := e
	if v.Flags&MapShared == 0 && l.State == LeafWritable {
		as.table.Set(va, e&^pt.Writable) // copy-on-write from now on
		ce = e &^ pt.Writable
	}
	if child.table.Map(va, pfn.Addr(), l.Size, child.userBit()) != nil {
		return ErrNoMemory
	}
	child.table.Set(va, ce)
	if pfn != as.mm.zero {
		as.mm.Frames.IncRef(pfn)
		child.rss++
	}
	return nil
}
