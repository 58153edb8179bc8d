//go:build !tamago

package pagetable_test

// The tests run the page tables on the host simulator (mm/sim), whose MMU
// walks them in the hardware's format and caches what it finds in a TLB
// that is only emptied by invalidation. They are an external test package
// because sim imports pagetable.
//
// Every step is followed by check, which recomputes everything from
// scratch: it reads all four levels of tables, compares the leaves with a
// reference model, counts the tables against the FrameSource, and asks the
// simulated CPU to make every kind of access to every mapped page and to
// every page that was unmapped, so that a stale TLB entry shows.

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/sim"
)

// Arenas of this package's tests start at 16 GiB, 256 MiB apart.
const (
	arenaFirst = 1 << 34
	arenaStep  = 1 << 28
	arenaSize  = 32 << 20
)

var arenas atomic.Uint64

const (
	addrMask     pagetable.PTE = 0x000f_ffff_ffff_f000 // bits 51:12
	hugeAddrMask pagetable.PTE = 0x000f_ffff_ffe0_0000 // bits 51:21
	// permissions is what Map and Protect take.
	permissions = pagetable.Writable | pagetable.User | pagetable.NoExecute |
		pagetable.Global | pagetable.WriteThrough | pagetable.CacheDisable
)

// mapping is one page of the reference model.
type mapping struct {
	pa    mm.PhysAddr
	size  pagetable.PageSize
	flags pagetable.PTE // as given to Map or Protect
}

func (m mapping) String() string {
	return fmt.Sprintf("%v %v [%s]", m.size, m.pa, m.flags.FlagString())
}

// env is a page table on a simulated machine, and its reference model.
type env struct {
	t   testing.TB
	mem *sim.Memory
	src *sim.TableSource
	pt  *pagetable.Table
	cpu *sim.CPU
	// model is what must be mapped, by the address of each page.
	model map[mm.VirtAddr]mapping
	// gone are addresses of pages that were mapped: while no page of the
	// model covers one, every access to it must fault not-present.
	gone map[mm.VirtAddr]bool
	// frames are the data blocks env allocated, and their order.
	frames map[mm.PhysAddr]int
}

func newEnv(t testing.TB) *env {
	t.Helper()
	base := mm.PhysAddr(arenaFirst + arenas.Add(1)*arenaStep)
	mem, unregister := sim.NewMemory(base, arenaSize)
	t.Cleanup(unregister)
	pt, err := pagetable.New(mem.Tables)
	if err != nil {
		t.Fatal(err)
	}
	cpu := sim.NewCPU()
	cpu.LoadCR3(pt.Root())
	t.Cleanup(func() { pagetable.SetHostTLB(nil) })
	e := &env{
		t: t, mem: mem, src: mem.Tables, pt: pt, cpu: cpu,
		model:  make(map[mm.VirtAddr]mapping),
		gone:   make(map[mm.VirtAddr]bool),
		frames: make(map[mm.PhysAddr]int),
	}
	e.check()
	return e
}

// frame allocates a data frame for a page of the given size.
func (e *env) frame(size pagetable.PageSize) mm.PhysAddr {
	e.t.Helper()
	order := 0
	if size == pagetable.Size2M {
		order = 9
	}
	pfn, err := e.mem.Frames.Alloc(order, frame.Anon)
	if err != nil {
		e.t.Fatal(err)
	}
	e.frames[pfn.Addr()] = order
	return pfn.Addr()
}

// freeFrame gives back a frame from env.frame.
func (e *env) freeFrame(pa mm.PhysAddr) {
	if order, ok := e.frames[pa]; ok {
		e.mem.Frames.Free(pa.PFN(), order)
		delete(e.frames, pa)
	}
}

// covering is the page of the model that holds va.
func (e *env) covering(va mm.VirtAddr) (mm.VirtAddr, mapping, bool) {
	for _, size := range []pagetable.PageSize{pagetable.Size4K, pagetable.Size2M} {
		base := va &^ mm.VirtAddr(size-1)
		if m, ok := e.model[base]; ok && m.size == size {
			return base, m, true
		}
	}
	return 0, mapping{}, false
}

// overlaps reports whether some page of the model overlaps [va, va+size).
func (e *env) overlaps(va mm.VirtAddr, size pagetable.PageSize) bool {
	if _, _, ok := e.covering(va); ok {
		return true
	}
	if size == pagetable.Size2M {
		for off := mm.VirtAddr(0); off < mm.VirtAddr(size); off += mm.PageSize {
			if _, ok := e.model[va+off]; ok {
				return true
			}
		}
	}
	return false
}

// Map, Unmap and Protect do the operation; on success they update the
// model; on failure they check that nothing changed; then they check.

func (e *env) Map(va mm.VirtAddr, pa mm.PhysAddr, size pagetable.PageSize, flags pagetable.PTE) error {
	e.t.Helper()
	before := e.snapshot()
	err := e.pt.Map(va, pa, size, flags)
	if err == nil {
		e.model[va] = mapping{pa, size, flags}
	} else {
		e.unchanged(before, fmt.Sprintf("Map(%v, %v, %v, %s)", va, pa, size, flags.FlagString()))
	}
	e.check()
	return err
}

