package boot

import (
	"math/rand"
	"testing"
)

func TestTSCClockNanos(t *testing.T) {
	for _, tc := range []struct {
		hz, counts uint64
		want       int64
	}{
		{1e9, 1e9, 1e9},
		{2_500_000_000, 2_500_000_000, 1e9},
		{3_000_000_000, 30_000_000_000, 10e9},
		{1_234_567_890, 1_234_567_890 * 3600, 3600e9},
	} {
		c := newTSCClock(1000, tc.hz)
		got := c.nanos(1000 + tc.counts)
		// 32.32 fixed point: the multiplier is exact to 2^-32 relative,
		// far below any calibration error.
		if d := float64(got-tc.want) / float64(tc.want); d < -1e-9 || d > 1e-9 {
			t.Errorf("hz=%d counts=%d: nanos = %d, want %d", tc.hz, tc.counts, got, tc.want)
		}
	}
}

func TestTSCHzFromTicks(t *testing.T) {
	const hz, tick = 2_999_000_000, 1024
	period := float64(hz) / tick
	rng := rand.New(rand.NewSource(1))
	stamps := func(n int, skip map[int]bool, jitter float64) []uint64 {
		var s []uint64
		for i := 0; len(s) < n; i++ {
			if skip[i] {
				continue
			}
			j := (rng.Float64()*2 - 1) * jitter
			s = append(s, uint64(1e6+float64(i)*period+j))
		}
		return s
	}
	for _, tc := range []struct {
		name  string
		s     []uint64
		tolPc float64
	}{
		{"exact", stamps(65, nil, 0), 0.001},
		{"jitter", stamps(65, nil, period/20), 0.2},
		{"missed edges", stamps(65, map[int]bool{3: true, 10: true, 11: true, 40: true}, period/20), 0.2},
	} {
		got, err := tscHzFromTicks(tc.s, tick)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if pc := 100 * (float64(got) - hz) / hz; pc > tc.tolPc || pc < -tc.tolPc {
			t.Errorf("%s: hz = %d, off by %.3f%%", tc.name, got, pc)
		}
	}
	for _, bad := range [][]uint64{nil, {1, 2}, {1, 2, 2}, {5, 4, 3}, {0, 1000, 1001, 2000}} {
		if _, err := tscHzFromTicks(bad, tick); err == nil {
			t.Errorf("tscHzFromTicks(%v) succeeded", bad)
		}
	}
}
