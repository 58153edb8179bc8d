//go:build !tamago

package pagetable_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/sim"
)

const (
	k4 = pagetable.Size4K
	m2 = pagetable.Size2M
	w  = pagetable.Writable
	u  = pagetable.User
	nx = pagetable.NoExecute
)

// page is a page to map in a test's setup.
type page struct {
	va    mm.VirtAddr
	size  pagetable.PageSize
	flags pagetable.PTE
}

// setup maps pages, each to a fresh frame, and returns the frames.
func (e *env) setup(pages []page) []mm.PhysAddr {
	e.t.Helper()
	var pas []mm.PhysAddr
	for _, p := range pages {
		pa := e.frame(p.size)
		if err := e.Map(p.va, pa, p.size, p.flags); err != nil {
			e.t.Fatalf("Map(%v, %v): %v", p.va, p.size, err)
		}
		pas = append(pas, pa)
	}
	return pas
}

func TestMap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pages  []page
		tables int // including the PML4
	}{
		{"one 4K page", []page{{0x1000, k4, w}}, 4},
		{"one 2M page", []page{{0x20_0000, m2, w}}, 3},
		{"neighbours share tables", []page{{0x1000, k4, w}, {0x2000, k4, 0}}, 4},
		{"4K and 2M under one PD", []page{{0x1000, k4, w}, {0x20_0000, m2, w}}, 4},
		{"two PDPT entries", []page{{0x1000, k4, w}, {0x4000_1000, k4, w}}, 6},
		{"both halves", []page{{0x1000, k4, w}, {0xffff_8000_0000_1000, k4, w}}, 7},
		{"last page of each half", []page{{0x7fff_ffff_f000, k4, w}, {0xffff_ffff_ffff_f000, k4, w}}, 7},
		{"last 2M page of each half", []page{{0x7fff_ffe0_0000, m2, w}, {0xffff_ffff_ffe0_0000, m2, w}}, 5},
		{"every flag", []page{{0x1000, k4, w | u | nx | pagetable.Global | pagetable.WriteThrough | pagetable.CacheDisable}}, 4},
		{"no flags", []page{{0x1000, k4, 0}, {0x40_0000, m2, 0}}, 4},
		{"user page under supervisor tables", []page{{0x1000, k4, 0}, {0x2000, k4, u}}, 4},
		{"user 2M page under supervisor tables", []page{{0x1000, k4, w}, {0x20_0000, m2, u | w}}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.setup(tc.pages)
			if got := e.src.Live(); got != tc.tables {
				t.Fatalf("%d tables, want %d", got, tc.tables)
			}
			// A user page is reachable from ring 3: U/S at every level
			// above it too, though the tables were made for a
			// supervisor page (SDM 3A 4.6.1).
			for _, p := range tc.pages {
				if p.flags&u == 0 {
					continue
				}
				w := e.pt.Walk(p.va)
				for i, l := range w.Levels[:w.N] {
					if l.Entry&u == 0 {
						t.Errorf("%v: level %d entry %#x lacks U/S", p.va, i, uint64(l.Entry))
					}
				}
			}
		})
	}
}

// Unmap frees the tables it empties: once everything is unmapped, the
// PML4 alone is left, whatever the order.
func TestUnmap(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pages []page
		order []int // indexes into pages
	}{
		{"one 4K page", []page{{0x1000, k4, w}}, []int{0}},
		{"one 2M page", []page{{0x20_0000, m2, w}}, []int{0}},
		{"neighbours", []page{{0x1000, k4, w}, {0x2000, k4, w}, {0x1ff000, k4, w}}, []int{1, 0, 2}},
		{"4K and 2M under one PD", []page{{0x1000, k4, w}, {0x20_0000, m2, w}}, []int{0, 1}},
		{"2M then 4K", []page{{0x1000, k4, w}, {0x20_0000, m2, w}}, []int{1, 0}},
		{"spread", []page{
			{0x1000, k4, w}, {0x4000_1000, k4, u}, {0xffff_8000_0000_1000, k4, w},
			{0xffff_ffff_ffe0_0000, m2, w}, {0x7fff_ffff_f000, k4, u | w},
		}, []int{2, 0, 4, 3, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			pas := e.setup(tc.pages)
			for _, i := range tc.order {
				p := tc.pages[i]
				pa, err := e.Unmap(p.va, p.size)
				if err != nil {
					t.Fatalf("Unmap(%v, %v): %v", p.va, p.size, err)
				}
				if pa != pas[i] {
					t.Fatalf("Unmap(%v) = %v, want %v", p.va, pa, pas[i])
				}
			}
			if got := e.src.Live(); got != 1 {
				t.Fatalf("%d tables left, want the PML4 alone", got)
			}
		})
	}
}

