//go:build tamago

package boot

import (
	"errors"
	"unsafe"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

var errUnmapped = errors.New("outside the boot direct map")

// readPhys copies physical memory through the direct map, which the boot
// map covers for [0, 4 GiB) (page 0 is refused all the same: no firmware
// table is there); anything else is refused rather than faulted on.
func readPhys(addr PhysAddr, p []byte) error {
	end := addr + PhysAddr(len(p))
	if addr < PageSize || end < addr || end > 1<<32 {
		return errUnmapped
	}
	va := uintptr(arch.DirectMapBase) + uintptr(addr)
	src := *(**byte)(unsafe.Pointer(&va)) // physical memory in the direct map
	copy(p, unsafe.Slice(src, len(p)))
	return nil
}
