//go:build !tamago

package sim

import (
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// Memory is simulated physical memory: one arena, its frames managed by a
// buddy allocator, and a source of page-table frames over it.
type Memory struct {
	// Range is the arena's physical range.
	Range mm.AddrRange
	// Frames manages every frame of the arena; the frame table takes the
	// first ones.
	Frames *frame.Allocator
	// Tables hands out page-table frames from Frames.
	Tables *TableSource

	mem []byte // the arena; kept here so that it lives as long as m
}

// NewMemory allocates size bytes of simulated physical memory at base,
// registers them with mm.RegisterArena and builds a frame allocator over
// them. The returned function unregisters the arena; m must not be used
// after it.
//
// Preconditions: base and size are page-aligned, size holds the frame
// table and at least one more frame, and no registered arena overlaps
// [base, base+size). A violation is a bug in the test and panics.
func NewMemory(base mm.PhysAddr, size uint64) (*Memory, func()) {
	if base&mm.PageMask != 0 || size&mm.PageMask != 0 || size == 0 {
		panic("sim.NewMemory: base or size not page-aligned")
	}
	m := &Memory{
		Range: mm.AddrRange{Start: base, End: base + mm.PhysAddr(size)},
		mem:   make([]byte, size),
	}
	unregister := mm.RegisterArena(base, m.mem)
	a, err := frame.New([]mm.AddrRange{m.Range})
	if err != nil || a.Stats().FreePages == 0 {
		unregister()
		panic("sim.NewMemory: arena too small for the frame allocator")
	}
	m.Frames = a
	m.Tables = NewTableSource(a)
	return m, unregister
}

// Bytes is the n bytes of physical memory at pa, through mm.DirectMap.
func (m *Memory) Bytes(pa mm.PhysAddr, n int) []byte { return mm.PhysBytes(pa, n) }

// TableSource is a pagetable.FrameSource over a frame allocator. Its
// tables are order-0 blocks in state frame.PageTable, zeroed when handed
// out.
type TableSource struct {
	frames *frame.Allocator
	// live is the number of tables handed out and not taken back.
	live int
	// Limit, when positive, is the most tables that may be live at once:
	// beyond it AllocTable fails with pagetable.ErrNoMemory, as if memory
	// had run out. Tests set it to Live()+k to fail the (k+1)th table.
	Limit int
}

// NewTableSource returns a source of page-table frames taken from a.
func NewTableSource(a *frame.Allocator) *TableSource { return &TableSource{frames: a} }

// AllocTable returns a zeroed frame for a page table, or
// pagetable.ErrNoMemory.
func (s *TableSource) AllocTable() (mm.PhysAddr, error) {
	if s.Limit > 0 && s.live >= s.Limit {
		return 0, pagetable.ErrNoMemory
	}
	pfn, err := s.frames.Alloc(0, frame.PageTable)
	if err != nil {
		return 0, pagetable.ErrNoMemory
	}
	clear(mm.PhysBytes(pfn.Addr(), mm.PageSize))
	s.live++
	return pfn.Addr(), nil
}

// FreeTable takes back a frame from AllocTable.
//
// Preconditions: pa came from AllocTable of s and was not freed since. A
// frame that is not a live page table panics; so does freeing more tables
// than s handed out.
func (s *TableSource) FreeTable(pa mm.PhysAddr) {
	st, head, order := s.frames.StateOf(pa.PFN())
	if pa&mm.PageMask != 0 || st != frame.PageTable || head != pa.PFN() || order != 0 || s.live == 0 {
		panic("sim.TableSource.FreeTable: not a live page-table frame")
	}
	s.frames.Free(pa.PFN(), 0)
	s.live--
}

// Live is the number of tables handed out and not taken back.
func (s *TableSource) Live() int { return s.live }
