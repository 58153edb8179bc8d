//go:build !tamago

package pagetable_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// Mixed Map, Unmap, Protect and TestAndClear on a few crowded 2 MiB areas,
// some of them at the ends of both halves of the address space, against
// the reference model; out-of-memory injected now and then. env checks
// everything after every step. Seeded: a failure names its seed and step.
func TestRandomOps(t *testing.T) {
	areas := []mm.VirtAddr{
		0x20_0000, 0x40_0000, 0x4000_0000, 0x7fff_ffc0_0000, 0x7fff_ffe0_0000,
		0xffff_8000_0000_0000, 0xffff_8000_0020_0000, 0xffff_ffff_ffe0_0000,
	}
	offsets := []mm.VirtAddr{0, 0x1000, 0x2000, 0x1f_f000}
	const steps = 400
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x9a60da))
			e := newEnv(t)
			var step int
			var op string
			defer func() {
				if t.Failed() {
					t.Logf("seed %d, step %d: %s", seed, step, op)
				}
			}()
			pick := func() (mm.VirtAddr, pagetable.PageSize) {
				a := areas[rng.IntN(len(areas))]
				if rng.IntN(4) == 0 {
					return a, m2
				}
				return a + offsets[rng.IntN(len(offsets))], k4
			}
			// existing picks a mapped page most of the time.
			existing := func() (mm.VirtAddr, pagetable.PageSize) {
				if len(e.model) == 0 || rng.IntN(4) == 0 {
					return pick()
				}
				keys := slices.Sorted(maps.Keys(e.model))
				va := keys[rng.IntN(len(keys))]
				return va, e.model[va].size
			}
			flags := func() pagetable.PTE {
				var f pagetable.PTE
				for _, b := range []pagetable.PTE{w, u, nx, pagetable.Global, pagetable.WriteThrough, pagetable.CacheDisable} {
					if rng.IntN(2) == 0 {
						f |= b
					}
				}
				return f
			}
			for step = range steps {
				switch r := rng.IntN(100); {
				case r < 45:
					va, size := pick()
					f := flags()
					var want error
					if e.overlaps(va, size) {
						want = pagetable.ErrExists
					}
					limit := -1
					if rng.IntN(8) == 0 {
						limit = rng.IntN(3)
						depth := 4
						if size == m2 {
							depth = 3
						}
						if need := depth - e.pt.Walk(va).N; want == nil && need > limit {
							want = pagetable.ErrNoMemory
						}
						e.src.Limit = e.src.Live() + limit // Live() >= 1: the PML4
					}
					op = fmt.Sprintf("Map(%v, %v, %s) with %d tables to spare", va, size, f.FlagString(), limit)
					pa := e.frame(size)
					err := e.Map(va, pa, size, f)
					e.src.Limit = 0
					if !errors.Is(err, want) || (want == nil) != (err == nil) {
						t.Fatalf("%s: %v, want %v", op, err, want)
					}
					if err != nil {
						e.freeFrame(pa)
					}
				case r < 75:
					va, size := existing()
					op = fmt.Sprintf("Unmap(%v, %v)", va, size)
					m, ok := e.model[va]
					pa, err := e.Unmap(va, size)
					if ok && m.size == size {
						if err != nil {
							t.Fatalf("%s: %v", op, err)
						}
						e.freeFrame(pa)
					} else if !errors.Is(err, pagetable.ErrNotMapped) {
						t.Fatalf("%s: %v, want ErrNotMapped", op, err)
					}
				case r < 90:
					va, size := existing()
					f := flags()
					op = fmt.Sprintf("Protect(%v, %v, %s)", va, size, f.FlagString())
					m, ok := e.model[va]
					err := e.Protect(va, size, f)
					if ok && m.size == size {
						if err != nil {
							t.Fatalf("%s: %v", op, err)
						}
					} else if !errors.Is(err, pagetable.ErrNotMapped) {
						t.Fatalf("%s: %v, want ErrNotMapped", op, err)
					}
				default:
					va, size := existing()
					va += mm.VirtAddr(rng.Uint64N(uint64(size)))
					bit := pagetable.Accessed
					if rng.IntN(2) == 0 {
						bit = pagetable.Dirty
					}
					op = fmt.Sprintf("TestAndClear(%v, %s)", va, bit.FlagString())
					_, leaf, ok := e.pt.Translate(va)
					set, err := e.pt.TestAndClear(va, bit)
					if !ok {
						if !errors.Is(err, pagetable.ErrNotMapped) {
							t.Fatalf("%s: %v, want ErrNotMapped", op, err)
						}
					} else if err != nil || set != leaf.Has(bit) {
						t.Fatalf("%s = %v, %v; the leaf was %s", op, set, err, leaf.FlagString())
					}
					e.check()
				}
			}
		})
	}
}
