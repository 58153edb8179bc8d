//go:build !tamago

package kernel

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/sim"
	"github.com/pagoda-os/pagoda/mm/vm"
)

func TestBuildKernelTable(t *testing.T) {
	mem, done := sim.NewMemory(0x50_0000_0000, 16<<20)
	t.Cleanup(done)
	frames := mem.Frames
	km := KernelMap{
		RAM: []mm.AddrRange{{Start: 0, End: 0x9f000}, {Start: 0x100000, End: 0x4000_0000}},
		Image: []Segment{
			{Start: 0x100f000, End: 0x10d1000, Exec: true},
			{Start: 0x10d1000, End: 0x11cd000},
			{Start: 0x11cd000, End: 0x31f6000, Write: true},
		},
		MMIO: []mm.AddrRange{{Start: 0xfe00_0000, End: 0x1_0000_0000}},
	}
	before := frames.Stats().FreePages
	tbl, err := BuildKernelTable(vm.TableFrames(frames), km)
	if err != nil {
		t.Fatal(err)
	}
	used := before - frames.Stats().FreePages
	const (
		none = iota
		rx
		ro
		rw
		mmio
	)
	for _, tc := range []struct {
		va   mm.VirtAddr
		want int
		size pt.PageSize
	}{
		{0, none, 0},
		{0xfff, none, 0},
		{0x1000, rw, pt.Size4K},
		{0x9f000, none, 0}, // the firmware hole
		{0x100000, rw, pt.Size4K},
		{0x200000, rw, pt.Size2M},
		{0x100f000, rx, pt.Size4K},
		{0x1010000, rx, pt.Size4K},
		{0x10d0fff, rx, pt.Size4K},
		{0x10d1000, ro, pt.Size4K},
		{0x11ccfff, ro, pt.Size4K},
		{0x11cd000, rw, pt.Size4K},
		{0x1400000, rw, pt.Size2M}, // 2 MiB pages inside the data segment
		{0x31f5fff, rw, pt.Size4K},
		{0x31f6000, rw, pt.Size4K}, // RAM after the image
		{0x3fff_ffff, rw, pt.Size2M},
		{0x4000_0000, none, 0},
		{0xfee0_0000, mmio, pt.Size2M},
		{WindowStart, none, 0},
		{WindowEnd - 1, none, 0},
	} {
		w := tbl.Walk(tc.va)
		_, e, ok := tbl.Translate(tc.va)
		if tc.want == none {
			if ok || w.Mapped {
				t.Errorf("%v: mapped (%s), want unmapped", tc.va, e.FlagString())
			}
			continue
		}
		if !ok || w.Size != tc.size {
			t.Errorf("%v: mapped %v size %v, want size %v", tc.va, ok, w.Size, tc.size)
			continue
		}
		var want pt.PTE
		switch tc.want {
		case rx:
			want = pt.Present | pt.Global
		case ro:
			want = pt.Present | pt.Global | pt.NoExecute
		case rw:
			want = pt.Present | pt.Global | pt.NoExecute | pt.Writable
		case mmio:
			want = pt.Present | pt.Global | pt.NoExecute | pt.Writable | pt.CacheDisable | pt.WriteThrough
		}
		if got := e.Flags() &^ pt.Huge; got != want {
			t.Errorf("%v: flags %s, want %s", tc.va, got.FlagString(), want.FlagString())
		}
		if e&pt.User != 0 {
			t.Errorf("%v: user-accessible", tc.va)
		}
	}
	// 1 PML4 + 1 PDPT + 1 PD for the first GiB + 1 PD for the MMIO GiB,
	// and page tables only where 2 MiB pages do not fit.
	if used > 20 {
		t.Errorf("%d table pages for a 1 GiB map", used)
	}
}
