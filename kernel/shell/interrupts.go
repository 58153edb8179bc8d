package shell

import (
	"errors"
	"strconv"
)

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
