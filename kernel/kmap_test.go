//go:build !tamago

package kernel

import (
	"testing"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/sim"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// kw and dm turn the test's physical addresses into the kernel window's
// and the direct map's.
func kw(p uint64) mm.VirtAddr { return mm.VirtAddr(boot.KWindow + p) }
func dm(p uint64) mm.VirtAddr { return mm.VirtAddr(mm.DirectMapBase + p) }

// testKernelMap is Pagoda's layout with -m 1G: the image's segments at
// their window addresses inside the runtime region [16 MiB, 112 MiB).
func testKernelMap() KernelMap {
	return KernelMap{
		RAM: []mm.AddrRange{{Start: 0, End: 0x9f000}, {Start: 0x100000, End: 0x4000_0000}},
		Image: []Segment{
			{Start: 0xf100f000, End: 0xf10d1000, Exec: true},
			{Start: 0xf10d1000, End: 0xf11cd000},
			{Start: 0xf11cd000, End: 0xf31f6000, Write: true},
		},
		ImageOffset: boot.KWindow,
		Runtime:     mm.AddrRange{Start: boot.RuntimeStart, End: boot.RuntimeStart + boot.RuntimeSize},
		MMIO:        []mm.AddrRange{{Start: 0xfe00_0000, End: 0x1_0000_0000}},
	}
}

func TestBuildKernelTable(t *testing.T) {
	mem, done := sim.NewMemory(0x50_0000_0000, 16<<20)
	t.Cleanup(done)
	frames := mem.Frames
	before := frames.Stats().FreePages
	tbl, err := BuildKernelTable(vm.TableFrames(frames), testKernelMap())
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
		pa   uint64 // where it must translate to (when mapped)
	}{
		// Nothing is identity-mapped: not page 0, not RAM, not the
		// image's physical addresses, not MMIO.
		{0, none, 0, 0},
		{0x1000, none, 0, 0},
		{0x200000, none, 0, 0},
		{0x1010000, none, 0, 0},
		{0x3fff_ffff, none, 0, 0},
		{0xfee0_0000, none, 0, 0},
		// The direct map: RAM less page 0 and the image, MMIO uncached.
		{dm(0), none, 0, 0},
		{dm(0xfff), none, 0, 0},
		{dm(0x1000), rw, pt.Size4K, 0x1000},
		{dm(0x9f000), none, 0, 0}, // the firmware hole
		{dm(0x100000), rw, pt.Size4K, 0x100000},
		{dm(0x200000), rw, pt.Size2M, 0x200000},
		{dm(0x100f000), none, 0, 0}, // the image's frames: only in the window
		{dm(0x11cd000), none, 0, 0},
		{dm(0x31f5fff), none, 0, 0},
		{dm(0x31f6000), rw, pt.Size4K, 0x31f6000}, // RAM after the image
		{dm(0x7000000), rw, pt.Size2M, 0x7000000}, // the DMA region
		{dm(0x3fff_ffff), rw, pt.Size2M, 0x3fff_ffff},
		{dm(0x4000_0000), none, 0, 0},
		{dm(0xfee0_0000), mmio, pt.Size2M, 0xfee0_0000},
		// The kernel window: the image W^X, the runtime region around
		// it read/write, nothing else.
		{kw(0), none, 0, 0},
		{kw(0xfff000), none, 0, 0},
		{kw(0x1000000), rw, pt.Size4K, 0x1000000}, // boot tables, below the image
		{kw(0x100f000), rx, pt.Size4K, 0x100f000},
		{kw(0x1010000), rx, pt.Size4K, 0x1010000},
		{kw(0x10d0fff), rx, pt.Size4K, 0x10d0fff},
		{kw(0x10d1000), ro, pt.Size4K, 0x10d1000},
		{kw(0x11ccfff), ro, pt.Size4K, 0x11ccfff},
		{kw(0x11cd000), rw, pt.Size4K, 0x11cd000},
		{kw(0x1400000), rw, pt.Size2M, 0x1400000}, // 2 MiB pages inside the data segment
		{kw(0x31f5fff), rw, pt.Size4K, 0x31f5fff},
		{kw(0x31f6000), rw, pt.Size4K, 0x31f6000}, // the Go heap after the image
		{kw(0x6ffffff), rw, pt.Size2M, 0x6ffffff},
		{kw(0x7000000), none, 0, 0}, // DMA: in the direct map only
		{boot.KWindow + boot.KWindowSize - 1, none, 0, 0},
		{WindowStart, none, 0, 0},
		{WindowEnd - 1, none, 0, 0},
	} {
		w := tbl.Walk(tc.va)
		pa, e, ok := tbl.Translate(tc.va)
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
		if uint64(pa) != tc.pa {
			t.Errorf("%v: translates to %v, want %#x", tc.va, pa, tc.pa)
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
	// 1 PML4, for the window 1 PDPT + 1 PD, for the direct map 1 PDPT +
	// 1 PD for the first GiB + 1 PD for the MMIO GiB, and page tables
	// only where 2 MiB pages do not fit.
	if used > 24 {
		t.Errorf("%d table pages for a 1 GiB map", used)
	}
}

// TestKernelTableLowerHalf walks the whole kernel table: in the lower
// half (a user's) nothing is mapped but the kernel window; everything
// else is in the upper half; no page is both writable and executable.
func TestKernelTableLowerHalf(t *testing.T) {
	mem, done := sim.NewMemory(0x50_0000_0000, 16<<20)
	t.Cleanup(done)
	tbl, err := BuildKernelTable(vm.TableFrames(mem.Frames), testKernelMap())
	if err != nil {
		t.Fatal(err)
	}
	var low, high, wx uint64
	var walk func(table mm.PhysAddr, level int, va mm.VirtAddr)
	walk = func(table mm.PhysAddr, level int, va mm.VirtAddr) {
		entries := (*[512]pt.PTE)(mm.DirectMap(table, mm.PageSize))
		span := mm.VirtAddr(1) << (12 + 9*level)
		for i, e := range entries {
			if !e.Has(pt.Present) {
				continue
			}
			v := va + mm.VirtAddr(i)*span
			if level == 3 && i >= 256 {
				v |= 0xffff_0000_0000_0000 // sign-extend
			}
			if level > 0 && !e.Has(pt.Huge) {
				walk(e.Addr(), level-1, v)
				continue
			}
			if e.Has(pt.Writable) && !e.Has(pt.NoExecute) {
				wx++
				t.Errorf("%v (%v bytes): writable and executable", v, uint64(span))
			}
			if v < 1<<47 {
				low += uint64(span)
				if v < boot.KWindow || v+span > boot.KWindow+boot.KWindowSize {
					t.Errorf("%v (%v bytes): mapped in the lower half outside the kernel window", v, uint64(span))
				}
			} else {
				high += uint64(span)
				if v < dm(0) || v >= dm(1<<32) {
					t.Errorf("%v: mapped in the upper half outside the direct map of [0, 4 GiB)", v)
				}
			}
		}
	}
	walk(tbl.Root(), 3, 0)
	// The window maps exactly the runtime region.
	if low != boot.RuntimeSize {
		t.Errorf("%#x bytes mapped in the lower half, want the runtime region's %#x", low, uint64(boot.RuntimeSize))
	}
	if high == 0 {
		t.Error("nothing in the direct map")
	}
}
