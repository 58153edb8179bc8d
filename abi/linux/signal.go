package linux

import (
	"encoding/binary"
	"strconv"
)

// Signals on x86-64: numbers and names (arch/x86/include/uapi/asm/signal.h),
// default actions (include/linux/signal.h, the sig_kernel_* sets), the
// 64-bit signal set, struct sigaction as rt_sigaction(2) takes it, stack_t
// for sigaltstack(2), siginfo_t (include/uapi/asm-generic/siginfo.h) and
// wait status words (include/uapi/linux/wait.h, kernel/exit.c).

// Signal is a signal number, 1..64.
type Signal int32

// Signal numbers.
const (
	SIGHUP    Signal = 1
	SIGINT    Signal = 2
	SIGQUIT   Signal = 3
	SIGILL    Signal = 4
	SIGTRAP   Signal = 5
	SIGABRT   Signal = 6 // also SIGIOT
	SIGBUS    Signal = 7
	SIGFPE    Signal = 8
	SIGKILL   Signal = 9
	SIGUSR1   Signal = 10
	SIGSEGV   Signal = 11
	SIGUSR2   Signal = 12
	SIGPIPE   Signal = 13
	SIGALRM   Signal = 14
	SIGTERM   Signal = 15
	SIGSTKFLT Signal = 16
	SIGCHLD   Signal = 17
	SIGCONT   Signal = 18
	SIGSTOP   Signal = 19
	SIGTSTP   Signal = 20
	SIGTTIN   Signal = 21
	SIGTTOU   Signal = 22
	SIGURG    Signal = 23
	SIGXCPU   Signal = 24
	SIGXFSZ   Signal = 25
	SIGVTALRM Signal = 26
	SIGPROF   Signal = 27
	SIGWINCH  Signal = 28
	SIGIO     Signal = 29 // also SIGPOLL
	SIGPWR    Signal = 30
	SIGSYS    Signal = 31
	SIGRTMIN  Signal = 32 // the kernel's; glibc keeps 32 and 33 for itself
	SIGRTMAX  Signal = 64 // _NSIG
)

var signalNames = [...]string{
	SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
	SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
	SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2",
	SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGSTKFLT: "SIGSTKFLT",
	SIGCHLD: "SIGCHLD", SIGCONT: "SIGCONT", SIGSTOP: "SIGSTOP", SIGTSTP: "SIGTSTP",
	SIGTTIN: "SIGTTIN", SIGTTOU: "SIGTTOU", SIGURG: "SIGURG", SIGXCPU: "SIGXCPU",
	SIGXFSZ: "SIGXFSZ", SIGVTALRM: "SIGVTALRM", SIGPROF: "SIGPROF", SIGWINCH: "SIGWINCH",
	SIGIO: "SIGIO", SIGPWR: "SIGPWR", SIGSYS: "SIGSYS",
}

// Valid reports whether s is a signal number, 1..64 (valid_signal).
func (s Signal) Valid() bool { return s >= 1 && s <= SIGRTMAX }

// String is s's name as strace(1) prints it: "SIGSEGV", "SIGRTMIN",
// "SIGRT_1".."SIGRT_32", or the number for one that is not a signal.
func (s Signal) String() string {
	switch {
	case s >= 1 && s < SIGRTMIN:
		return signalNames[s]
	case s == SIGRTMIN:
		return "SIGRTMIN"
	case s > SIGRTMIN && s <= SIGRTMAX:
		return "SIGRT_" + strconv.Itoa(int(s-SIGRTMIN))
	}
	return strconv.Itoa(int(s))
}

// Action is what a signal does to a process that neither catches nor
// ignores it.
type Action uint8

const (
	ActionTerm   Action = iota // terminate the process
	ActionCore                 // terminate it and dump core (sig_kernel_coredump)
	ActionIgnore               // nothing (sig_kernel_ignore)
	ActionStop                 // stop it (sig_kernel_stop)
	ActionCont                 // continue it if stopped, else nothing
)

func (a Action) String() string {
	switch a {
	case ActionTerm:
		return "term"
	case ActionCore:
		return "core"
	case ActionIgnore:
		return "ignore"
	case ActionStop:
		return "stop"
	case ActionCont:
		return "cont"
	}
	return "action " + strconv.Itoa(int(a))
}

