//go:build !tamago

package sim

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// The tests build page tables by hand, entry by entry, so that the MMU is
// checked against the SDM and not against mm/pagetable.

// arenaStep spaces the arenas of this package's tests, from 4 GiB up.
const arenaStep = 1 << 28

var arenas atomic.Uint64

// machine is a CPU on its own memory, with an empty PML4 loaded.
type machine struct {
	t    testing.TB
	mem  *Memory
	cpu  *CPU
	root mm.PhysAddr
}

func newMachine(t testing.TB) *machine {
	t.Helper()
	base := mm.PhysAddr(1<<32 + arenas.Add(1)*arenaStep)
	mem, unregister := NewMemory(base, 8<<20)
	t.Cleanup(unregister)
	root, err := mem.Tables.AllocTable()
	if err != nil {
		t.Fatal(err)
	}
	cpu := NewCPU()
	cpu.LoadCR3(root)
	t.Cleanup(func() { pagetable.SetHostTLB(nil) })
	return &machine{t: t, mem: mem, cpu: cpu, root: root}
}

// frame allocates a data block of 2^order frames, every byte fill.
func (m *machine) frame(order int, fill byte) mm.PhysAddr {
	m.t.Helper()
	pfn, err := m.mem.Frames.Alloc(order, frame.Anon)
	if err != nil {
		m.t.Fatal(err)
	}
	b := m.mem.Bytes(pfn.Addr(), mm.PageSize<<order)
	for i := range b {
		b[i] = fill
	}
	return pfn.Addr()
}

const addrBits pagetable.PTE = 0x000f_ffff_ffff_f000

// open is the flags of an entry that allows everything.
const open = pagetable.Present | pagetable.Writable | pagetable.User

// set writes the entries that map va to pa: flags[0] into the PML4E,
// flags[1] the PDPTE, flags[2] the PDE, flags[3] the PTE; with huge the
// PDE gets PS and maps pa, and flags[3] is unused. Missing tables are
// allocated; an existing entry keeps its address and takes the new flags.
// It returns the physical addresses of the entries, PML4E first.
func (m *machine) set(va mm.VirtAddr, pa mm.PhysAddr, huge bool, flags [4]pagetable.PTE) [4]mm.PhysAddr {
	m.t.Helper()
	var at [4]mm.PhysAddr
	table := m.root
	leaf := 0
	if huge {
		leaf = 1
	}
	for level := 3; level >= leaf; level-- {
		at[3-level] = table + mm.PhysAddr(8*index(va, level))
		ep := entryAt(at[3-level])
		if level == leaf {
			*ep = pagetable.PTE(pa) | flags[3-level]
			if huge {
				*ep |= pagetable.Huge
			}
			break
		}
		next := ep.Addr()
		if next == 0 {
			var err error
			if next, err = m.mem.Tables.AllocTable(); err != nil {
				m.t.Fatal(err)
			}
		}
		*ep = pagetable.PTE(next) | flags[3-level]
		table = next
	}
	return at
}

// mapPage maps the 4 KiB page va to pa, every level open but the leaf,
// which takes leaf.
func (m *machine) mapPage(va mm.VirtAddr, pa mm.PhysAddr, leaf pagetable.PTE) [4]mm.PhysAddr {
	return m.set(va, pa, false, [4]pagetable.PTE{open, open, open, leaf})
}

// fault is the error code of err, which must be a *FaultError at addr.
func fault(t testing.TB, err error, addr mm.VirtAddr) uint64 {
	t.Helper()
	var fe *FaultError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a page fault", err)
	}
	if fe.Addr != addr {
		t.Fatalf("fault at %v, want %v", fe.Addr, addr)
	}
	return fe.Code
}

func TestMemoryRegistersArena(t *testing.T) {
	base := mm.PhysAddr(1<<32 + arenas.Add(1)*arenaStep)
	mem, unregister := NewMemory(base, 1<<20)
	mem.Bytes(base+100, 1)[0] = 42
	if got := *(*byte)(mm.DirectMap(base+100, 1)); got != 42 {
		t.Fatalf("DirectMap reads %d, want 42", got)
	}
	if s := mem.Frames.Stats(); s.ManagedPages != 256 || s.FreePages == 0 {
		t.Fatalf("allocator stats %+v", s)
	}
	unregister()
	defer func() {
		if recover() == nil {
			t.Error("DirectMap of an unregistered arena did not panic")
		}
	}()
	mm.DirectMap(base+100, 1)
}

func TestTableSource(t *testing.T) {
	m := newMachine(t)
	src := m.mem.Tables
	if src.Live() != 1 {
		t.Fatalf("live %d after the root, want 1", src.Live())
	}
	pa, err := src.AllocTable()
	if err != nil {
		t.Fatal(err)
	}
	if s, _, _ := m.mem.Frames.StateOf(pa.PFN()); s != frame.PageTable {
		t.Fatalf("table frame in state %v", s)
	}
	b := m.mem.Bytes(pa, mm.PageSize)
	for i := range b {
		b[i] = 0x5a
	}
	src.FreeTable(pa)
	if src.Live() != 1 {
		t.Fatalf("live %d after free, want 1", src.Live())
	}
	// Allocate until the dirtied frame comes back: it must come back zeroed.
	found := false
	for range m.mem.Frames.Stats().FreePages {
		again, err := src.AllocTable()
		if err != nil {
			break
		}
		if again == pa {
			found = true
			break
		}
	}
	if !found {
		t.Fatal("the freed table never came back")
	}
	for i, c := range m.mem.Bytes(pa, mm.PageSize) {
		if c != 0 {
			t.Fatalf("byte %d of a reused table is %#x", i, c)
		}
	}
	live := src.Live()

	src.Limit = src.Live() + 1
	if _, err := src.AllocTable(); err != nil {
		t.Fatalf("allocation under the limit: %v", err)
	}
	if _, err := src.AllocTable(); !errors.Is(err, pagetable.ErrNoMemory) {
		t.Fatalf("allocation over the limit: %v, want ErrNoMemory", err)
	}
	if src.Live() != live+1 {
		t.Fatalf("live %d, want %d", src.Live(), live+1)
	}
}

func TestTableSourceFreeChecks(t *testing.T) {
	m := newMachine(t)
	data := m.frame(0, 0)
	tbl, err := m.mem.Tables.AllocTable()
	if err != nil {
		t.Fatal(err)
	}
	m.mem.Tables.FreeTable(tbl)
	for _, tc := range []struct {
		name string
		pa   mm.PhysAddr
	}{{"data frame", data}, {"freed table", tbl}, {"unaligned", m.root + 8}} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != "sim.TableSource.FreeTable: not a live page-table frame" {
					t.Errorf("recovered %v", r)
				}
			}()
			m.mem.Tables.FreeTable(tc.pa)
		})
	}
}

func TestCodeString(t *testing.T) {
	for code, want := range map[uint64]string{
		0:                               "NP",
		FaultWrite | FaultUser:          "NP W U",
		FaultProtection | FaultFetch:    "P I",
		FaultProtection | FaultReserved: "P RSVD",
	} {
		if got := CodeString(code); got != want {
			t.Errorf("CodeString(%#x) = %q, want %q", code, got, want)
		}
	}
}
