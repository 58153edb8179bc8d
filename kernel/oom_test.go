//go:build !tamago

package kernel

import (
	"regexp"
	"slices"
	"strings"
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

// Under mm.oom=kill, an address space that runs out of memory has the
// largest other one killed: the shell reports it after the command,
// frees it, and the command completes.
func TestShellOOMKill(t *testing.T) {
	run, _ := simShellMM(t, 0x35_0000_0000, 16<<20, func(m *vm.MM) { m.SetOOMPolicy(vm.OOMKill) })
	a := strings.TrimSpace(run("mmap 10M rw private,anon,noreserve"))
	if out := run("fill " + a + " 10M 1"); out != "" {
		t.Fatalf("fill in 1: %q", out)
	}
	if out := run("as new"); out != "2\n" {
		t.Fatalf("as new: %q", out)
	}
	run("as switch 2")
	b := strings.TrimSpace(run("mmap 10M rw private,anon,noreserve"))
	out := run("fill " + b + " 10M 2")
	if !regexp.MustCompile(`^Out of memory: Killed address space 1, anon-rss:\d+kB, swap:0kB; \d+kB freed\n$`).MatchString(out) {
		t.Fatalf("fill in 2: %q", out)
	}
	if out := run("check " + b + " 10M 2"); out != "ok\n" {
		t.Fatalf("check in 2: %q", out)
	}
	if out := run("as"); strings.Contains(out, "\n1 ") || strings.Count(out, "\n") != 2 {
		t.Fatalf("as after the kill:\n%s", out)
	}
	if out := run("vmstat"); !strings.Contains(out, "\noom_kill 1\n") {
		t.Fatalf("vmstat:\n%s", out)
	}
	// The faulting address space is the largest: it is the victim, its
	// access fails, and it is emptied but stays current.
	c := strings.TrimSpace(run("mmap 16M rw private,anon,noreserve"))
	out = run("fill " + c + " 16M 3")
	// (The simulated window reports no reason: the boot test checks it.)
	want := "^Out of memory: Killed address space 2, .*\naddress space 2 was current: its mappings are gone, it stays current\nfault: write of 0x[0-9a-f]+: .*\n$"
	if !regexp.MustCompile(want).MatchString(out) {
		t.Fatalf("fill in 2 past memory:\n%s", out)
	}
	if out := run("maps"); out != "" {
		t.Fatalf("maps of the killed current address space: %q", out)
	}
}
