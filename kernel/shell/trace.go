package shell

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/proc"
)

func cmdTrace(sh *Shell, args []string) error {
	s, err := sh.spaces()
	if err != nil {
		return err
	}
	t := s.Trace()
	switch args[0] {
	case "on":
		if len(args) != 1 {
			return fmt.Errorf("usage: trace on")
		}
		t.On()
	case "off":
		if len(args) != 1 {
			return fmt.Errorf("usage: trace off")
		}
		t.Off()
	case "show":
		n := uint64(20)
		if len(args) == 2 {
			if n, err = mm.ParseSize(args[1]); err != nil {
				return err
			}
			if n == 0 || n > proc.TraceSize {
				return fmt.Errorf("N out of range 1..%d", proc.TraceSize)
			}
		} else if len(args) > 2 {
			return fmt.Errorf("usage: trace show [N]")
		}
		state := "off"
		if t.Enabled() {
			state = "on"
		}
		sh.Printf("# trace %s, %d faults recorded; time, address, access, kind, cycles\n", state, t.Recorded())
		for _, e := range t.Last(int(n)) {
			sh.Printf("%d.%09d %#x %s %s %d\n", e.NS/1e9, e.NS%1e9, uint64(e.Addr), e.Access, e.Kind, e.Cycles)
		}
	default:
		return fmt.Errorf("unknown subcommand %q (on, off, show [N])", args[0])
	}
	return nil
}
