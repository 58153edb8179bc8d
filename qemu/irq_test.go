package qemu

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Interrupts without a device: selftest irq takes 100 LAPIC timer
// interrupts in a blocked goroutine and 20 RTC interrupts through the
// IOAPIC, with page faults taken while interrupts are on; interrupts
// counts them per vector. Address-space faults still resolve afterwards.
func TestSelftestIRQ(t *testing.T) {
	vm := boot(t, Options{})
	if !strings.Contains(vm.Log(), "interrupts on: IOAPIC at 0xfec00000 (GSI 0-23) IOAPIC at 0xfec10000 (GSI 24-47)\n") {
		t.Errorf("the boot log does not report both of microvm's IOAPICs")
	}
	header := " VEC       CPU0  SOURCE           NAME\n"
	// The preemption timer's vector has its handler from boot; it fires
	// only while a user program runs.
	preempt := "241:          0  LAPIC            preempt: LAPIC timer\n"
	if got := run(t, vm, "interrupts"); got != header+preempt+"MIS:          0\n" {
		t.Errorf("interrupts before any: %q", got)
	}
	rtcTotal := 0 // the RTC interrupts the self-tests counted, to their stops
	for round := 1; round <= 2; round++ {
		out, err := vm.Run("selftest irq", 2*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []string{
			`(?m)^irq: rtc: 20 interrupts through the IOAPIC \(GSI 8, vector 40\) in \d+ ms, \d+ counted to the stop$`,
			`(?m)^irq: 100/100 delivered, wake latency min/avg/max \d+/\d+/\d+ us$`,
			`(?m)^irq: 100 page faults resolved with interrupts on$`,
		} {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("selftest irq, round %d, lacks %s:\n%s", round, re, out)
			}
		}
		t.Log(out)
		if m := regexp.MustCompile(`(?m), (\d+) counted to the stop$`).FindStringSubmatch(out); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n < 20 {
				t.Errorf("round %d: the self-test counted %d RTC interrupts, fewer than it waited for", round, n)
			}
			rtcTotal += n
		}
		got := run(t, vm, "interrupts")
		m := regexp.MustCompile(`^` + regexp.QuoteMeta(header) +
			` 40: +(\d+)  IO-APIC 8-edge   selftest: rtc\n` +
			`240: +(\d+)  LAPIC            selftest: LAPIC timer\n` +
			regexp.QuoteMeta(preempt) +
			`MIS: +\d+\n$`).FindStringSubmatch(got)
		if m == nil {
			t.Fatalf("interrupts after round %d: %q", round, got)
		}
		// The RTC fires until its stop, more than 20 times on a slow
		// host: the vector's count is exactly what the self-tests
		// counted to their stops. The LAPIC timer is one-shot and exact.
		if n, _ := strconv.Atoi(m[1]); n != rtcTotal {
			t.Errorf("round %d: rtc counted %s, the self-tests %d", round, m[1], rtcTotal)
		}
		if want := map[int]string{1: "100", 2: "200"}[round]; m[2] != want {
			t.Errorf("round %d: LAPIC timer counted %s, want %s", round, m[2], want)
		}
	}
	// Demand faults of an address space, with interrupts on.
	addr := strings.TrimSpace(run(t, vm, "mmap 16M rw private,anon"))
	if out := run(t, vm, "touch "+addr+" 16M w"); !regexp.MustCompile(`^touched 4096 pages: 4096 faults, `).MatchString(out) {
		t.Errorf("touch: %q", out)
	}
	if got := run(t, vm, "selftest nope"); got != "error: selftest: unknown self-test \"nope\" (have: paging, tlb, irq, ring3)\n" {
		t.Errorf("unknown selftest: %q", got)
	}
	halt(t, vm, 0)
}
