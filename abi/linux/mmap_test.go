package linux

import (
	"errors"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm/vm"
)

func TestMmapProt(t *testing.T) {
	for _, c := range []struct {
		prot uint64
		want vm.Prot
	}{
		{PROT_NONE, vm.ProtNone},
		{PROT_READ, vm.ProtRead},
		{PROT_WRITE, vm.ProtWrite},
		{PROT_EXEC, vm.ProtExec},
		{PROT_READ | PROT_WRITE | PROT_EXEC, vm.ProtRead | vm.ProtWrite | vm.ProtExec},
		{PROT_SEM, vm.ProtNone},
		{PROT_GROWSDOWN | PROT_READ, vm.ProtRead},
		{PROT_GROWSUP | PROT_GROWSDOWN | PROT_WRITE, vm.ProtWrite},
		{0x10 | 1<<40 | PROT_EXEC, vm.ProtExec},
	} {
		if got := MmapProt(c.prot); got != c.want {
			t.Errorf("MmapProt(%#x) = %v, want %v", c.prot, got, c.want)
		}
	}
}

func TestProt(t *testing.T) {
	for _, c := range []struct {
		prot uint64
		want vm.Prot
		err  error
	}{
		{PROT_NONE, vm.ProtNone, nil},
		{PROT_READ, vm.ProtRead, nil},
		{PROT_WRITE, vm.ProtWrite, nil},
		{PROT_EXEC, vm.ProtExec, nil},
		{PROT_READ | PROT_WRITE, vm.ProtRead | vm.ProtWrite, nil},
		{PROT_READ | PROT_EXEC, vm.ProtRead | vm.ProtExec, nil},
		{PROT_READ | PROT_WRITE | PROT_EXEC, vm.ProtRead | vm.ProtWrite | vm.ProtExec, nil},
		{PROT_SEM, vm.ProtNone, nil},
		{PROT_SEM | PROT_READ, vm.ProtRead, nil},
		{PROT_GROWSDOWN, 0, EINVAL},
		{PROT_GROWSUP | PROT_READ, 0, EINVAL},
		{PROT_GROWSDOWN | PROT_GROWSUP, 0, EINVAL},
		{0x10, 0, EINVAL},
		{PROT_READ | 1<<32, 0, EINVAL},
		{1 << 63, 0, EINVAL},
	} {
		got, err := Prot(c.prot)
		if got != c.want || err != c.err {
			t.Errorf("Prot(%#x) = %v, %v; want %v, %v", c.prot, got, err, c.want, c.err)
		}
		if err == nil && protBack(t, got) != c.prot&^PROT_SEM {
			t.Errorf("LinuxProt(%v) = %#x, want %#x", got, LinuxProt(got), c.prot&^PROT_SEM)
		}
	}
}

// protBack is LinuxProt(p), checked to translate back to p.
func protBack(t *testing.T, p vm.Prot) uint64 {
	t.Helper()
	l := LinuxProt(p)
	if back, err := Prot(l); back != p || err != nil {
		t.Errorf("Prot(LinuxProt(%v) = %#x) = %v, %v", p, l, back, err)
	}
	return l
}

// The five kinds of mapping a flag is tried with.
var mapBases = []struct {
	name  string
	flags uint64
	vm    vm.Flags
}{
	{"private anon", MAP_PRIVATE | MAP_ANONYMOUS, vm.MapPrivate | vm.MapAnonymous},
	{"private file", MAP_PRIVATE, vm.MapPrivate},
	{"shared anon", MAP_SHARED | MAP_ANONYMOUS, vm.MapShared | vm.MapAnonymous},
	{"shared file", MAP_SHARED, vm.MapShared},
	{"validate file", MAP_SHARED_VALIDATE, vm.MapShared},
}

// mapOutcome is a flag's effect on one kind of mapping: the vm flags
// it adds, or the error.
type mapOutcome struct {
	add vm.Flags
	err error
}

func all(o mapOutcome) [5]mapOutcome { return [5]mapOutcome{o, o, o, o, o} }

