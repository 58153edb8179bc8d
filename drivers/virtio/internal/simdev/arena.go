package simdev

import (
	"errors"
	"fmt"
	"sync"

	"github.com/pagoda-os/pagoda/mm"
)

// ErrArenaFull is what Arena.Alloc returns when the arena is exhausted.
var ErrArenaFull = errors.New("simdev: arena exhausted")

// Arena is simulated DMA memory: bytes standing at a physical base
// address, handed out by a bump allocator (virtio.Mem), and read and
// written by the device model through the same physical addresses.
type Arena struct {
	base mm.PhysAddr
	mem  []byte

	mu   sync.Mutex
	next int                 // bump pointer, offset into mem
	live map[mm.PhysAddr]int // allocation sizes, to catch bad frees
}

// NewArena returns size bytes of simulated memory at physical address base.
func NewArena(base mm.PhysAddr, size int) *Arena {
	return &Arena{base: base, mem: make([]byte, size), live: map[mm.PhysAddr]int{}}
}

// Alloc implements virtio.Mem.
func (a *Arena) Alloc(size, align int) (mm.PhysAddr, []byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if align < 8 {
		align = 8
	}
	off := (a.next + align - 1) &^ (align - 1)
	if size <= 0 || off+size > len(a.mem) {
		return 0, nil, fmt.Errorf("%w: %d bytes", ErrArenaFull, size)
	}
	a.next = off + size
	pa := a.base + mm.PhysAddr(off)
	a.live[pa] = size
	b := a.mem[off : off+size : off+size]
	clear(b)
	return pa, b, nil
}

// Free implements virtio.Mem. It panics on an address Alloc did not
// return: on bare metal that would corrupt the DMA allocator.
func (a *Arena) Free(pa mm.PhysAddr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.live[pa]; !ok {
		panic("simdev.Arena.Free: not allocated")
	}
	delete(a.live, pa)
}

// Live counts allocations not yet freed.
func (a *Arena) Live() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.live)
}

// Contains reports whether [pa, pa+n) is inside the arena.
func (a *Arena) Contains(pa mm.PhysAddr, n int) bool {
	return pa >= a.base && n >= 0 && uint64(pa-a.base)+uint64(n) <= uint64(len(a.mem))
}

// Bytes is the view of [pa, pa+n): the device's DMA access, and the
// tests' way of preparing and checking memory given by physical address.
// It panics outside the arena.
func (a *Arena) Bytes(pa mm.PhysAddr, n int) []byte {
	if !a.Contains(pa, n) {
		panic("simdev.Arena.Bytes: outside the arena")
	}
	off := int(pa - a.base)
	return a.mem[off : off+n : off+n]
}
