package proc

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/pagoda-os/pagoda/abi/linux"
)

// System calls, by Linux's x86-64 numbers (arch/x86/entry/syscalls/
// syscall_64.tbl). A call arrives as SYSCALL left it: the number in RAX,
// the arguments in RDI, RSI, RDX, R10, R8, R9; the result goes back in
// RAX, an error as -errno (Linux's do_syscall_64). Every argument is
// checked before use: a pointer through userMemory (EFAULT), a number
// against its range (EINVAL), a descriptor against the table (EBADF).

// sysFunc serves one system call: its result, or an errno.
type sysFunc func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno)

// maxSyscall bounds the system call numbers (Linux's x86-64 table ends
// below 512; x32's numbers, with bit 30, are ENOSYS as on a kernel
// without CONFIG_X86_X32_ABI).
const maxSyscall = 512

// sysTable is every system call Pagoda serves, by number: an array, so
// that dispatch is one bounds check and one load (Linux's sys_call_table).
var sysTable [maxSyscall]sysFunc

func register(nr uint64, fn sysFunc) { sysTable[nr] = fn }

// syscall serves the system call p made.
func (t *Table) syscall(p *Process) {
	r := p.regs
	nr := r.RAX
	// The arguments are read where SYSCALL left them, in the saved
	// registers (a view, no copy); strace keeps a copy, since execve
	// and rt_sigreturn replace the registers.
	a := r.SyscallArgs()
	if t.Strace {
		p.traced = *a
	}
	var fn sysFunc
	if nr < maxSyscall {
		fn = sysTable[nr]
	}
	var ret uint64
	var errno linux.Errno
	if fn == nil {
		t.Unknown[nr]++
		errno = linux.ENOSYS
	} else {
		ret, errno = fn(t, p, a)
	}
	if errno != 0 {
		ret = uint64(-int64(errno))
	}
	if t.Strace {
		t.trace(p, nr, p.traced, ret)
	}
	// Into the registers the call leaves: rt_sigreturn's restored ones
	// (its result is their RAX), execve's new program's (0, as Linux's
	// start_thread leaves it), an exiting process's (unused).
	p.regs.RAX = ret
}

// trace prints one strace line for a call.
func (t *Table) trace(p *Process, nr uint64, a [6]uint64, ret uint64) {
	if t.Console == nil {
		return
	}
	str := func(addr uint64) (string, bool) {
		if p.AS == nil {
			return "", false
		}
		s, e := t.mem(p).copyInString(addr, 4096)
		return s, e == 0
	}
	fmt.Fprintf(t.Console, "[pid %d] %s\n", p.PID, linux.FormatCall(nr, a, int64(ret), str))
}

// UnknownCall is how often an unimplemented system call was made.
type UnknownCall struct {
	Nr    uint64
	Name  string // Linux's name, or "" for a number Linux has none for
	Count uint64
}

// UnknownCalls lists the unimplemented system calls programs made, by
// number.
func (t *Table) UnknownCalls() []UnknownCall {
	var out []UnknownCall
	for nr, n := range t.Unknown {
		out = append(out, UnknownCall{Nr: nr, Name: linux.SyscallName(nr), Count: n})
	}
	slices.SortFunc(out, func(a, b UnknownCall) int { return cmp.Compare(a.Nr, b.Nr) })
	return out
}
