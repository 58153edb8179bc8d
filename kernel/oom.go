package kernel

import (
	"fmt"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// ApplyOOM sets m's OOM policy from mm.oom= (error or kill; mm/vm's
// oom.go) and returns the boot log's line: the policy when the option
// was given, or the error (the option is then ignored).
func ApplyOOM(m *vm.MM, c boot.Cmdline) []string {
	v, ok := c.Get("mm.oom")
	if !ok {
		return nil
	}
	p, err := vm.ParseOOMPolicy(v)
	if err != nil {
		return []string{fmt.Sprintf("error: mm.oom=%s: %v (ignored)", v, err)}
	}
	m.SetOOMPolicy(p)
	if p == vm.OOMKill {
		return []string{"mm.oom: kill: out of memory and swap, a fault kills the largest address space"}
	}
	return []string{"mm.oom: error: out of memory and swap, the faulting access fails"}
}
