package linux

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func testRegs() Regs {
	r := Regs{R8: 8, R9: 9, R10: 10, R11: 11, R12: 12, R13: 13, R14: 14, R15: 15,
		RDI: 0xd1, RSI: 0x51, RBP: 0xb9, RBX: 0xb1, RDX: 0xd8, RAX: 0xa0, RCX: 0xc0,
		RSP: 0x7fff_ffff_e123, RIP: 0x40_1234, EFLAGS: 0x246 | X86_EFLAGS_DF | X86_EFLAGS_TF,
		CS: USER_CS, SS: USER_DS, Err: 4, Trapno: 14, CR2: 0xdead_b000}
	return r
}

func testFX() []byte {
	fx := make([]byte, SizeofFXSave)
	for i := range fx {
		fx[i] = byte(i*7 + 1)
	}
	return fx
}

var testAct = Sigaction{Handler: 0x40_2000, Flags: SA_SIGINFO | SA_RESTORER, Restorer: 0x40_3000}

// TestSigframeRoundTrip: a frame built for a handler gives back, through
// ParseSigreturn, the registers, mask and fpstate it was built from.
func TestSigframeRoundTrip(t *testing.T) {
	regs := testRegs()
	mask := SigsetOf(SIGUSR1, SIGTERM, SIGRTMAX)
	info := Siginfo{Signo: SIGSEGV, Code: SEGV_MAPERR, Addr: 0xdead_b000}
	f, err := BuildSigframe(regs, testFX(), mask, info, testAct, Stack{})
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(f.Bytes)) != f.FPState+SizeofFXSave-f.Addr {
		t.Fatalf("frame of %d bytes from %#x, fpstate at %#x", len(f.Bytes), f.Addr, f.FPState)
	}
	// rt_sigreturn finds the frame at RSP-8 after the handler's RET.
	sr, err := ParseSigreturn(f.Bytes[:SizeofRtSigframe])
	if err != nil {
		t.Fatal(err)
	}
	want := regs
	want.Oldmask = uint64(mask)
	want.EFLAGS = regs.EFLAGS&FIX_EFLAGS | X86_EFLAGS_IF | eflagsFixed
	if sr.Regs != want {
		t.Errorf("regs back\n got %+v\nwant %+v", sr.Regs, want)
	}
	if sr.Mask != mask || sr.FPState != f.FPState || sr.UCFlags != UC_SIGCONTEXT_SS|UC_STRICT_RESTORE_SS {
		t.Errorf("mask %v fpstate %#x ucflags %#x", sr.Mask, sr.FPState, sr.UCFlags)
	}
	fx := f.Bytes[f.FPState-f.Addr:]
	if !bytes.Equal(fx[:fxSWReserved], testFX()[:fxSWReserved]) || !bytes.Equal(fx[fxSWReserved:], make([]byte, SizeofFXSave-fxSWReserved)) {
		t.Errorf("fxsave image not copied with sw_reserved cleared")
	}
	le := binary.LittleEndian
	if le.Uint64(f.Bytes) != testAct.Restorer {
		t.Errorf("pretcode %#x", le.Uint64(f.Bytes))
	}
	if got := le.Uint32(f.Bytes[infoOff:]); got != uint32(SIGSEGV) || le.Uint64(f.Bytes[infoOff+16:]) != 0xdead_b000 {
		t.Errorf("siginfo signo %d addr %#x", got, le.Uint64(f.Bytes[infoOff+16:]))
	}
}

// TestSigframeHandlerEntry: the handler starts as if called, with its
// arguments, the frame and fpstate aligned below the red zone.
func TestSigframeHandlerEntry(t *testing.T) {
	for sp := uint64(0x7fff_0000_0000); sp < 0x7fff_0000_0000+200; sp += 8 {
		regs := testRegs()
		regs.RSP = sp
		regs.SS = 0 // force_valid_ss
		f, err := BuildSigframe(regs, testFX(), 0, Siginfo{Signo: SIGUSR1}, testAct, Stack{})
		if err != nil {
			t.Fatal(err)
		}
		h := f.Regs
		switch {
		case (h.RSP+8)%16 != 0:
			t.Errorf("sp %#x: handler RSP %#x, (RSP+8)%%16 != 0", sp, h.RSP)
		case f.FPState%64 != 0 || f.FPState+SizeofFXSave > sp-RedZone:
			t.Errorf("sp %#x: fpstate %#x not 64-aligned below the red zone", sp, f.FPState)
		case f.Addr+SizeofRtSigframe > f.FPState || f.FPState-(f.Addr+SizeofRtSigframe) >= 64+16:
			t.Errorf("sp %#x: frame %#x not just below fpstate %#x", sp, f.Addr, f.FPState)
		case h.RDI != uint64(SIGUSR1) || h.RSI != f.Addr+infoOff || h.RDX != f.Addr+ucOff || h.RAX != 0:
			t.Errorf("sp %#x: handler arguments %#x %#x %#x %#x", sp, h.RDI, h.RSI, h.RDX, h.RAX)
		case h.RIP != testAct.Handler || h.CS != USER_CS || h.SS != USER_DS:
			t.Errorf("sp %#x: handler RIP %#x CS %#x SS %#x", sp, h.RIP, h.CS, h.SS)
		case h.EFLAGS&(X86_EFLAGS_DF|X86_EFLAGS_TF|X86_EFLAGS_RF) != 0:
			t.Errorf("sp %#x: handler EFLAGS %#x", sp, h.EFLAGS)
		case h.RBX != regs.RBX || h.R15 != regs.R15:
			t.Errorf("sp %#x: other registers changed", sp)
		}
	}
}

