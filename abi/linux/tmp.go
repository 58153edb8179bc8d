package linux

// TEMPORARY: replaced by signal.go (branch abisys) at merge.

type Signal uint8

const (
	SIGHUP Signal = iota + 1
	SIGINT
	SIGQUIT
	SIGILL
	SIGTRAP
	SIGABRT
	SIGBUS
	SIGFPE
	SIGKILL
	SIGUSR1
	SIGSEGV
	SIGUSR2
	SIGPIPE
	SIGALRM
	SIGTERM
	SIGSTKFLT
	SIGCHLD
	SIGCONT
	SIGSTOP
	SIGTSTP
	SIGTTIN
	SIGTTOU
	SIGURG
	SIGXCPU
	SIGXFSZ
	SIGVTALRM
	SIGPROF
	SIGWINCH
	SIGIO
	SIGPWR
	SIGSYS
)

const (
	SEGV_MAPERR = 1
	SEGV_ACCERR = 2
	BUS_ADRALN  = 1
	BUS_ADRERR  = 2
	BUS_OBJERR  = 3
	ILL_ILLOPN  = 2
	FPE_INTDIV  = 1
	SI_USER     = 0
	SI_KERNEL   = 0x80
)

var sigNames = [...]string{"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"}

func (s Signal) String() string {
	if int(s) < len(sigNames) && s != 0 {
		return sigNames[s]
	}
	return "SIG" + itoa(int(s))
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// Core reports whether the default action dumps core.
func (s Signal) Core() bool {
	switch s {
	case SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS:
		return true
	}
	return false
}

// Ignored reports whether the default action ignores it.
func (s Signal) Ignored() bool {
	switch s {
	case SIGCHLD, SIGCONT, SIGURG, SIGWINCH:
		return true
	}
	return false
}

const (
	O_RDONLY    = 0
	O_WRONLY    = 1
	O_RDWR      = 2
	O_ACCMODE   = 3
	O_CREAT     = 0o100
	O_EXCL      = 0o200
	O_TRUNC     = 0o1000
	O_APPEND    = 0o2000
	O_NONBLOCK  = 0o4000
	O_DIRECTORY = 0o200000
	O_CLOEXEC   = 0o2000000
)

func FormatCall(nr uint64, args [6]uint64, ret int64, str func(uint64) (string, bool)) string {
	return "syscall_" + itoa(int(nr)) + "(...) = " + itoa(int(ret))
}