// An unmapped page that was in the TLB faults at once.
func TestUnmapInvalidates(t *testing.T) {
	for _, size := range []pagetable.PageSize{k4, m2} {
		t.Run(size.String(), func(t *testing.T) {
			e := newEnv(t)
			const va mm.VirtAddr = 0x20_0000
			e.setup([]page{{va, size, w}, {va + 0x40_0000, k4, w}})
			in := va + mm.VirtAddr(size) - 0x800
			if err := e.cpu.Write(in, []byte{1}, false); err != nil {
				t.Fatal(err)
			}
			if _, err := e.pt.Unmap(va, size); err != nil {
				t.Fatal(err)
			}
			err := e.cpu.Write(in, []byte{2}, false)
			e.wantFault(err, in, sim.FaultWrite, "write after Unmap")
		})
	}
}

// Protect takes effect at once, on pages the TLB holds: it invalidates.
func TestProtect(t *testing.T) {
	for _, tc := range []struct {
		name     string
		size     pagetable.PageSize
		from, to pagetable.PTE
		acc      sim.Access
		user     bool
		code     int // the access's error code after Protect, or -1
	}{
		{"write-protect", k4, w, 0, sim.DataWrite, false, 0x3},
		{"write-protect 2M", m2, w | u, u, sim.DataWrite, true, 0x7},
		{"revoke user", k4, w | u, w, sim.DataRead, true, 0x5},
		{"revoke user 2M", m2, u, 0, sim.DataRead, true, 0x5},
		{"forbid execution", k4, w, w | nx, sim.InstrFetch, false, 0x11},
		{"grant write", k4, 0, w, sim.DataWrite, false, -1},
		{"grant write 2M", m2, u, w | u, sim.DataWrite, true, -1},
		{"grant user", k4, w, w | u, sim.DataRead, true, -1},
		{"grant user 2M", m2, 0, u, sim.InstrFetch, true, -1},
		{"grant execution", k4, nx, 0, sim.InstrFetch, false, -1},
		{"cache flags", k4, w, w | pagetable.CacheDisable | pagetable.WriteThrough | pagetable.Global, sim.DataWrite, false, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			const va mm.VirtAddr = 0x7f00_0020_0000
			pas := e.setup([]page{{va, tc.size, tc.from}})
			// Fill the TLB with every access the old rights allow.
			for _, a := range []sim.Access{sim.DataRead, sim.DataWrite, sim.InstrFetch} {
				for _, user := range []bool{false, true} {
					e.cpu.Translate(va+0x10, a, user)
				}
			}
			if err := e.Protect(va, tc.size, tc.to); err != nil {
				t.Fatal(err)
			}
			got, err := e.cpu.Translate(va+0x10, tc.acc, tc.user)
			if tc.code < 0 {
				if err != nil || got != pas[0]+0x10 {
					t.Fatalf("%v after Protect: %v, %v", tc.acc, got, err)
				}
				return
			}
			e.wantFault(err, va+0x10, uint64(tc.code), fmt.Sprintf("%v after Protect", tc.acc))
		})
	}
}

