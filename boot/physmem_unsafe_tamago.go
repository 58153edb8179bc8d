//go:build tamago

package boot

import (
	"errors"
	"unsafe"
)

var errUnmapped = errors.New("outside the boot identity map")

// readPhys copies physical memory through the boot identity map, which
// covers [4 KiB, 4 GiB); anything else is refused rather than faulted on.
func readPhys(addr PhysAddr, p []byte) error {
	end := addr + PhysAddr(len(p))
	if addr < PageSize || end < addr || end > 1<<32 {
		return errUnmapped
	}
	src := *(**byte)(unsafe.Pointer(&addr)) // identity-mapped physical memory
	copy(p, unsafe.Slice(src, len(p)))
	return nil
}
