//go:build tamago

package kernel

import (
	"unsafe"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// machineProbe is the Prober of the real machine: byte-wide loads and
// stores fixed up through the exception table.
type machineProbe struct{}

func (machineProbe) Peek(addr uint64, p []byte) (int, *arch.FaultError) {
	n, ok := arch.Peek(uintptr(addr), p)
	if ok {
		return n, nil
	}
	return n, probeFault()
}

func (machineProbe) Poke(addr uint64, p []byte) (int, *arch.FaultError) {
	n, ok := arch.Poke(uintptr(addr), p)
	if ok {
		return n, nil
	}
	return n, probeFault()
}

// probeFault describes the fault the last probe took.
func probeFault() *arch.FaultError {
	f := lastProbeFault
	reason := arch.ReasonNotMapped
	if f.code&arch.PFPresent != 0 {
		reason = arch.ReasonProtection
	}
	return &arch.FaultError{Addr: f.addr, Access: arch.AccessOf(f.code), Reason: reason, Code: f.code}
}

// Crash writes to address 8: page 0 is never mapped, and this is no probe
// and no window, so the fault is a kernel bug. With stack, it overflows
// the stack into page 0 instead.
func (machineProbe) Crash(stack bool) {
	if stack {
		arch.CrashStack()
	}
	addr := uintptr(8)
	*(*uint64)(*(*unsafe.Pointer)(unsafe.Pointer(&addr))) = 0x2a
}

// MachineProbe returns the real machine's Prober.
func MachineProbe() Prober { return machineProbe{} }
