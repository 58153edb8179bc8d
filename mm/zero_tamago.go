//go:build tamago

package mm

import arch "github.com/pagoda-os/pagoda/arch/amd64"

// ZeroFrames zeroes n bytes of physical memory at p with the strategy the
// kernel measured fastest on this CPU (arch.SelectZero).
//
// Preconditions: p is page-aligned and n a multiple of PageSize.
func ZeroFrames(p PhysAddr, n uintptr) {
	arch.Zero(uintptr(DirectMap(p, n)), n)
}