// Walk records every level it reads, down to the leaf or the first
// non-present entry.
func TestWalk(t *testing.T) {
	pages := []page{{0x1000, k4, w}, {0x20_0000, m2, u}}
	for _, tc := range []struct {
		name   string
		va     mm.VirtAddr
		n      int
		mapped int // index into pages, or -1
	}{
		{"4K page", 0x1010, 4, 0},
		{"2M page", 0x21_2345, 3, 1},
		{"absent PTE", 0x2000, 4, -1},
		{"absent PDE", 0x40_0000, 3, -1},
		{"absent PDPTE", 0x4000_0000, 2, -1},
		{"absent PML4E", 0x80_0000_0000, 1, -1},
		{"absent PML4E, high half", 0xffff_8000_0000_0000, 1, -1},
		{"non-canonical", 0x8000_0000_0000, 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			pas := e.setup(pages)
			wk := e.pt.Walk(tc.va)
			if wk.N != tc.n {
				t.Fatalf("N = %d, want %d (%+v)", wk.N, tc.n, wk)
			}
			table := e.pt.Root()
			for i, l := range wk.Levels[:wk.N] {
				shift := mm.PageShift + 9*(3-i)
				if l.Table != table || l.Index != int(tc.va>>shift)&511 {
					t.Fatalf("%s: table %v index %d, want %v index %d", pagetable.LevelNames[i], l.Table, l.Index, table, int(tc.va>>shift)&511)
				}
				if raw := *(*pagetable.PTE)(mm.DirectMap(l.EntryAddr(), 8)); raw != l.Entry {
					t.Fatalf("%s: entry %#x, the table holds %#x", pagetable.LevelNames[i], uint64(l.Entry), uint64(raw))
				}
				last := i == wk.N-1
				if !last && !l.Entry.Has(pagetable.Present) {
					t.Fatalf("%s: walk went on past a non-present entry", pagetable.LevelNames[i])
				}
				if last && l.Entry.Has(pagetable.Present) != (tc.mapped >= 0) {
					t.Fatalf("%s: last entry %s, mapped %v", pagetable.LevelNames[i], l.Entry.FlagString(), tc.mapped >= 0)
				}
				table = l.Entry.Addr()
			}
			for i := wk.N; i < len(wk.Levels); i++ {
				if wk.Levels[i] != (pagetable.Level{}) {
					t.Fatalf("level %d beyond N is %+v", i, wk.Levels[i])
				}
			}
			if tc.mapped < 0 {
				if wk.Mapped || wk.PA != 0 || wk.Size != 0 {
					t.Fatalf("unmapped address walks to %+v", wk)
				}
				return
			}
			p := pages[tc.mapped]
			if off := mm.PhysAddr(tc.va - p.va); !wk.Mapped || wk.Size != p.size || wk.PA != pas[tc.mapped]+off {
				t.Fatalf("walk to %v %v %v, want %v %v", wk.Mapped, wk.Size, wk.PA, p.size, pas[tc.mapped]+off)
			}
			// The CPU's walk set A at every level Walk shows.
			again := e.pt.Walk(tc.va)
			for i, l := range again.Levels[:again.N] {
				if !l.Entry.Has(pagetable.Accessed) {
					t.Fatalf("%s: A not set after accesses", pagetable.LevelNames[i])
				}
			}
		})
	}
}

func TestTranslate(t *testing.T) {
	e := newEnv(t)
	pas := e.setup([]page{{0x1000, k4, w | nx}, {0xffff_ffff_ffe0_0000, m2, u}})
	for _, tc := range []struct {
		va    mm.VirtAddr
		pa    mm.PhysAddr
		flags pagetable.PTE
		ok    bool
	}{
		{0x1000, pas[0], w | nx, true},
		{0x1fff, pas[0] + 0xfff, w | nx, true},
		{0xffff_ffff_ffe0_0000, pas[1], u, true},
		{0xffff_ffff_ffff_ffff, pas[1] + 0x1f_ffff, u, true},
		{0x2000, 0, 0, false},
		{0xffff_ffff_ffc0_0000, 0, 0, false},
		{0x8000_0000_1000, 0, 0, false},
	} {
		pa, leaf, ok := e.pt.Translate(tc.va)
		if ok != tc.ok || pa != tc.pa || ok && leaf&permissions != tc.flags {
			t.Errorf("Translate(%v) = %v, %s, %v; want %v, %s, %v", tc.va, pa, leaf.FlagString(), ok, tc.pa, tc.flags.FlagString(), tc.ok)
		}
		if ok {
			if w := e.pt.Walk(tc.va); w.Levels[w.N-1].Entry != leaf {
				t.Errorf("Translate(%v) leaf %#x, Walk's %#x", tc.va, uint64(leaf), uint64(w.Levels[w.N-1].Entry))
			}
		}
	}
}

