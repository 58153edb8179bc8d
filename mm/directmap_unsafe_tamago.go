//go:build tamago

package mm

import "unsafe"

// DirectMap returns a pointer to n bytes of physical memory at p: its
// address in the direct map, DirectMapBase + p, where every kernel page
// table maps all RAM read/write, supervisor-only.
//
// Preconditions: [p, p+n) is RAM the caller owns.
func DirectMap(p PhysAddr, n uintptr) unsafe.Pointer {
	// A number made a pointer: the memory is outside the Go heap, so the
	// garbage collector ignores the pointer.
	v := uintptr(p) + DirectMapBase
	return *(*unsafe.Pointer)(unsafe.Pointer(&v))
}
