package linux

import "encoding/binary"

// siginfo_t on x86-64 (include/uapi/asm-generic/siginfo.h): 128 bytes,
// three ints, 4 bytes of padding (the union holds pointers), then a
// union whose member the signal and si_code select (siginfo_layout,
// kernel/signal.c):
//
//	 0 si_signo  int
//	 4 si_errno  int
//	 8 si_code   int
//	16 kill:  si_pid int, si_uid uint (at 20)
//	   rt:    si_pid, si_uid, si_value (at 24, union sigval: 8 bytes)
//	   timer: si_tid int, si_overrun int (at 20), si_value (at 24)
//	   chld:  si_pid, si_uid, si_status int (at 24), si_utime, si_stime (long, at 32 and 40)
//	   fault: si_addr (void *)
//	   poll:  si_band long, si_fd int (at 24)
//	   sys:   si_call_addr (void *), si_syscall int (at 24), si_arch uint (at 28)
//
// The rest is zero, as the kernel's clear_siginfo leaves it.
const SizeofSiginfo = 128

// si_code values: who sent the signal (<= 0: a process; > 0: the
// kernel), and for a kernel signal why.
const (
	SI_USER     = 0    // kill(2)
	SI_KERNEL   = 0x80 // the kernel, no more said
	SI_QUEUE    = -1   // sigqueue(3)
	SI_TIMER    = -2   // a POSIX timer expired
	SI_MESGQ    = -3
	SI_ASYNCIO  = -4
	SI_SIGIO    = -5
	SI_TKILL    = -6 // tkill(2), tgkill(2)
	SI_DETHREAD = -7
	SI_ASYNCNL  = -60

	ILL_ILLOPC = 1 // illegal opcode (#UD)
	ILL_ILLOPN = 2
	ILL_ILLADR = 3
	ILL_ILLTRP = 4
	ILL_PRVOPC = 5 // privileged opcode
	ILL_PRVREG = 6
	ILL_COPROC = 7
	ILL_BADSTK = 8

	FPE_INTDIV = 1 // integer divide by zero (#DE)
	FPE_INTOVF = 2
	FPE_FLTDIV = 3
	FPE_FLTOVF = 4
	FPE_FLTUND = 5
	FPE_FLTRES = 6
	FPE_FLTINV = 7
	FPE_FLTSUB = 8

	SEGV_MAPERR = 1 // no mapping at the address
	SEGV_ACCERR = 2 // a mapping without the access's permission
	SEGV_BNDERR = 3
	SEGV_PKUERR = 4

	BUS_ADRALN    = 1 // misaligned address
	BUS_ADRERR    = 2 // no such physical address: a mapping past its file's end
	BUS_OBJERR    = 3 // hardware error on the object
	BUS_MCEERR_AR = 4
	BUS_MCEERR_AO = 5

	TRAP_BRKPT  = 1
	TRAP_TRACE  = 2
	TRAP_BRANCH = 3
	TRAP_HWBKPT = 4
	TRAP_UNK    = 5

	CLD_EXITED    = 1 // the child called exit
	CLD_KILLED    = 2 // a signal killed it
	CLD_DUMPED    = 3 // a signal killed it, and it dumped core
	CLD_TRAPPED   = 4
	CLD_STOPPED   = 5
	CLD_CONTINUED = 6

	POLL_IN  = 1
	POLL_OUT = 2
	POLL_MSG = 3
	POLL_ERR = 4
	POLL_PRI = 5
	POLL_HUP = 6

	// SIGSYS's codes, Linux's SYS_SECCOMP and SYS_USER_DISPATCH: here
	// SYS_SECCOMP is the system call's number.
	SIGSYS_SECCOMP       = 1
	SIGSYS_USER_DISPATCH = 2
)

// SiginfoLayout is which union member a siginfo_t holds.
type SiginfoLayout uint8

const (
	LayoutKill SiginfoLayout = iota
	LayoutTimer
	LayoutPoll
	LayoutFault
	LayoutChld
	LayoutRT
	LayoutSys
)

