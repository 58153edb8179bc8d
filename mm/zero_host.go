//go:build !tamago

package mm

// ZeroFrames zeroes n bytes of simulated physical memory at p.
func ZeroFrames(p PhysAddr, n uintptr) {
	clear(PhysBytes(p, int(n)))
}
