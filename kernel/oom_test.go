//go:build !tamago

package kernel

import (
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// mm.oom= sets the policy, or is refused with the boot log's error.
func TestApplyOOM(t *testing.T) {
	for i, tc := range []struct {
		cmdline string
		lines   []string
		policy  vm.OOMPolicy
	}{
		{"", nil, vm.OOMError},
		{"mm.oom=kill", []string{"mm.oom: kill: out of memory and swap, a fault kills the largest address space"}, vm.OOMKill},
		{"mm.oom=error", []string{"mm.oom: error: out of memory and swap, the faulting access fails"}, vm.OOMError},
		{"mm.oom=panic", []string{`error: mm.oom=panic: vm: invalid argument: OOM policy "panic" (error or kill) (ignored)`}, vm.OOMError},
	} {
		t.Run(tc.cmdline, func(t *testing.T) {
			m := newSimMM(t, 0x34_0000_0000+uint64(i)<<30, 16<<20)
			c, err := boot.ParseCmdline(tc.cmdline)
			if err != nil {
				t.Fatal(err)
			}
			if got := ApplyOOM(m, c); !slices.Equal(got, tc.lines) {
				t.Errorf("lines %q, want %q", got, tc.lines)
			}
			if m.OOMPolicy() != tc.policy {
				t.Errorf("policy %v, want %v", m.OOMPolicy(), tc.policy)
			}
		})
	}
}
