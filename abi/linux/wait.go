package linux

import "strconv"

// wait4(2)'s status word and options (include/uapi/linux/wait.h; the
// encodings of kernel/exit.c, which glibc's W* macros in
// bits/waitstatus.h take apart).

// wait4 and waitid options.
const (
	WNOHANG     = 0x00000001
	WUNTRACED   = 0x00000002 // wait4: also stopped children
	WSTOPPED    = WUNTRACED  // waitid's name
	WEXITED     = 0x00000004 // waitid only
	WCONTINUED  = 0x00000008
	WNOWAIT     = 0x01000000 // waitid only
	WNOTHREAD   = 0x20000000 // __WNOTHREAD
	WALL        = 0x40000000 // __WALL
	WCLONE      = 0x80000000 // __WCLONE
	wait4Option = WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WCLONE | WALL
)

// CheckWait4Options is wait4's options, an int, checked as kernel_wait4:
// EINVAL for any bit but WNOHANG, WUNTRACED, WCONTINUED, __WNOTHREAD,
// __WCLONE and __WALL.
func CheckWait4Options(options uint64) (uint32, error) {
	o := uint32(options)
	if o&^wait4Option != 0 {
		return 0, EINVAL
	}
	return o, nil
}

// WaitStatus is the status word wait4 stores (exit_code in kernel/exit.c).
type WaitStatus uint32

// WaitExited is the status of a process that called exit(code): the low
// 8 bits of code, shifted (do_exit's (code & 0xff) << 8).
func WaitExited(code int) WaitStatus { return WaitStatus(code&0xff) << 8 }

// WaitSignaled is the status of a process killed by sig, with the core
// dump bit 0x80 if it dumped core.
func WaitSignaled(sig Signal, core bool) WaitStatus {
	s := WaitStatus(sig & 0x7f)
	if core {
		s |= 0x80
	}
	return s
}

// WaitStopped is the status of a process stopped by sig (WUNTRACED).
func WaitStopped(sig Signal) WaitStatus { return WaitStatus(sig&0xff)<<8 | 0x7f }

// WaitContinued is the status of a stopped process that SIGCONT
// continued (WCONTINUED).
const WaitContinued WaitStatus = 0xffff

// Exited reports whether the process exited (WIFEXITED).
func (w WaitStatus) Exited() bool { return w&0x7f == 0 }

// ExitStatus is exit's code (WEXITSTATUS).
func (w WaitStatus) ExitStatus() int { return int(w>>8) & 0xff }

// Signaled reports whether a signal killed the process (WIFSIGNALED).
func (w WaitStatus) Signaled() bool { return w&0x7f != 0 && w&0x7f != 0x7f }

// Signal is the signal that killed the process (WTERMSIG).
func (w WaitStatus) Signal() Signal { return Signal(w & 0x7f) }

// CoreDump reports whether it dumped core (WCOREDUMP).
func (w WaitStatus) CoreDump() bool { return w.Signaled() && w&0x80 != 0 }

// Stopped reports whether the process is stopped (WIFSTOPPED).
func (w WaitStatus) Stopped() bool { return w&0xff == 0x7f }

// StopSignal is the signal that stopped it (WSTOPSIG).
func (w WaitStatus) StopSignal() Signal { return Signal(w>>8) & 0xff }

// Continued reports whether it was continued (WIFCONTINUED).
func (w WaitStatus) Continued() bool { return w == WaitContinued }

// ChildStatus is the si_code and si_status of the SIGCHLD a parent gets
// when its child ends with status w, as do_notify_parent: CLD_DUMPED or
// CLD_KILLED with the signal, or CLD_EXITED with the exit code.
func (w WaitStatus) ChildStatus() (code, status int32) {
	switch {
	case w&0x80 != 0:
		return CLD_DUMPED, int32(w & 0x7f)
	case w&0x7f != 0:
		return CLD_KILLED, int32(w & 0x7f)
	}
	return CLD_EXITED, int32(w >> 8)
}

// String is w as a shell reports it: "exited 1", "killed by SIGSEGV
// (core dumped)", "stopped by SIGTSTP", "continued".
func (w WaitStatus) String() string {
	switch {
	case w.Continued():
		return "continued"
	case w.Exited():
		return "exited " + strconv.Itoa(w.ExitStatus())
	case w.Stopped():
		return "stopped by " + w.StopSignal().String()
	case w.CoreDump():
		return "killed by " + w.Signal().String() + " (core dumped)"
	}
	return "killed by " + w.Signal().String()
}
