package kernel

import (
	"fmt"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// The kernel's virtual address space (README, "Memory layout"). Its lower
// half holds nothing of the kernel but the kernel window, [boot.KWindow,
// boot.KWindow + boot.KWindowSize), where the image, the Go heap and the
// stacks run; the upper half holds the direct map of every physical
// address at mm.DirectMapBase. The lower half is the address spaces'
// window, Linux's user range from mmap_min_addr (64 KiB) to TASK_SIZE,
// less the kernel window: the hole, whose page-directory entries every
// address space shares with the kernel's table (pagetable.Share).
const (
	WindowStart mm.VirtAddr = 0x1_0000         // Linux's default vm.mmap_min_addr
	WindowEnd   mm.VirtAddr = 0x7fff_ffff_f000 // Linux's TASK_SIZE on x86-64 (4-level paging)
	HoleStart   mm.VirtAddr = boot.KWindow
	HoleEnd     mm.VirtAddr = boot.KWindow + boot.KWindowSize
)

// SelftestBase is where the self-tests map their pages in the kernel's
// own table: in the user half, far from anything an address space or the
// shell places by default (32 TiB).
const SelftestBase mm.VirtAddr = 1 << 45

// KernelMap is what the kernel's page table maps.
type KernelMap struct {
	// RAM is mapped in the direct map, at mm.DirectMapBase + physical,
	// read/write, no-execute, supervisor-only: all of it except page 0
	// and the kernel image's frames.
	RAM []mm.AddrRange
	// Image is the kernel's own segments, at their linked (virtual)
	// addresses, ImageOffset above their physical ones: text
	// read+execute, read-only data read+no-execute, data and bss
	// read/write+no-execute.
	Image []Segment
	// ImageOffset is how far the image's virtual addresses are above
	// its physical ones: boot.KWindow.
	ImageOffset mm.VirtAddr
	// Runtime is the physical runtime region around the image (the Go
	// heap and stacks, the boot tables): mapped at ImageOffset +
	// physical, read/write and no-execute, wherever the image is not.
	Runtime mm.AddrRange
	// MMIO is mapped in the direct map, read/write, no-execute and
	// uncached.
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
	const direct = mm.VirtAddr(mm.DirectMapBase)
	off := km.ImageOffset
	var image []mm.AddrRange // physical
	for _, s := range km.Image {
		image = append(image, mm.AddrRange{Start: mm.PhysAddr(s.Start - off), End: mm.PhysAddr(s.End - off)})
	}
	cut := append([]mm.AddrRange{{Start: 0, End: mm.PageSize}}, image...)
	for _, r := range km.RAM {
		for _, piece := range subtractRanges(r, cut) {
			if err := mapRange(t, piece, direct, rw); err != nil {
				return nil, err
			}
		}
	}
	for i, s := range km.Image {
		flags := pt.Global
		switch {
		case s.Write:
			flags |= pt.Writable | pt.NoExecute
		case !s.Exec:
			flags |= pt.NoExecute
		}
		if err := mapRange(t, image[i], off, flags); err != nil {
			return nil, err
		}
	}
	for _, piece := range subtractRanges(km.Runtime, image) {
		if err := mapRange(t, piece, off, rw); err != nil {
			return nil, err
		}
	}
	for _, r := range km.MMIO {
		if err := mapRange(t, r, direct, rw|pt.CacheDisable|pt.WriteThrough); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// mapRange maps physical r at off + physical, page-aligned, with 2 MiB
// pages where both the physical and the virtual address are aligned.
func mapRange(t *pt.Table, r mm.AddrRange, off mm.VirtAddr, flags pt.PTE) error {
	p := mm.PhysAddr((uint64(r.Start) + mm.PageMask) &^ mm.PageMask)
	end := r.End &^ mm.PageMask
	for p < end {
		size := pt.Size4K
		if uint64(p)%uint64(pt.Size2M) == 0 && (uint64(p)+uint64(off))%uint64(pt.Size2M) == 0 && uint64(end-p) >= uint64(pt.Size2M) {
			size = pt.Size2M
		}
		if err := t.Map(off+mm.VirtAddr(p), p, size, flags); err != nil {
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
