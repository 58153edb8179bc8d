package boot

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

const (
	miB = 1 << 20
	giB = 1 << 30
)

// qemuMap is the PVH memory map of QEMU microvm with -m mem: the first 640
// KiB less the EBDA, BIOS holes, low RAM from 1 MiB up to min(mem, 3 GiB),
// and the rest above 4 GiB.
func qemuMap(mem uint64) []MemmapEntry {
	low := min(mem, 3*giB)
	es := []MemmapEntry{
		{0, 0x9fc00, E820RAM},
		{0x9fc00, 0x400, E820Reserved},
		{0xd0000, 0x20000, E820NVS},
		{0xf0000, 0x10000, E820Reserved},
		{0x100000, low - 0x100000, E820RAM},
	}
	if mem > 3*giB {
		es = append(es, MemmapEntry{4 * giB, mem - 3*giB, E820RAM})
	}
	return es
}

// reservedRanges are the ranges Plan keeps out of Managed.
var reservedRanges = []AddrRange{
	{Start: 0, End: LowReserved},
	{Start: RuntimeStart, End: RuntimeStart + RuntimeSize},
	{Start: DMAStart, End: DMAStart + DMASize},
}

// checkCanonical checks that rs is sorted, page-aligned, with no empty,
// overlapping or touching ranges: the form normalize produces.
func checkCanonical(t *testing.T, what string, rs []AddrRange) {
	t.Helper()
	for i, r := range rs {
		if r.Start >= r.End || r.Start%PageSize != 0 || r.End%PageSize != 0 {
			t.Errorf("%s[%d] = %v: empty or not page-aligned", what, i, r)
		}
		if i > 0 && rs[i-1].End >= r.Start {
			t.Errorf("%s[%d] = %v: not after %v with a gap", what, i, r, rs[i-1])
		}
	}
}

// intersect returns the bytes of the canonical set rs inside r.
func intersect(rs []AddrRange, r AddrRange) uint64 {
	var n uint64
	for _, x := range rs {
		if s, e := max(x.Start, r.Start), min(x.End, r.End); s < e {
			n += uint64(e - s)
		}
	}
	return n
}

// checkLayout checks the invariants of a Layout Plan returned without error.
func checkLayout(t *testing.T, l Layout) {
	t.Helper()
	checkCanonical(t, "RAM", l.RAM)
	checkCanonical(t, "Managed", l.Managed)
	var total, managed uint64
	for _, r := range l.RAM {
		total += uint64(r.End - r.Start)
	}
	for _, r := range l.Managed {
		managed += uint64(r.End - r.Start)
		if !covered(l.RAM, r) {
			t.Errorf("Managed range %v is not inside RAM %v", r, l.RAM)
		}
		for _, x := range reservedRanges {
			if r.Start < x.End && x.Start < r.End {
				t.Errorf("Managed range %v overlaps reserved %v", r, x)
			}
		}
	}
	if l.Total() != total || l.ManagedBytes() != managed {
		t.Errorf("Total, ManagedBytes = %#x, %#x; ranges sum to %#x, %#x", l.Total(), l.ManagedBytes(), total, managed)
	}
	var reserved uint64
	for _, x := range reservedRanges {
		reserved += intersect(l.RAM, x)
	}
	if total-managed != reserved {
		t.Errorf("Total - ManagedBytes = %#x, want the %#x reserved bytes inside RAM", total-managed, reserved)
	}
	for _, x := range reservedRanges[1:] {
		if !covered(l.RAM, x) {
			t.Errorf("reserved %v not inside RAM %v", x, l.RAM)
		}
	}
}