// TestAndClear clears A or D and invalidates, so that the next access
// through the CPU sets the bit again.
func TestTestAndClear(t *testing.T) {
	for _, size := range []pagetable.PageSize{k4, m2} {
		t.Run(size.String(), func(t *testing.T) {
			e := newEnv(t)
			const va mm.VirtAddr = 0x40_0000
			in := va + mm.VirtAddr(size)/2 + 0x234
			e.setup([]page{{va, size, w}})
			leaf := func() pagetable.PTE { _, l, _ := e.pt.Translate(in); return l }
			// check has read and written the page.
			for _, bit := range []pagetable.PTE{pagetable.Accessed, pagetable.Dirty} {
				if set, err := e.pt.TestAndClear(in, bit); err != nil || !set {
					t.Fatalf("TestAndClear(%s) = %v, %v; want true", bit.FlagString(), set, err)
				}
				if leaf().Has(bit) {
					t.Fatalf("%s still set", bit.FlagString())
				}
				if set, err := e.pt.TestAndClear(in, bit); err != nil || set {
					t.Fatalf("second TestAndClear(%s) = %v, %v; want false", bit.FlagString(), set, err)
				}
			}
			if err := e.cpu.Read(in, make([]byte, 4), false); err != nil {
				t.Fatal(err)
			}
			if l := leaf(); !l.Has(pagetable.Accessed) || l.Has(pagetable.Dirty) {
				t.Fatalf("after a read the leaf is %s, want A without D", l.FlagString())
			}
			if err := e.cpu.Write(in, []byte{1}, false); err != nil {
				t.Fatal(err)
			}
			if !leaf().Has(pagetable.Dirty) {
				t.Fatal("D not set again by a write")
			}
			if set, _ := e.pt.TestAndClear(in, pagetable.Accessed); !set {
				t.Fatal("A not set")
			}
			if err := e.cpu.Write(in, []byte{1}, false); err != nil {
				t.Fatal(err)
			}
			if !leaf().Has(pagetable.Accessed) {
				t.Fatal("A not set again by a write through a dirty entry")
			}
			e.check()
		})
	}
}

