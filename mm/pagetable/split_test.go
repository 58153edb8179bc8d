//go:build !tamago

package pagetable_test

import (
	"errors"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/sim"
)

// SplitLeaf keeps every byte where it was (stride 4096) or maps one frame
// everywhere (stride 0), with the 2 MiB leaf's rights, at once: the TLB
// held the large page, and a split entry must be a real page table.
func TestSplitLeaf(t *testing.T) {
	for _, stride := range []uint64{mm.PageSize, 0} {
		e := newEnv(t)
		const va mm.VirtAddr = 0x4020_0000
		pa := e.setup([]page{{va, m2, u | nx}})[0] // read-only
		for i := range 512 {
			*(*byte)(mm.DirectMap(pa+mm.PhysAddr(i)*mm.PageSize+7, 1)) = byte(i)
		}
		var b [1]byte
		if err := e.cpu.Read(va+0x1007, b[:], true); err != nil || b[0] != 1 {
			t.Fatalf("read before the split: %v, %d", err, b[0])
		}
		tbl, err := e.src.AllocTable()
		if err != nil {
			t.Fatal(err)
		}
		if err := e.pt.SplitLeaf(va+0x3000, tbl, pa, stride); err != nil {
			t.Fatal(err)
		}
		for i := range 512 {
			at := va + mm.VirtAddr(i)*mm.PageSize
			want := byte(i)
			if stride == 0 {
				want = 0
			}
			if err := e.cpu.Read(at+7, b[:], true); err != nil || b[0] != want {
				t.Fatalf("stride %d: page %d reads %d (%v), want %d", stride, i, b[0], err, want)
			}
			le, size, ok := e.pt.Leaf(at)
			if !ok || size != k4 || le.Flags() != pagetable.Present|u|nx|pagetable.Accessed && le.Flags() != pagetable.Present|u|nx {
				t.Fatalf("page %d: leaf %v [%s], size %v", i, le.Addr(), le.FlagString(), size)
			}
		}
		err = e.cpu.Write(va+0x5000, []byte{9}, true)
		e.wantFault(err, va+0x5000, sim.FaultProtection|sim.FaultWrite|sim.FaultUser, "write to a read-only split page")
		if err := e.pt.Set(va+0x5000, pagetable.PTE(pa+0x5000)|pagetable.Present|w|u); err != nil {
			t.Fatalf("Set in the split table: %v", err)
		}
		if err := e.cpu.Write(va+0x5000, []byte{9}, true); err != nil {
			t.Fatalf("write after Set: %v", err)
		}
		if err := e.pt.SplitLeaf(va, tbl, pa, stride); !errors.Is(err, pagetable.ErrNotMapped) {
			t.Fatalf("a second split: %v, want ErrNotMapped", err)
		}
		if _, err := e.pt.ClearHuge(va); !errors.Is(err, pagetable.ErrNotMapped) {
			t.Fatalf("ClearHuge of a page table: %v, want ErrNotMapped", err)
		}
	}
}
