package kernel

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// The kernel's virtual address space. Below WindowStart everything is the
// identity map of physical memory; the window, from WindowStart to the
// top of the lower canonical half, is reserved for address spaces (the
// address-space issue) and left unmapped in the kernel's own table.
const (
	WindowStart mm.VirtAddr = 1 << 45 // 32 TiB
	WindowEnd   mm.VirtAddr = 1 << 47 // end of the lower canonical half
)

// KernelMap is what the kernel's page table maps.
type KernelMap struct {
	// RAM is identity-mapped read/write, no-execute, supervisor-only:
	// all of it except page 0 and the kernel image.
	RAM []mm.AddrRange
	// Image is the kernel's own segments: text read+execute, read-only
	// data read+no-execute, data and bss read/write+no-execute.
	Image []Segment
	// MMIO is identity-mapped read/write, no-execute and uncached.
	MMIO []mm.AddrRange
}

// BuildKernelTable builds the kernel's page table from frames of src: W^X
// everywhere, every mapping global, 2 MiB pages wherever a range allows.
func BuildKernelTable(src pt.FrameSource, km KernelMap) (*pt.Table, error) {
	t, err := pt.New(src)
	if err != nil {
		return nil, err
	}
	const rw = pt.Writable | pt.NoExecute | pt.Global
	var image []mm.AddrRange
	for _, s := range km.Image {
		image = append(image, mm.AddrRange{Start: s.Start, End: s.End})
	}
	cut := append([]mm.AddrRange{{Start: 0, End: mm.PageSize}}, image...)
	for _, r := range km.RAM {
		for _, piece := range subtractRanges(r, cut) {
			if err := mapRange(t, piece, rw); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range km.Image {
		flags := pt.Global
		switch {
		case s.Write:
			flags |= pt.Writable | pt.NoExecute
		case !s.Exec:
			flags |= pt.NoExecute
		}
		if err := mapRange(t, mm.AddrRange{Start: s.Start, End: s.End}, flags); err != nil {
			return nil, err
		}
	}
	for _, r := range km.MMIO {
		if err := mapRange(t, r, rw|pt.CacheDisable|pt.WriteThrough); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// mapRange identity-maps r, page-aligned, with 2 MiB pages where aligned.
func mapRange(t *pt.Table, r mm.AddrRange, flags pt.PTE) error {
	p := mm.PhysAddr((uint64(r.Start) + mm.PageMask) &^ mm.PageMask)
	end := r.End &^ mm.PageMask
	for p < end {
		size := pt.Size4K
		if uint64(p)%uint64(pt.Size2M) == 0 && uint64(end-p) >= uint64(pt.Size2M) {
			size = pt.Size2M
		}
		if err := t.Map(mm.VirtAddr(p), p, size, flags); err != nil {
			return fmt.Errorf("kernel map at %v: %w", p, err)
		}
		p += mm.PhysAddr(size)
	}
	return nil
}

// subtractRanges returns r less every range in cut.
func subtractRanges(r mm.AddrRange, cut []mm.AddrRange) []mm.AddrRange {
	out := []mm.AddrRange{r}
	for _, c := range cut {
		var next []mm.AddrRange
		for _, x := range out {
			if c.End <= x.Start || x.End <= c.Start {
				next = append(next, x)
				continue
			}
			if x.Start < c.Start {
				next = append(next, mm.AddrRange{Start: x.Start, End: c.Start})
			}
			if c.End < x.End {
				next = append(next, mm.AddrRange{Start: c.End, End: x.End})
			}
		}
		out = next
	}
	return out
}