// The sig_kernel_* sets of include/linux/signal.h, for signals below
// SIGRTMIN; a real-time signal terminates.
var (
	kernelCoredump = SigsetOf(SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGFPE, SIGSEGV, SIGBUS, SIGSYS, SIGXCPU, SIGXFSZ)
	kernelIgnore   = SigsetOf(SIGCONT, SIGCHLD, SIGWINCH, SIGURG)
	kernelStop     = SigsetOf(SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU)
	kernelOnly     = SigsetOf(SIGKILL, SIGSTOP)
)

// DefaultAction is what SIG_DFL does for s. SIGCONT is in Linux's ignore
// set, and continues a stopped process when it is sent, whatever its
// disposition (prepare_signal): ActionCont says both.
func DefaultAction(s Signal) Action {
	switch {
	case s == SIGCONT:
		return ActionCont
	case kernelCoredump.Has(s):
		return ActionCore
	case kernelIgnore.Has(s):
		return ActionIgnore
	case kernelStop.Has(s):
		return ActionStop
	}
	return ActionTerm
}

// Sigset is a set of signals, signal s in bit s-1: the kernel's
// sigset_t on x86-64 (_NSIG 64, one unsigned long).
type Sigset uint64

// SizeofSigset is the only sigsetsize rt_sigprocmask, rt_sigaction and
// rt_sigsuspend accept.
const SizeofSigset = 8

// SigsetOf is the set of the given signals; invalid numbers are left out.
func SigsetOf(sigs ...Signal) Sigset {
	var s Sigset
	for _, sig := range sigs {
		s = s.Add(sig)
	}
	return s
}

// Has reports whether sig is in s.
func (s Sigset) Has(sig Signal) bool { return sig.Valid() && s&(1<<(sig-1)) != 0 }

// Add is s with sig (s itself for an invalid sig).
func (s Sigset) Add(sig Signal) Sigset {
	if !sig.Valid() {
		return s
	}
	return s | 1<<(sig-1)
}

// Del is s without sig.
func (s Sigset) Del(sig Signal) Sigset {
	if !sig.Valid() {
		return s
	}
	return s &^ (1 << (sig - 1))
}

// Blockable is s without SIGKILL and SIGSTOP, which no mask may hold
// (sigdelsetmask in sys_rt_sigprocmask, do_sigaction, set_current_blocked).
func (s Sigset) Blockable() Sigset { return s &^ kernelOnly }

// Append appends s's 8 bytes.
func (s Sigset) Append(b []byte) []byte { return binary.LittleEndian.AppendUint64(b, uint64(s)) }

// How rt_sigprocmask changes the mask.
const (
	SIG_BLOCK   = 0
	SIG_UNBLOCK = 1
	SIG_SETMASK = 2
)

// CheckSigsetSize is the sigsetsize argument of the rt_sig* calls:
// EINVAL unless it is 8 (sizeof(sigset_t)).
func CheckSigsetSize(size uint64) error {
	if size != SizeofSigset {
		return EINVAL
	}
	return nil
}

// DecodeSigset reads a sigset_t a program passed: EFAULT when b is
// shorter than 8 bytes. Every bit is a valid signal.
func DecodeSigset(b []byte) (Sigset, error) {
	if len(b) < SizeofSigset {
		return 0, EFAULT
	}
	return Sigset(binary.LittleEndian.Uint64(b)), nil
}

// Sigprocmask is the blocked set after rt_sigprocmask(how, set) on
// blocked, as sigprocmask in kernel/signal.c: how is an int (upper half
// ignored), anything but SIG_BLOCK, SIG_UNBLOCK and SIG_SETMASK is
// EINVAL, and SIGKILL and SIGSTOP are never blocked.
func Sigprocmask(blocked Sigset, how uint64, set Sigset) (Sigset, error) {
	switch uint32(how) {
	case SIG_BLOCK:
		blocked |= set
	case SIG_UNBLOCK:
		blocked &^= set
	case SIG_SETMASK:
		blocked = set
	default:
		return 0, EINVAL
	}
	return blocked.Blockable(), nil
}

