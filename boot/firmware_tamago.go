//go:build tamago

package boot

import (
	"fmt"
	"time"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// Machine is what the firmware told the kernel, read once at boot.
type Machine struct {
	StartInfo StartInfo
	Layout    Layout
	Cmdline   Cmdline
	// Errors met while reading the firmware's tables; the kernel prints
	// them and runs with what could be read.
	Errors []error
}

var machine Machine

func readFirmware() {
	si, err := ParseStartInfo(readPhys, PhysAddr(startInfoPA))
	if err != nil {
		machine.Errors = append(machine.Errors, err)
		return
	}
	machine.StartInfo = si
	if machine.Layout, err = Plan(si.Memmap); err != nil {
		machine.Errors = append(machine.Errors, fmt.Errorf("%w (RAM %d MiB)", err, machine.Layout.Total()>>20))
	}
	if machine.Cmdline, err = ParseCmdline(si.Cmdline); err != nil {
		machine.Errors = append(machine.Errors, err)
	}
}

// Info returns what the firmware told the kernel.
func Info() *Machine { return &machine }

// Console returns the console: a channel of received bytes, fed by a
// polling goroutine, and a writer.
func Console() (<-chan byte, consoleWriter) {
	ch := make(chan byte, 256)
	go readConsole(ch)
	return ch, consoleWriter{}
}

// Board is the kernel's handle on the machine: the clock and the exit.
type Board struct{}

// Uptime is the time since kernel entry.
func (Board) Uptime() time.Duration { return time.Duration(nanotime()) }

// Cycles reads the TSC.
func (Board) Cycles() uint64 { return arch.RDTSC() }

// Halt stops the machine; QEMU exits with status 2*status+1.
func (Board) Halt(status uint8) { Halt(status) }
