package proc

import "github.com/pagoda-os/pagoda/abi/linux"

// prctl(option, arg2, ...), the options the C libraries and busybox
// use (kernel/sys.c): the name (comm), and the parent-death signal and
// dumpable flag, which are kept only to be read back. Any other option
// is EINVAL, as Linux says for one it does not know.

const (
	prSetPdeathsig = 1
	prGetPdeathsig = 2
	prGetDumpable  = 3
	prSetDumpable  = 4
	prSetName      = 15
	prGetName      = 16
	// taskCommLen is TASK_COMM_LEN: 15 bytes and the NUL.
	taskCommLen = 16
)

func init() {
	register(sysPrctl, sysPrctlFn)
}

func sysPrctlFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	u := t.mem(p)
	switch a[0] {
	case prSetName:
		// strncpy_from_user of TASK_COMM_LEN-1 bytes: a longer name is
		// cut, not refused.
		b := make([]byte, taskCommLen-1)
		n := 0
		for ; n < len(b); n++ {
			if e := u.copyIn(a[1]+uint64(n), b[n:n+1]); e != 0 {
				return 0, e
			}
			if b[n] == 0 {
				break
			}
		}
		p.Name = string(b[:n])
		return 0, 0
	case prGetName:
		b := make([]byte, taskCommLen)
		copy(b, p.Name)
		return 0, u.copyOut(a[1], b)
	case prSetPdeathsig:
		if a[1] > nsig {
			return 0, linux.EINVAL
		}
		return 0, 0
	case prGetPdeathsig:
		return 0, u.store32(a[1], 0)
	case prGetDumpable:
		return 1, 0
	case prSetDumpable:
		if a[1] > 1 {
			return 0, linux.EINVAL
		}
		return 0, 0
	}
	return 0, linux.EINVAL
}