// Signal dispositions: a handler address, or one of these.
const (
	SIG_DFL = 0
	SIG_IGN = 1
)

// sa_flags (arch/x86/include/uapi/asm/signal.h, asm-generic/signal-defs.h).
const (
	SA_NOCLDSTOP      = 0x00000001
	SA_NOCLDWAIT      = 0x00000002
	SA_SIGINFO        = 0x00000004
	SA_UNSUPPORTED    = 0x00000400 // never supported: a program probes for flag-bit clearing with it
	SA_EXPOSE_TAGBITS = 0x00000800
	SA_RESTORER       = 0x04000000 // x86: sa_restorer holds the return trampoline
	SA_ONSTACK        = 0x08000000
	SA_RESTART        = 0x10000000
	SA_NODEFER        = 0x40000000
	SA_RESETHAND      = 0x80000000

	// UAPI_SA_FLAGS is every flag Linux keeps; do_sigaction clears the
	// others, so that a program can tell which it has.
	UAPI_SA_FLAGS = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART |
		SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS | SA_RESTORER
)

// SizeofSigaction is the size of the kernel's struct sigaction on x86-64.
const SizeofSigaction = 32

// Sigaction is the kernel's struct sigaction as rt_sigaction(2) takes it
// on x86-64 (not glibc's, whose mask is 128 bytes and whose fields are
// in another order):
//
//	 0 sa_handler   handler address, SIG_DFL or SIG_IGN
//	 8 sa_flags     unsigned long
//	16 sa_restorer  where the handler returns: a trampoline calling rt_sigreturn
//	24 sa_mask      signals blocked while the handler runs, besides the signal
type Sigaction struct {
	Handler, Flags, Restorer uint64
	Mask                     Sigset
}

// Append appends a's 32 bytes.
func (a *Sigaction) Append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, a.Handler)
	b = binary.LittleEndian.AppendUint64(b, a.Flags)
	b = binary.LittleEndian.AppendUint64(b, a.Restorer)
	return a.Mask.Append(b)
}

// DecodeSigaction reads the new action of rt_sigaction(sig, act, oact,
// sigsetsize), checked as the system call and do_sigaction:
//   - sigsetsize other than 8: EINVAL;
//   - sig not 1..64 (an int: the upper half is ignored), or SIGKILL or
//     SIGSTOP: EINVAL;
//   - b shorter than 32 bytes: EFAULT;
//   - flags outside UAPI_SA_FLAGS are cleared, SIGKILL and SIGSTOP
//     taken out of the mask.
//
// A rt_sigaction without act (only reading the old one) checks only
// sig, with CheckSignal and CheckSigsetSize.
func DecodeSigaction(b []byte, sig, sigsetsize uint64) (Signal, Sigaction, error) {
	if err := CheckSigsetSize(sigsetsize); err != nil {
		return 0, Sigaction{}, err
	}
	s, err := CheckSignal(sig)
	if err != nil {
		return 0, Sigaction{}, err
	}
	if kernelOnly.Has(s) {
		return 0, Sigaction{}, EINVAL
	}
	if len(b) < SizeofSigaction {
		return 0, Sigaction{}, EFAULT
	}
	le := binary.LittleEndian
	return s, Sigaction{
		Handler:  le.Uint64(b),
		Flags:    le.Uint64(b[8:]) & UAPI_SA_FLAGS,
		Restorer: le.Uint64(b[16:]),
		Mask:     Sigset(le.Uint64(b[24:])).Blockable(),
	}, nil
}

// CheckSignal is a signal argument (an int) checked as valid_signal:
// EINVAL unless 1..64. kill(2)'s 0, which checks only the target, is
// the caller's to allow first.
func CheckSignal(sig uint64) (Signal, error) {
	s := Signal(int32(sig))
	if !s.Valid() {
		return 0, EINVAL
	}
	return s, nil
}

// HandlerMask is the blocked set while the handler of act for sig runs:
// blocked, act.Mask, and sig itself unless SA_NODEFER (signal_delivered).
// With SA_RESETHAND the caller also sets the disposition back to
// SIG_DFL.
func HandlerMask(blocked Sigset, sig Signal, act Sigaction) Sigset {
	blocked |= act.Mask
	if act.Flags&SA_NODEFER == 0 {
		blocked = blocked.Add(sig)
	}
	return blocked.Blockable()
}

