package pagetable

import "github.com/pagoda-os/pagoda/mm"

// FlushCeiling is the number of pages above which invalidating a range
// flushes the whole TLB instead of issuing one INVLPG per page (Linux's
// tlb_single_page_flush_ceiling is 33).
var FlushCeiling = 32

// invalidate drops the TLB entries for n pages from va on this CPU.
func invalidate(va mm.VirtAddr, n int) {
	if n > FlushCeiling {
		flushAll()
		return
	}
	for i := range n {
		invalidatePage(va + mm.VirtAddr(i)*mm.PageSize)
	}
}

// InvalidateRange drops the TLB entries for n pages from va: for callers
// that changed many entries (munmap of a range) and invalidate once.
func InvalidateRange(va mm.VirtAddr, n int) { invalidate(va, n) }
