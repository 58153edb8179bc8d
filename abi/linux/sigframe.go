package linux

import "encoding/binary"

// The signal frame of x86-64: what Linux's x64_setup_rt_frame and
// get_sigframe (arch/x86/kernel/signal.c, signal_64.c) write on the user
// stack to run a handler, and what sys_rt_sigreturn and
// restore_sigcontext read back. The structures are the uapi headers'
// (asm/sigcontext.h, asm-generic/ucontext.h, asm/signal.h); their
// offsets are checked against them by a C program in host_test.go.
//
// From high addresses to low, below the interrupted RSP:
//
//	RSP            the interrupted stack pointer (or the end of the alternate stack)
//	RSP-128        the red zone skipped (System V x86-64 psABI 3.2.2)
//	fpstate        the 512-byte FXSAVE image, 64-byte aligned
//	(padding)
//	frame+312      siginfo_t (128 bytes; written only with SA_SIGINFO)
//	frame+8        struct ucontext (304 bytes):
//	                 +0 uc_flags, +8 uc_link, +16 uc_stack (stack_t, 24),
//	                 +40 uc_mcontext (struct sigcontext, 256), +296 uc_sigmask
//	frame          pretcode: sa_restorer, which the handler's RET pops
//
// frame is 16-byte aligned minus 8, so that the handler starts as if
// called: (RSP+8)%16 == 0 on entry (align_sigframe).
//
// Pagoda saves its FPU state with FXSAVE only, so the frame is Linux's
// for a CPU without XSAVE: 512 bytes of fpstate, no UC_FP_XSTATE, and
// the software-reserved bytes 464..511 of the image (_fpx_sw_bytes)
// zero, so that nothing claims an extended area that is not there.

// Layout of the frame.
const (
	SizeofSigcontext = 256
	SizeofUcontext   = 304
	SizeofRtSigframe = 440 // pretcode + ucontext + siginfo
	SizeofFXSave     = 512

	RedZone = 128 // bytes below RSP a leaf function may use, skipped

	ucOff        = 8
	ucStackOff   = ucOff + 16
	mcontextOff  = ucOff + 40
	fpstatePtr   = mcontextOff + 184
	ucSigmaskOff = ucOff + 296
	infoOff      = ucOff + SizeofUcontext
	fxSWReserved = 464 // struct _fpstate_64's sw_reserved
	fxMXCSR      = 24
)

// uc_flags (arch/x86/include/uapi/asm/ucontext.h).
const (
	UC_FP_XSTATE         = 0x1 // fpstate is an XSAVE area with the magic words
	UC_SIGCONTEXT_SS     = 0x2 // sigcontext's ss is SS (Linux 4.6)
	UC_STRICT_RESTORE_SS = 0x4 // rt_sigreturn restores SS as it is (Linux 4.6)
)

// The user segment selectors, Linux's and Pagoda's GDT (arch/amd64):
// __USER_DS and __USER_CS.
const (
	USER_DS = 0x2b
	USER_CS = 0x33
)

// RFLAGS bits (SDM 1, 3.4.3) and FIX_EFLAGS, what rt_sigreturn takes
// from the frame: the arithmetic flags, TF, DF, OF, AC and RF. IF and
// IOPL stay the kernel's.
const (
	X86_EFLAGS_CF = 1 << 0
	X86_EFLAGS_PF = 1 << 2
	X86_EFLAGS_AF = 1 << 4
	X86_EFLAGS_ZF = 1 << 6
	X86_EFLAGS_SF = 1 << 7
	X86_EFLAGS_TF = 1 << 8
	X86_EFLAGS_IF = 1 << 9
	X86_EFLAGS_DF = 1 << 10
	X86_EFLAGS_OF = 1 << 11
	X86_EFLAGS_RF = 1 << 16
	X86_EFLAGS_AC = 1 << 18

	FIX_EFLAGS = X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_SF |
		X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | X86_EFLAGS_RF

	eflagsFixed = 1 << 1 // reserved, always 1
)

// Regs is a thread's registers as struct sigcontext holds them, in its
// order. The FS base is not among them: Linux saves neither base in the
// frame (fs and gs are written 0 and ignored on return), and a handler
// runs with the FS base of the code it interrupted; the caller keeps it.
type Regs struct {
	R8, R9, R10, R11, R12, R13, R14, R15 uint64
	RDI, RSI, RBP, RBX, RDX, RAX, RCX    uint64
	RSP, RIP, EFLAGS                     uint64
	CS, GS, FS, SS                       uint16
	Err                                  uint64 // the exception's error code (the #PF's, for SIGSEGV)
	Trapno                               uint64 // the exception vector (14 for #PF)
	Oldmask                              uint64 // the blocked set's first word: BuildSigframe writes it, sigreturn ignores it
	CR2                                  uint64 // the faulting address of a #PF
}

