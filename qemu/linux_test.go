package qemu

import (
	"strings"
	"testing"
)

// The Linux guest's command line names the TSC and LAPIC timer
// frequencies (microvm gives Linux nothing to calibrate them against):
// 1 GHz under icount, where the watchdog is left on.
func TestLinuxAppend(t *testing.T) {
	got, err := LinuxAppend(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"console=ttyS0", "tsc_early_khz=1000000", "lapic_timer_period=4000000"} {
		if !strings.Contains(" "+got+" ", " "+w+" ") {
			t.Errorf("LinuxAppend(true) = %q, lacks %q", got, w)
		}
	}
	if strings.Contains(got, "tsc=reliable") {
		t.Errorf("LinuxAppend(true) = %q: tsc=reliable changes the measured kernel", got)
	}
	if got, err := LinuxAppend(false); err == nil && !strings.Contains(got, "tsc=reliable") {
		t.Errorf("LinuxAppend(false) = %q, lacks tsc=reliable", got)
	}
}
