package proc

import (
	"fmt"
	"math/bits"

	"github.com/pagoda-os/pagoda/abi/linux"
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// Signals, as Linux's kernel/signal.c for one thread: a pending set, a
// blocked mask, an action per signal. A signal is delivered on the way
// back to ring 3 (deliverSignals, Linux's exit_to_user_mode_loop calling
// arch_do_signal_or_restart): the lowest pending unblocked one, by its
// action — the default (terminate, dump core as terminate, ignore), or a
// handler entered on a frame built on the user's stack (sigframe.go).
// Faults the program cannot go on from (a SIGSEGV whose handler is
// blocked or ignored) are forced to their default, as force_sig_fault.
//
// Missing: stop and continue (job control), real-time signal queueing
// (a pending real-time signal is one bit, as a standard one).

const nsig = 64

// sigAction is a signal's disposition: rt_sigaction's struct. Its
// Handler is SIG_DFL (0), SIG_IGN (1) or the handler's address.
type sigAction = linux.Sigaction

const (
	sigDFL = 0
	sigIGN = 1
)

// faultInfo is what a synchronous fault's siginfo says.
type faultInfo struct {
	code        int32
	addr        uint64
	err, trapno uint64 // the exception's error code and vector, for the sigcontext
}

type sigState struct {
	actions [nsig + 1]sigAction
	blocked uint64 // bit sig-1
	pending uint64
	// fault is the siginfo of the pending fault signal faultSig (a
	// program has one fault at a time: it stops at the faulting
	// instruction until the signal is delivered).
	fault    faultInfo
	faultSig linux.Signal
	// alt is sigaltstack's stack (Size 0: none).
	alt linux.Stack
	// saved is the mask rt_sigsuspend replaced, put back by the frame
	// of the handler that ends the wait or, without one, before the
	// return to ring 3 (Linux's saved_sigmask); restore says it is
	// there.
	saved   uint64
	restore bool
}

func sigBit(s linux.Signal) uint64 { return 1 << (uint(s) - 1) }

// unblockable are SIGKILL and SIGSTOP.
var unblockable = sigBit(linux.SIGKILL) | sigBit(linux.SIGSTOP)

// exec resets caught signals to their default (ignored ones stay
// ignored) and the alternate stack, as Linux's flush_signal_handlers.
func (s *sigState) exec() {
	for i := range s.actions {
		if s.actions[i].Handler != sigIGN {
			s.actions[i] = sigAction{}
		}
	}
	s.alt = linux.Stack{}
}

// fork: the child has the parent's actions, mask and alternate stack,
// and nothing pending.
func (s *sigState) fork() sigState {
	c := *s
	c.pending = 0
	return c
}

// signal makes sig pending for p (send_signal); a signal whose action is
// to ignore it is dropped at once, as Linux's sig_ignored, and so is one
// init has no handler for (init.go).
func (t *Table) signal(p *Process, sig linux.Signal) {
	if p.State == Zombie || sig == 0 || int(sig) > nsig {
		return
	}
	a := p.sig.actions[sig]
	if sig != linux.SIGKILL && (a.Handler == sigIGN || a.Handler == sigDFL && ignoredByDefault(sig)) || t.unkillable(p, sig) {
		return
	}
	p.sig.pending |= sigBit(sig)
	t.wake() // a sleeper returns EINTR
}

// Kill sends sig to process pid from the shell (kill(2) with SI_USER).
func (t *Table) Kill(pid int, sig linux.Signal) error {
	p := t.procs[pid]
	if p == nil || p.State == Zombie {
		return fmt.Errorf("no such process: %d (%w)", pid, linux.ESRCH)
	}
	if sig < 1 || int(sig) > nsig {
		return fmt.Errorf("bad signal %d (%w)", int(sig), linux.EINVAL)
	}
	t.signal(p, sig)
	return nil
}

// interrupted reports whether a signal is pending that a sleeping system
// call must return for (EINTR).
func (t *Table) interrupted(p *Process) bool {
	return p.sig.pending&^(p.sig.blocked&^unblockable) != 0 || p.exiting
}

// fault delivers a synchronous fault signal with its siginfo (Linux's
// force_sig_fault): a blocked or ignored one takes the default action.
func (t *Table) fault(p *Process, sig linux.Signal, code int32, e arch.Exit, r vm.Result) {
	a := &p.sig.actions[sig]
	if p.sig.blocked&sigBit(sig) != 0 || a.Handler == sigIGN {
		p.sig.blocked &^= sigBit(sig)
		*a = sigAction{}
	}
	addr := uint64(0)
	if e.Vector == arch.VectorPageFault {
		addr = e.CR2
	}
	p.sig.fault, p.sig.faultSig = faultInfo{code: code, addr: addr, err: e.Error, trapno: uint64(e.Vector)}, sig
	if a.Handler == sigDFL {
		t.report(p, sig, t.describeFault(p, e, r))
		t.terminate(p, sig)
		return
	}
	p.sig.pending |= sigBit(sig)
}

// describeFault says what the fault was and what was there.
func (t *Table) describeFault(p *Process, e arch.Exit, r vm.Result) string {
	if e.Vector != arch.VectorPageFault {
		return fmt.Sprintf("%v at rip %#x", e, p.regs.RIP)
	}
	access := "read"
	switch {
	case e.Error&arch.PFFetch != 0:
		access = "exec"
	case e.Error&arch.PFWrite != 0:
		access = "write"
	}
	what := "no mapping there"
	if p.AS != nil {
		for _, v := range p.AS.VMAs() {
			if mm.VirtAddr(e.CR2) >= v.Start && mm.VirtAddr(e.CR2) < v.End {
				what = fmt.Sprintf("in %v", &v)
				break
			}
		}
	}
	return fmt.Sprintf("%s of %#x at rip %#x: %v (%s)", access, e.CR2, p.regs.RIP, r, what)
}

// report prints the one line a process killed by a signal leaves.
func (t *Table) report(p *Process, sig linux.Signal, msg string) {
	if t.Console != nil {
		fmt.Fprintf(t.Console, "pagoda: pid %d (%s) killed by %v: %s\n", p.PID, p.Name, sig, msg)
	}
}

// deliverSignals acts on p's pending unblocked signals before it returns
// to ring 3: the default action now, or one handler's frame (the others
// wait for its return, as Linux delivers one per return).
func (t *Table) deliverSignals(p *Process) {
	for {
		ready := p.sig.pending &^ (p.sig.blocked &^ unblockable)
		if ready == 0 || p.exiting {
			if p.sig.restore {
				p.sig.blocked, p.sig.restore = p.sig.saved, false
			}
			return
		}
		sig := linux.Signal(bits.TrailingZeros64(ready) + 1)
		p.sig.pending &^= sigBit(sig)
		a := p.sig.actions[sig]
		switch {
		case sig == linux.SIGKILL || a.Handler == sigDFL:
			if sig != linux.SIGKILL && ignoredByDefault(sig) {
				continue
			}
			if sig == linux.SIGSTOP || sig == linux.SIGTSTP || sig == linux.SIGTTIN || sig == linux.SIGTTOU || sig == linux.SIGCONT {
				continue // no job control yet
			}
			t.terminate(p, sig)
			return
		case a.Handler == sigIGN:
			continue
		}
		if err := t.setupFrame(p, sig, a); err != nil {
			// Linux's force_sigsegv when the frame cannot be written.
			t.report(p, linux.SIGSEGV, fmt.Sprintf("cannot deliver %v: %v", sig, err))
			t.terminate(p, linux.SIGSEGV)
		}
		return
	}
}

// ignoredByDefault: the default action is to do nothing (SIGCONT too,
// for a process that is not stopped, as all of them are).
func ignoredByDefault(sig linux.Signal) bool {
	a := linux.DefaultAction(sig)
	return a == linux.ActionIgnore || a == linux.ActionCont
}
