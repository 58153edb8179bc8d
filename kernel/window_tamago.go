//go:build tamago

package kernel

import (
	"unsafe"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/proc"
	"github.com/pagoda-os/pagoda/trap"
)

// machineWindow is the real machine's proc.WindowMemory: plain loads and stores
// through the current address space's page tables. Their faults are real
// #PFs: resolved by the address space, or a *arch.FaultError panic.
type machineWindow struct{}

func ptr64(va uint64) *uint64 { return *(**uint64)(unsafe.Pointer(&va)) }

func (machineWindow) Load64(va uint64) uint64     { return *ptr64(va) }
func (machineWindow) Store64(va uint64, v uint64) { *ptr64(va) = v }

func (machineWindow) Touch(va uint64, write bool) {
	p := *(**uint8)(unsafe.Pointer(&va))
	if write {
		*p = 0
		return
	}
	touchSink = *p
}

// touchSink keeps Touch's load from being optimized away.
var touchSink uint8

// StartSpaces makes the address-space machinery: the MM over the frame
// allocator with the kernel's PML4 shared, the first address space made
// current (CR3), and the window's faults routed to the current one.
func StartSpaces(frames *frame.Allocator, kernelRoot mm.PhysAddr) (*proc.Spaces, proc.WindowMemory, error) {
	m, err := vm.NewMM(frames, vm.TableFrames(frames), WindowStart, WindowEnd, kernelRoot)
	if err != nil {
		return nil, nil, err
	}
	s, err := proc.NewSpaces(m, func(root mm.PhysAddr) { arch.LoadCR3(uint64(root)) }, boot.Board{})
	if err != nil {
		return nil, nil, err
	}
	trap.SetWindowResolver(s.Resolve)
	return s, machineWindow{}, nil
}
