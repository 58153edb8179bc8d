package kernel

import (
	"fmt"
	"math"
	"strconv"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// The kernel options mm.overcommit=0|1|2 and mm.overcommit_ratio=PERCENT
// set the commit-accounting policy (mm/vm/commit.go), as Linux's sysctls
// vm.overcommit_memory and vm.overcommit_ratio: 0 the heuristic (the
// default), 1 always, 2 never beyond CommitLimit, which counts PERCENT
// of managed memory (default 50) plus swap.

// ParseOvercommit parses mm.overcommit's value: 0, 1 or 2.
func ParseOvercommit(s string) (vm.Overcommit, error) {
	switch s {
	case "0":
		return vm.OvercommitGuess, nil
	case "1":
		return vm.OvercommitAlways, nil
	case "2":
		return vm.OvercommitNever, nil
	}
	return 0, fmt.Errorf("want 0 (heuristic), 1 (always) or 2 (never)")
}

// ParseOvercommitRatio parses mm.overcommit_ratio's value: a whole
// percentage in decimal, up to Linux's largest (an int).
func ParseOvercommitRatio(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > math.MaxInt32 {
		return 0, fmt.Errorf("want a whole percentage, 0 to %d", math.MaxInt32)
	}
	return n, nil
}

// ApplyOvercommit sets m's policy from the command line and returns the
// lines the boot log prints: an error for each invalid option (which is
// then ignored), and the policy in force when either option was given.
func ApplyOvercommit(m *vm.MM, c boot.Cmdline) []string {
	mode, ratio := m.Overcommit()
	var lines []string
	given := false
	if v, ok := c.Get("mm.overcommit"); ok {
		given = true
		if o, err := ParseOvercommit(v); err != nil {
			lines = append(lines, fmt.Sprintf("error: mm.overcommit=%s: %v (ignored)", v, err))
		} else {
			mode = o
		}
	}
	if v, ok := c.Get("mm.overcommit_ratio"); ok {
		given = true
		if r, err := ParseOvercommitRatio(v); err != nil {
			lines = append(lines, fmt.Sprintf("error: mm.overcommit_ratio=%s: %v (ignored)", v, err))
		} else {
			ratio = r
		}
	}
	if !given {
		return nil
	}
	if err := m.SetOvercommit(mode, ratio); err != nil {
		panic("kernel.ApplyOvercommit: a parsed policy refused")
	}
	return append(lines, fmt.Sprintf("mm.overcommit: %d (%v), ratio %d%%: CommitLimit %d kB",
		mode, mode, ratio, commitBytes(m.CommitLimit())>>10))
}

// commitBytes is a page count of commit accounting in bytes, saturated
// (CommitLimit may be unbounded).
func commitBytes(pages uint64) uint64 {
	return min(pages, math.MaxUint64>>mm.PageShift) << mm.PageShift
}