var (
	ok0       = mapOutcome{}
	notSupp   = mapOutcome{err: EOPNOTSUPP}
	validateE = [5]mapOutcome{ok0, ok0, ok0, ok0, notSupp} // ignored, but MAP_SHARED_VALIDATE refuses it
)

// mapFlagCases is each MAP_* flag alone on each kind of mapping, in the
// order of mapBases. TestMapFlagsCoverage checks that every MAP_*
// constant is here or in mapTypeCases.
var mapFlagCases = []struct {
	name string
	flag uint64
	want [5]mapOutcome
}{
	{"MAP_FIXED", MAP_FIXED, all(mapOutcome{add: vm.MapFixed})},
	{"MAP_32BIT", MAP_32BIT, all(mapOutcome{err: ENOMEM})},
	{"MAP_GROWSDOWN", MAP_GROWSDOWN, all(mapOutcome{err: EINVAL})},
	{"MAP_DENYWRITE", MAP_DENYWRITE, all(ok0)},
	{"MAP_EXECUTABLE", MAP_EXECUTABLE, all(ok0)},
	{"MAP_LOCKED", MAP_LOCKED, all(mapOutcome{err: EPERM})},
	{"MAP_NORESERVE", MAP_NORESERVE, all(mapOutcome{add: vm.MapNoReserve})},
	{"MAP_POPULATE", MAP_POPULATE, all(mapOutcome{add: vm.MapPopulate})},
	{"MAP_NONBLOCK", MAP_NONBLOCK, all(ok0)},
	{"MAP_STACK", MAP_STACK, all(ok0)},
	{"MAP_HUGETLB", MAP_HUGETLB, [5]mapOutcome{{err: ENOMEM}, {err: EINVAL}, {err: ENOMEM}, {err: EINVAL}, {err: EINVAL}}},
	{"MAP_SYNC", MAP_SYNC, validateE},
	{"MAP_FIXED_NOREPLACE", MAP_FIXED_NOREPLACE, [5]mapOutcome{
		{add: vm.MapFixedNoReplace}, {add: vm.MapFixedNoReplace}, {add: vm.MapFixedNoReplace}, {add: vm.MapFixedNoReplace}, notSupp}},
	{"MAP_UNINITIALIZED", MAP_UNINITIALIZED, all(ok0)},
	{"MAP_FILE", MAP_FILE, all(ok0)},
	{"MAP_HUGE_2MB", MAP_HUGE_2MB, all(ok0)},
	{"MAP_HUGE_1GB", MAP_HUGE_1GB, all(ok0)},
	{"unused 0x200", 0x200, validateE},
	{"unused 1<<40", 1 << 40, validateE},
}

func TestMapFlags(t *testing.T) {
	for _, c := range mapFlagCases {
		for i, b := range mapBases {
			want := c.want[i]
			got, err := MapFlags(b.flags | c.flag)
			wantF := b.vm | want.add
			if want.err != nil {
				wantF = 0
			}
			if got != wantF || err != want.err {
				t.Errorf("%s on %s: MapFlags(%#x) = %v, %v; want %v, %v", c.name, b.name, b.flags|c.flag, got, err, wantF, want.err)
			}
			if err == nil {
				checkMapBack(t, got)
			}
		}
	}
}

