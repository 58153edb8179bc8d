package kernel

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// TraceSize is how many faults the trace keeps: the last ones.
const TraceSize = 4096

// TraceEntry is one fault of the mapping window.
type TraceEntry struct {
	NS     int64 // time since boot
	Addr   mm.VirtAddr
	Access vm.Access
	Kind   vm.FaultKind
	Cycles uint64 // TSC cycles the resolution took
}

// Trace is a fixed-size ring of the last faults. Recording runs on the
// fault path: it writes into the array and allocates nothing.
type Trace struct {
	on  bool
	n   uint64 // entries recorded since the trace was turned on
	buf [TraceSize]TraceEntry
}

func (t *Trace) record(e TraceEntry) {
	t.buf[t.n%TraceSize] = e
	t.n++
}

// last returns up to n of the most recent entries, oldest first.
func (t *Trace) last(n int) []TraceEntry {
	k := min(uint64(n), t.n, TraceSize)
	out := make([]TraceEntry, 0, k)
	for i := t.n - k; i < t.n; i++ {
		out = append(out, t.buf[i%TraceSize])
	}
	return out
}

func cmdTrace(sh *Shell, args []string) error {
	s, err := sh.spaces()
	if err != nil {
		return err
	}
	t := &s.trace
	switch args[0] {
	case "on":
		if len(args) != 1 {
			return fmt.Errorf("usage: trace on")
		}
		t.on, t.n = true, 0
	case "off":
		if len(args) != 1 {
			return fmt.Errorf("usage: trace off")
		}
		t.on = false
	case "show":
		n := uint64(20)
		if len(args) == 2 {
			if n, err = ParseNumber(args[1]); err != nil {
				return err
			}
			if n == 0 || n > TraceSize {
				return fmt.Errorf("N out of range 1..%d", TraceSize)
			}
		} else if len(args) > 2 {
			return fmt.Errorf("usage: trace show [N]")
		}
		state := "off"
		if t.on {
			state = "on"
		}
		sh.Printf("# trace %s, %d faults recorded; time, address, access, kind, cycles\n", state, t.n)
		for _, e := range t.last(int(n)) {
			sh.Printf("%d.%09d %#x %s %s %d\n", e.NS/1e9, e.NS%1e9, uint64(e.Addr), e.Access, e.Kind, e.Cycles)
		}
	default:
		return fmt.Errorf("unknown subcommand %q (on, off, show [N])", args[0])
	}
	return nil
}
