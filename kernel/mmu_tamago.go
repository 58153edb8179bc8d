//go:build tamago

package kernel

import (
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/trap"
)

// mmioRange is the top of the 32-bit space: virtio-mmio, IOAPIC, LAPIC,
// mapped uncached in the direct map.
var mmioRange = mm.AddrRange{Start: mm.PhysAddr(boot.BootMMIOStart), End: 1 << 32}

// TakeOverMMU replaces the boot page tables with the kernel's own: it
// reads the kernel image's program headers from memory (the linker loads
// the ELF header in the page below the text; they hold the image's
// window addresses), builds the kernel table from frames and loads it,
// then turns on CR0.WP so that the kernel's own read-only pages are
// read-only to it too. From then on nothing is identity-mapped: the
// lower half holds only the kernel window.
func TakeOverMMU(frames *frame.Allocator, layout boot.Layout) (*pt.Table, error) {
	hdr := mm.FrameBytes(boot.KernelText - mm.PageSize)
	segs, err := ParseSegments(hdr)
	if err != nil {
		return nil, err
	}
	t, err := BuildKernelTable(vm.TableFrames(frames), KernelMap{
		RAM:         layout.RAM,
		Image:       segs,
		ImageOffset: boot.KWindow,
		Runtime:     mm.AddrRange{Start: boot.RuntimeStart, End: boot.RuntimeStart + boot.RuntimeSize},
		MMIO:        []mm.AddrRange{mmioRange},
	})
	if err != nil {
		return nil, err
	}
	arch.LoadCR3(uint64(t.Root()))
	arch.FlushTLB() // the boot map's global entries too
	arch.EnableWriteProtect()
	trap.SetKernelTable(t)
	return t, nil
}