func TestPlanQEMU(t *testing.T) {
	const lowHole = 0x9f000 // [0, 0x9fc00) rounded down to a page
	for _, tc := range []struct {
		mem     uint64
		wantErr error
	}{
		{64 * miB, ErrNoRoom},
		{96 * miB, ErrNoRoom},  // the runtime region ends beyond RAM
		{127 * miB, ErrNoRoom}, // the runtime fits, DMA does not
		{128 * miB, nil},       // both fit, nothing managed above them
		{512 * miB, nil},
		{1 * giB, nil},
		{2 * giB, nil},
		{3 * giB, nil},
		{3*giB + 512*miB, nil},
		{4 * giB, nil},
		{16 * giB, nil},
	} {
		name := fmt.Sprintf("-m %dM", tc.mem/miB)
		es := qemuMap(tc.mem)
		in := slices.Clone(es)
		l, err := Plan(es)
		if !reflect.DeepEqual(es, in) {
			t.Errorf("%s: Plan changed its input", name)
		}
		if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
			t.Errorf("%s: Plan error %v, want %v", name, err, tc.wantErr)
			continue
		}
		low := PhysAddr(min(tc.mem, 3*giB))
		wantRAM := []AddrRange{{Start: 0, End: lowHole}, {Start: 0x100000, End: low}}
		var high uint64
		if tc.mem > 3*giB {
			high = tc.mem - 3*giB
			wantRAM = append(wantRAM, AddrRange{Start: 4 * giB, End: PhysAddr(4*giB + high)})
		}
		if !reflect.DeepEqual(l.RAM, wantRAM) {
			t.Errorf("%s: RAM = %v, want %v", name, l.RAM, wantRAM)
		}
		wantTotal := lowHole + uint64(low) - 0x100000 + high
		if l.Total() != wantTotal {
			t.Errorf("%s: Total = %#x, want %#x", name, l.Total(), wantTotal)
		}
		if err != nil {
			continue
		}
		wantManaged := []AddrRange{{Start: LowReserved, End: RuntimeStart}}
		if low > DMAStart+DMASize {
			wantManaged = append(wantManaged, AddrRange{Start: DMAStart + DMASize, End: low})
		}
		if high > 0 {
			wantManaged = append(wantManaged, AddrRange{Start: 4 * giB, End: PhysAddr(4*giB + high)})
		}
		if !reflect.DeepEqual(l.Managed, wantManaged) {
			t.Errorf("%s: Managed = %v, want %v", name, l.Managed, wantManaged)
		}
		if want := uint64(lowHole + RuntimeSize + DMASize); l.Total()-l.ManagedBytes() != want {
			t.Errorf("%s: Total - ManagedBytes = %#x, want %#x", name, l.Total()-l.ManagedBytes(), want)
		}
		checkLayout(t, l)
	}
}