// Every error leaves the tables as they were (checked by env's wrappers).
func TestErrors(t *testing.T) {
	const (
		a4  mm.VirtAddr = 0x1000
		a2  mm.VirtAddr = 0x20_0000
		in2 mm.VirtAddr = 0x20_3000 // inside the 2M page at a2
		nc  mm.VirtAddr = 0x8000_0000_0000
	)
	setup := []page{{a4, k4, w}, {a2, m2, w}}
	for _, tc := range []struct {
		name string
		op   func(e *env, pa4, pa2 mm.PhysAddr) error
		want error
	}{
		{"Map misaligned 4K", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x5008, pa4, k4, w) }, pagetable.ErrInvalid},
		{"Map misaligned 2M", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x60_1000, pa2, m2, w) }, pagetable.ErrInvalid},
		{"Map misaligned PA", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x5000, pa4+8, k4, w) }, pagetable.ErrInvalid},
		{"Map misaligned 2M PA", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x60_0000, pa2+0x1000, m2, w) }, pagetable.ErrInvalid},
		{"Map PA beyond 52 bits", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x5000, 1<<52, k4, w) }, pagetable.ErrInvalid},
		{"Map non-canonical", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(nc, pa4, k4, w) }, pagetable.ErrInvalid},
		{"Map non-canonical high", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0xffff_0000_0000_0000, pa4, k4, w) }, pagetable.ErrInvalid},
		{"Map flag P", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x5000, pa4, k4, pagetable.Present) }, pagetable.ErrInvalid},
		{"Map flag PS", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x60_0000, pa2, m2, pagetable.Huge) }, pagetable.ErrInvalid},
		{"Map flag A", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x5000, pa4, k4, pagetable.Accessed) }, pagetable.ErrInvalid},
		{"Map flag D", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x5000, pa4, k4, pagetable.Dirty) }, pagetable.ErrInvalid},
		{"Map address bits in flags", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x5000, pa4, k4, 1<<12) }, pagetable.ErrInvalid},
		{"Map software bit 9", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x5000, pa4, k4, 1<<9) }, pagetable.ErrInvalid},
		{"Map bit 52", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x5000, pa4, k4, 1<<52) }, pagetable.ErrInvalid},
		{"Map size 0", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x5000, pa4, 0, w) }, pagetable.ErrInvalid},
		{"Map size 8K", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x6000, pa4, 8192, w) }, pagetable.ErrInvalid},
		{"Map size 1G", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0x4000_0000, 0, 1<<30, w) }, pagetable.ErrInvalid},
		{"Unmap misaligned", func(e *env, pa4, pa2 mm.PhysAddr) error { _, err := e.Unmap(a4+1, k4); return err }, pagetable.ErrInvalid},
		{"Unmap misaligned 2M", func(e *env, pa4, pa2 mm.PhysAddr) error { _, err := e.Unmap(in2, m2); return err }, pagetable.ErrInvalid},
		{"Unmap non-canonical", func(e *env, pa4, pa2 mm.PhysAddr) error { _, err := e.Unmap(nc, k4); return err }, pagetable.ErrInvalid},
		{"Unmap bad size", func(e *env, pa4, pa2 mm.PhysAddr) error { _, err := e.Unmap(a2, 1<<30); return err }, pagetable.ErrInvalid},
		{"Protect flag P", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(a4, k4, pagetable.Present) }, pagetable.ErrInvalid},
		{"Protect flag PS", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(a2, m2, pagetable.Huge) }, pagetable.ErrInvalid},
		{"Protect flag A", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(a4, k4, pagetable.Accessed) }, pagetable.ErrInvalid},
		{"Protect flag D", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(a4, k4, pagetable.Dirty) }, pagetable.ErrInvalid},
		{"Protect address bits", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(a4, k4, 1<<12) }, pagetable.ErrInvalid},
		{"Protect available bit", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(a4, k4, 1<<9) }, pagetable.ErrInvalid},
		{"Protect misaligned", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(in2, m2, w) }, pagetable.ErrInvalid},
		{"Protect non-canonical", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(nc, k4, w) }, pagetable.ErrInvalid},
		{"Protect bad size", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(a4, 3, w) }, pagetable.ErrInvalid},
		{"TestAndClear R/W", func(e *env, pa4, pa2 mm.PhysAddr) error { return testAndClear(e, a4, w) }, pagetable.ErrInvalid},
		{"TestAndClear A|D", func(e *env, pa4, pa2 mm.PhysAddr) error {
			return testAndClear(e, a4, pagetable.Accessed|pagetable.Dirty)
		}, pagetable.ErrInvalid},
		{"TestAndClear nothing", func(e *env, pa4, pa2 mm.PhysAddr) error { return testAndClear(e, a4, 0) }, pagetable.ErrInvalid},
		{"TestAndClear non-canonical", func(e *env, pa4, pa2 mm.PhysAddr) error { return testAndClear(e, nc, pagetable.Accessed) }, pagetable.ErrInvalid},

		{"Map 4K twice", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(a4, e.frame(k4), k4, w) }, pagetable.ErrExists},
		{"Map 2M twice", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(a2, e.frame(m2), m2, w) }, pagetable.ErrExists},
		{"Map 4K at a 2M page", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(a2, pa4, k4, w) }, pagetable.ErrExists},
		{"Map 4K inside a 2M page", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(in2, pa4, k4, w) }, pagetable.ErrExists},
		{"Map 2M over a page table", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(0, e.frame(m2), m2, w) }, pagetable.ErrExists},
		{"Map user 4K twice", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(a4, e.frame(k4), k4, u) }, pagetable.ErrExists},
		{"Map user 4K inside a 2M page", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Map(in2, pa4, k4, u) }, pagetable.ErrExists},

		{"Unmap absent, no tables", func(e *env, pa4, pa2 mm.PhysAddr) error { _, err := e.Unmap(0x80_0000_0000, k4); return err }, pagetable.ErrNotMapped},
		{"Unmap absent, no tables, 2M", func(e *env, pa4, pa2 mm.PhysAddr) error { _, err := e.Unmap(0x4000_0000, m2); return err }, pagetable.ErrNotMapped},
		{"Unmap absent beside a page", func(e *env, pa4, pa2 mm.PhysAddr) error { _, err := e.Unmap(a4+0x1000, k4); return err }, pagetable.ErrNotMapped},
		{"Unmap 4K of a 2M page", func(e *env, pa4, pa2 mm.PhysAddr) error { _, err := e.Unmap(a2, k4); return err }, pagetable.ErrNotMapped},
		{"Unmap 4K inside a 2M page", func(e *env, pa4, pa2 mm.PhysAddr) error { _, err := e.Unmap(in2, k4); return err }, pagetable.ErrNotMapped},
		{"Unmap 2M of a page table", func(e *env, pa4, pa2 mm.PhysAddr) error { _, err := e.Unmap(0, m2); return err }, pagetable.ErrNotMapped},
		{"Protect absent", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(0x5000, k4, w) }, pagetable.ErrNotMapped},
		{"Protect 4K of a 2M page", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(a2, k4, 0) }, pagetable.ErrNotMapped},
		{"Protect 2M of a page table", func(e *env, pa4, pa2 mm.PhysAddr) error { return e.Protect(0, m2, 0) }, pagetable.ErrNotMapped},
		{"TestAndClear absent", func(e *env, pa4, pa2 mm.PhysAddr) error { return testAndClear(e, 0x5000, pagetable.Accessed) }, pagetable.ErrNotMapped},
		{"TestAndClear no tables", func(e *env, pa4, pa2 mm.PhysAddr) error {
			return testAndClear(e, 0xffff_8000_0000_0000, pagetable.Dirty)
		}, pagetable.ErrNotMapped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			pas := e.setup(setup)
			err, pre := callChecked(func() error { return tc.op(e, pas[0], pas[1]) })
			if pre {
				// -tags mmdebug: a broken precondition panics instead.
				if tc.want != pagetable.ErrInvalid {
					t.Fatalf("precondition panic, want %v", tc.want)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			for _, s := range []error{pagetable.ErrInvalid, pagetable.ErrExists, pagetable.ErrNotMapped, pagetable.ErrNoMemory} {
				if s != tc.want && errors.Is(err, s) {
					t.Fatalf("%v is also %v", err, s)
				}
			}
		})
	}
}

