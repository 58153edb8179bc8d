//go:build tamago

package boot

import (
	"runtime"
	"runtime/goos"
	_ "unsafe" // go:linkname

	"github.com/usbarmory/tamago/amd64"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// TamaGo runtime/goos hooks. The tamago amd64 package provides Hwinit0,
// InitRNG (RDRAND) and RamStackOffset; this board provides the rest. The
// build tags linkcpuinit and linkramstart hand CPUInit (entry_tamago.s) and
// RamStart to this package.

// The runtime region's virtual address: the kernel window (memlayout.go).
//
//go:linkname ramStart runtime/goos.RamStart
var ramStart uint64 = KWindow + uint64(RuntimeStart)

//go:linkname ramSize runtime/goos.RamSize
var ramSize uint64 = RuntimeSize

// clock is the system clock: nanoseconds since kernel entry (the entry code
// stores the TSC at entry in clock.origin). Until calibration in hwinit1 it
// assumes a 10 GHz TSC, so that early time runs slow and calibration only
// ever moves it forward.
var clock = tscClock{origin: 0, mult: 1 << 32 / 10, hz: 10e9}

//go:linkname nanotime runtime/goos.Nanotime
func nanotime() int64 {
	return clock.nanos(arch.RDTSC())
}

//go:linkname printk runtime/goos.Printk
func printk(c byte) {
	if c == '\n' {
		com1.tx('\r')
	}
	com1.tx(c)
}

// hwinit1 runs on the system stack once the scheduler is set up and before
// any package init: the console and the clock. Code here must not defer,
// allocate much, or format with fmt.
//
//go:linkname hwinit1 runtime/goos.Hwinit1
func hwinit1() {
	com1.init()
	g0, _ := runtime.GetG() // hwinit1 runs on g0
	arch.BootCPU().SetSystemG(uintptr(g0))
	goos.Exit = runtimeExit
	goos.Idle = idle
	calibrateClock()
}

func init() {
	// The firmware's tables are parsed here, in an ordinary goroutine:
	// errors are formatted with fmt, which may not run in hwinit1 on the
	// system stack (it defers). Nothing has touched low memory yet.
	readFirmware()
	readWallClock()
	// CPU exceptions (vectors 0-31) print their vector and the faulting
	// Go source line, then panic. The paging issue replaces the #PF and
	// #DF entries with Pagoda's own resumable handlers.
	cpu := &amd64.CPU{}
	cpu.EnableExceptions()
}

// idle is called by the scheduler when no goroutine can run until
// pollUntil. It spins: interrupts are on once the kernel has started
// (kernel.StartInterrupts), but nothing arms the LAPIC timer for
// pollUntil, so a HLT could sleep past a goroutine's deadline.
func idle(pollUntil int64) {
	if f := OnIdle; f != nil {
		f()
	}
}

// OnIdle, when set, runs each time the scheduler finds nothing to run:
// the kernel wakes its interrupt service goroutine from here, where the
// runtime is not in the middle of changing its timers.
var OnIdle func()
