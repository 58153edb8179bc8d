package boot

import (
	"errors"
	"math/bits"
	"slices"
)

// tscClock converts time stamp counter values to nanoseconds since origin
// in 32.32 fixed point: ns = (tsc - origin) * mult >> 32, with
// mult = 10^9 << 32 / hz. No floating point and no division per reading.
type tscClock struct {
	origin uint64 // TSC value at time zero (kernel entry)
	mult   uint64 // nanoseconds per TSC count, 32.32 fixed point
	hz     uint64 // TSC frequency the multiplier was made for
}

func newTSCClock(origin, hz uint64) tscClock {
	hi, lo := bits.Mul64(1e9, 1<<32)
	mult, _ := bits.Div64(hi, lo, hz)
	return tscClock{origin: origin, mult: mult, hz: hz}
}

// nanos is the time of the TSC reading tsc, in nanoseconds since origin.
func (c tscClock) nanos(tsc uint64) int64 {
	hi, lo := bits.Mul64(tsc-c.origin, c.mult)
	return int64(hi<<32 | lo>>32)
}

var errTicks = errors.New("boot: too few or irregular clock ticks for calibration")

// tscHzFromTicks computes the TSC frequency from TSC values read at
// successive edges of a reference clock of tickHz. A poll loop that was
// held up and missed edges shows as a gap of two or more periods; the gaps
// are counted against the median period, so missed edges cost accuracy of
// neither the count nor the result.
func tscHzFromTicks(stamps []uint64, tickHz uint64) (uint64, error) {
	if len(stamps) < 3 || tickHz == 0 {
		return 0, errTicks
	}
	deltas := make([]uint64, len(stamps)-1)
	for i := range deltas {
		if stamps[i+1] <= stamps[i] {
			return 0, errTicks
		}
		deltas[i] = stamps[i+1] - stamps[i]
	}
	sorted := slices.Clone(deltas)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	var periods uint64
	for _, d := range deltas {
		n := (d + median/2) / median
		if n == 0 {
			// An edge seen twice within half a period: not a clock.
			return 0, errTicks
		}
		periods += n
	}
	span := stamps[len(stamps)-1] - stamps[0]
	hi, lo := bits.Mul64(span, tickHz)
	if hi >= periods {
		return 0, errTicks
	}
	hz, _ := bits.Div64(hi, lo, periods)
	return hz, nil
}