// callChecked calls op; with -tags mmdebug, pre reports that it panicked
// on a precondition.
func callChecked(op func() error) (err error, pre bool) {
	if pagetable.Debug {
		defer func() {
			r := recover()
			if s, ok := r.(string); ok && strings.HasPrefix(s, "pagetable: precondition: ") {
				pre = true
				return
			}
			if r != nil {
				panic(r)
			}
		}()
	}
	return op(), false
}

// testAndClear calls TestAndClear and checks that its failure changed
// nothing.
func testAndClear(e *env, va mm.VirtAddr, bit pagetable.PTE) error {
	before := e.snapshot()
	_, err := e.pt.TestAndClear(va, bit)
	if err != nil {
		e.unchanged(before, fmt.Sprintf("TestAndClear(%v, %#x)", va, uint64(bit)))
	}
	return err
}

// Map out of tables after k of them leaves nothing behind: the tables it
// took go back, and no entry changes.
func TestMapNoMemory(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pages []page // mapped first
		va    mm.VirtAddr
		size  pagetable.PageSize
		flags pagetable.PTE
		need  int // tables the Map needs
	}{
		{"4K into nothing", nil, 0x1000, k4, w, 3},
		{"2M into nothing", nil, 0x20_0000, m2, w, 2},
		{"4K beside a PDPT", []page{{0x1000, k4, w}}, 0x4000_0000, k4, w, 2},
		{"4K beside a PD", []page{{0x1000, k4, w}}, 0x20_0000, k4, w, 1},
		{"user 4K beside a PDPT", []page{{0x1000, k4, w}}, 0x4000_0000, k4, u, 2},
		{"user 4K beside a PD", []page{{0x1000, k4, w}}, 0x20_0000, k4, u | w, 1},
		{"user 2M beside a PD", []page{{0x1000, k4, w}}, 0x4000_0000, m2, u, 1},
		{"high half", []page{{0xffff_8000_0000_0000, m2, w}}, 0xffff_8000_4000_0000, k4, w, 2},
	} {
		for k := range tc.need {
			t.Run(fmt.Sprintf("%s/after %d", tc.name, k), func(t *testing.T) {
				e := newEnv(t)
				e.setup(tc.pages)
				live := e.src.Live()
				e.src.Limit = live + k
				err := e.Map(tc.va, e.frame(tc.size), tc.size, tc.flags)
				if !errors.Is(err, pagetable.ErrNoMemory) {
					t.Fatalf("got %v, want ErrNoMemory", err)
				}
				if e.src.Live() != live {
					t.Fatalf("%d tables live, %d before", e.src.Live(), live)
				}
				e.src.Limit = live + tc.need
				if err := e.Map(tc.va, e.frame(tc.size), tc.size, tc.flags); err != nil {
					t.Fatalf("Map with %d tables: %v", tc.need, err)
				}
			})
		}
	}
}

type noTables struct{}

