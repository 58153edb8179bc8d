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

// transparent_hugepage= sets the MM's mode; a bad value is reported and
// the default kept.
func TestApplyTHP(t *testing.T) {
	for i, tc := range []struct {
		cmdline string
		lines   []string
		want    vm.THPMode
	}{
		{"", nil, DefaultTHP},
		{"transparent_hugepage=never", []string{"transparent_hugepage: never"}, vm.THPNever},
		{"transparent_hugepage=madvise", []string{"transparent_hugepage: madvise"}, vm.THPMadvise},
		{"transparent_hugepage=always", []string{"transparent_hugepage: always"}, vm.THPAlways},
		{"transparent_hugepage=sometimes", []string{"error: transparent_hugepage=sometimes: want always, madvise or never (using always)"}, DefaultTHP},
	} {
		t.Run(tc.cmdline, func(t *testing.T) {
			m := newSimMM(t, 0x38_8000_0000+uint64(i)<<30, 16<<20)
			c, err := boot.ParseCmdline(tc.cmdline)
			if err != nil {
				t.Fatal(err)
			}
			if got := ApplyTHP(m, c); !slices.Equal(got, tc.lines) || m.THP() != tc.want {
				t.Fatalf("lines %q, mode %v; want %q, %v", got, m.THP(), tc.lines, tc.want)
			}
		})
	}
}

// memory.max= sets the cap (a size or max); a bad value is reported and
// ignored, leaving none.
func TestApplyMemoryMax(t *testing.T) {
	for i, tc := range []struct {
		cmdline string
		lines   []string
		want    uint64
	}{
		{"", nil, vm.MaxNone},
		{"memory.max=16M", []string{"memory.max: 16777216"}, 16 << 20},
		{"memory.max=0x1000", []string{"memory.max: 4096"}, 4096},
		{"memory.max=max", []string{"memory.max: max"}, vm.MaxNone},
		{"memory.max=lots", []string{`error: memory.max=lots: bad number "lots": unexpected 'l' (ignored)`}, vm.MaxNone},
		{"memory.max=100", []string{"error: memory.max=100: vm: invalid argument: memory.max=100 is below one page (ignored)"}, vm.MaxNone},
	} {
		t.Run(tc.cmdline, func(t *testing.T) {
			m := newSimMM(t, 0x3a_0000_0000+uint64(i)<<30, 16<<20)
			if err := m.EnableReclaim("lru2q", nil, nil); err != nil {
				t.Fatal(err)
			}
			c, err := boot.ParseCmdline(tc.cmdline)
			if err != nil {
				t.Fatal(err)
			}
			if got := ApplyMemoryMax(m, c); !slices.Equal(got, tc.lines) || m.MemoryMax() != tc.want {
				t.Fatalf("lines %q, memory.max %d; want %q, %d", got, m.MemoryMax(), tc.lines, tc.want)
			}
		})
	}
}
