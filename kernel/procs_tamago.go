//go:build tamago

package kernel

import (
	"io"
	"time"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/lock"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/proc"
)

// VectorPreempt is the LAPIC timer's vector while user programs run:
// its interrupt brings a spinning program back to the kernel, whose
// goroutine then yields (proc's run loop).
const VectorPreempt = 0xf1

// TimeSlice is how long a program runs in ring 3 before the timer
// interrupts it, when nothing else does first.
const TimeSlice = 10 * time.Millisecond

// StartProcesses makes the process table over the address spaces' MM
// and the files, with the console for the programs' standard streams.
func StartProcesses(big *lock.Kernel, spaces *proc.Spaces, files *vfs.VFS, console io.Writer) *proc.Table {
	arch.HandleIRQ(VectorPreempt, "preempt: LAPIC timer", func() {})
	t := proc.NewTable(big, spaces.MM, files, console, boot.Board{}, nil)
	t.Spaces = spaces
	kernelRoot := uint64(spaces.MM.Kernel)
	t.Leave = func(as *vm.AddressSpace) {
		if arch.LoadedRoot() == uint64(as.Root()) {
			arch.LoadCR3(kernelRoot)
		}
	}
	t.Activate = func(as *vm.AddressSpace) {
		if root := uint64(as.Root()); arch.LoadedRoot() != root {
			arch.LoadCR3(root)
		}
	}
	_, _, _, edx := arch.CPUID(1, 0)
	t.HWCap = uint64(edx)
	t.CPUID, t.TSCHz = arch.CPUID, boot.TSCHz()
	// The preemption timer is the CPU times' tick: it runs while
	// programs do (proc's enter arms it).
	t.Ticks = func() uint64 { return arch.IRQCount(VectorPreempt) }
	t.TickVector, t.TickLen = VectorPreempt, TimeSlice
	return t
}
