package boot

import (
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

func TestTSCHzFromCounter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tsc0   uint64
		count0 uint32
		tsc1   uint64
		count1 uint32
		hz     uint64
		want   uint64
		ok     bool
	}{
		{"2.5 GHz TSC, 1 GHz counter, 25 ms", 1000, 0xffff_ffff, 1000 + 62_500_000, 0xffff_ffff - 25_000_000, 1e9, 2_500_000_000, true},
		{"TSC slower than counter", 0, 4e9, 10_000_000, 4e9 - 40_000_000, 1e9, 250_000_000, true},
		{"counter stopped", 0, 100, 1e6, 100, 1e9, 0, false},
		{"counter went up", 0, 100, 1e6, 200, 1e9, 0, false},
		{"TSC stopped", 5, 100, 5, 50, 1e9, 0, false},
	} {
		got, err := tscHzFromCounter(tc.tsc0, tc.count0, tc.tsc1, tc.count1, tc.hz)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s: %d, %v; want %d (ok %v)", tc.name, got, err, tc.want, tc.ok)
		}
	}
}
