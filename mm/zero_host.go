//go:build !tamago

package mm

import "unsafe"

// ZeroFrames zeroes n bytes of simulated physical memory at p.
func ZeroFrames(p PhysAddr, n uintptr) {
	clear(unsafe.Slice((*byte)(DirectMap(p, n)), n))
}
