package mm

import (
	"fmt"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// Page geometry of x86-64 4-level paging (SDM 3A 4.5).
const (
	PageShift = 12
	PageSize  = 1 << PageShift
	PageMask  = PageSize - 1
)

// DirectMapBase is the virtual address of physical 0 in the direct map,
// through which the kernel reaches every physical address (frames, page
// tables, DMA rings, MMIO): Linux's PAGE_OFFSET. On bare metal DirectMap
// returns DirectMapBase + p; host tests simulate physical memory instead.
const DirectMapBase = arch.DirectMapBase

// PhysAddr is a physical address.
type PhysAddr uint64

// VirtAddr is a virtual address.
type VirtAddr uint64

// PFN is a physical frame number: a physical address >> PageShift.
type PFN uint64

// PFN is the frame holding p.
func (p PhysAddr) PFN() PFN { return PFN(p >> PageShift) }

// Addr is the physical address of the frame's first byte.
func (n PFN) Addr() PhysAddr { return PhysAddr(n) << PageShift }

func (p PhysAddr) String() string { return fmt.Sprintf("%#x", uint64(p)) }
func (v VirtAddr) String() string { return fmt.Sprintf("%#x", uint64(v)) }

// AddrRange is the half-open physical range [Start, End).
type AddrRange struct {
	Start, End PhysAddr
}

// Size is End - Start.
func (r AddrRange) Size() uint64 { return uint64(r.End - r.Start) }

func (r AddrRange) String() string {
	return fmt.Sprintf("[%#x, %#x)", uint64(r.Start), uint64(r.End))
}
