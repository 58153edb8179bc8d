//go:build tamago

package kernel

import (
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/proc"
	"github.com/pagoda-os/pagoda/trap"
)

// StartSpaces makes the address-space machinery: the MM over the frame
// allocator with the kernel's PML4 shared, the first address space made
// current (CR3), and the window's faults routed to the current one.
func StartSpaces(frames *frame.Allocator, kernelRoot mm.PhysAddr) (*proc.Spaces, proc.WindowMemory, error) {
	m, err := vm.NewMM(frames, vm.TableFrames(frames), WindowStart, WindowEnd, kernelRoot)
	if err != nil {
		return nil, nil, err
	}
	m.HoleStart, m.HoleEnd = HoleStart, HoleEnd
	s, err := proc.NewSpaces(m, func(root mm.PhysAddr) { arch.LoadCR3(uint64(root)) }, boot.Board{})
	if err != nil {
		return nil, nil, err
	}
	trap.SetWindowResolver(s.Resolve)
	return s, machineWindow{}, nil
}
