//go:build !tamago

package shell

import (
	arch "github.com/pagoda-os/pagoda/arch/amd64"

	"strings"
	"testing"
)

func TestInterruptsCommand(t *testing.T) {
	report := arch.IRQReport{
		Lines: []arch.IRQLine{
			{Vector: 40, GSI: 8, Count: 20, Name: "selftest: rtc"},
			{Vector: 71, GSI: 47, Count: 0, Name: "virtio-blk"},
			{Vector: 240, GSI: -1, Count: 1234567, Name: "selftest: LAPIC timer"},
		},
		WakeMisses: 3,
	}
	for _, tc := range []struct {
		name string
		fn   func() arch.IRQReport
		want string
	}{
		{"report", func() arch.IRQReport { return report }, "" +
			" VEC       CPU0  SOURCE           NAME\n" +
			" 40:         20  IO-APIC 8-edge   selftest: rtc\n" +
			" 71:          0  IO-APIC 47-edge  virtio-blk\n" +
			"240:    1234567  LAPIC            selftest: LAPIC timer\n" +
			"MIS:          3\n"},
		{"no interrupts", nil, "error: interrupts: no interrupts in this kernel\n"},
	} {
		var out strings.Builder
		sh := NewShell(Config{Machine: &fakeMachine{}, Out: &out, Interrupts: tc.fn})
		sh.Exec("interrupts")
		if out.String() != tc.want {
			t.Errorf("%s: interrupts printed\n%s\nwant\n%s", tc.name, out.String(), tc.want)
		}
	}
}
