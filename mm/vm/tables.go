package vm

import (
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// tableFrames gives page-table pages from the frame allocator, zeroed.
type tableFrames struct{ a *frame.Allocator }

func (s tableFrames) AllocTable() (mm.PhysAddr, error) {
	pfn, err := s.a.Alloc(0, frame.PageTable)
	if err != nil {
		return 0, pt.ErrNoMemory
	}
	mm.ZeroFrames(pfn.Addr(), mm.PageSize)
	return pfn.Addr(), nil
}

func (s tableFrames) FreeTable(p mm.PhysAddr) { s.a.Free(p.PFN(), 0) }

// TableFrames adapts the frame allocator as a page-table FrameSource.
func TableFrames(a *frame.Allocator) pt.FrameSource { return tableFrames{a} }