func (e *env) Unmap(va mm.VirtAddr, size pagetable.PageSize) (mm.PhysAddr, error) {
	e.t.Helper()
	before := e.snapshot()
	pa, err := e.pt.Unmap(va, size)
	if err == nil {
		m := e.model[va]
		if pa != m.pa {
			e.t.Fatalf("Unmap(%v) returned %v, want %v", va, pa, m.pa)
		}
		delete(e.model, va)
		e.gone[va] = true
		if size == pagetable.Size2M {
			e.gone[va+mm.VirtAddr(size)-mm.PageSize] = true
		}
	} else {
		e.unchanged(before, fmt.Sprintf("Unmap(%v, %v)", va, size))
	}
	e.check()
	return pa, err
}

func (e *env) Protect(va mm.VirtAddr, size pagetable.PageSize, flags pagetable.PTE) error {
	e.t.Helper()
	before := e.snapshot()
	var ad pagetable.PTE
	if _, leaf, ok := e.pt.Translate(va); ok {
		ad = leaf & (pagetable.Accessed | pagetable.Dirty)
	}
	err := e.pt.Protect(va, size, flags)
	if err == nil {
		m := e.model[va]
		m.flags = flags
		e.model[va] = m
		if _, leaf, _ := e.pt.Translate(va); leaf&(pagetable.Accessed|pagetable.Dirty) != ad {
			e.t.Fatalf("Protect(%v) changed A/D: %s, was %s", va, leaf.FlagString(), ad.FlagString())
		}
	} else {
		e.unchanged(before, fmt.Sprintf("Protect(%v, %v, %s)", va, size, flags.FlagString()))
	}
	e.check()
	return err
}

// snapshot is every table reachable from the root, entry by entry, and
// the number of live tables.
type snapshot struct {
	tables map[mm.PhysAddr][512]pagetable.PTE
	live   int
}

func rawTable(pa mm.PhysAddr) *[512]pagetable.PTE {
	return (*[512]pagetable.PTE)(mm.DirectMap(pa, mm.PageSize))
}

func (e *env) snapshot() snapshot {
	s := snapshot{tables: make(map[mm.PhysAddr][512]pagetable.PTE), live: e.src.Live()}
	var visit func(pa mm.PhysAddr, level int)
	visit = func(pa mm.PhysAddr, level int) {
		tbl := *rawTable(pa)
		s.tables[pa] = tbl
		for _, ent := range tbl {
			if level > 0 && ent.Has(pagetable.Present) && !(level == 1 && ent.Has(pagetable.Huge)) {
				visit(ent.Addr(), level-1)
			}
		}
	}
	visit(e.pt.Root(), 3)
	return s
}

// unchanged checks that a failed operation left every table as it was.
func (e *env) unchanged(before snapshot, op string) {
	e.t.Helper()
	after := e.snapshot()
	if after.live != before.live {
		e.t.Fatalf("failed %s: %d live tables, %d before", op, after.live, before.live)
	}
	if !maps.Equal(after.tables, before.tables) {
		for pa, tbl := range after.tables {
			for i, ent := range tbl {
				if old := before.tables[pa][i]; ent != old {
					e.t.Fatalf("failed %s changed entry %d of table %v: %#x (%s), was %#x (%s)",
						op, i, pa, uint64(ent), ent.FlagString(), uint64(old), old.FlagString())
				}
			}
		}
		e.t.Fatalf("failed %s changed the set of tables", op)
	}
}

