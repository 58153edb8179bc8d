//go:build tamago

package boot

import (
	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=4)
// turns a write of v to its port into QEMU's exit status (v << 1) | 1.
const debugExitPort arch.Port = 0xf4

// Halt stops the machine with status n (0..MaxHaltStatus): QEMU exits with
// status 2n+1. Without the isa-debug-exit device the CPU halts for ever.
func Halt(n uint8) {
	arch.Outl(debugExitPort, uint32(n))
	print("pagoda: isa-debug-exit is not present; CPU halted\n")
	arch.Halt()
}

// runtimeExit is goos.Exit: the runtime calls it for a fatal panic, a
// throw or os.Exit. None of those is a clean halt: the machine resets by
// triple fault, which QEMU (-no-reboot) reports as exit status 0, a value
// no Halt can produce.
func runtimeExit(code int32) {
	print("pagoda: kernel panic (runtime exit ", code, "): resetting\n")
	arch.TripleFault()
}

// PanicHalt stops the machine as a kernel panic does (QEMU status 0).
func PanicHalt() {
	print("pagoda: kernel panic: resetting\n")
	arch.TripleFault()
}

// WriteConsole writes p to COM1 as it is, without allocating: for the
// kernel-bug report, which runs on the system stack.
func WriteConsole(p []byte) {
	for _, c := range p {
		printk(c)
	}
}
