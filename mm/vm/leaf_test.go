package vm

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// Every leaf form the MM writes decodes to its state, and back.
func TestLeafOf(t *testing.T) {
	const zero, frame mm.PFN = 0x100, 0x2345
	m := &MM{zero: zero}
	ent := swap.Entry(1<<35 | 7) // area 0, slot 7
	tests := []struct {
		e     pt.PTE
		size  pt.PageSize
		state LeafState
		str   string
	}{
		{0, pt.Size4K, LeafAbsent, "absent"},
		{pt.PTE(zero.Addr()) | pt.Present | pt.NoExecute, pt.Size4K, LeafZero, "zero 4K pfn 0x100"},
		{pt.PTE(frame.Addr()) | pt.Present | pt.Writable, pt.Size4K, LeafWritable, "writable 4K pfn 0x2345"},
		{pt.PTE(frame.Addr()) | pt.Present | pt.Accessed, pt.Size4K, LeafCOW, "cow 4K pfn 0x2345"},
		{protNoneLeaf(frame, pt.Dirty|pt.Writable), pt.Size4K, LeafProtNone, "prot-none 4K pfn 0x2345"},
		{swapLeaf(ent), pt.Size4K, LeafSwap, "swap 4K swap 0:7"},
		// A 2 MiB leaf: bit 12 (PAT) is not part of its frame.
		{pt.PTE(0x4000_0000) | 1<<12 | pt.Present | pt.Huge | pt.Writable, pt.Size2M, LeafWritable, "writable 2M pfn 0x40000"},
	}
	for _, tt := range tests {
		l := m.LeafOf(tt.e, tt.size)
		if l.State != tt.state || l.String() != tt.str {
			t.Errorf("LeafOf(%#x, %v) = %v (%q), want %v (%q)", uint64(tt.e), tt.size, l.State, l.String(), tt.state, tt.str)
		}
	}
	if l := m.LeafOf(swapLeaf(ent), pt.Size4K); l.Entry() != ent || l.HasFrame() {
		t.Errorf("swap leaf: entry %v, frame %v", l.Entry(), l.HasFrame())
	}
	if e := protNoneLeaf(frame, pt.Dirty|pt.Writable); e&(pt.Present|pt.Writable) != 0 || e&pt.Dirty == 0 {
		t.Errorf("protNoneLeaf kept %#x", uint64(e))
	}
	if s := LeafState(42).String(); s != "LeafState(42)" {
		t.Errorf("unknown state: %q", s)
	}
}

// An unknown Result is not out of memory.
func TestResultString(t *testing.T) {
	if s := OOM.String(); s != "out of memory" {
		t.Errorf("OOM: %q", s)
	}
	if s := Result(42).String(); s != "Result(42)" {
		t.Errorf("Result(42): %q", s)
	}
}