func TestSigframeAltStack(t *testing.T) {
	alt := Stack{Sp: 0x10_0000, Size: 0x4000}
	onstack := testAct
	onstack.Flags |= SA_ONSTACK
	regs := testRegs()

	// Entering the alternate stack: the frame is at its top.
	f, err := BuildSigframe(regs, testFX(), 0, Siginfo{Signo: SIGSEGV}, onstack, alt)
	if err != nil || f.FPState+SizeofFXSave > alt.Sp+alt.Size || f.Addr < alt.Sp {
		t.Fatalf("onto the alt stack: %#x, %v", f.Addr, err)
	}
	if st, _ := DecodeStack(f.Bytes[ucStackOff:]); st != alt {
		t.Errorf("uc_stack %+v, want %+v", st, alt)
	}
	// Without SA_ONSTACK the thread's stack is used.
	if f, err := BuildSigframe(regs, testFX(), 0, Siginfo{Signo: SIGSEGV}, testAct, alt); err != nil || f.Addr < 0x7fff_0000_0000 {
		t.Errorf("without SA_ONSTACK: %#x, %v", f.Addr, err)
	}
	// Nested: already on it, the frame goes below RSP there.
	regs.RSP = alt.Sp + 0x3000
	if f, err := BuildSigframe(regs, testFX(), 0, Siginfo{Signo: SIGSEGV}, onstack, alt); err != nil || f.Addr >= regs.RSP-RedZone || f.Addr < alt.Sp {
		t.Errorf("nested: %#x, %v", f.Addr, err)
	}
	// Overflowing it: EFAULT, as get_sigframe's "overflowed sigaltstack".
	regs.RSP = alt.Sp + 0x300
	if _, err := BuildSigframe(regs, testFX(), 0, Siginfo{Signo: SIGSEGV}, onstack, alt); err != EFAULT {
		t.Errorf("overflow: %v, want EFAULT", err)
	}
	// A stack too small to take a frame at all, entered: EFAULT.
	if _, err := BuildSigframe(testRegs(), testFX(), 0, Siginfo{Signo: SIGSEGV}, onstack, Stack{Sp: 0x10_0000, Size: 512}); err != EFAULT {
		t.Errorf("small alt stack: %v, want EFAULT", err)
	}
}

