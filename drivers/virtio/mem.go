package virtio

import "github.com/pagoda-os/pagoda/mm"

// Mem is the memory devices can reach by DMA: the rings, request headers,
// status bytes and bounce buffers. On bare metal it is the DMA region
// handed to tamago/dma (dma_tamago.go); host tests use an arena that the
// device model reads through the same physical addresses.
type Mem interface {
	// Alloc returns size zeroed bytes at a physical address aligned to
	// align (a power of two), and the driver's view of them.
	Alloc(size, align int) (mm.PhysAddr, []byte, error)
	// Free returns an allocation made by Alloc.
	Free(mm.PhysAddr)
}

// Buffer is one element of a descriptor chain: Len bytes of physical
// memory at Addr, which the device reads, or writes when Writable
// (VIRTQ_DESC_F_WRITE, VIRTIO 1.2 §2.7.5).
type Buffer struct {
	Addr     mm.PhysAddr
	Len      uint32
	Writable bool
}
