package vm

import (
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// Smaps is one VMA's memory, as Linux's /proc/PID/smaps reports it
// (smaps_account), in bytes.
type Smaps struct {
	VMA
	Size, Rss, Pss                                             uint64
	SharedClean, SharedDirty, PrivateClean, PrivateDirty, Swap uint64
	// Referenced: pages whose PTE has the hardware Accessed bit.
	Referenced uint64
	// Anonymous: pages that are anonymous memory, private anonymous
	// frames and private copies of file pages, in the swap cache or not
	// (Linux's PageAnon).
	Anonymous uint64
	// AnonHugePages: of Anonymous, what huge pages map (hugepage.go).
	AnonHugePages uint64
}

// Smaps walks every VMA's page tables. A page is shared when more than
// one PTE maps its frame; its Pss share is its size divided by that count.
// The zero page is not counted (as Linux: it is not in Rss). Dirty is the
// PTE's Dirty bit. Swap counts the PTEs holding a swap entry.
func (as *AddressSpace) Smaps() []Smaps {
	out := make([]Smaps, len(as.vmas))
	for i := range as.vmas {
		v := &as.vmas[i]
		s := &out[i]
		s.VMA = *v
		s.Size = uint64(v.End - v.Start)
		as.eachLeaf(v.Start, v.End, func(va mm.VirtAddr, l Leaf) bool {
			size := uint64(l.Size)
			if l.State == LeafSwap {
				s.Swap += size
				return true
			}
			e, pfn := l.PTE, l.PFN()
			if pfn == as.mm.zero || l.State == LeafZero { // the zero page, or the huge one
				return true
			}
			maps := uint64(as.mm.Frames.Refs(pfn))
			if st := as.mm.Frames.State(pfn); st == frame.PageCache || st == frame.SwapCache {
				maps-- // the cache's own reference maps nothing
			}
			s.Rss += size
			s.Pss += size / max(maps, 1)
			dirty := e&pt.Dirty != 0
			switch {
			case maps > 1 && dirty:
				s.SharedDirty += size
			case maps > 1:
				s.SharedClean += size
			case dirty:
				s.PrivateDirty += size
			default:
				s.PrivateClean += size
			}
			if e&pt.Accessed != 0 {
				s.Referenced += size
			}
			if st := as.mm.Frames.State(pfn); st == frame.Anon || st == frame.SwapCache {
				s.Anonymous += size
				if l.Size == pt.Size2M {
					s.AnonHugePages += size
				}
			}
			return true
		})
	}
	return out
}
