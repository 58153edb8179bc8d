//go:build tamago

package virtio

import (
	"fmt"

	"github.com/usbarmory/tamago/dma"

	"github.com/pagoda-os/pagoda/mm"
)

// InitDMA hands [start, start+size) to tamago/dma, the allocator behind
// DMA. The kernel calls it once at startup, before any Probe, with the
// board's DMA region (boot.DMAStart, boot.DMASize). The region must lie
// outside the Go runtime's memory. tamago/dma hands out its addresses in
// the direct map, mm.DirectMapBase + physical; the device is given the
// physical ones.
func InitDMA(start mm.PhysAddr, size int) error {
	return dma.Init(mm.DirectMapBase+uint(start), size)
}

// DMA returns the Mem of the global DMA region set up by InitDMA.
func DMA() Mem { return dmaMem{} }

// dmaMem allocates with dma.Reserve: the returned slice is the memory
// itself, in the direct map (its address less mm.DirectMapBase is the
// physical address), which the driver writes directly.
type dmaMem struct{}

func (dmaMem) Alloc(size, align int) (pa mm.PhysAddr, buf []byte, err error) {
	if dma.Default() == nil {
		return 0, nil, fmt.Errorf("%w: InitDMA was not called", ErrNoMemory)
	}
	// dma.Reserve panics when the region is exhausted.
	defer func() {
		if r := recover(); r != nil {
			pa, buf, err = 0, nil, fmt.Errorf("%w: %d bytes: %v", ErrNoMemory, size, r)
		}
	}()
	addr, b := dma.Reserve(size, align)
	clear(b)
	return mm.PhysAddr(addr - mm.DirectMapBase), b, nil
}

func (dmaMem) Free(pa mm.PhysAddr) { dma.Release(mm.DirectMapBase + uint(pa)) }
