//go:build !tamago

package vm

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
)

// The fault path takes frames and tables from the reserves only: with the
// allocator exhausted, a full reserve still resolves faults; with the
// reserve empty, faults are out of memory however much the allocator has.
func TestFaultsUseOnlyTheReserve(t *testing.T) {
	e := newEnv(t)
	e.nocheck = true
	base := e.mmap(a0, 64*pg, rw, priv|MapFixed)
	e.m.Refill()
	var hog []mm.PFN
	for {
		pfn, err := e.mem.Frames.Alloc(0, frame.Kernel)
		if err != nil {
			break
		}
		hog = append(hog, pfn)
	}
	anon, tables := e.m.Reserved()
	if anon != anonReserve || tables != tableReserve {
		t.Fatalf("reserves %d/%d, want full %d/%d", anon, tables, anonReserve, tableReserve)
	}
	for i := range 64 {
		if r := e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Write); r != Resolved {
			t.Fatalf("fault %d with the allocator empty and the reserve full: %v", i, r)
		}
	}
	if anon, _ := e.m.Reserved(); anon != anonReserve-64 {
		t.Fatalf("anon reserve %d after 64 faults, want %d", anon, anonReserve-64)
	}
	for _, pfn := range hog {
		e.mem.Frames.Free(pfn, 0)
	}
	// Now plenty is free, but the reserve is drained and not refilled.
	// (DONTNEED's freed frame goes back to the reserve: drain after it.)
	e.must(e.cur.Madvise(base, pg, AdviceDontNeed))
	for {
		pfn, ok := e.m.anon.take()
		if !ok {
			break
		}
		e.mem.Frames.Free(pfn, 0)
	}
	free := e.mem.Frames.Stats().FreePages
	if r := e.cur.HandleFault(base, Write); r != OOM {
		t.Fatalf("fault with an empty reserve and %d free frames: %v, want OOM", free, r)
	}
	e.m.Refill()
	if r := e.cur.HandleFault(base, Write); r != Resolved {
		t.Fatalf("fault after Refill: %v", r)
	}
}