// sigaltstack(2).
const (
	SS_ONSTACK    = 1
	SS_DISABLE    = 2
	SS_AUTODISARM = 1 << 31 // disable the stack while a handler runs on it (Linux 4.7)
	SS_FLAG_BITS  = SS_AUTODISARM

	MINSIGSTKSZ = 2048 // smallest stack sigaltstack(2) accepts
	SIGSTKSZ    = 8192

	SizeofStack = 24
)

// Stack is stack_t: an alternate signal stack of Size bytes from Sp.
// As a thread's setting (Linux's sas_ss_sp, sas_ss_size, sas_ss_flags)
// the zero Stack is "none"; Linux stores SS_DISABLE's too, with Sp and
// Size zero, and so does SetSigaltstack.
//
//	 0 ss_sp     void *
//	 8 ss_flags  int (and 4 bytes of padding)
//	16 ss_size   size_t
type Stack struct {
	Sp    uint64
	Flags uint32
	Size  uint64
}

// Append appends s's 24 bytes, padding zero.
func (s Stack) Append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, s.Sp)
	b = binary.LittleEndian.AppendUint32(b, s.Flags)
	b = binary.LittleEndian.AppendUint32(b, 0)
	return binary.LittleEndian.AppendUint64(b, s.Size)
}

// DecodeStack reads a stack_t: EFAULT when b is shorter than 24 bytes.
// The padding is ignored; what the fields mean is SetSigaltstack's.
func DecodeStack(b []byte) (Stack, error) {
	if len(b) < SizeofStack {
		return Stack{}, EFAULT
	}
	le := binary.LittleEndian
	return Stack{Sp: le.Uint64(b), Flags: le.Uint32(b[8:]), Size: le.Uint64(b[16:])}, nil
}

// onStack is __on_sig_stack: sp is in (Sp, Sp+Size], the stack growing
// down from its end.
func (s Stack) onStack(sp uint64) bool {
	return sp > s.Sp && sp-s.Sp <= s.Size
}

// OnStack is on_sig_stack: sp is on the thread's alternate stack s,
// except that with SS_AUTODISARM it never is (the stack was disarmed
// on entry to the handler, so the handler may install another).
func (s Stack) OnStack(sp uint64) bool {
	return s.Flags&SS_AUTODISARM == 0 && s.onStack(sp)
}

// Report is the stack_t sigaltstack(2) returns as the old setting when
// the thread's stack pointer is sp (do_sigaltstack's oss): SS_DISABLE
// when there is none, SS_ONSTACK when sp is on it, SS_AUTODISARM kept.
func (s Stack) Report(sp uint64) Stack {
	r := Stack{Sp: s.Sp, Size: s.Size, Flags: s.Flags & SS_FLAG_BITS}
	switch {
	case s.Size == 0:
		r.Flags |= SS_DISABLE
	case s.OnStack(sp):
		r.Flags |= SS_ONSTACK
	}
	return r
}

// SetSigaltstack is the thread's alternate stack after sigaltstack(ss)
// on cur with the stack pointer at sp, as do_sigaltstack:
//   - while running on cur (OnStack(sp)): EPERM;
//   - a mode (flags without SS_AUTODISARM) other than 0, SS_ONSTACK
//     (taken as 0) or SS_DISABLE: EINVAL;
//   - SS_DISABLE: no stack, Sp and Size cleared;
//   - otherwise a size below MINSIGSTKSZ: ENOMEM.
//
// rt_sigreturn applies uc_stack the same way and ignores the error
// (restore_altstack).
func SetSigaltstack(cur, ss Stack, sp uint64) (Stack, error) {
	if cur.OnStack(sp) {
		return cur, EPERM
	}
	mode := ss.Flags &^ SS_FLAG_BITS
	if mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE {
		return cur, EINVAL
	}
	if mode == SS_DISABLE {
		return Stack{Flags: ss.Flags}, nil
	}
	if ss.Size < MINSIGSTKSZ {
		return cur, ENOMEM
	}
	return ss, nil
}
