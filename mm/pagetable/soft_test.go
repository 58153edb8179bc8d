//go:build !tamago

package pagetable_test

import (
	"errors"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// Leaf, Set and Clear: the software leaves mm/vm keeps in non-present
// PTEs (PROT_NONE pages, swap entries later) survive Unmap of their
// neighbours, and go away with Clear, which frees the emptied tables.
func TestSoftLeaves(t *testing.T) {
	e := newEnv(t)
	tables := e.src.Live()
	pa := e.frame(pagetable.Size4K)
	const a, b mm.VirtAddr = 0x40_0000, 0x40_1000
	if err := e.pt.Map(a, pa, pagetable.Size4K, pagetable.Writable); err != nil {
		t.Fatal(err)
	}
	if err := e.pt.Map(b, pa, pagetable.Size4K, 0); err != nil {
		t.Fatal(err)
	}
	// Cache b's translation, then make it a software leaf: the access must
	// fault at once (Set invalidates), and the table must stay.
	if err := e.cpu.Read(b, make([]byte, 1), false); err != nil {
		t.Fatal(err)
	}
	soft := pagetable.PTE(pa) | 1<<9
	if err := e.pt.Set(b, soft); err != nil {
		t.Fatal(err)
	}
	if err := e.cpu.Read(b, make([]byte, 1), false); err == nil {
		t.Fatal("read through a software leaf did not fault: Set did not invalidate")
	}
	if got, size, ok := e.pt.Leaf(b); !ok || got != soft || size != pagetable.Size4K {
		t.Fatalf("Leaf = %#x %v %v", uint64(got), size, ok)
	}
	if _, err := e.pt.Unmap(a, pagetable.Size4K); err != nil {
		t.Fatal(err)
	}
	if got, _, ok := e.pt.Leaf(b); !ok || got != soft {
		t.Fatalf("the software leaf did not survive its neighbour's unmap: %#x %v", uint64(got), ok)
	}
	if old, err := e.pt.Clear(b); err != nil || old != soft {
		t.Fatalf("Clear = %#x, %v", uint64(old), err)
	}
	if e.src.Live() != tables {
		t.Fatalf("%d tables live after Clear, want %d", e.src.Live(), tables)
	}
	if _, err := e.pt.Clear(b); !errors.Is(err, pagetable.ErrNotMapped) {
		t.Errorf("second Clear: %v", err)
	}
	if err := e.pt.Set(b, soft); !errors.Is(err, pagetable.ErrNotMapped) {
		t.Errorf("Set without a page table: %v", err)
	}
	if err := e.pt.Set(0x40_0008, soft); !errors.Is(err, pagetable.ErrInvalid) {
		t.Errorf("Set unaligned: %v", err)
	}
	if _, _, ok := e.pt.Leaf(0x8000_0000_0000); ok {
		t.Error("Leaf of a non-canonical address")
	}
	e.freeFrame(pa)
}

func TestRelease(t *testing.T) {
	e := newEnv(t)
	pa := e.frame(pagetable.Size4K)
	defer e.freeFrame(pa)
	tbl, err := pagetable.New(e.src)
	if err != nil {
		t.Fatal(err)
	}
	live := e.src.Live()
	if err := tbl.Map(0x1000, pa, pagetable.Size4K, 0); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Release of a PML4 with entries did not panic")
			}
		}()
		tbl.Release()
	}()
	tbl.Unmap(0x1000, pagetable.Size4K)
	tbl.Release()
	if e.src.Live() != live-1 {
		t.Errorf("%d tables live after Release, want %d", e.src.Live(), live-1)
	}
}
