//go:build !tamago

package proc

import (
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
)

// rt_sigsuspend sleeps with its mask until a signal comes, returns
// EINTR, and the handler's frame saves the caller's own mask, which
// rt_sigreturn puts back; a wait ended by a signal with no handler
// puts the mask back before the return to ring 3.
func TestRtSigsuspend(t *testing.T) {
	e := newProcEnv(t, 0x99_0000_0000)
	stack := e.mmap(16*mm.PageSize, protRW, privateAnon)
	set := e.mmap(mm.PageSize, protRW, privateAnon)
	u := e.tab.mem(e.p)
	act := linux.Sigaction{Handler: 0x40_1000, Flags: linux.SA_RESTORER, Restorer: 0x40_2000}
	u.copyOut(set, act.Append(nil))
	e.call(sysRtSigaction, uint64(linux.SIGCHLD), set, 0, 8)
	e.p.sig.blocked = sigBit(linux.SIGCHLD)
	e.p.regs.RSP = stack + 16*mm.PageSize - 64
	u.store64(set, 0)
	res := e.inBackground(e.p, sysRtSigsuspend, set, 8)
	if e.p.sig.blocked != 0 {
		t.Errorf("mask while suspended %#x, want 0", e.p.sig.blocked)
	}
	e.tab.signal(e.p, linux.SIGCHLD)
	if got := e.wait(res); got != errno(linux.EINTR) {
		t.Fatalf("rt_sigsuspend = %d, want EINTR", got)
	}
	e.tab.deliverSignals(e.p)
	if e.p.regs.RIP != 0x40_1000 {
		t.Fatalf("handler not entered: rip %#x", e.p.regs.RIP)
	}
	e.p.regs.RSP += 8 // the handler returned to the restorer
	e.call(sysRtSigreturn)
	if e.p.sig.blocked != sigBit(linux.SIGCHLD) {
		t.Errorf("mask after the handler %#x, want SIGCHLD's bit (the caller's)", e.p.sig.blocked)
	}

	// A wait that ends with no handler to run (the process is being
	// killed) puts the old mask back all the same.
	e.p.sig.blocked = sigBit(linux.SIGUSR1)
	res = e.inBackground(e.p, sysRtSigsuspend, set, 8)
	e.p.exiting = true // as a SIGKILL would: the wait ends, no handler runs
	e.tab.cond.Broadcast()
	e.wait(res)
	e.tab.deliverSignals(e.p)
	if e.p.sig.blocked != sigBit(linux.SIGUSR1) || e.p.sig.restore {
		t.Errorf("mask after a wait no handler ended %#x (restore %v)", e.p.sig.blocked, e.p.sig.restore)
	}
}
