//go:build tamago

package amd64

func zeroRepStosq(p, n uintptr)
func zeroSSE(p, n uintptr)
func zeroNonTemporal(p, n uintptr)

// zeroGo is Go's own clear (runtime memclrNoHeapPointers), which picks
// its method from the CPU's features.
func zeroGo(p, n uintptr) {
	clear(bytesAt(p, n))
}

// ZeroStrategy is one way of zeroing memory.
type ZeroStrategy struct {
	Name string
	Zero func(p, n uintptr)
}

// ZeroStrategies lists the strategies SelectZero measures. AVX stores are
// not among them: they would need XSAVE in the trap path (FXSAVE does not
// keep the upper halves of the YMM registers), and AVX is left off.
var ZeroStrategies = []ZeroStrategy{
	{"rep-stosq", zeroRepStosq},
	{"sse", zeroSSE},
	{"non-temporal", zeroNonTemporal},
	{"go-clear", zeroGo},
}

// zero is the strategy in use; Zero calls it.
var zero = ZeroStrategies[0]

// Zero zeroes n bytes at p with the selected strategy.
//
// Preconditions: p is 16-byte aligned and n a multiple of 64.
func Zero(p, n uintptr) { zero.Zero(p, n) }

// ZeroName names the selected strategy.
func ZeroName() string { return zero.Name }

// SelectZero times every strategy zeroing the n bytes at p (rounds times
// each, best round kept) and selects the fastest. It returns the best
// round's TSC cycles per 4 KiB page of each strategy, in ZeroStrategies
// order.
func SelectZero(p, n uintptr, rounds int) []uint64 {
	costs := make([]uint64, len(ZeroStrategies))
	best := 0
	for i, s := range ZeroStrategies {
		costs[i] = ^uint64(0)
		for range rounds {
			start := RDTSC()
			s.Zero(p, n)
			costs[i] = min(costs[i], (RDTSC()-start)*4096/uint64(n))
		}
		if costs[i] < costs[best] {
			best = i
		}
	}
	zero = ZeroStrategies[best]
	return costs
}
