package kernel

import (
	"errors"
	"strconv"
)

// IRQLine is one line of the interrupts command: a vector that has a
// handler or has fired.
type IRQLine struct {
	Vector int
	// GSI is the IOAPIC input routed to Vector; -1 for a local source
	// (the LAPIC timer) or none.
	GSI   int
	Count uint64
	Name  string
}

// IRQReport is what the interrupts command prints: the vectors in
// increasing order, and the interrupts that found the service goroutine
// already awake (Linux's MIS line counts a different kind of miss, but is
// the place such a figure goes).
type IRQReport struct {
	Lines      []IRQLine
	WakeMisses uint64
}

func cmdInterrupts(sh *Shell, _ []string) error {
	if sh.cfg.Interrupts == nil {
		return errors.New("no interrupts in this kernel")
	}
	r := sh.cfg.Interrupts()
	// As /proc/interrupts: the vector (decimal), the count, the
	// controller and input, the handler's name.
	sh.Printf("%4s %10s  %-16s %s\n", "VEC", "CPU0", "SOURCE", "NAME")
	for _, l := range r.Lines {
		src := "LAPIC"
		if l.GSI >= 0 {
			src = "IO-APIC " + strconv.Itoa(l.GSI) + "-edge"
		}
		sh.Printf("%3d: %10d  %-16s %s\n", l.Vector, l.Count, src, l.Name)
	}
	sh.Printf("%4s %10d\n", "MIS:", r.WakeMisses)
	return nil
}
