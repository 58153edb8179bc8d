package amd64

import "testing"

// A fresh thread's FPU area is 16-byte aligned, as FXRSTOR64 needs, and
// holds Linux's initial control words; XMM registers round-trip.
func TestNewUserRegs(t *testing.T) {
	for range 64 { // allocations at many addresses
		r := NewUserRegs()
		if a := addrOfBytes(r.FPU.area[:]); a%fxsaveAlign != 0 {
			t.Fatalf("FPU area at %#x: not 16-byte aligned", a)
		}
		if fcw := uint16(r.FPU.area[0]) | uint16(r.FPU.area[1])<<8; fcw != 0x37f {
			t.Errorf("FCW %#x, want 0x37f", fcw)
		}
		if m := r.FPU.MXCSR(); m != 0x1f80 {
			t.Errorf("MXCSR %#x, want 0x1f80", m)
		}
		if r.RFLAGS != 0x202 {
			t.Errorf("RFLAGS %#x, want 0x202 (IF and the reserved bit 1)", r.RFLAGS)
		}
	}
	r := NewUserRegs()
	for i := range 16 {
		r.FPU.SetXMM(i, uint64(i)*0x0101010101010101, ^uint64(i))
	}
	for i := range 16 {
		if lo, hi := r.FPU.XMM(i); lo != uint64(i)*0x0101010101010101 || hi != ^uint64(i) {
			t.Errorf("XMM%d = %#x:%#x", i, hi, lo)
		}
	}
	if m := r.FPU.MXCSR(); m != 0x1f80 {
		t.Errorf("SetXMM changed MXCSR to %#x", m)
	}
	r.FPU.setMXCSR(0xdead_1f80)
	r.FPU.sanitize()
	if m := r.FPU.MXCSR(); m != 0x1f80 {
		t.Errorf("sanitize left MXCSR %#x, want 0x1f80", m)
	}
}

// userRFLAGS keeps what ring 3 may set and forces IF on, IOPL 0.
func TestUserRFLAGS(t *testing.T) {
	for _, tc := range []struct{ in, want uint64 }{
		{0, 0x202},
		{0x202, 0x202},
		{0x3000 | 0x202, 0x202}, // IOPL 3: dropped
		{rflagsNT | 0x2, 0x202}, // NT: dropped
		{1 << 17, 0x202},        // VM: dropped
		{1 << 16, 0x202},        // RF: dropped
		{0x8d5, 0x8d5 | 0x202},  // the arithmetic flags kept
		{rflagsTF | rflagsDF | rflagsAC, rflagsTF | rflagsDF | rflagsAC | 0x202},
		{^uint64(0), rflagsUser | 0x202},
	} {
		if got := userRFLAGS(tc.in); got != tc.want {
			t.Errorf("userRFLAGS(%#x) = %#x, want %#x", tc.in, got, tc.want)
		}
	}
}

func TestCanonical(t *testing.T) {
	for _, tc := range []struct {
		va uint64
		ok bool
	}{
		{0, true}, {0x7fff_ffff_ffff, true}, {0x8000_0000_0000, false},
		{0xffff_7fff_ffff_ffff, false}, {0xffff_8000_0000_0000, true}, {^uint64(0), true},
	} {
		if canonical(tc.va) != tc.ok {
			t.Errorf("canonical(%#x) = %v", tc.va, !tc.ok)
		}
	}
}

// SYSRETQ only where it gives what IRETQ would.
func TestSysretOK(t *testing.T) {
	after := func() *UserRegs { // as a syscall exit leaves them
		return &UserRegs{RIP: 0x1007, RCX: 0x1007, RFLAGS: 0x246, R11: 0x246}
	}
	for _, tc := range []struct {
		name string
		edit func(*UserRegs)
		ok   bool
	}{
		{"after a syscall", func(*UserRegs) {}, true},
		{"result in RAX", func(r *UserRegs) { r.RAX = 5 }, true},
		{"RIP moved", func(r *UserRegs) { r.RIP = 0x2000 }, false},
		{"RCX changed", func(r *UserRegs) { r.RCX = 0 }, false},
		{"RFLAGS changed", func(r *UserRegs) { r.RFLAGS |= 1 }, false},
		{"single-stepping", func(r *UserRegs) { r.RFLAGS |= rflagsTF; r.R11 = r.RFLAGS }, false},
	} {
		r := after()
		tc.edit(r)
		if got := sysretOK(r); got != tc.ok {
			t.Errorf("%s: sysretOK = %v", tc.name, got)
		}
	}
}

func TestExitString(t *testing.T) {
	for _, tc := range []struct {
		e    Exit
		want string
	}{
		{Exit{Kind: ExitSyscall}, "syscall"},
		{Exit{Kind: ExitInterrupt, Vector: 240}, "interrupt 240"},
		{Exit{Kind: ExitException, Vector: 6}, "exception 6 (invalid opcode) error 0x0"},
		{Exit{Kind: ExitException, Vector: 14, Error: 7, CR2: 0x1000}, "exception 14 (page fault) error 0x7 cr2 0x1000"},
		{Exit{}, "ExitKind(0)"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("%#v: %q, want %q", tc.e, got, tc.want)
		}
	}
}
