//go:build !tamago

package vm

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
)

// hog holds frames taken from the allocator, so that it is empty.
type hog struct {
	e    *env
	pfns []mm.PFN
}

// hogFrames takes every free frame.
func (e *env) hogFrames() *hog {
	h := &hog{e: e}
	for {
		pfn, err := e.mem.Frames.Alloc(0, frame.Kernel)
		if err != nil {
			return h
		}
		h.pfns = append(h.pfns, pfn)
	}
}

func (h *hog) free() {
	for _, pfn := range h.pfns {
		h.e.mem.Frames.Free(pfn, 0)
	}
	h.pfns = nil
}

// The fault path takes frames and tables from the reserves: with the
// allocator exhausted, a full reserve still resolves faults. A fault
// that finds the anonymous stock below what one fault may take restocks
// it by a batch from the allocator; with the allocator empty too (and no
// reclaim), it is out of memory.
func TestFaultsRestock(t *testing.T) {
	e := newEnv(t)
	e.nocheck = true
	base := e.mmap(a0, 512*pg, rw, priv|MapFixed)
	e.m.Refill()
	h := e.hogFrames()
	anon, tables := e.m.Reserved()
	if anon != anonReserve || tables != tableReserve {
		t.Fatalf("reserves %d/%d, want full %d/%d", anon, tables, anonReserve, tableReserve)
	}
	for i := range anonReserve - faultNeed {
		if r := e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Write); r != Resolved {
			t.Fatalf("fault %d with the allocator empty and the reserve full: %v", i, r)
		}
	}
	if anon, _ := e.m.Reserved(); anon != faultNeed {
		t.Fatalf("anon reserve %d after %d faults, want %d", anon, anonReserve-faultNeed, faultNeed)
	}
	// Below faultNeed with nothing to restock from: the faults go on
	// with what is left, then run out.
	i := anonReserve - faultNeed
	for ; i < anonReserve; i++ {
		if r := e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Write); r != Resolved {
			t.Fatalf("fault %d with %d frames in the reserve: %v", i, anonReserve-i, r)
		}
	}
	if r := e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Write); r != OOM {
		t.Fatalf("fault with the reserve and the allocator empty: %v, want OOM", r)
	}
	// Memory again: the next fault restocks a batch itself, no Refill.
	h.free()
	if r := e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Write); r != Resolved {
		t.Fatalf("fault with an empty reserve and free memory: %v", r)
	}
	if anon, _ := e.m.Reserved(); anon != faultBatch-1 {
		t.Fatalf("anon reserve %d after a restocking fault, want %d", anon, faultBatch-1)
	}
	e.nocheck = false
	e.check()
}

// With reclaim on, the anonymous stock is filled to the low watermark,
// within [2 × faultNeed, anonReserve] (Linux's zone_highsize): on a
// small machine a full stock of anonReserve frames would be memory no
// page may use. EnableReclaim gives the excess back at once.
func TestReserveTarget(t *testing.T) {
	for _, tc := range []struct {
		size uint64
		want func(Watermarks) int
	}{
		{2 << 20, func(Watermarks) int { return 2 * faultNeed }}, // low 55
		{5 << 20, func(w Watermarks) int { return int(w.Low) }},  // low 88
		{64 << 20, func(Watermarks) int { return anonReserve }},  // low 320
	} {
		e := newEnvSize(t, tc.size)
		if anon, _ := e.m.Reserved(); anon != anonReserve {
			t.Fatalf("%d MiB without reclaim: anon reserve %d, want %d", tc.size>>20, anon, anonReserve)
		}
		free := e.m.Frames.FreePages()
		e.enableSwap("clock", 64)
		want := tc.want(e.m.Watermarks())
		anon, _ := e.m.Reserved()
		if anon != want || e.m.Frames.FreePages() != free+uint64(anonReserve-want) {
			t.Errorf("%d MiB (%v): anon reserve %d, %d frames given back; want %d, %d",
				tc.size>>20, e.m.Watermarks(), anon, e.m.Frames.FreePages()-free, want, anonReserve-want)
		}
		base := e.mmap(0, 4*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
		for k := range 4 {
			e.write(base+mm.VirtAddr(k)*pg, stamp(uint64(k), 1))
		}
		e.m.Refill()
		if anon, _ := e.m.Reserved(); anon != want {
			t.Errorf("%d MiB: anon reserve %d after faults and a refill, want %d", tc.size>>20, anon, want)
		}
		e.destroyAll()
	}
}
