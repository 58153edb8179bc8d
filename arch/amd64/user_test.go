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

// SyscallArgs views RDI, RSI, RDX, R10, R8, R9 in that order.
func TestSyscallArgs(t *testing.T) {
	r := NewUserRegs()
	r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9 = 1, 2, 3, 4, 5, 6
	if a := r.SyscallArgs(); *a != [6]uint64{1, 2, 3, 4, 5, 6} {
		t.Fatalf("SyscallArgs = %v", *a)
	}
	r.SyscallArgs()[3] = 40
	if r.R10 != 40 {
		t.Fatalf("SyscallArgs is not a view: R10 = %d", r.R10)
	}
}

// A clone and Changed both drop sysret: the next entry checks what an
// edit may have broken (enterUser's SYSRETQ shortcut is for registers
// exactly as a SYSCALL saved them).
func TestSysretShortcutRule(t *testing.T) {
	r := NewUserRegs()
	r.sysret = true
	if c := r.Clone(); c.sysret {
		t.Error("Clone kept sysret: a child's edited registers would skip enterUser's checks")
	}
	if !r.sysret {
		t.Error("Clone cleared the parent's sysret")
	}
	r.Changed()
	if r.sysret {
		t.Error("Changed kept sysret")
	}
}
