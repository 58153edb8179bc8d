package qemu

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// Ring 3: selftest ring3 runs a program in user mode through
// arch.Switch and checks each way back (SYSCALL, page faults, #UD, #GP,
// an interrupt), the state kept across (registers, FS base, XMM0) and
// the rules of entry (a non-canonical address refused, RFLAGS and MXCSR
// made safe);
// SMEP and SMAP are on (QEMU's -cpu max has both), and SMAP makes a
// kernel load from a user page fault.
// It runs twice in one boot: the kernel goes on after user faults, and
// gives back its frames.
func TestSelftestRing3(t *testing.T) {
	vm := boot(t, Options{})
	for round := 1; round <= 2; round++ {
		out, err := vm.Run("selftest ring3", 2*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(out)
		for _, re := range []string{
			`(?m)^ring3: SMEP on, SMAP on$`,
			`(?m)^ring3: SMAP: kernel load from a user page: read of 0x230000000000: protection violation \(error 0x1\)$`,
			`(?m)^ring3: syscall: rax=39 rcx=0x230000000007 \(the next rip\) r11=0x202 \(rflags\), other registers kept$`,
			`(?m)^ring3: sysret resume: result 0x5eed000000000001 seen by ring 3 in rbx and on its stack$`,
			`(?m)^ring3: load from kernel address (0x[0-9a-f]+): exception 14 \(page fault\) error 0x5 cr2 (0x[0-9a-f]+)$`,
			`(?m)^ring3: store to the read-only code page: exception 14 \(page fault\) error 0x7 cr2 0x230000000000$`,
			`(?m)^ring3: fetch from the no-execute stack: exception 14 \(page fault\) error 0x15 cr2 0x230000002000$`,
			`(?m)^ring3: ud2: exception 6 \(invalid opcode\) error 0x0$`,
			`(?m)^ring3: hlt: exception 13 \(general protection\) error 0x0$`,
			`(?m)^ring3: fs base 0x230000002000: fs:\[0\] = 0x7153715371537153$`,
			`(?m)^ring3: xmm0 = 0x1122334455667788 kept across Go code, mxcsr 0x1f80$`,
			`(?m)^ring3: entry rules: non-canonical rip, rsp, fs base refused \(#GP\); rflags 0x200202, mxcsr 0x1f80 in ring 3$`,
			`(?m)^ring3: interrupt in ring 3: interrupt 240, counted, rip 0x2300000000a0 kept$`,
			`(?m)^ring3: syscall round trip \(Switch in, SYSCALL out\), 10000 each: sysretq \d+ cycles \(\d+ ns\), iretq \d+ cycles \(\d+ ns\) \(TSC\)$`,
			`(?m)^ring3: ok$`,
		} {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("selftest ring3, round %d, lacks %s:\n%s", round, re, out)
			}
		}
		if strings.Count(out, "\n") != 15 {
			t.Errorf("selftest ring3, round %d: %d lines, want 15", round, strings.Count(out, "\n"))
		}
	}
	// The kernel's own faults still go to the trap policy.
	if got := run(t, vm, "peek 0 8"); !strings.HasPrefix(got, "fault: read of 0x0: ") {
		t.Errorf("peek 0 after ring 3: %q", got)
	}
	if got := run(t, vm, "echo alive"); got != "alive\n" {
		t.Errorf("echo after ring 3: %q", got)
	}
}
