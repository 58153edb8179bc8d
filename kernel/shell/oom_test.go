//go:build !tamago

package shell

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm/vm"
)

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
	if !regexp.MustCompile(`^Out of memory: Killed address space 1, anon-rss:\d+kB, swap:0kB, pgtables:\d+kB; \d+kB freed\n$`).MatchString(out) {
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

// meminfo shows CommitLimit and Committed_AS, which follow the mappings.
func TestMeminfoCommit(t *testing.T) {
	run, mem := simShell(t, 0x40_0000_0000, 64<<20)
	limit := mem.Frames.Stats().ManagedPages / 2 * 4
	committed := func() int {
		t.Helper()
		out := run("meminfo")
		if !strings.Contains(out, fmt.Sprintf("\nCommitLimit:    %8d kB\n", limit)) {
			t.Fatalf("meminfo: no CommitLimit of %d kB:\n%s", limit, out)
		}
		m := regexp.MustCompile(`(?m)^SwapFree: .*\nCommitLimit: .*\nCommitted_AS: +(\d+) kB\nAnonHugePages: .*\nFrameTable:`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("meminfo: no Committed_AS after CommitLimit:\n%s", out)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if n := committed(); n != 0 {
		t.Errorf("Committed_AS %d kB at first", n)
	}
	a := strings.TrimSpace(run("mmap 64K rw private,anon"))
	r := strings.TrimSpace(run("mmap 1M r private,anon"))
	run("mmap 128K r shared,anon")
	if n := committed(); n != 64+128 {
		t.Errorf("Committed_AS %d kB, want %d", n, 64+128)
	}
	run("mprotect " + r + " 1M rw")
	run("fork")
	if n := committed(); n != 2*(64+1024)+128 {
		t.Errorf("Committed_AS %d kB after mprotect and fork, want %d", n, 2*(64+1024)+128)
	}
	run("as free 2")
	run("munmap " + a + " 32K")
	if n := committed(); n != 32+1024+128 {
		t.Errorf("Committed_AS %d kB after munmap, want %d", n, 32+1024+128)
	}
}