// mapTypeCases are the values of MAP_TYPE, with and without a file, and
// the flags whose effect depends on others.
var mapTypeCases = []struct {
	name  string
	flags uint64
	want  vm.Flags
	err   error
}{
	{"MAP_PRIVATE", MAP_PRIVATE, vm.MapPrivate, nil},
	{"MAP_SHARED", MAP_SHARED, vm.MapShared, nil},
	{"MAP_SHARED_VALIDATE", MAP_SHARED_VALIDATE, vm.MapShared, nil},
	{"MAP_SHARED_VALIDATE anon", MAP_SHARED_VALIDATE | MAP_ANONYMOUS, 0, EINVAL},
	{"MAP_ANONYMOUS alone", MAP_ANONYMOUS, 0, EINVAL},
	{"no type", 0, 0, EINVAL},
	{"MAP_DROPPABLE", MAP_DROPPABLE | MAP_ANONYMOUS, 0, EINVAL},
	{"MAP_DROPPABLE file", MAP_DROPPABLE, 0, EINVAL},
	{"MAP_TYPE", MAP_TYPE | MAP_ANONYMOUS, 0, EINVAL},
	{"type 4", 4, 0, EINVAL},
	{"type 7", 7 | MAP_ANONYMOUS, 0, EINVAL},
	{"MAP_FIXED_NOREPLACE wins", MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_FIXED_NOREPLACE, vm.MapPrivate | vm.MapAnonymous | vm.MapFixedNoReplace, nil},
	{"MAP_NONBLOCK cancels MAP_POPULATE", MAP_PRIVATE | MAP_POPULATE | MAP_NONBLOCK, vm.MapPrivate, nil},
	{"MAP_32BIT with MAP_FIXED", MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT | MAP_FIXED, vm.MapPrivate | vm.MapAnonymous | vm.MapFixed, nil},
	{"MAP_32BIT with MAP_FIXED_NOREPLACE", MAP_SHARED | MAP_32BIT | MAP_FIXED_NOREPLACE, vm.MapShared | vm.MapFixedNoReplace, nil},
	{"MAP_HUGETLB before MAP_LOCKED", MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_LOCKED, 0, ENOMEM},
	{"MAP_HUGETLB with a size", MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, 0, ENOMEM},
	{"MAP_LOCKED before the type", MAP_LOCKED, 0, EPERM},
	{"MAP_LOCKED before validation", MAP_SHARED_VALIDATE | MAP_SYNC | MAP_LOCKED, 0, EPERM},
	{"validation before MAP_GROWSDOWN", MAP_SHARED_VALIDATE | MAP_SYNC | MAP_GROWSDOWN, 0, EOPNOTSUPP},
	{"shared file ignores unknown flags", MAP_SHARED | MAP_SYNC | MAP_FIXED | 1<<50, vm.MapShared | vm.MapFixed, nil},
	{"upper half of a known type", 1<<32 | MAP_PRIVATE, vm.MapPrivate, nil},
	{"every effective flag", MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE | MAP_NORESERVE,
		vm.MapShared | vm.MapAnonymous | vm.MapFixed | vm.MapPopulate | vm.MapNoReserve, nil},
}

func TestMapTypes(t *testing.T) {
	for _, c := range mapTypeCases {
		got, err := MapFlags(c.flags)
		if got != c.want || err != c.err {
			t.Errorf("%s: MapFlags(%#x) = %v, %v; want %v, %v", c.name, c.flags, got, err, c.want, c.err)
		}
		if err == nil {
			checkMapBack(t, got)
		}
	}
}

// checkMapBack checks that f translates to Linux and back to itself.
func checkMapBack(t *testing.T, f vm.Flags) {
	t.Helper()
	l := LinuxMapFlags(f)
	if back, err := MapFlags(l); back != f || err != nil {
		t.Errorf("MapFlags(LinuxMapFlags(%v) = %#x) = %v, %v", f, l, back, err)
	}
}

// TestMapFlagsCoverage: every MAP_* constant is tried, so that a flag
// added to mman.go needs a decision here.
func TestMapFlagsCoverage(t *testing.T) {
	tried := map[string]bool{
		"MAP_ANONYMOUS":  true,                        // in mapBases
		"MAP_HUGE_SHIFT": true, "MAP_HUGE_MASK": true, // an encoding, not flags
	}
	for _, c := range mapFlagCases {
		tried[c.name] = true
	}
	for _, c := range mapTypeCases {
		tried[c.name] = true
	}
	for _, c := range mmanValues {
		if strings.HasPrefix(c.name, "MAP_") && !tried[c.name] {
			t.Errorf("%s is not tried by TestMapFlags or TestMapTypes", c.name)
		}
	}
}

func TestLinuxMapFlags(t *testing.T) {
	for _, b := range mapBits {
		if got := LinuxMapFlags(b.vm); got != b.linux {
			t.Errorf("LinuxMapFlags(%v) = %#x, want %#x", b.vm, got, b.linux)
		}
	}
	if got := LinuxMapFlags(vm.MapShared | vm.MapAnonymous | vm.MapNoReserve); got != MAP_SHARED|MAP_ANONYMOUS|MAP_NORESERVE {
		t.Errorf("LinuxMapFlags(shared,anon,noreserve) = %#x", got)
	}
}