func TestSigframeErrors(t *testing.T) {
	noRestorer := testAct
	noRestorer.Flags &^= SA_RESTORER
	low := testRegs()
	low.RSP = 0x100
	kernel := testRegs()
	kernel.RSP = 0xffff_8000_0000_1000
	for _, c := range []struct {
		name string
		regs Regs
		fx   []byte
		act  Sigaction
		want error
	}{
		{"no SA_RESTORER", testRegs(), testFX(), noRestorer, EFAULT},
		{"short fxsave", testRegs(), make([]byte, 100), testAct, EINVAL},
		{"stack at 0x100", low, testFX(), testAct, EFAULT},
		{"kernel stack", kernel, testFX(), testAct, EFAULT},
	} {
		if _, err := BuildSigframe(c.regs, c.fx, 0, Siginfo{Signo: SIGINT}, c.act, Stack{}); err != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := ParseSigreturn(make([]byte, SizeofRtSigframe-1)); err != EFAULT {
		t.Errorf("short frame: %v", err)
	}
}

// TestSigreturnSanitizes: what a handler may have written into its frame
// comes back safe.
func TestSigreturnSanitizes(t *testing.T) {
	f, err := BuildSigframe(testRegs(), testFX(), 0, Siginfo{Signo: SIGINT}, testAct, Stack{})
	if err != nil {
		t.Fatal(err)
	}
	b := f.Bytes[:SizeofRtSigframe]
	le := binary.LittleEndian
	le.PutUint64(b[mcontextOff+136:], ^uint64(0)) // every EFLAGS bit: IOPL 3, NT, VM, no IF...
	le.PutUint16(b[mcontextOff+144:], 0x08)       // kernel CS
	le.PutUint16(b[mcontextOff+150:], 0x10)       // kernel SS
	le.PutUint64(b[ucSigmaskOff:], ^uint64(0))    // block everything
	le.PutUint64(b[mcontextOff+184:], 0)          // no fpstate
	le.PutUint64(b[mcontextOff+128:], 0x1234)     // a new RIP
	sr, err := ParseSigreturn(b)
	if err != nil {
		t.Fatal(err)
	}
	if sr.Regs.EFLAGS != FIX_EFLAGS|X86_EFLAGS_IF|eflagsFixed || sr.Regs.CS != USER_CS || sr.Regs.SS != USER_DS {
		t.Errorf("EFLAGS %#x CS %#x SS %#x", sr.Regs.EFLAGS, sr.Regs.CS, sr.Regs.SS)
	}
	if sr.Mask.Has(SIGKILL) || sr.Mask.Has(SIGSTOP) || !sr.Mask.Has(SIGINT) {
		t.Errorf("mask %#x", sr.Mask)
	}
	if sr.FPState != 0 || sr.Regs.RIP != 0x1234 {
		t.Errorf("fpstate %#x RIP %#x", sr.FPState, sr.Regs.RIP)
	}

	fx := testFX()
	le.PutUint32(fx[fxMXCSR:], 0xdead_1f80)
	if err := SanitizeFXSave(fx); err != nil || le.Uint32(fx[fxMXCSR:]) != 0x1f80 {
		t.Errorf("SanitizeFXSave: MXCSR %#x, %v", le.Uint32(fx[fxMXCSR:]), err)
	}
	if SanitizeFXSave(fx[:511]) != EINVAL {
		t.Errorf("SanitizeFXSave of 511 bytes")
	}
}

// TestSiginfoLayouts: the union member written follows siginfo_layout.
func TestSiginfoLayouts(t *testing.T) {
	le := binary.LittleEndian
	for _, c := range []struct {
		info Siginfo
		want SiginfoLayout
		off  int
		val  uint64
		size int
	}{
		{Siginfo{Signo: SIGSEGV, Code: SEGV_ACCERR, Addr: 0x1000}, LayoutFault, 16, 0x1000, 8},
		{Siginfo{Signo: SIGBUS, Code: BUS_ADRERR, Addr: 0x2000}, LayoutFault, 16, 0x2000, 8},
		{Siginfo{Signo: SIGSEGV, Code: SI_KERNEL, Pid: 0, Addr: 0x1000}, LayoutKill, 16, 0, 8},
		{Siginfo{Signo: SIGTERM, Code: SI_USER, Pid: 42, UID: 7}, LayoutKill, 16, 42 | 7<<32, 8},
		{Siginfo{Signo: SIGUSR1, Code: SI_TKILL, Pid: 42, UID: 7}, LayoutRT, 16, 42 | 7<<32, 8},
		{Siginfo{Signo: SIGCHLD, Code: CLD_EXITED, Pid: 42, UID: 7, Status: 3, Utime: 5}, LayoutChld, 24, 3, 4},
		{Siginfo{Signo: SIGCHLD, Code: CLD_EXITED, Utime: 5, Stime: 6}, LayoutChld, 32, 5, 8},
		{Siginfo{Signo: SIGSYS, Code: SIGSYS_SECCOMP, Syscall: 59, Arch: 0xc000003e}, LayoutSys, 24, 59 | 0xc000003e<<32, 8},
		{Siginfo{Signo: SIGRTMIN, Code: SI_QUEUE, Value: 99}, LayoutRT, 24, 99, 8},
		{Siginfo{Signo: SIGALRM, Code: SI_TIMER, TimerID: 1, Overrun: 2}, LayoutTimer, 16, 1 | 2<<32, 8},
		{Siginfo{Signo: SIGIO, Code: POLL_IN, Value: 1, Fd: 3}, LayoutPoll, 24, 3, 4},
	} {
		if l := Layout(c.info.Signo, c.info.Code); l != c.want {
			t.Errorf("%+v: layout %d, want %d", c.info, l, c.want)
		}
		b := c.info.Append(nil)
		if len(b) != SizeofSiginfo || le.Uint32(b) != uint32(c.info.Signo) || int32(le.Uint32(b[8:])) != c.info.Code {
			t.Errorf("%+v: header % x", c.info, b[:12])
		}
		var got uint64
		if c.size == 4 {
			got = uint64(le.Uint32(b[c.off:]))
		} else {
			got = le.Uint64(b[c.off:])
		}
		if got != c.val {
			t.Errorf("%+v: at %d %#x, want %#x", c.info, c.off, got, c.val)
		}
	}
}