func TestPlanEntries(t *testing.T) {
	// base holds the runtime and DMA regions: [1 MiB, 256 MiB).
	base := MemmapEntry{0x100000, 256*miB - 0x100000, E820RAM}
	baseRAM := AddrRange{Start: 0x100000, End: 256 * miB}
	const top = ^uint64(0) &^ (PageSize - 1) // highest page-aligned address
	for _, tc := range []struct {
		name    string
		es      []MemmapEntry
		wantRAM []AddrRange // nil: just baseRAM
		wantErr error
	}{
		{name: "base", es: []MemmapEntry{base}},
		{name: "unaligned rounded inward",
			es:      []MemmapEntry{base, {0x2000_0123, 0x5000, E820RAM}},
			wantRAM: []AddrRange{baseRAM, {Start: 0x2000_1000, End: 0x2000_5000}}},
		{name: "unaligned, less than a page after rounding",
			es: []MemmapEntry{base, {0x3000_0800, 0x1000, E820RAM}, {0x3000_2001, 0x1ffe, E820RAM}}},
		{name: "overlapping merged",
			es:      []MemmapEntry{base, {0x2000_0000, 0x3000, E820RAM}, {0x2000_2000, 0x3000, E820RAM}},
			wantRAM: []AddrRange{baseRAM, {Start: 0x2000_0000, End: 0x2000_5000}}},
		{name: "contained merged",
			es:      []MemmapEntry{{0x2000_0000, 0x10000, E820RAM}, base, {0x2000_2000, 0x1000, E820RAM}},
			wantRAM: []AddrRange{baseRAM, {Start: 0x2000_0000, End: 0x2001_0000}}},
		{name: "adjacent merged, unsorted",
			es:      []MemmapEntry{{0x2000_1000, 0x1000, E820RAM}, base, {0x2000_0000, 0x1000, E820RAM}},
			wantRAM: []AddrRange{baseRAM, {Start: 0x2000_0000, End: 0x2000_2000}}},
		{name: "adjacent to base merged",
			es:      []MemmapEntry{{256 * miB, 256 * miB, E820RAM}, base},
			wantRAM: []AddrRange{{Start: 0x100000, End: 512 * miB}}},
		{name: "runtime split across two entries",
			es: []MemmapEntry{
				{0x100000, uint64(DMAStart) - 0x100000, E820RAM},
				{uint64(DMAStart), 256*miB - uint64(DMAStart), E820RAM},
			}},
		{name: "unaligned split inside the runtime region leaves a hole",
			es: []MemmapEntry{
				{0x100000, 0x200_0800 - 0x100000, E820RAM},
				{0x200_0800, 256*miB - 0x200_0800, E820RAM},
			},
			wantRAM: []AddrRange{{Start: 0x100000, End: 0x200_0000}, {Start: 0x200_1000, End: 256 * miB}},
			wantErr: ErrNoRoom},
		{name: "non-RAM types ignored",
			es: []MemmapEntry{
				base,
				{0x2000_0000, 0x10000, E820Reserved},
				{0x2001_0000, 0x10000, E820ACPI},
				{0x2002_0000, 0x10000, E820NVS},
				{0x2003_0000, 0x10000, E820Unusable},
				{0x2004_0000, 0x10000, 0},
				{0x2005_0000, 0x10000, 7},
				{0x2006_0000, 0x10000, 12},
				{0x2007_0000, 0x10000, 0xffffffff},
			}},
		{name: "empty RAM entry ignored", es: []MemmapEntry{base, {0x2000_0000, 0, E820RAM}}},
		{name: "no RAM at all", es: []MemmapEntry{{0, 256 * miB, E820Reserved}}, wantRAM: []AddrRange{}, wantErr: ErrNoRoom},
		{name: "no entries", wantRAM: []AddrRange{}, wantErr: ErrNoRoom},
		{name: "reserved only over the runtime region",
			es:      []MemmapEntry{{0x100000, uint64(RuntimeStart) - 0x100000, E820RAM}, {uint64(RuntimeStart), RuntimeSize + DMASize, E820Reserved}},
			wantRAM: []AddrRange{{Start: 0x100000, End: RuntimeStart}},
			wantErr: ErrNoRoom},
		{name: "end wraps past 2^64",
			es:      []MemmapEntry{base, {0xffff_ffff_ffff_0000, 0x20000, E820RAM}},
			wantRAM: []AddrRange{baseRAM, {Start: 0xffff_ffff_ffff_0000, End: PhysAddr(top)}}},
		{name: "end exactly 2^64",
			es:      []MemmapEntry{base, {0xffff_ffff_0000_0000, 0x1_0000_0000, E820RAM}},
			wantRAM: []AddrRange{baseRAM, {Start: 0xffff_ffff_0000_0000, End: PhysAddr(top)}}},
		{name: "start rounds up past 2^64",
			es: []MemmapEntry{base, {0xffff_ffff_ffff_f001, 0xfff, E820RAM}, {^uint64(0), ^uint64(0), E820RAM}}},
		{name: "everything",
			es:      []MemmapEntry{{0x100, ^uint64(0), E820RAM}},
			wantRAM: []AddrRange{{Start: 0x1000, End: PhysAddr(top)}}},
	} {
		l, err := Plan(tc.es)
		if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
			t.Errorf("%s: Plan error %v, want %v", tc.name, err, tc.wantErr)
			continue
		}
		want := tc.wantRAM
		if want == nil {
			want = []AddrRange{baseRAM}
		}
		if len(l.RAM) != 0 || len(want) != 0 {
			if !reflect.DeepEqual(l.RAM, want) {
				t.Errorf("%s: RAM = %v, want %v", tc.name, l.RAM, want)
			}
		}
		checkCanonical(t, tc.name+": RAM", l.RAM)
		if err == nil {
			checkLayout(t, l)
		}
	}
}

