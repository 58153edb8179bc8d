//go:build !tamago

package pagetable_test

import (
	"fmt"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// InvalidateRange drops n pages from the TLB: page by page up to
// FlushCeiling, by a full flush beyond. The PTEs are cleared behind the
// TLB's back, as a caller that batches its invalidation does.
func TestInvalidateRange(t *testing.T) {
	for _, n := range []int{1, 5, pagetable.FlushCeiling, pagetable.FlushCeiling + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := newEnv(t)
			const base mm.VirtAddr = 0x40_0000
			var pages []page
			for i := range n + 2 { // one page before the range, one after
				pages = append(pages, page{base + mm.VirtAddr(i)*mm.PageSize, k4, w})
			}
			e.setup(pages) // check read every page: all are in the TLB
			for _, p := range pages {
				wk := e.pt.Walk(p.va)
				*(*pagetable.PTE)(mm.DirectMap(wk.Levels[3].EntryAddr(), 8)) = 0
				if !e.cpu.Cached(p.va) {
					t.Fatalf("%v not in the TLB", p.va)
				}
			}
			first := base + mm.PageSize
			pagetable.InvalidateRange(first, n)
			flushed := n > pagetable.FlushCeiling
			for i, p := range pages {
				inRange := i >= 1 && i <= n
				if cached := e.cpu.Cached(p.va); cached == (inRange || flushed) {
					t.Errorf("page %d cached %v after InvalidateRange(%v, %d)", i, cached, first, n)
				}
			}
		})
	}
}
