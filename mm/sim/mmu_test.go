//go:build !tamago

package sim

import (
	"fmt"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// accesses are the six columns of the permission matrix.
var accesses = [6]struct {
	acc  Access
	user bool
	name string
}{
	{DataRead, false, "sup-read"}, {DataWrite, false, "sup-write"}, {InstrFetch, false, "sup-fetch"},
	{DataRead, true, "user-read"}, {DataWrite, true, "user-write"}, {InstrFetch, true, "user-fetch"},
}

// ok marks an access that must not fault.
const ok = -1

// permissions is SDM 3A 4.6.1 with CR0.WP=1, EFER.NXE=1, no SMEP or SMAP,
// written out: for each combination of R/W, U/S and XD, the error code of
// each access in the order of accesses, or ok.
var permissions = []struct {
	flags pagetable.PTE
	want  [6]int
}{
	//                                                  sup: read write fetch   user: read write fetch
	{0, [6]int{ok, 0x3, ok, 0x5, 0x7, 0x15}},
	{pagetable.Writable, [6]int{ok, ok, ok, 0x5, 0x7, 0x15}},
	{pagetable.User, [6]int{ok, 0x3, ok, ok, 0x7, ok}},
	{pagetable.Writable | pagetable.User, [6]int{ok, ok, ok, ok, ok, ok}},
	{pagetable.NoExecute, [6]int{ok, 0x3, 0x11, 0x5, 0x7, 0x15}},
	{pagetable.Writable | pagetable.NoExecute, [6]int{ok, ok, 0x11, 0x5, 0x7, 0x15}},
	{pagetable.User | pagetable.NoExecute, [6]int{ok, 0x3, 0x11, ok, 0x7, 0x15}},
	{pagetable.Writable | pagetable.User | pagetable.NoExecute, [6]int{ok, ok, 0x11, ok, ok, 0x15}},
}

// placements put the flags under test into one entry of the walk; every
// other entry is open.
var placements = []struct {
	name  string
	huge  bool
	level int // index into set's flags: 0 the PML4E .. 3 the PTE
}{
	{"PML4E", false, 0}, {"PDPTE", false, 1}, {"PDE", false, 2}, {"PTE", false, 3},
	{"2M-PDE", true, 2}, {"PDPTE-over-2M", true, 1},
}

// Rights combine over the levels: a right missing at any level is missing,
// and the error code is the exact one of SDM 3A 4.7.
func TestPermissionMatrix(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0x7f12_3456_7000 | 0x123
	pa4k := m.frame(0, 0x11)
	pa2m := m.frame(9, 0x22)
	for _, pl := range placements {
		for _, p := range permissions {
			flags := [4]pagetable.PTE{open, open, open, open}
			flags[pl.level] = pagetable.Present | p.flags
			pa := pa4k
			if pl.huge {
				pa = pa2m
			}
			for i, a := range accesses {
				t.Run(fmt.Sprintf("%s/%s/%s", pl.name, (pagetable.Present|p.flags).FlagString(), a.name), func(t *testing.T) {
					m.set(va, pa, pl.huge, flags)
					m.cpu.Flush()
					got, err := m.cpu.Translate(va, a.acc, a.user)
					if p.want[i] == ok {
						if err != nil {
							t.Fatalf("faulted: %v", err)
						}
						off := mm.PhysAddr(va & mm.PageMask)
						if pl.huge {
							off = mm.PhysAddr(va & (hugeSize - 1))
						}
						if got != pa+off {
							t.Fatalf("translated to %v, want %v", got, pa+off)
						}
						return
					}
					if code := fault(t, err, va); code != uint64(p.want[i]) {
						t.Fatalf("error code %#x (%s), want %#x", code, CodeString(code), p.want[i])
					}
					if m.cpu.CR2() != va {
						t.Fatalf("CR2 %v, want %v", m.cpu.CR2(), va)
					}
				})
			}
		}
	}
}

// A clear P at any level is a not-present fault: P=0 in the error code,
// the other bits describing the access; nothing is set in the tables.
func TestNotPresent(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0xffff_8000_4020_3000
	pa := m.frame(0, 0)
	want := [6]uint64{0x0, 0x2, 0x10, 0x4, 0x6, 0x14}
	for level := range 4 {
		flags := [4]pagetable.PTE{open, open, open, open}
		flags[level] = pagetable.Writable | pagetable.User // P clear
		for i, a := range accesses {
			t.Run(fmt.Sprintf("%s/%s", placements[level].name, a.name), func(t *testing.T) {
				at := m.set(va, pa, false, flags)
				m.cpu.Flush()
				_, err := m.cpu.Translate(va, a.acc, a.user)
				if code := fault(t, err, va); code != want[i] {
					t.Fatalf("error code %#x, want %#x", code, want[i])
				}
				for l, e := range at {
					if *entryAt(e)&(pagetable.Accessed|pagetable.Dirty) != 0 {
						t.Fatalf("level %d entry %v changed by a faulting walk", l, *entryAt(e))
					}
				}
				if m.cpu.Cached(va) {
					t.Fatal("a not-present translation was cached")
				}
			})
		}
	}
}

// Reserved bits make the walk fail with P=1 and RSVD=1 (SDM 3A 4.7).
func TestReservedBits(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0x4000_0000
	pa := m.frame(9, 0)
	for _, tc := range []struct {
		name  string
		huge  bool
		flags [4]pagetable.PTE
	}{
		{"PS in PML4E", false, [4]pagetable.PTE{open | pagetable.Huge, open, open, open}},
		{"PS in PDPTE (1 GiB)", false, [4]pagetable.PTE{open, open | pagetable.Huge, open, open}},
		{"bit 13 of a 2M PDE", true, [4]pagetable.PTE{open, open, open | 1<<13, 0}},
		{"bit 20 of a 2M PDE", true, [4]pagetable.PTE{open, open, open | 1<<20, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m.set(va, pa, tc.huge, tc.flags)
			m.cpu.Flush()
			_, err := m.cpu.Translate(va, DataRead, false)
			if code := fault(t, err, va); code != FaultProtection|FaultReserved {
				t.Fatalf("read: error code %#x, want 0x9", code)
			}
			_, err = m.cpu.Translate(va, DataWrite, true)
			if code := fault(t, err, va); code != 0xf {
				t.Fatalf("user write: error code %#x, want 0xf", code)
			}
		})
	}
	// Bit 12 of a 2 MiB PDE is PAT, not reserved; bit 7 of a PTE is PAT.
	t.Run("PAT bits", func(t *testing.T) {
		m.set(va, pa|1<<12, true, [4]pagetable.PTE{open, open, open, 0})
		m.cpu.Flush()
		if got, err := m.cpu.Translate(va+5, DataRead, false); err != nil || got != pa+5 {
			t.Fatalf("2M PDE with PAT: %v, %v", got, err)
		}
		m.set(va, pa, false, [4]pagetable.PTE{open, open, open, open | 1<<7})
		m.cpu.Flush()
		if got, err := m.cpu.Translate(va+5, DataRead, false); err != nil || got != pa+5 {
			t.Fatalf("PTE with PAT: %v, %v", got, err)
		}
	})
}

// A successful walk sets A in every entry it used; a write sets D in the
// leaf only (SDM 3A 4.8). A fault sets nothing.
func TestAccessedDirty(t *testing.T) {
	for _, huge := range []bool{false, true} {
		t.Run(fmt.Sprintf("huge=%v", huge), func(t *testing.T) {
			m := newMachine(t)
			const va mm.VirtAddr = 0x20_0000_0000
			pa := m.frame(9, 0)
			at := m.set(va, pa, huge, [4]pagetable.PTE{open, open, open, open})
			used := at[:4]
			if huge {
				used = at[:3]
			}
			for i, e := range used {
				if v := *entryAt(e); v&(pagetable.Accessed|pagetable.Dirty) != 0 {
					t.Fatalf("before any access, level %d entry is %s", i, v.FlagString())
				}
			}
			if err := m.cpu.Fetch(va, false); err != nil {
				t.Fatal(err)
			}
			for i, e := range used {
				if v := *entryAt(e); !v.Has(pagetable.Accessed) || v.Has(pagetable.Dirty) {
					t.Fatalf("after a fetch, level %d entry is %s", i, v.FlagString())
				}
			}
			// Clear A behind the TLB's back and write: the cached entry was
			// loaded clean, so the write walks again and sets A and D.
			for _, e := range used {
				*entryAt(e) &^= pagetable.Accessed
			}
			if err := m.cpu.Write(va+8, []byte{1}, false); err != nil {
				t.Fatal(err)
			}
			for i, e := range used {
				v := *entryAt(e)
				if !v.Has(pagetable.Accessed) || v.Has(pagetable.Dirty) != (i == len(used)-1) {
					t.Fatalf("after a write, level %d entry is %s", i, v.FlagString())
				}
			}
		})
	}
}
