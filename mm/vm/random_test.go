//go:build !tamago

package vm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// rngSource makes choices from a seeded generator.
type rngSource struct{ r *rand.Rand }

func (s rngSource) intn(n int) int { return s.r.IntN(n) }

// TestRandomOperations applies long seeded sequences of operations to the
// code and to the reference model, comparing every result, every fault
// and every page after every step, then destroys everything and counts
// the frames.
func TestRandomOperations(t *testing.T) {
	steps := 2000
	if testing.Short() {
		steps = 300
	}
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			e := newEnv(t)
			r := newRunner(e)
			r.run(rngSource{rand.New(rand.NewPCG(seed, seed))}, steps, fmt.Sprint("seed ", seed))
			e.destroyAll()
		})
	}
}

// TestRandomOperationsSwap is TestRandomOperations with reclaim and swap
// on: reclaim operations send pages to swap (fork-shared ones, moved
// ones), accesses bring them back, swapoff brings every one back, and
// after every step the anonymous reverse map is checked against a scan
// of every PTE (rmap_test.go) as well.
func TestRandomOperationsSwap(t *testing.T) {
	steps := 2000
	if testing.Short() {
		steps = 300
	}
	for _, policy := range Policies {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprint(policy, "/seed", seed), func(t *testing.T) {
				e := newEnv(t)
				e.enableSwap(policy, 4096)
				e.m.Unswap = e.shm.Unswap // shared anonymous memory's pages, for swapoff
				r := newRunner(e)
				r.run(rngSource{rand.New(rand.NewPCG(seed, 100+seed))}, steps, fmt.Sprint(policy, " seed ", seed))
				if e.m.Swap.Stats.SwapOuts == 0 || e.m.Swap.Stats.SwapIns == 0 {
					t.Fatalf("swap %+v: nothing went to swap and back", e.m.Swap.Stats)
				}
				e.destroyAll()
			})
		}
	}
}

// FuzzOperations decodes its input into the same operation sequences. Its
// memory is small so that an execution is cheap; the sequences stay far
// below it.
func FuzzOperations(f *testing.F) {
	f.Add([]byte{0, 5, 0, 3, 1, 3, 2, 3, 5, 0, 1, 0, 6, 1, 2, 3, 4, 5, 8, 6, 9, 9, 7, 1})
	f.Add([]byte{0, 3, 40, 3, 2, 1, 1, 0, 2, 8, 6, 3, 1, 0, 0, 8, 1, 6, 0, 2, 10, 0, 4, 5, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		e := newEnvSize(t, 4<<20)
		r := newRunner(e)
		r.run(&byteSource{b: b}, 1<<30, "fuzz input")
		e.destroyAll()
	})
}
