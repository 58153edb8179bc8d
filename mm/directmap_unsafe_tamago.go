//go:build tamago

package mm

import "unsafe"

// DirectMap returns a pointer to n bytes of physical memory at p. On bare
// metal all RAM is identity-mapped, supervisor-only.
//
// Preconditions: [p, p+n) is RAM the caller owns.
func DirectMap(p PhysAddr, n uintptr) unsafe.Pointer {
	// The bits of p, reinterpreted as a pointer: the identity map makes
	// a physical address its own virtual address.
	return *(*unsafe.Pointer)(unsafe.Pointer(&p))
}