// refPages is the size of TestPlanRandom's physical space, page by page:
// 160 MiB, which holds the runtime and DMA regions.
const refPages = 160 * miB / PageSize

// pageSet is the reference model: one bool per page.
type pageSet []bool

func (s pageSet) add(t *testing.T, r AddrRange, scale uint64) {
	t.Helper()
	if r.Start > r.End || uint64(r.End)/scale > uint64(len(s)) || r.Start%PhysAddr(scale) != 0 || r.End%PhysAddr(scale) != 0 {
		t.Fatalf("range %v outside the model or not in units of %#x", r, scale)
	}
	for p := uint64(r.Start) / scale; p < uint64(r.End)/scale; p++ {
		s[p] = true
	}
}

func setOf(t *testing.T, n int, scale uint64, rs []AddrRange) pageSet {
	t.Helper()
	s := make(pageSet, n)
	for _, r := range rs {
		s.add(t, r, scale)
	}
	return s
}

func (s pageSet) diff(o pageSet) string {
	for p := range s {
		if s[p] != o[p] {
			return fmt.Sprintf("page %#x: got %v, want %v", p, s[p], o[p])
		}
	}
	return ""
}

// randomMap returns a small random firmware map in [0, refPages pages),
// with unaligned entries, overlaps and every type, and with the runtime and
// DMA regions covered by RAM most of the time.
func randomMap(rng *rand.Rand) []MemmapEntry {
	const space = refPages * PageSize
	types := []uint32{E820RAM, E820RAM, E820RAM, E820Reserved, E820ACPI, E820NVS, E820Unusable, 0}
	var es []MemmapEntry
	addr := func(limit uint64) uint64 {
		a := rng.Uint64N(limit)
		if rng.IntN(2) == 0 {
			a &^= PageSize - 1
		}
		return a
	}
	for range rng.IntN(10) {
		a := addr(space)
		var size uint64
		switch rng.IntN(3) {
		case 0:
			size = rng.Uint64N(4 * PageSize)
		case 1:
			size = rng.Uint64N(space/8 + 1)
		default:
			size = rng.Uint64N(space - a + 1)
		}
		if rng.IntN(2) == 0 {
			size &^= PageSize - 1
		}
		size = min(size, space-a)
		es = append(es, MemmapEntry{a, size, types[rng.IntN(len(types))]})
	}
	if rng.IntN(4) != 0 {
		// Cover [lo, hi) with pieces that touch or overlap. A piece
		// boundary is sometimes unaligned, which rounding inward may
		// turn into a one-page hole, and sometimes a sub-page gap.
		lo := addr(uint64(RuntimeStart) + 1)
		hi := uint64(DMAStart+DMASize) + addr(space-uint64(DMAStart+DMASize))
		for a := lo; a < hi; {
			end := a + 1 + rng.Uint64N(48*miB)
			if rng.IntN(16) != 0 {
				end = (end + PageSize - 1) &^ (PageSize - 1)
			}
			end = min(hi, end)
			es = append(es, MemmapEntry{a, end - a, E820RAM})
			switch rng.IntN(16) {
			case 0:
				a = end + rng.Uint64N(PageSize) // a gap Plan must see
			case 1, 2:
				a = end - rng.Uint64N(min(end-a, 4*PageSize)) // overlap
			default:
				a = end
			}
		}
	}
	rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
	return es
}

func TestPlanRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ok, noRoom int
	for iter := range 400 {
		es := randomMap(rng)
		l, err := Plan(slices.Clone(es))

		// The reference: a page is RAM when some RAM entry holds all of it.
		ram := make(pageSet, refPages)
		for _, e := range es {
			if e.Type != E820RAM {
				continue
			}
			for p := (e.Addr + PageSize - 1) / PageSize; (p+1)*PageSize <= e.Addr+e.Size; p++ {
				ram[p] = true
			}
		}
		wantErr := false
		for _, x := range reservedRanges[1:] {
			for p := uint64(x.Start) / PageSize; p < uint64(x.End)/PageSize; p++ {
				wantErr = wantErr || !ram[p]
			}
		}
		managed := slices.Clone(ram)
		for _, x := range reservedRanges {
			for p := uint64(x.Start) / PageSize; p < uint64(x.End)/PageSize; p++ {
				managed[p] = false
			}
		}

		if d := setOf(t, refPages, PageSize, l.RAM).diff(ram); d != "" {
			t.Fatalf("iter %d: map %v: RAM %v: %s", iter, es, l.RAM, d)
		}
		checkCanonical(t, "RAM", l.RAM)
		if wantErr {
			noRoom++
			if !errors.Is(err, ErrNoRoom) {
				t.Fatalf("iter %d: map %v: Plan error %v, want ErrNoRoom", iter, es, err)
			}
			continue
		}
		ok++
		if err != nil {
			t.Fatalf("iter %d: map %v: %v", iter, es, err)
		}
		if d := setOf(t, refPages, PageSize, l.Managed).diff(managed); d != "" {
			t.Fatalf("iter %d: map %v: Managed %v: %s", iter, es, l.Managed, d)
		}
		checkLayout(t, l)
	}
	// Both outcomes must have been exercised for the test to mean anything.
	if ok < 50 || noRoom < 50 {
		t.Fatalf("%d successes and %d ErrNoRoom in 400 maps", ok, noRoom)
	}
}

// TestRangeSetsRandom checks normalize, subtract and covered against a
// page-by-page model of [0, 1 MiB).
func TestRangeSetsRandom(t *testing.T) {
	const pages = 1 << 20 / PageSize
	rng := rand.New(rand.NewPCG(3, 4))
	// Preconditions of normalize and subtract: no empty ranges (Plan never
	// passes one).
	randomRanges := func(n int) []AddrRange {
		var rs []AddrRange
		for range n {
			s := rng.Uint64N(pages)
			e := s + 1 + rng.Uint64N(min(pages-s, uint64(1+rng.IntN(pages/4))))
			rs = append(rs, AddrRange{Start: PhysAddr(s * PageSize), End: PhysAddr(e * PageSize)})
		}
		return rs
	}
	for iter := range 2000 {
		in := randomRanges(rng.IntN(12))
		want := setOf(t, pages, PageSize, in)
		rs := normalize(slices.Clone(in))
		if d := setOf(t, pages, PageSize, rs).diff(want); d != "" {
			t.Fatalf("iter %d: normalize(%v) = %v: %s", iter, in, rs, d)
		}
		checkCanonical(t, "normalize", rs)

		cut := randomRanges(rng.IntN(5))
		cutSet := setOf(t, pages, PageSize, cut)
		rsCopy := slices.Clone(rs)
		got := subtract(rs, cut)
		if !reflect.DeepEqual(rs, rsCopy) {
			t.Fatalf("iter %d: subtract changed its input", iter)
		}
		wantSub := slices.Clone(want)
		for p := range wantSub {
			wantSub[p] = wantSub[p] && !cutSet[p]
		}
		if d := setOf(t, pages, PageSize, got).diff(wantSub); d != "" {
			t.Fatalf("iter %d: subtract(%v, %v) = %v: %s", iter, rs, cut, got, d)
		}
		checkCanonical(t, "subtract", got)

		for _, r := range randomRanges(4) {
			wantCov := true
			for p := uint64(r.Start) / PageSize; p < uint64(r.End)/PageSize; p++ {
				wantCov = wantCov && want[p]
			}
			if c := covered(rs, r); c != wantCov {
				t.Fatalf("iter %d: covered(%v, %v) = %v, want %v", iter, rs, r, c, wantCov)
			}
		}
	}
}

