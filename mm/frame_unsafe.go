package mm

import "unsafe"

// PhysBytes is the n bytes of physical memory at p as a byte slice,
// through the direct map: the one place mm and the code above it turn
// physical memory into Go memory. The slice aliases the frames; it holds
// no Go pointer into them that the garbage collector would follow.
//
// Preconditions: [p, p+n) is memory the caller owns (on the host, inside
// one arena: DirectMap panics otherwise).
func PhysBytes(p PhysAddr, n int) []byte {
	return unsafe.Slice((*byte)(DirectMap(p, uintptr(n))), n)
}

// FrameBytes is the 4 KiB frame at p as bytes (PhysBytes(p, PageSize)).
//
// Preconditions: p is page-aligned and the caller owns the frame.
func FrameBytes(p PhysAddr) []byte { return PhysBytes(p, PageSize) }