// check recomputes the page tables' contents from scratch and checks the
// invariants of doc.go against the model, the FrameSource and the CPU.
func (e *env) check() {
	e.t.Helper()
	found := make(map[mm.VirtAddr]mapping)
	tables := 1
	var walk func(tpa mm.PhysAddr, level int, base mm.VirtAddr) bool
	// walk reads the table at tpa, of the given level, mapping from base;
	// it reports whether a user page lies below.
	walk = func(tpa mm.PhysAddr, level int, base mm.VirtAddr) bool {
		user, present := false, 0
		for i, ent := range rawTable(tpa) {
			va := base | mm.VirtAddr(i)<<(mm.PageShift+9*level)
			if level == 3 && i >= 256 {
				va |= 0xffff_0000_0000_0000 // sign extension (SDM 3A 3.3.7.1)
			}
			if !ent.Has(pagetable.Present) {
				if ent != 0 {
					e.t.Fatalf("level %d entry for %v is not present but %#x", level, va, uint64(ent))
				}
				continue
			}
			present++
			switch {
			case level == 0 || level == 1 && ent.Has(pagetable.Huge):
				size, addr, rest := pagetable.Size4K, ent&addrMask, ent&^(addrMask|permissions|pagetable.Present|pagetable.Accessed|pagetable.Dirty)
				if level == 1 {
					size, addr, rest = pagetable.Size2M, ent&hugeAddrMask, ent&^(hugeAddrMask|permissions|pagetable.Present|pagetable.Accessed|pagetable.Dirty|pagetable.Huge)
				}
				if rest != 0 {
					e.t.Fatalf("%v leaf %#x has stray bits %#x", va, uint64(ent), uint64(rest))
				}
				found[va] = mapping{mm.PhysAddr(addr), size, ent & permissions}
				user = user || ent.Has(pagetable.User)
			default:
				if rest := ent &^ (addrMask | pagetable.Present | pagetable.Writable | pagetable.User | pagetable.Accessed); rest != 0 || !ent.Has(pagetable.Writable) {
					e.t.Fatalf("level %d entry for %v is %#x (%s): not a permissive table entry", level, va, uint64(ent), ent.FlagString())
				}
				tables++
				if below := walk(ent.Addr(), level-1, va); below {
					if !ent.Has(pagetable.User) {
						e.t.Fatalf("level %d entry for %v lacks U/S above a user page", level, va)
					}
					user = true
				}
			}
		}
		if present == 0 && level < 3 {
			e.t.Fatalf("level %d table %v for %v is present and empty", level, tpa, base)
		}
		return user
	}
	walk(e.pt.Root(), 3, 0)

	if !maps.Equal(found, e.model) {
		for _, va := range slices.Sorted(maps.Keys(e.model)) {
			if found[va] != e.model[va] {
				e.t.Errorf("%v: tables map %v, model %v", va, found[va], e.model[va])
			}
		}
		for _, va := range slices.Sorted(maps.Keys(found)) {
			if _, ok := e.model[va]; !ok {
				e.t.Errorf("%v: tables map %v, model nothing", va, found[va])
			}
		}
		e.t.FailNow()
	}
	if tables != e.src.Live() {
		e.t.Fatalf("%d tables reachable, FrameSource has %d live", tables, e.src.Live())
	}

	for _, va := range slices.Sorted(maps.Keys(e.model)) {
		m := e.model[va]
		offs := []mm.VirtAddr{0x123}
		if m.size == pagetable.Size2M {
			offs = append(offs, 0x1f_f456)
		}
		for _, off := range offs {
			e.checkPage(va+off, m.pa+mm.PhysAddr(off), m)
		}
	}
	for _, va := range slices.Sorted(maps.Keys(e.gone)) {
		if _, _, ok := e.covering(va); ok {
			continue
		}
		if _, _, ok := e.pt.Translate(va); ok {
			e.t.Fatalf("Translate(%v) found an unmapped page", va)
		}
		_, err := e.cpu.Translate(va, sim.DataRead, false)
		e.wantFault(err, va, 0, "read of an unmapped page")
	}
}

// checkPage checks pagetable's and the CPU's view of va, in page m.
func (e *env) checkPage(va mm.VirtAddr, pa mm.PhysAddr, m mapping) {
	e.t.Helper()
	if got, leaf, ok := e.pt.Translate(va); !ok || got != pa || leaf&permissions != m.flags {
		e.t.Fatalf("Translate(%v) = %v, %s, %v; want %v", va, got, leaf.FlagString(), ok, m)
	}
	if w := e.pt.Walk(va); !w.Mapped || w.PA != pa || w.Size != m.size {
		e.t.Fatalf("Walk(%v) = %+v; want %v", va, w, m)
	}
	if got, err := e.cpu.Translate(va, sim.DataRead, false); err != nil || got != pa {
		e.t.Fatalf("CPU read of %v: %v, %v; want %v", va, got, err, pa)
	}
	for _, a := range []struct {
		acc     sim.Access
		user    bool
		allowed bool
		code    uint64
	}{
		{sim.DataRead, true, m.flags.Has(pagetable.User), sim.FaultProtection | sim.FaultUser},
		{sim.DataWrite, false, m.flags.Has(pagetable.Writable), sim.FaultProtection | sim.FaultWrite},
		{sim.InstrFetch, false, !m.flags.Has(pagetable.NoExecute), sim.FaultProtection | sim.FaultFetch},
	} {
		got, err := e.cpu.Translate(va, a.acc, a.user)
		what := fmt.Sprintf("CPU %v (user %v) of %v, %v", a.acc, a.user, va, m)
		if a.allowed {
			if err != nil || got != pa {
				e.t.Fatalf("%s: %v, %v; want %v", what, got, err, pa)
			}
			continue
		}
		e.wantFault(err, va, a.code, what)
	}
}

// wantFault checks that err is a page fault at va with the error code.
func (e *env) wantFault(err error, va mm.VirtAddr, code uint64, what string) {
	e.t.Helper()
	var fe *sim.FaultError
	if !errors.As(err, &fe) || fe.Addr != va || fe.Code != code {
		e.t.Fatalf("%s: got %v; want a page fault at %v with error code %#x (%s)", what, err, va, code, sim.CodeString(code))
	}
}