// TestBootHeader checks memlayout.h, which the entry assembly includes,
// against the Go constants, and KernelText against the Makefile's -T.
func TestBootHeader(t *testing.T) {
	src, err := os.ReadFile("memlayout.h")
	if err != nil {
		t.Fatal(err)
	}
	define := regexp.MustCompile(`^#define\s+(\w+)\s+(.*?)\s*$`)
	expr := regexp.MustCompile(`^\((\w+)\+(0x[0-9a-fA-F]+)\)$`)
	hex := func(s string) (uint64, bool) {
		if !strings.HasPrefix(s, "0x") {
			return 0, false
		}
		v, err := strconv.ParseUint(s[2:], 16, 64)
		return v, err == nil
	}
	got := map[string]uint64{}
	for i, line := range strings.Split(string(src), "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		m := define.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("memlayout.h:%d: not a #define: %q", i+1, line)
			continue
		}
		name, val := m[1], m[2]
		if v, ok := hex(val); ok {
			got[name] = v
		} else if e := expr.FindStringSubmatch(val); e != nil {
			base, known := got[e[1]]
			off, _ := hex(e[2])
			if !known {
				t.Errorf("memlayout.h:%d: %s refers to undefined %s", i+1, name, e[1])
			}
			got[name] = base + off
		} else {
			t.Errorf("memlayout.h:%d: cannot evaluate %q", i+1, val)
		}
	}
	want := map[string]uint64{
		"RUNTIME_START":    uint64(RuntimeStart),
		"BOOT_PML4":        uint64(BootPML4),
		"BOOT_PDPT":        uint64(BootPDPT),
		"BOOT_PT":          uint64(BootPT),
		"BOOT_PD":          uint64(BootPD),
		"BOOT_TABLES_SIZE": BootTablesSize,
		"BOOT_SCRATCH":     uint64(BootScratch),
		"BOOT_STACK_TOP":   uint64(BootStackTop),
		"BOOT_MMIO_START":  uint64(BootMMIOStart),
		"KWINDOW":          KWindow,
		"KWINDOW_SIZE":     KWindowSize,
		"DIRECT_MAP_PML4":  arch.DirectMapBase >> 39 & 511,
	}
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("memlayout.h does not define %s", name)
		} else if g != w {
			t.Errorf("memlayout.h: %s = %#x, Go has %#x", name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("memlayout.h defines %s, which no Go constant checks", name)
		}
	}

	// The boot tables and stack sit below the kernel text, inside the
	// runtime region; the four PDs end where the tables do.
	if BootPD+4*PageSize != BootPML4+BootTablesSize || BootScratch < BootPML4+BootTablesSize ||
		BootStackTop > KernelText || KernelText >= RuntimeStart+RuntimeSize {
		t.Errorf("boot area out of order: tables [%#x, %#x), scratch %#x, stack top %#x, text %#x",
			uint64(BootPML4), uint64(BootPML4+BootTablesSize), uint64(BootScratch), uint64(BootStackTop), uint64(KernelText))
	}

	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	ts := regexp.MustCompile(`-T\s+(0x[0-9a-fA-F]+)`).FindAllSubmatch(mk, -1)
	if len(ts) == 0 {
		t.Fatal("Makefile: no -T link address")
	}
	for _, m := range ts {
		if v, _ := hex(string(m[1])); v != KWindow+uint64(KernelText) {
			t.Errorf("Makefile links at -T %s, want KWindow + KernelText = %#x", m[1], KWindow+uint64(KernelText))
		}
	}
	// The post-link fix-up makes the ELF's load addresses physical by
	// subtracting the window's base.
	bs := regexp.MustCompile(`phyself\s+-base\s+(0x[0-9a-fA-F_]+)`).FindAllSubmatch(mk, -1)
	if len(bs) == 0 {
		t.Fatal("Makefile: no phyself -base step")
	}
	for _, m := range bs {
		if v, _ := hex(string(m[1])); v != KWindow {
			t.Errorf("Makefile runs phyself -base %s, KWindow is %#x", m[1], uint64(KWindow))
		}
	}
	// The window holds the runtime region's physical range, and sits
	// below 4 GiB (TamaGo's heap must), in PD3 of the boot map, on 2 MiB
	// boundaries.
	if uint64(RuntimeStart)+RuntimeSize > KWindowSize || KWindow+KWindowSize > 1<<32 || KWindow < 3<<30 ||
		KWindow%(2<<20) != 0 || KWindowSize%(2<<20) != 0 {
		t.Errorf("kernel window [%#x, %#x) does not fit the boot map or the runtime region", uint64(KWindow), uint64(KWindow+KWindowSize))
	}
}
