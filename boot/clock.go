package boot

import (
	"errors"
	"math/bits"
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

var errCounter = errors.New("boot: reference counter did not advance")

// tscHzFromCounter computes the TSC frequency from two simultaneous
// readings of the TSC and of a down-counter running at counterHz: at TSC
// tsc0 the counter read count0, at tsc1 it read count1.
func tscHzFromCounter(tsc0 uint64, count0 uint32, tsc1 uint64, count1 uint32, counterHz uint64) (uint64, error) {
	if count1 >= count0 || tsc1 <= tsc0 {
		return 0, errCounter
	}
	hi, lo := bits.Mul64(tsc1-tsc0, counterHz)
	ticks := uint64(count0 - count1)
	if hi >= ticks {
		return 0, errCounter
	}
	hz, _ := bits.Div64(hi, lo, ticks)
	return hz, nil
}