func (noTables) AllocTable() (mm.PhysAddr, error) { return 0, pagetable.ErrNoMemory }
func (noTables) FreeTable(mm.PhysAddr)            { panic("FreeTable of a table never allocated") }

func TestNewNoMemory(t *testing.T) {
	if _, err := pagetable.New(noTables{}); !errors.Is(err, pagetable.ErrNoMemory) {
		t.Fatalf("got %v, want ErrNoMemory", err)
	}
}

// Map, Unmap, Protect, Walk, Translate and TestAndClear allocate nothing:
// the fault path uses them.
func TestNoAllocs(t *testing.T) {
	e := newEnv(t)
	pa := e.frame(k4)
	const keep, va mm.VirtAddr = 0x7f00_0000_0000, 0x7f00_0000_1000
	e.setup([]page{{keep, k4, w}})
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Map+Unmap, tables present", func() {
			must(t, e.pt.Map(va, pa, k4, w|u))
			_, err := e.pt.Unmap(va, k4)
			must(t, err)
		}},
		{"Map+Unmap, tables made and freed", func() {
			must(t, e.pt.Map(0x1000, pa, k4, w))
			_, err := e.pt.Unmap(0x1000, k4)
			must(t, err)
		}},
		{"Protect", func() { must(t, e.pt.Protect(keep, k4, w|nx)) }},
		{"Walk", func() {
			if !e.pt.Walk(keep).Mapped {
				t.Fatal("not mapped")
			}
		}},
		{"Translate", func() {
			if _, _, ok := e.pt.Translate(keep); !ok {
				t.Fatal("not mapped")
			}
		}},
		{"TestAndClear", func() {
			_, err := e.pt.TestAndClear(keep, pagetable.Accessed)
			must(t, err)
		}},
	} {
		if n := testing.AllocsPerRun(100, tc.f); n != 0 {
			t.Errorf("%s: %v allocations per run", tc.name, n)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func BenchmarkMapUnmap4K(b *testing.B) {
	e := newEnv(b)
	pa := e.frame(k4)
	e.setup([]page{{0x7f00_0000_0000, k4, w}}) // keeps the tables
	b.ReportAllocs()
	for b.Loop() {
		if err := e.pt.Map(0x7f00_0000_1000, pa, k4, w); err != nil {
			b.Fatal(err)
		}
		if _, err := e.pt.Unmap(0x7f00_0000_1000, k4); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMapUnmap4KWithTables(b *testing.B) {
	e := newEnv(b)
	pa := e.frame(k4)
	b.ReportAllocs()
	for b.Loop() {
		if err := e.pt.Map(0x7f00_0000_1000, pa, k4, w); err != nil {
			b.Fatal(err)
		}
		if _, err := e.pt.Unmap(0x7f00_0000_1000, k4); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMapUnmap2M(b *testing.B) {
	e := newEnv(b)
	pa := e.frame(m2)
	e.setup([]page{{0x7f00_0000_0000, k4, w}})
	b.ReportAllocs()
	for b.Loop() {
		if err := e.pt.Map(0x7f00_0020_0000, pa, m2, w); err != nil {
			b.Fatal(err)
		}
		if _, err := e.pt.Unmap(0x7f00_0020_0000, m2); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWalk(b *testing.B) {
	e := newEnv(b)
	e.setup([]page{{0x7f00_0000_0000, k4, w}})
	b.ReportAllocs()
	for b.Loop() {
		if !e.pt.Walk(0x7f00_0000_0123).Mapped {
			b.Fatal("not mapped")
		}
	}
}

// A walk's Span is what its last entry covers, whatever level it
// stopped at.
func TestWalkSpan(t *testing.T) {
	e := newEnv(t)
	e.setup([]page{{0x1000, k4, w}, {0x20_0000, m2, w}})
	for _, tc := range []struct {
		va   mm.VirtAddr
		want uint64
	}{
		{0x1000, 4 << 10},           // a 4K page: the PTE
		{0x20_0000, 2 << 20},        // a 2M page: the PDE
		{0x4000_0000, 1 << 30},      // no PD there: the PDPTE
		{0x80_0000_0000, 512 << 30}, // no PDPT there: the PML4E
		{0x8000_0000_0000, 0},       // non-canonical: nothing read
	} {
		if got := e.pt.Walk(tc.va).Span(); got != tc.want {
			t.Errorf("Walk(%v).Span() = %#x, want %#x", tc.va, got, tc.want)
		}
	}
}
