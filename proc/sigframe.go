package proc

import (
	"github.com/pagoda-os/pagoda/abi/linux"
	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// Signal frames: abi/linux lays out the rt_sigframe as Linux's
// x64_setup_rt_frame does and parses it back for rt_sigreturn; here the
// frame is filled from the thread's registers and copied to the user's
// stack, and the registers set for the handler (Linux's handle_signal).

// setupFrame enters sig's handler a: on failure (no restorer, a stack
// that cannot take the frame) the caller kills the process with SIGSEGV.
func (t *Table) setupFrame(p *Process, sig linux.Signal, a sigAction) error {
	var fi faultInfo
	if p.sig.faultSig == sig {
		fi, p.sig.fault, p.sig.faultSig = p.sig.fault, faultInfo{}, 0
	}
	info := linux.Siginfo{Signo: sig, Code: fi.code, Addr: fi.addr}
	if fi == (faultInfo{}) {
		info.Code = linux.SI_USER
	}
	r := p.regs
	regs := linux.Regs{
		R8: r.R8, R9: r.R9, R10: r.R10, R11: r.R11, R12: r.R12, R13: r.R13, R14: r.R14, R15: r.R15,
		RDI: r.RDI, RSI: r.RSI, RBP: r.RBP, RBX: r.RBX, RDX: r.RDX, RAX: r.RAX, RCX: r.RCX,
		RSP: r.RSP, RIP: r.RIP, EFLAGS: r.RFLAGS, CS: linux.USER_CS, SS: linux.USER_DS,
		Err: fi.err, Trapno: fi.trapno, CR2: fi.addr,
	}
	mask := p.sig.blocked
	if p.sig.restore { // the handler returns to rt_sigsuspend's caller's mask
		mask, p.sig.restore = p.sig.saved, false
	}
	fr, err := linux.BuildSigframe(regs, r.FPU.FXSAVE(), linux.Sigset(mask), info, a, p.sig.alt)
	if err != nil {
		return err
	}
	if e := t.mem(p).copyOut(fr.Addr, fr.Bytes); e != 0 {
		return e
	}
	h := fr.Regs
	fresh := arch.NewUserRegs() // the handler starts with a clean FPU (fpu__clear_user_states)
	fresh.R8, fresh.R9, fresh.R10, fresh.R11, fresh.R12, fresh.R13, fresh.R14, fresh.R15 = h.R8, h.R9, h.R10, h.R11, h.R12, h.R13, h.R14, h.R15
	fresh.RDI, fresh.RSI, fresh.RBP, fresh.RBX, fresh.RDX, fresh.RAX, fresh.RCX = h.RDI, h.RSI, h.RBP, h.RBX, h.RDX, h.RAX, h.RCX
	fresh.RSP, fresh.RIP, fresh.RFLAGS, fresh.FSBase = h.RSP, h.RIP, h.EFLAGS, r.FSBase
	p.regs = fresh
	p.sig.blocked = uint64(linux.HandlerMask(linux.Sigset(p.sig.blocked), sig, a))
	if a.Flags&linux.SA_RESETHAND != 0 {
		p.sig.actions[sig] = sigAction{}
	}
	if p.sig.alt.Flags&linux.SS_AUTODISARM != 0 {
		p.sig.alt = linux.Stack{}
	}
	return nil
}

// sysRtSigreturnFn is rt_sigreturn(): the frame at RSP-8 gives back the
// registers, FPU state, blocked set and alternate stack; a frame the
// program broke is SIGSEGV (Linux's badframe).
func sysRtSigreturnFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	u := t.mem(p)
	b := make([]byte, linux.SizeofRtSigframe)
	sr, err := linux.Sigreturn{}, error(nil)
	if e := u.copyIn(p.regs.RSP-8, b); e != 0 {
		err = e
	} else {
		sr, err = linux.ParseSigreturn(b)
	}
	fresh := arch.NewUserRegs()
	if err == nil && sr.FPState != 0 {
		fx := make([]byte, linux.SizeofFXSave)
		if e := u.copyIn(sr.FPState, fx); e != 0 {
			err = e
		} else if err = linux.SanitizeFXSave(fx); err == nil {
			copy(fresh.FPU.FXSAVE(), fx)
		}
	}
	if err != nil {
		t.report(p, linux.SIGSEGV, "rt_sigreturn: bad signal frame")
		t.terminate(p, linux.SIGSEGV)
		return 0, 0
	}
	g := sr.Regs
	fresh.R8, fresh.R9, fresh.R10, fresh.R11, fresh.R12, fresh.R13, fresh.R14, fresh.R15 = g.R8, g.R9, g.R10, g.R11, g.R12, g.R13, g.R14, g.R15
	fresh.RDI, fresh.RSI, fresh.RBP, fresh.RBX, fresh.RDX, fresh.RAX, fresh.RCX = g.RDI, g.RSI, g.RBP, g.RBX, g.RDX, g.RAX, g.RCX
	fresh.RSP, fresh.RIP, fresh.RFLAGS, fresh.FSBase = g.RSP, g.RIP, g.EFLAGS, p.regs.FSBase
	p.regs = fresh
	p.sig.blocked = uint64(sr.Mask)
	if alt, err := linux.SetSigaltstack(p.sig.alt, sr.Stack, g.RSP); err == nil {
		p.sig.alt = alt
	}
	return g.RAX, 0
}