// adviceCases is every MADV_* value: what Pagoda does with it.
var adviceCases = []struct {
	name   string
	advice uint64
	want   vm.Advice
	apply  bool
	err    error
}{
	{"MADV_NORMAL", MADV_NORMAL, vm.AdviceNormal, true, nil},
	{"MADV_RANDOM", MADV_RANDOM, vm.AdviceRandom, true, nil},
	{"MADV_SEQUENTIAL", MADV_SEQUENTIAL, vm.AdviceSequential, true, nil},
	{"MADV_WILLNEED", MADV_WILLNEED, vm.AdviceWillNeed, true, nil},
	{"MADV_DONTNEED", MADV_DONTNEED, vm.AdviceDontNeed, true, nil},
	{"MADV_FREE", MADV_FREE, vm.AdviceDontNeed, true, nil},
	{"MADV_REMOVE", MADV_REMOVE, 0, false, EOPNOTSUPP},
	{"MADV_DONTFORK", MADV_DONTFORK, 0, false, EINVAL},
	{"MADV_DOFORK", MADV_DOFORK, vm.AdviceNormal, false, nil},
	{"MADV_MERGEABLE", MADV_MERGEABLE, 0, false, EINVAL},
	{"MADV_UNMERGEABLE", MADV_UNMERGEABLE, 0, false, EINVAL},
	{"MADV_HUGEPAGE", MADV_HUGEPAGE, vm.AdviceHugePage, true, nil},
	{"MADV_NOHUGEPAGE", MADV_NOHUGEPAGE, vm.AdviceNoHugePage, true, nil},
	{"MADV_DONTDUMP", MADV_DONTDUMP, vm.AdviceNormal, false, nil},
	{"MADV_DODUMP", MADV_DODUMP, vm.AdviceNormal, false, nil},
	{"MADV_WIPEONFORK", MADV_WIPEONFORK, 0, false, EINVAL},
	{"MADV_KEEPONFORK", MADV_KEEPONFORK, vm.AdviceNormal, false, nil},
	{"MADV_COLD", MADV_COLD, vm.AdviceNormal, false, nil},
	{"MADV_PAGEOUT", MADV_PAGEOUT, vm.AdviceNormal, false, nil},
	{"MADV_POPULATE_READ", MADV_POPULATE_READ, 0, false, EINVAL},
	{"MADV_POPULATE_WRITE", MADV_POPULATE_WRITE, 0, false, EINVAL},
	{"MADV_DONTNEED_LOCKED", MADV_DONTNEED_LOCKED, vm.AdviceDontNeed, true, nil},
	{"MADV_COLLAPSE", MADV_COLLAPSE, 0, false, EINVAL},
	{"MADV_HWPOISON", MADV_HWPOISON, 0, false, EINVAL},
	{"MADV_SOFT_OFFLINE", MADV_SOFT_OFFLINE, 0, false, EINVAL},
	{"MADV_GUARD_INSTALL", MADV_GUARD_INSTALL, 0, false, EINVAL},
	{"MADV_GUARD_REMOVE", MADV_GUARD_REMOVE, 0, false, EINVAL},
	{"unused 5", 5, 0, false, EINVAL},
	{"unused 26", 26, 0, false, EINVAL},
	{"-1 (int)", 0xffff_ffff, 0, false, EINVAL},
	{"upper half ignored", 1<<32 | MADV_DONTNEED, vm.AdviceDontNeed, true, nil},
}

