//go:build tamago

package kernel

import (
	"fmt"
	"io"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// tlbTestBase is where selftest tlb maps its pages.
const tlbTestBase = SelftestBase + 2<<40

// MeasureTLBCeiling finds when flushing the whole TLB is cheaper than one
// INVLPG per page, and sets pagetable.FlushCeiling to the largest page
// count for which INVLPG still wins. With a 512-page working set (all
// mapping one frame), it compares "INVLPG n pages, touch the working set"
// with "flush everything, touch the working set": the flush also throws
// away the kernel's own global entries, which are then walked for again.
// n doubles from 1 until the flush wins, then a binary search narrows the
// bracket. When sh is not nil every measurement is printed.
func MeasureTLBCeiling(out io.Writer, frames *frame.Allocator, kernel *pt.Table) (ceiling int, err error) {
	const pages = 512
	pfn, err := frames.Alloc(0, frame.Kernel)
	if err != nil {
		return 0, err
	}
	defer frames.Free(pfn, 0)
	for i := range pages {
		if err := kernel.Map(tlbTestBase+mm.VirtAddr(i)*mm.PageSize, pfn.Addr(), pt.Size4K, pt.NoExecute); err != nil {
			return 0, err
		}
	}
	defer func() {
		for i := range pages {
			kernel.Unmap(tlbTestBase+mm.VirtAddr(i)*mm.PageSize, pt.Size4K)
		}
	}()
	var sink uint64
	touch := func() {
		for i := range pages {
			sink += *word(tlbTestBase + mm.VirtAddr(i)*mm.PageSize)
		}
	}
	measure := func(invalidate func()) uint64 {
		best := ^uint64(0)
		for range 7 {
			touch()
			start := arch.RDTSC()
			invalidate()
			touch()
			best = min(best, arch.RDTSC()-start)
		}
		return best
	}
	invlpg := func(n int) uint64 {
		return measure(func() {
			for i := range n {
				arch.Invlpg(uint64(tlbTestBase) + uint64(i)*mm.PageSize)
			}
		})
	}
	flush := measure(arch.FlushTLB)
	if out != nil {
		fmt.Fprintf(out, "selftest tlb: full flush + %d touches: %d cycles\n", pages, flush)
	}
	lo, hi := 0, pages+1 // INVLPG wins at lo, loses at hi
	for n := 1; n <= pages; n *= 2 {
		c := invlpg(n)
		if out != nil {
			fmt.Fprintf(out, "selftest tlb: invlpg %3d pages + %d touches: %8d cycles\n", n, pages, c)
		}
		if c > flush {
			hi = n
			break
		}
		lo = n
	}
	for hi-lo > 1 && hi <= pages {
		mid := (lo + hi) / 2
		if invlpg(mid) > flush {
			hi = mid
		} else {
			lo = mid
		}
	}
	if sink == 1 {
		print("\n") // keeps the touches from being optimized away
	}
	pt.FlushCeiling = lo
	return lo, nil
}

func selftestTLB(out io.Writer, frames *frame.Allocator, kernel *pt.Table) error {
	old := pt.FlushCeiling
	ceiling, err := MeasureTLBCeiling(out, frames, kernel)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "selftest tlb: flush ceiling %d pages (was %d): invalidating more pages flushes the whole TLB\n", ceiling, old)
	return nil
}
