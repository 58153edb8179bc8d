//go:build tamago

package virtio

import (
	"sync/atomic"
	"unsafe"

	"github.com/pagoda-os/pagoda/mm"
)

// mmioRegs is a virtio-mmio register window on bare metal. The kernel maps
// [0xfe00_0000, 4 GiB) uncached, so each access is one bus transaction;
// sync/atomic keeps the compiler from merging, eliding or reordering them.
type mmioRegs struct{ base unsafe.Pointer }

// MMIO returns the register window of the virtio-mmio device at base.
//
// Preconditions: base is a virtio-mmio slot inside the uncached MMIO map.
func MMIO(base mm.PhysAddr) Regs {
	return mmioRegs{base: mm.DirectMap(base, 0x200)}
}

func (r mmioRegs) Read32(off uint32) uint32 {
	return atomic.LoadUint32((*uint32)(unsafe.Add(r.base, off)))
}

func (r mmioRegs) Write32(off uint32, v uint32) {
	atomic.StoreUint32((*uint32)(unsafe.Add(r.base, off)), v)
}
