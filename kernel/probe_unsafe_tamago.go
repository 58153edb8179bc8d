//go:build tamago

package kernel

import (
	"unsafe"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/trap"
)

// MachineProber is the Prober of the real machine: byte-wide loads and
// stores fixed up through the exception table.
type MachineProber struct{}

// nonCanonical reports the first non-canonical byte of [addr, addr+n):
// accessing it would raise #GP, not #PF. The canonical addresses are
// [0, 2^47) and [2^64-2^47, 2^64).
func nonCanonical(addr uint64, n int) (*arch.FaultError, bool) {
	const lowEnd, highStart = 1 << 47, ^uint64(0) - (1 << 47) + 1
	last := addr + uint64(n) - 1
	var bad uint64
	switch {
	case addr >= lowEnd && addr < highStart:
		bad = addr
	case addr < lowEnd && last >= lowEnd:
		bad = lowEnd
	default:
		return nil, false
	}
	return &arch.FaultError{Addr: bad, Reason: arch.ReasonNotMapped}, true
}

func (MachineProber) Peek(addr uint64, p []byte) (int, *arch.FaultError) {
	if fe, bad := nonCanonical(addr, len(p)); bad {
		return 0, fe
	}
	n, ok := arch.Peek(uintptr(addr), p)
	if ok {
		return n, nil
	}
	return n, trap.ProbeFault()
}

func (MachineProber) Poke(addr uint64, p []byte) (int, *arch.FaultError) {
	if fe, bad := nonCanonical(addr, len(p)); bad {
		fe.Access = arch.Write
		return 0, fe
	}
	n, ok := arch.Poke(uintptr(addr), p)
	if ok {
		return n, nil
	}
	return n, trap.ProbeFault()
}

// Crash writes to address 8: page 0 is never mapped, and this is no probe
// and no window, so the fault is a kernel bug. With stack, it overflows
// the stack into page 0 instead.
func (MachineProber) Crash(stack bool) {
	if stack {
		arch.CrashStack()
	}
	addr := uintptr(8)
	*(*uint64)(*(*unsafe.Pointer)(unsafe.Pointer(&addr))) = 0x2a
}

// MachineProbe returns the real machine's prober (the shell's Prober).
func MachineProbe() MachineProber { return MachineProber{} }
