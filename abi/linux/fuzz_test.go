package linux

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm/vm"
)

// FuzzFlags gives every translation the same random register: none may
// panic, each either fails with one of the errors its doc names or gives
// a value that translates back to Linux and again to itself, and that
// the input explains.
func FuzzFlags(f *testing.F) {
	for _, c := range mapTypeCases {
		f.Add(c.flags, uint64(1), uint64(1))
	}
	for _, c := range mapFlagCases {
		f.Add(MAP_PRIVATE|c.flag, uint64(1), uint64(2))
	}
	for _, c := range adviceCases {
		f.Add(c.advice, uint64(2), uint64(2))
	}
	f.Add(^uint64(0), uint64(0), ^uint64(0))
	f.Fuzz(func(t *testing.T, x, oldLen, newLen uint64) {
		fuzzProt(t, x)
		fuzzMapFlags(t, x)
		fuzzAdvice(t, x)
		fuzzMsync(t, x)
		fuzzMremap(t, x, oldLen, newLen)
	})
}

func fuzzProt(t *testing.T, x uint64) {
	mp := MmapProt(x)
	if LinuxProt(mp) != x&(PROT_READ|PROT_WRITE|PROT_EXEC) {
		t.Fatalf("MmapProt(%#x) = %v", x, mp)
	}
	p, err := Prot(x)
	if err != nil {
		if err != EINVAL || x&^(PROT_READ|PROT_WRITE|PROT_EXEC|PROT_SEM) == 0 {
			t.Fatalf("Prot(%#x): %v", x, err)
		}
		return
	}
	if p != mp || LinuxProt(p)|x&PROT_SEM != x {
		t.Fatalf("Prot(%#x) = %v", x, p)
	}
	if back, err := Prot(LinuxProt(p)); back != p || err != nil {
		t.Fatalf("Prot(LinuxProt(%v)) = %v, %v", p, back, err)
	}
}

func fuzzMapFlags(t *testing.T, x uint64) {
	f, err := MapFlags(x)
	if err != nil {
		switch err {
		case EINVAL, EOPNOTSUPP, ENOMEM, EPERM:
		default:
			t.Fatalf("MapFlags(%#x): %v", x, err)
		}
		if f != 0 {
			t.Fatalf("MapFlags(%#x) = %v with %v", x, f, err)
		}
		return
	}
	kind := f & (vm.MapShared | vm.MapPrivate)
	switch {
	case kind != vm.MapShared && kind != vm.MapPrivate:
		t.Fatalf("MapFlags(%#x) = %v: not one of shared and private", x, f)
	case (f&vm.MapAnonymous != 0) != (x&MAP_ANONYMOUS != 0):
		t.Fatalf("MapFlags(%#x) = %v: anonymous or not as the flags say", x, f)
	case f&vm.MapFixed != 0 && f&vm.MapFixedNoReplace != 0:
		t.Fatalf("MapFlags(%#x) = %v: fixed twice", x, f)
	case x&MAP_HUGETLB != 0 || x&MAP_LOCKED != 0 || x&MAP_GROWSDOWN != 0:
		t.Fatalf("MapFlags(%#x) = %v: accepted a flag Pagoda refuses", x, f)
	}
	if l := LinuxMapFlags(f); l&^x != 0 && l&^x != MAP_SHARED {
		// Only MAP_SHARED_VALIDATE's MAP_SHARED may differ from the input.
		t.Fatalf("LinuxMapFlags(MapFlags(%#x) = %v) = %#x: bits the input lacks", x, f, l)
	}
	if back, err := MapFlags(LinuxMapFlags(f)); back != f || err != nil {
		t.Fatalf("MapFlags(LinuxMapFlags(%v)) = %v, %v", f, back, err)
	}
}

func fuzzAdvice(t *testing.T, x uint64) {
	a, apply, err := Advice(x)
	switch {
	case err != nil:
		if (err != EINVAL && err != EOPNOTSUPP) || apply || a != 0 {
			t.Fatalf("Advice(%#x) = %v, %v, %v", x, a, apply, err)
		}
	case apply:
		if back, ok, err := Advice(LinuxAdvice(a)); back != a || !ok || err != nil {
			t.Fatalf("Advice(LinuxAdvice(%v)) = %v, %v, %v", a, back, ok, err)
		}
		if l := LinuxAdvice(a); l != x&0xffff_ffff && a != vm.AdviceDontNeed {
			t.Fatalf("Advice(%#x) = %v, which is %#x", x, a, l)
		}
	default:
		if a != vm.AdviceNormal {
			t.Fatalf("Advice(%#x) = %v, not applied", x, a)
		}
	}
}

func fuzzMsync(t *testing.T, x uint64) {
	m, err := MsyncFlags(x)
	if err != nil {
		if err != EINVAL || m != 0 {
			t.Fatalf("MsyncFlags(%#x) = %v, %v", x, m, err)
		}
		return
	}
	if l := LinuxMsyncFlags(m); l != x&0xffff_ffff {
		t.Fatalf("LinuxMsyncFlags(MsyncFlags(%#x) = %v) = %#x", x, m, l)
	}
}

func fuzzMremap(t *testing.T, x, oldLen, newLen uint64) {
	r, err := MremapFlags(x, oldLen, newLen)
	if err != nil {
		if err != EINVAL || r != (Remap{}) {
			t.Fatalf("MremapFlags(%#x) = %+v, %v", x, r, err)
		}
		return
	}
	if LinuxMremapFlags(r) != x || r.Fixed && !r.MayMove || r.DontUnmap && (!r.MayMove || oldLen != newLen) {
		t.Fatalf("MremapFlags(%#x, %d, %d) = %+v", x, oldLen, newLen, r)
	}
}
