package proc

import "time"

// Machine is what the process layer and the shell need of the hardware
// below them: a clock, a cycle counter, and a way to stop.
type Machine interface {
	// Uptime is the time since the kernel was entered.
	Uptime() time.Duration
	// Realtime is the wall clock, CLOCK_REALTIME: nanoseconds since
	// 1970, UTC (the time of day read at boot, plus the uptime since).
	Realtime() int64
	// Cycles reads the CPU's cycle counter (the TSC).
	Cycles() uint64
	// Halt stops the machine with status (0..127). On bare metal it
	// does not return.
	Halt(status uint8)
}

// WindowMemory makes real loads and stores in the mapping window of the
// current address space: every fault they take is a real fault, resolved
// by the address space or raised as a *arch.FaultError panic.
type WindowMemory interface {
	Load64(va uint64) uint64
	Store64(va uint64, v uint64)
	// Touch makes one access at va: a byte load, or a store of a zero
	// byte. (A read-modify-write that kept the byte would fault twice
	// under QEMU's TCG, which loads before it stores.)
	Touch(va uint64, write bool)
}