// siginfoFilter is siginfo_layout's table: for a kernel-sent signal
// below SIGRTMIN, the largest si_code with its own layout (NSIGILL,
// NSIGFPE... as Linux 6.x defines them).
var siginfoFilter = [...]struct {
	limit  int32
	layout SiginfoLayout
}{
	SIGILL:  {11, LayoutFault},
	SIGFPE:  {15, LayoutFault},
	SIGSEGV: {10, LayoutFault},
	SIGBUS:  {5, LayoutFault},
	SIGTRAP: {6, LayoutFault},
	SIGCHLD: {6, LayoutChld},
	SIGIO:   {6, LayoutPoll},
	SIGSYS:  {2, LayoutSys},
}

// Layout is siginfo_layout(sig, code): the union member Linux copies
// for signal sig with si_code code.
func Layout(sig Signal, code int32) SiginfoLayout {
	if code > SI_USER && code < SI_KERNEL {
		if sig >= 0 && int(sig) < len(siginfoFilter) && siginfoFilter[sig].limit != 0 && code <= siginfoFilter[sig].limit {
			return siginfoFilter[sig].layout
		}
		if code <= 6 { // NSIGPOLL
			return LayoutPoll
		}
		return LayoutKill
	}
	switch {
	case code == SI_TIMER:
		return LayoutTimer
	case code == SI_SIGIO:
		return LayoutPoll
	case code < 0:
		return LayoutRT
	}
	return LayoutKill
}

// Siginfo is the fields of siginfo_t Pagoda fills. Which are written
// depends on Layout(Signo, Code); the others are ignored.
type Siginfo struct {
	Signo Signal
	Errno int32
	Code  int32

	Pid int32  // kill, rt, chld: the sender, or the child
	UID uint32 // kill, rt, chld: its real uid

	Status       int32 // chld: exit code or signal (WaitStatus.ChildStatus)
	Utime, Stime int64 // chld: the child's CPU time, in clock ticks

	Addr uint64 // fault: the faulting address (CR2 for #PF); sys: the call's address

	Value uint64 // rt, timer: the sigval; poll: si_band

	TimerID, Overrun int32  // timer
	Fd               int32  // poll
	Syscall          int32  // sys
	Arch             uint32 // sys: AUDIT_ARCH_X86_64
}

// Append appends the 128 bytes of i.
func (i *Siginfo) Append(b []byte) []byte {
	var s [SizeofSiginfo]byte
	le := binary.LittleEndian
	le.PutUint32(s[0:], uint32(i.Signo))
	le.PutUint32(s[4:], uint32(i.Errno))
	le.PutUint32(s[8:], uint32(i.Code))
	switch Layout(i.Signo, i.Code) {
	case LayoutKill:
		le.PutUint32(s[16:], uint32(i.Pid))
		le.PutUint32(s[20:], i.UID)
	case LayoutRT:
		le.PutUint32(s[16:], uint32(i.Pid))
		le.PutUint32(s[20:], i.UID)
		le.PutUint64(s[24:], i.Value)
	case LayoutTimer:
		le.PutUint32(s[16:], uint32(i.TimerID))
		le.PutUint32(s[20:], uint32(i.Overrun))
		le.PutUint64(s[24:], i.Value)
	case LayoutChld:
		le.PutUint32(s[16:], uint32(i.Pid))
		le.PutUint32(s[20:], i.UID)
		le.PutUint32(s[24:], uint32(i.Status))
		le.PutUint64(s[32:], uint64(i.Utime))
		le.PutUint64(s[40:], uint64(i.Stime))
	case LayoutFault:
		le.PutUint64(s[16:], i.Addr)
	case LayoutPoll:
		le.PutUint64(s[16:], i.Value)
		le.PutUint32(s[24:], uint32(i.Fd))
	case LayoutSys:
		le.PutUint64(s[16:], i.Addr)
		le.PutUint32(s[24:], uint32(i.Syscall))
		le.PutUint32(s[28:], i.Arch)
	}
	return append(b, s[:]...)
}
