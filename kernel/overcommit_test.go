//go:build !tamago

package kernel

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/sim"
	"github.com/pagoda-os/pagoda/mm/vm"
)

func TestParseOvercommit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want vm.Overcommit
		ok   bool
	}{
		{"0", vm.OvercommitGuess, true}, {"1", vm.OvercommitAlways, true}, {"2", vm.OvercommitNever, true},
		{"3", 0, false}, {"-1", 0, false}, {"", 0, false}, {"never", 0, false}, {"0x2", 0, false}, {" 2", 0, false},
	} {
		got, err := ParseOvercommit(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseOvercommit(%q) = %v, %v", tc.in, got, err)
		}
	}
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"50", 50, true}, {"0", 0, true}, {"100", 100, true}, {"150", 150, true}, {"2147483647", 1<<31 - 1, true},
		{"2147483648", 0, false}, {"-1", 0, false}, {"50%", 0, false}, {"", 0, false}, {"1e2", 0, false}, {"0x10", 0, false},
	} {
		got, err := ParseOvercommitRatio(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseOvercommitRatio(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func FuzzParseOvercommitRatio(f *testing.F) {
	for _, s := range []string{"50", "0", "2147483647", "-1", "1e2", "007"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseOvercommitRatio(s)
		if err != nil {
			return
		}
		if m, _ := strconv.ParseUint(s, 10, 64); m != n || n > 1<<31-1 {
			t.Fatalf("%q parsed as %d", s, n)
		}
	})
}

// newSimMM is an MM over size bytes of simulated memory at base.
func newSimMM(t *testing.T, base uint64, size uint64) *vm.MM {
	t.Helper()
	mem, done := sim.NewMemory(mm.PhysAddr(base), size)
	t.Cleanup(done)
	m, err := vm.NewMM(mem.Frames, mem.Tables, WindowStart, WindowEnd, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestApplyOvercommit(t *testing.T) {
	for i, tc := range []struct {
		cmdline string
		lines   []string
		mode    vm.Overcommit
		ratio   uint64
	}{
		{"", nil, vm.OvercommitGuess, 50},
		{"mm.limit=64M", nil, vm.OvercommitGuess, 50},
		{"mm.overcommit=2", []string{"mm.overcommit: 2 (never), ratio 50%: CommitLimit %d kB"}, vm.OvercommitNever, 50},
		{"mm.overcommit=1 mm.overcommit_ratio=80", []string{"mm.overcommit: 1 (always), ratio 80%: CommitLimit %d kB"}, vm.OvercommitAlways, 80},
		{"mm.overcommit_ratio=100", []string{"mm.overcommit: 0 (guess), ratio 100%: CommitLimit %d kB"}, vm.OvercommitGuess, 100},
		{"mm.overcommit=5 mm.overcommit_ratio=x", []string{
			"error: mm.overcommit=5: want 0 (heuristic), 1 (always) or 2 (never) (ignored)",
			"error: mm.overcommit_ratio=x: want a whole percentage, 0 to 2147483647 (ignored)",
			"mm.overcommit: 0 (guess), ratio 50%: CommitLimit %d kB",
		}, vm.OvercommitGuess, 50},
		{"mm.overcommit=never mm.overcommit_ratio=25", []string{
			"error: mm.overcommit=never: want 0 (heuristic), 1 (always) or 2 (never) (ignored)",
			"mm.overcommit: 0 (guess), ratio 25%: CommitLimit %d kB",
		}, vm.OvercommitGuess, 25},
	} {
		t.Run(tc.cmdline, func(t *testing.T) {
			m := newSimMM(t, 0x30_0000_0000+uint64(i)<<30, 16<<20)
			c, err := boot.ParseCmdline(tc.cmdline)
			if err != nil {
				t.Fatal(err)
			}
			got := ApplyOvercommit(m, c)
			mode, ratio := m.Overcommit()
			if mode != tc.mode || ratio != tc.ratio {
				t.Errorf("policy %v, ratio %d; want %v, %d", mode, ratio, tc.mode, tc.ratio)
			}
			managed := m.Frames.Stats().ManagedPages
			if lim := m.CommitLimit(); lim != managed*tc.ratio/100 {
				t.Errorf("CommitLimit %d pages, want %d%% of %d", lim, tc.ratio, managed)
			}
			var want []string
			for _, l := range tc.lines {
				want = append(want, strings.Replace(l, "%d", fmt.Sprint(m.CommitLimit()*4), 1))
			}
			if !slices.Equal(got, want) {
				t.Errorf("lines:\n%q\nwant\n%q", got, want)
			}
		})
	}
}
