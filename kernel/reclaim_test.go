//go:build !tamago

package kernel

import (
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// vm.swappiness= sets the MM's swappiness; a bad value is reported and
// ignored, leaving Linux's default.
func TestApplySwappiness(t *testing.T) {
	for i, tc := range []struct {
		cmdline string
		lines   []string
		want    int
	}{
		{"", nil, vm.DefaultSwappiness},
		{"vm.swappiness=0", []string{"vm.swappiness: 0"}, 0},
		{"vm.swappiness=200", []string{"vm.swappiness: 200"}, 200},
		{"vm.swappiness=201", []string{"error: vm.swappiness=201: want a whole number, 0 to 200 (ignored)"}, vm.DefaultSwappiness},
		{"vm.swappiness=-1", []string{"error: vm.swappiness=-1: want a whole number, 0 to 200 (ignored)"}, vm.DefaultSwappiness},
	} {
		t.Run(tc.cmdline, func(t *testing.T) {
			m := newSimMM(t, 0x38_0000_0000+uint64(i)<<30, 16<<20)
			c, err := boot.ParseCmdline(tc.cmdline)
			if err != nil {
				t.Fatal(err)
			}
			if got := ApplySwappiness(m, c); !slices.Equal(got, tc.lines) || m.Swappiness() != tc.want {
				t.Fatalf("lines %q, swappiness %d; want %q, %d", got, m.Swappiness(), tc.lines, tc.want)
			}
		})
	}
}