// Sigframe is a built signal frame: Bytes, to be copied to user memory
// at Addr, and the registers to enter the handler with.
type Sigframe struct {
	Addr    uint64 // the frame's address, the handler's RSP
	Bytes   []byte // the rt_sigframe, padding, and the fxsave image at FPState
	FPState uint64 // where the fxsave image is (also in the frame's sigcontext)
	Info    uint64 // the handler's RSI: &frame->info
	UC      uint64 // the handler's RDX: &frame->uc
	Regs    Regs   // the handler's registers
}

// BuildSigframe builds the frame for running act's handler for
// info.Signo in a thread with registers regs (regs.RSP: where it was
// interrupted), FPU state fxsave (512 bytes), blocked set mask (what
// rt_sigreturn restores: the set before delivery) and alternate stack
// alt, as x64_setup_rt_frame and get_sigframe:
//   - without SA_RESTORER: EFAULT (x86-64 has no vDSO trampoline to
//     fall back on; libc always sets it);
//   - below RSP's red zone, or with SA_ONSTACK at the top of alt when
//     alt is enabled and RSP is not already on it;
//   - when RSP was on alt or the frame moved there, a frame that does
//     not fit in alt: EFAULT ("overflowed sigaltstack");
//   - a frame that is not within user space: EFAULT.
//
// On EFAULT the caller does what Linux does when it cannot write the
// frame: force SIGSEGV (force_sigsegv). So it does when copying Bytes
// out fails.
//
// The handler's registers are regs with RDI = the signal, RSI = &info,
// RDX = &uc, RAX = 0, RIP = the handler, RSP = the frame, CS = USER_CS,
// SS = USER_DS, and DF, RF and TF cleared (handle_signal). The caller
// also gives the handler a fresh FPU state (fpu__clear_user_states),
// blocks HandlerMask(...), and resets the disposition for SA_RESETHAND
// and alt for SS_AUTODISARM (signal_delivered).
func BuildSigframe(regs Regs, fxsave []byte, mask Sigset, info Siginfo, act Sigaction, alt Stack) (Sigframe, error) {
	if act.Flags&SA_RESTORER == 0 {
		return Sigframe{}, EFAULT
	}
	if len(fxsave) != SizeofFXSave {
		return Sigframe{}, EINVAL
	}
	sp := regs.RSP
	nested := alt.OnStack(sp)
	if sp < RedZone {
		return Sigframe{}, EFAULT
	}
	sp -= RedZone
	entering := false
	if act.Flags&SA_ONSTACK != 0 && alt.Size != 0 && !alt.OnStack(sp) {
		if alt.Sp+alt.Size < alt.Sp {
			return Sigframe{}, EFAULT
		}
		sp = alt.Sp + alt.Size
		entering = true
	}
	if sp < SizeofFXSave+SizeofRtSigframe+64 {
		return Sigframe{}, EFAULT
	}
	fpstate := (sp - SizeofFXSave) &^ 63              // fpu__alloc_mathframe
	frame := ((fpstate - SizeofRtSigframe) &^ 15) - 8 // align_sigframe
	if (nested || entering) && !alt.onStack(frame) {
		return Sigframe{}, EFAULT
	}
	if !userRange(frame, fpstate+SizeofFXSave-frame) {
		return Sigframe{}, EFAULT
	}

	b := make([]byte, fpstate+SizeofFXSave-frame)
	le := binary.LittleEndian
	le.PutUint64(b[0:], act.Restorer)
	le.PutUint64(b[ucOff:], UC_SIGCONTEXT_SS|UC_STRICT_RESTORE_SS) // frame_uc_flags without XSAVE
	copy(b[ucStackOff:], alt.Append(nil))                          // the setting as stored (unsafe_save_altstack)
	regs.Oldmask = uint64(mask)
	regs.FS, regs.GS = 0, 0
	putSigcontext(b[mcontextOff:], &regs, fpstate)
	copy(b[ucSigmaskOff:], mask.Append(nil))
	if act.Flags&SA_SIGINFO != 0 {
		copy(b[infoOff:], info.Append(nil))
	}
	fx := b[fpstate-frame:]
	copy(fx, fxsave)
	clear(fx[fxSWReserved:])

	h := regs
	h.RDI = uint64(uint32(info.Signo))
	h.RSI = frame + infoOff
	h.RDX = frame + ucOff
	h.RAX = 0
	h.RIP = act.Handler
	h.RSP = frame
	h.CS = USER_CS
	h.SS = USER_DS
	h.EFLAGS &^= X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF
	return Sigframe{Addr: frame, Bytes: b, FPState: fpstate, Info: frame + infoOff, UC: frame + ucOff, Regs: h}, nil
}

