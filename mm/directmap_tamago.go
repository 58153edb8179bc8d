//go:build tamago

package mm

import "unsafe"

// DirectMap returns a pointer to n bytes of physical memory at p. On bare
// metal all RAM is identity-mapped, supervisor-only.
//
// Preconditions: [p, p+n) is RAM the caller owns.
func DirectMap(p PhysAddr, n uintptr) unsafe.Pointer {
	return unsafe.Pointer(uintptr(p))
}