func TestAdvice(t *testing.T) {
	named := map[string]bool{}
	for _, c := range adviceCases {
		named[c.name] = true
		got, apply, err := Advice(c.advice)
		if got != c.want || apply != c.apply || err != c.err {
			t.Errorf("Advice(%s) = %v, %v, %v; want %v, %v, %v", c.name, got, apply, err, c.want, c.apply, c.err)
		}
		if apply {
			if back, ok, err := Advice(LinuxAdvice(got)); back != got || !ok || err != nil {
				t.Errorf("Advice(LinuxAdvice(%v)) = %v, %v, %v", got, back, ok, err)
			}
		}
	}
	for _, c := range mmanValues {
		if strings.HasPrefix(c.name, "MADV_") && !named[c.name] {
			t.Errorf("%s is not tried by TestAdvice", c.name)
		}
	}
}

func TestMsyncFlags(t *testing.T) {
	for _, c := range []struct {
		flags uint64
		want  vm.MsyncFlags
		err   error
	}{
		{0, 0, nil},
		{MS_ASYNC, vm.MsAsync, nil},
		{MS_SYNC, vm.MsSync, nil},
		{MS_INVALIDATE, vm.MsInvalidate, nil},
		{MS_ASYNC | MS_INVALIDATE, vm.MsAsync | vm.MsInvalidate, nil},
		{MS_SYNC | MS_INVALIDATE, vm.MsSync | vm.MsInvalidate, nil},
		{MS_ASYNC | MS_SYNC, 0, EINVAL},
		{MS_ASYNC | MS_SYNC | MS_INVALIDATE, 0, EINVAL},
		{8, 0, EINVAL},
		{MS_SYNC | 0x8000_0000, 0, EINVAL},
		{1<<32 | MS_SYNC, vm.MsSync, nil}, // an int: the upper half is not msync's
	} {
		got, err := MsyncFlags(c.flags)
		if got != c.want || err != c.err {
			t.Errorf("MsyncFlags(%#x) = %v, %v; want %v, %v", c.flags, got, err, c.want, c.err)
		}
		if err == nil {
			if l := LinuxMsyncFlags(got); l != c.flags&0xffff_ffff {
				t.Errorf("LinuxMsyncFlags(%v) = %#x, want %#x", got, l, c.flags&0xffff_ffff)
			}
		}
	}
}

func TestMremapFlags(t *testing.T) {
	for _, c := range []struct {
		flags          uint64
		oldLen, newLen uint64
		want           Remap
		err            error
	}{
		{0, 1, 2, Remap{}, nil},
		{MREMAP_MAYMOVE, 1, 2, Remap{MayMove: true}, nil},
		{MREMAP_FIXED, 1, 1, Remap{}, EINVAL},
		{MREMAP_MAYMOVE | MREMAP_FIXED, 1, 2, Remap{MayMove: true, Fixed: true}, nil},
		{MREMAP_DONTUNMAP, 1, 1, Remap{}, EINVAL},
		{MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 1, 1, Remap{MayMove: true, DontUnmap: true}, nil},
		{MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 1, 2, Remap{}, EINVAL},
		{MREMAP_FIXED | MREMAP_DONTUNMAP, 1, 1, Remap{}, EINVAL},
		{MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, 2, 2, Remap{MayMove: true, Fixed: true, DontUnmap: true}, nil},
		{8 | MREMAP_MAYMOVE, 1, 2, Remap{}, EINVAL},
		{1<<32 | MREMAP_MAYMOVE, 1, 2, Remap{}, EINVAL}, // unsigned long: every bit counts
	} {
		got, err := MremapFlags(c.flags, c.oldLen, c.newLen)
		if got != c.want || err != c.err {
			t.Errorf("MremapFlags(%#x, %d, %d) = %+v, %v; want %+v, %v", c.flags, c.oldLen, c.newLen, got, err, c.want, c.err)
		}
		if err == nil && LinuxMremapFlags(got) != c.flags {
			t.Errorf("LinuxMremapFlags(%+v) = %#x, want %#x", got, LinuxMremapFlags(got), c.flags)
		}
	}
}

// The translations' errors are Errnos, so that errors.Is and ErrnoOf
// see them as they are.
func TestTranslationErrorsAreErrnos(t *testing.T) {
	_, err := MapFlags(0)
	var e Errno
	if !errors.As(err, &e) || e != EINVAL {
		t.Errorf("MapFlags(0) error %v is not EINVAL", err)
	}
}