// putSigcontext writes struct sigcontext into b, fpstate its pointer.
func putSigcontext(b []byte, r *Regs, fpstate uint64) {
	le := binary.LittleEndian
	for i, v := range [...]uint64{r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15,
		r.RDI, r.RSI, r.RBP, r.RBX, r.RDX, r.RAX, r.RCX, r.RSP, r.RIP, r.EFLAGS} {
		le.PutUint64(b[8*i:], v)
	}
	le.PutUint16(b[144:], r.CS)
	le.PutUint16(b[146:], r.GS)
	le.PutUint16(b[148:], r.FS)
	le.PutUint16(b[150:], r.SS)
	le.PutUint64(b[152:], r.Err)
	le.PutUint64(b[160:], r.Trapno)
	le.PutUint64(b[168:], r.Oldmask)
	le.PutUint64(b[176:], r.CR2)
	le.PutUint64(b[184:], fpstate)
	clear(b[192:SizeofSigcontext])
}

// Sigreturn is what rt_sigreturn restores, as ParseSigreturn reads it.
type Sigreturn struct {
	// Regs is the thread's registers: RAX is also the system call's
	// return value. EFLAGS, CS and SS are already made safe; Err,
	// Trapno, Oldmask and CR2 are the frame's, which Linux ignores.
	Regs Regs

	// Mask is the blocked set to restore, SIGKILL and SIGSTOP taken out
	// (set_current_blocked).
	Mask Sigset

	// FPState is the address of the 512-byte FXSAVE image to restore;
	// the caller copies it in (EFAULT: SIGSEGV) and passes it through
	// SanitizeFXSave. 0 means none: the thread gets a fresh FPU state
	// (fpu__restore_sig with a NULL buffer).
	FPState uint64

	// Stack is uc_stack, which the caller applies with
	// SetSigaltstack(cur, Stack, Regs.RSP), ignoring its error
	// (restore_altstack).
	Stack Stack

	UCFlags uint64 // uc_flags, for the record
}

// ParseSigreturn reads the frame rt_sigreturn finds: SizeofRtSigframe
// bytes from the thread's RSP-8 (the handler's RET popped pretcode).
// It checks as sys_rt_sigreturn and restore_sigcontext do:
//   - b shorter than the frame: EFAULT (Linux's access_ok of the whole
//     frame; the caller's copy failing is the same badframe: SIGSEGV);
//   - EFLAGS: FIX_EFLAGS bits from the frame, IF and the reserved bit
//     1 set, nothing else (IOPL 0, no NT, no VM);
//   - CS and SS: USER_CS and USER_DS whatever the frame holds. Linux
//     ORs RPL 3 into the frame's selectors and lets IRET fault on a bad
//     one; Pagoda has one user code and one user data segment, and
//     forcing them keeps a crafted selector from reaching IRETQ;
//   - FS and GS are ignored, as Linux ignores them.
//
// Everything else is the program's to choose; a non-canonical RIP is
// the return path's to refuse (arch/amd64's Switch does).
func ParseSigreturn(b []byte) (Sigreturn, error) {
	if len(b) < SizeofRtSigframe {
		return Sigreturn{}, EFAULT
	}
	le := binary.LittleEndian
	var r Regs
	sc := b[mcontextOff:]
	for i, p := range [...]*uint64{&r.R8, &r.R9, &r.R10, &r.R11, &r.R12, &r.R13, &r.R14, &r.R15,
		&r.RDI, &r.RSI, &r.RBP, &r.RBX, &r.RDX, &r.RAX, &r.RCX, &r.RSP, &r.RIP, &r.EFLAGS} {
		*p = le.Uint64(sc[8*i:])
	}
	r.EFLAGS = r.EFLAGS&FIX_EFLAGS | X86_EFLAGS_IF | eflagsFixed
	r.CS, r.SS = USER_CS, USER_DS
	r.Err = le.Uint64(sc[152:])
	r.Trapno = le.Uint64(sc[160:])
	r.Oldmask = le.Uint64(sc[168:])
	r.CR2 = le.Uint64(sc[176:])
	st, _ := DecodeStack(b[ucStackOff:])
	return Sigreturn{
		Regs:    r,
		Mask:    Sigset(le.Uint64(b[ucSigmaskOff:])).Blockable(),
		FPState: le.Uint64(sc[184:]),
		Stack:   st,
		UCFlags: le.Uint64(b[ucOff:]),
	}, nil
}

// SanitizeFXSave makes a 512-byte FXSAVE image a program supplied safe
// for FXRSTOR, which raises #GP on reserved MXCSR bits (SDM 1,
// 10.5.1.1): it clears bits 16..31, as __fpu_restore_sig masks MXCSR
// with mxcsr_feature_mask (0xffff on every CPU with DAZ, which QEMU's
// have). EINVAL when fx is not 512 bytes.
func SanitizeFXSave(fx []byte) error {
	if len(fx) != SizeofFXSave {
		return EINVAL
	}
	m := binary.LittleEndian.Uint32(fx[fxMXCSR:])
	binary.LittleEndian.PutUint32(fx[fxMXCSR:], m&0xffff)
	return nil
}
