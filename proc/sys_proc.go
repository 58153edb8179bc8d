package proc

import (
	"io"
	"path"
	"runtime"
	"time"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
)

var errEOF = io.EOF

func mmVA(v uint64) mm.VirtAddr { return mm.VirtAddr(v) }

// The process system calls: life and death, identity, signals, the
// start-up calls of the C libraries, the clock.

func init() {
	register(sysExit, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		t.exitWith(p, int(a[0]))
		return 0, 0
	})
	register(sysExitGroup, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		t.exitWith(p, int(a[0]))
		return 0, 0
	})
	register(sysGetpid, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) { return uint64(p.PID), 0 })
	register(sysGettid, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) { return uint64(p.PID), 0 })
	register(sysGetppid, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) { return uint64(p.PPID), 0 })
	for _, nr := range []uint64{sysGetuid, sysGeteuid, sysGetgid, sysGetegid} {
		register(nr, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) { return 0, 0 })
	}
	register(sysFork, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		pid, e := t.fork(p, false)
		return uint64(pid), e
	})
	register(sysVfork, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		pid, e := t.fork(p, true)
		return uint64(pid), e
	})
	register(sysClone, sysCloneFn)
	register(sysExecve, sysExecveFn)
	register(sysWait4, sysWait4Fn)
	register(sysKill, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.kill(p, int32(a[0]), a[1])
	})
	register(sysTkill, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if int32(a[0]) <= 0 {
			return 0, linux.EINVAL
		}
		return t.kill(p, int32(a[0]), a[1])
	})
	register(sysTgkill, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if int32(a[0]) <= 0 || int32(a[1]) <= 0 {
			return 0, linux.EINVAL
		}
		return t.kill(p, int32(a[1]), a[2])
	})
	register(sysArchPrctl, sysArchPrctlFn)
	register(sysSetTidAddress, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		p.clearTID = a[0]
		return uint64(p.PID), 0
	})
	register(sysSetRobustList, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if a[1] != 24 { // sizeof(struct robust_list_head)
			return 0, linux.EINVAL
		}
		return 0, 0
	})
	register(sysPrlimit64, sysPrlimitFn)
	register(sysGetrandom, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if a[2]&^7 != 0 { // GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE
			return 0, linux.EINVAL
		}
		n := min(a[1], 1<<25-1) // as Linux's get_random_bytes_user
		var b [256]byte
		for done := uint64(0); done < n; done += uint64(len(b)) {
			for i := 0; i < len(b); i += 8 {
				put64(b[i:], t.random())
			}
			if e := t.mem(p).copyOut(a[0]+done, b[:min(n-done, uint64(len(b)))]); e != 0 {
				if done > 0 {
					return done, 0
				}
				return 0, e
			}
		}
		return n, 0
	})
	register(sysUname, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		b := make([]byte, 6*65)
		for i, s := range []string{"Linux", "pagoda", "6.1.0-pagoda", "#1 Pagoda", "x86_64", "(none)"} {
			copy(b[i*65:], s)
		}
		return 0, t.mem(p).copyOut(a[0], b)
	})
	register(sysClockGettime, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		switch a[0] {
		case linux.CLOCK_REALTIME, linux.CLOCK_REALTIME_COARSE, linux.CLOCK_REALTIME_ALARM, linux.CLOCK_TAI:
			return 0, t.mem(p).copyOut(a[1], timespec(time.Duration(t.realtime())))
		}
		if a[0] > 11 { // CLOCK_REALTIME .. CLOCK_TAI
			return 0, linux.EINVAL
		}
		return 0, t.mem(p).copyOut(a[1], timespec(t.now()))
	})
	register(sysGettimeofday, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if a[0] == 0 {
			return 0, 0
		}
		ts := timespec(time.Duration(t.realtime()))
		put64(ts[8:], le64(ts[8:])/1000)
		return 0, t.mem(p).copyOut(a[0], ts)
	})
	register(sysTime, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		sec := uint64(t.realtime() / 1e9) // the clock CLOCK_REALTIME reads
		if a[0] != 0 {
			if e := t.mem(p).store64(a[0], sec); e != 0 {
				return 0, e
			}
		}
		return sec, 0
	})
	register(sysNanosleep, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.nanosleep(p, a[0])
	})
	register(sysClockNanosleep, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if a[1]&^1 != 0 {
			return 0, linux.EINVAL
		}
		if a[1] != 0 { // TIMER_ABSTIME: not yet
			return 0, linux.EINVAL
		}
		return t.nanosleep(p, a[2])
	})
	register(sysSchedYield, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		t.unlocked(p, runtime.Gosched)
		return 0, 0
	})
	register(sysRtSigaction, sysRtSigactionFn)
	register(sysRtSigprocmask, sysRtSigprocmaskFn)
	register(sysSigaltstack, sysSigaltstackFn)
	register(sysRtSigreturn, sysRtSigreturnFn)
}

// realtime is CLOCK_REALTIME, in nanoseconds since 1970 (0 without a
// machine).
func (t *Table) realtime() int64 {
	if t.Machine == nil {
		return 0
	}
	return t.Machine.Realtime()
}

// now is CLOCK_MONOTONIC: the uptime.
func (t *Table) now() time.Duration {
	if t.Machine == nil {
		return 0
	}
	return t.Machine.Uptime()
}

func timespec(d time.Duration) []byte {
	b := make([]byte, 16)
	put64(b, uint64(d/time.Second))
	put64(b[8:], uint64(d%time.Second))
	return b
}

// nanosleep sleeps with the big kernel lock let go; a signal ends it
// early with EINTR (the remaining time is not written back).
func (t *Table) nanosleep(p *Process, req uint64) (uint64, linux.Errno) {
	var b [16]byte
	if e := t.mem(p).copyIn(req, b[:]); e != 0 {
		return 0, e
	}
	sec, nsec := int64(le64(b[:])), int64(le64(b[8:]))
	if sec < 0 || nsec < 0 || nsec >= 1e9 {
		return 0, linux.EINVAL
	}
	d := time.Duration(sec)*time.Second + time.Duration(nsec)
	if sec > 1<<32 {
		d = 1 << 62
	}
	deadline := time.Now().Add(d)
	p.State = Sleeping
	defer func() { p.State = Running }()
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return 0, 0
		}
		if t.interrupted(p) {
			return 0, linux.EINTR
		}
		t.unlocked(p, func() { time.Sleep(min(left, 10*time.Millisecond)) })
	}
}

// Clone flags fork semantics accept (include/uapi/linux/sched.h).
const (
	cloneVM            = 0x100
	cloneFS            = 0x200
	cloneFiles         = 0x400
	cloneSighand       = 0x800
	cloneVfork         = 0x4000
	cloneThread        = 0x10000
	cloneSettls        = 0x80000
	cloneParentSettid  = 0x100000
	cloneChildCleartid = 0x200000
	cloneChildSettid   = 0x1000000
	csignal            = 0xff
)

// sysCloneFn is clone(flags, stack, parent_tid, child_tid, tls) with
// fork semantics: a new process. Threads (CLONE_THREAD, CLONE_VM
// without CLONE_VFORK) are not supported yet: EINVAL... except the
// posix_spawn shape, CLONE_VM|CLONE_VFORK with a stack, which runs as
// vfork on a copy of the address space with the child's stack pointer.
func sysCloneFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	flags, stack, ptid, ctid := a[0], a[1], a[2], a[3]
	if flags&(cloneThread|cloneSighand) != 0 || flags&cloneVM != 0 && flags&cloneVfork == 0 {
		return 0, linux.EINVAL
	}
	// CLONE_SETTLS's base is arch_prctl's (Linux's set_new_tls calls
	// do_arch_prctl_64): a non-canonical one is EPERM.
	if flags&cloneSettls != 0 && !userFSBase(a[4]) {
		return 0, linux.EPERM
	}
	pid, e := t.forkWith(p, flags&cloneVfork != 0, func(c *Process) linux.Errno {
		if stack != 0 {
			c.regs.RSP = stack
		}
		if flags&cloneSettls != 0 {
			c.regs.FSBase = a[4]
		}
		if flags&cloneChildSettid != 0 {
			if e := t.mem(c).store32(ctid, uint32(c.PID)); e != 0 {
				return e
			}
		}
		if flags&cloneChildCleartid != 0 {
			c.clearTID = ctid
		}
		return 0
	})
	if e != 0 {
		return 0, e
	}
	if flags&cloneParentSettid != 0 {
		t.mem(p).store32(ptid, uint32(pid))
	}
	return uint64(pid), 0
}

func (u userMemory) store32(va uint64, v uint32) linux.Errno {
	var b [4]byte
	put32(b[:], v)
	return u.copyOut(va, b[:])
}

// sysExecveFn is execve(path, argv, envp): the strings are copied in
// (each bounded, their number bounded), then exec replaces the program.
func sysExecveFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	name, e := t.path(p, atFDCWD, a[0], false)
	if e != 0 {
		return 0, e
	}
	comm := ""
	if isProcPath(name) {
		// /proc/PID/exe (busybox runs its applets through
		// /proc/self/exe) is the program's file; nothing else of
		// /proc is executable. comm is the name execve was given,
		// "exe", as Linux's (bprm->filename).
		n, e := t.lookupProcFollow(p, name)
		switch {
		case e != 0:
			return 0, e
		case n.kind != procIsLink:
			return 0, linux.EACCES
		}
		name, comm = n.follow, path.Base(name)
	}
	argv, e := t.stringArray(p, a[1])
	if e != 0 {
		return 0, e
	}
	envp, e := t.stringArray(p, a[2])
	if e != 0 {
		return 0, e
	}
	if e := t.exec(p, name, argv, envp); e != 0 {
		return 0, e
	}
	if comm != "" {
		p.Name = comm
	}
	return 0, 0
}

// stringArray reads a NULL-terminated array of C strings (NULL array:
// none), as execve's copy_strings: E2BIG past MAX_ARG_STRINGS, or a
// string past MAX_ARG_STRLEN.
func (t *Table) stringArray(p *Process, addr uint64) ([]string, linux.Errno) {
	const maxArgStrings, maxArgStrlen = 0x7fffffff, 32 * 4096
	var out []string
	if addr == 0 {
		return nil, 0
	}
	u := t.mem(p)
	total := 0
	for i := uint64(0); ; i++ {
		ptr, e := u.load64(addr + 8*i)
		if e != 0 {
			return nil, e
		}
		if ptr == 0 {
			return out, 0
		}
		if i >= maxArgStrings {
			return nil, linux.E2BIG
		}
		s, e := u.copyInString(ptr, maxArgStrlen-1)
		if e == linux.ENAMETOOLONG {
			return nil, linux.E2BIG
		}
		if e != 0 {
			return nil, e
		}
		total += len(s) + 1 + 8
		if total > 6<<20 {
			return nil, linux.E2BIG
		}
		out = append(out, s)
	}
}

// sysWait4Fn is wait4(pid, wstatus, options, rusage): a zombie child
// matching pid (-1 or < -1: any; > 0: that one; 0: any, there being one
// process group) is reaped; with none and WNOHANG 0; with no such child
// at all ECHILD; else the caller sleeps until one exits.
func sysWait4Fn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	const wnohang, wuntraced, wcontinued, wall, wclone = 1, 2, 8, 0x40000000, 0x80000000
	pid, opts := int32(a[0]), a[2]
	if opts&^(wnohang|wuntraced|wcontinued|wall|wclone|0x20000000) != 0 {
		return 0, linux.EINVAL
	}
	p.State = Sleeping
	defer func() { p.State = Running }()
	for {
		found := false
		for _, c := range t.List() {
			if c.PPID != p.PID || pid > 0 && int32(c.PID) != pid {
				continue
			}
			found = true
			if c.State != Zombie {
				continue
			}
			if a[1] != 0 {
				if e := t.mem(p).store32(a[1], c.status); e != 0 {
					return 0, e
				}
			}
			if a[3] != 0 {
				if e := t.mem(p).copyOut(a[3], make([]byte, 144)); e != 0 {
					return 0, e
				}
			}
			delete(t.procs, c.PID)
			return uint64(c.PID), 0
		}
		if !found {
			return 0, linux.ECHILD
		}
		if opts&wnohang != 0 {
			return 0, 0
		}
		if t.interrupted(p) {
			return 0, linux.EINTR
		}
		t.wait(p)
	}
}

// kill sends sig to pid (> 0), to every process but the caller and init
// (-1, as Linux's kill_something_info), to the caller's process group (0)
// or to group -pid (< -1): ESRCH if
// nobody is there. Signal 0 checks only.
func (t *Table) kill(p *Process, pid int32, sig uint64) (uint64, linux.Errno) {
	if sig > nsig {
		return 0, linux.EINVAL
	}
	var targets []*Process
	if pid > 0 {
		q := t.procs[int(pid)]
		if q == nil || q.State == Zombie {
			return 0, linux.ESRCH
		}
		targets = append(targets, q)
	} else {
		group := p.pgid
		if pid < -1 {
			group = int(-pid)
		}
		for _, q := range t.List() {
			if q.State != Zombie && (pid == -1 && q != p && q != t.init || pid != -1 && q.pgid == group) {
				targets = append(targets, q)
			}
		}
		if len(targets) == 0 {
			return 0, linux.ESRCH
		}
	}
	for _, q := range targets {
		if sig != 0 {
			t.signal(q, linux.Signal(sig))
		}
	}
	return 0, 0
}

// userFSBase reports whether base may be a thread's FS base: below
// Linux's TASK_SIZE_MAX (stackTop: the top of the user half less a
// page), as do_arch_prctl_64 requires.
func userFSBase(base uint64) bool { return base < uint64(stackTop) }

// sysArchPrctlFn sets or gets the FS base (ARCH_SET_FS, ARCH_GET_FS);
// the GS base is always 0 (ARCH_SET_GS: EPERM for non-zero).
func sysArchPrctlFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	const archSetGS, archSetFS, archGetFS, archGetGS = 0x1001, 0x1002, 0x1003, 0x1004
	switch a[0] {
	case archSetFS:
		if !userFSBase(a[1]) {
			return 0, linux.EPERM
		}
		p.regs.FSBase = a[1]
		p.regs.Changed()
		return 0, 0
	case archGetFS:
		return 0, t.mem(p).store64(a[1], p.regs.FSBase)
	case archSetGS:
		if a[1] != 0 {
			return 0, linux.EPERM
		}
		return 0, 0
	case archGetGS:
		return 0, t.mem(p).store64(a[1], 0)
	}
	return 0, linux.EINVAL
}

// sysPrlimitFn reports Linux's default limits and takes no new ones
// (EPERM): RLIMIT_STACK 8 MiB, RLIMIT_NOFILE 1024, the rest infinite.
func sysPrlimitFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	const rlimitStack, rlimitNofile, rlimNlimits = 3, 7, 16
	if int32(a[0]) != 0 && int32(a[0]) != int32(p.PID) {
		if t.procs[int(int32(a[0]))] == nil {
			return 0, linux.ESRCH
		}
	}
	if a[1] >= rlimNlimits {
		return 0, linux.EINVAL
	}
	if a[2] != 0 {
		return 0, linux.EPERM
	}
	if a[3] == 0 {
		return 0, 0
	}
	cur, max := ^uint64(0), ^uint64(0)
	switch a[1] {
	case rlimitStack:
		cur = 8 << 20
	case rlimitNofile:
		cur, max = maxFDs, 4096
	}
	b := make([]byte, 16)
	put64(b, cur)
	put64(b[8:], max)
	return 0, t.mem(p).copyOut(a[3], b)
}

// sysRtSigactionFn is rt_sigaction(sig, act, oldact, sigsetsize), as
// abi/linux's DecodeSigaction checks it.
func sysRtSigactionFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	u := t.mem(p)
	var sig linux.Signal
	var na linux.Sigaction
	if a[1] != 0 {
		b := make([]byte, linux.SizeofSigaction)
		if e := u.copyIn(a[1], b); e != 0 {
			return 0, e
		}
		var err error
		if sig, na, err = linux.DecodeSigaction(b, a[0], a[3]); err != nil {
			return 0, linux.ErrnoOf(err)
		}
	} else {
		if err := linux.CheckSigsetSize(a[3]); err != nil {
			return 0, linux.ErrnoOf(err)
		}
		var err error
		if sig, err = linux.CheckSignal(a[0]); err != nil {
			return 0, linux.ErrnoOf(err)
		}
	}
	if a[2] != 0 {
		old := p.sig.actions[sig]
		if e := u.copyOut(a[2], old.Append(nil)); e != 0 {
			return 0, e
		}
	}
	if a[1] != 0 {
		p.sig.actions[sig] = na
		if na.Handler == sigIGN || na.Handler == sigDFL && ignoredByDefault(sig) {
			p.sig.pending &^= sigBit(sig) // as Linux's do_sigaction
		}
	}
	return 0, 0
}

// sysRtSigprocmaskFn is rt_sigprocmask(how, set, oldset, sigsetsize).
func sysRtSigprocmaskFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	const sigBlock, sigUnblock, sigSetmask = 0, 1, 2
	if a[3] != 8 {
		return 0, linux.EINVAL
	}
	u := t.mem(p)
	old := p.sig.blocked
	if a[1] != 0 {
		set, e := u.load64(a[1])
		if e != 0 {
			return 0, e
		}
		switch a[0] {
		case sigBlock:
			p.sig.blocked |= set
		case sigUnblock:
			p.sig.blocked &^= set
		case sigSetmask:
			p.sig.blocked = set
		default:
			return 0, linux.EINVAL
		}
		p.sig.blocked &^= unblockable
	}
	if a[2] != 0 {
		if e := u.store64(a[2], old); e != 0 {
			p.sig.blocked = old
			return 0, e
		}
	}
	return 0, 0
}

// sysSigaltstackFn is sigaltstack(ss, old_ss), as abi/linux's
// SetSigaltstack and Stack.Report say.
func sysSigaltstackFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	u := t.mem(p)
	var ss linux.Stack
	if a[0] != 0 {
		b := make([]byte, 24)
		if e := u.copyIn(a[0], b); e != 0 {
			return 0, e
		}
		var err error
		if ss, err = linux.DecodeStack(b); err != nil {
			return 0, linux.ErrnoOf(err)
		}
	}
	if a[1] != 0 {
		if e := u.copyOut(a[1], p.sig.alt.Report(p.regs.RSP).Append(nil)); e != 0 {
			return 0, e
		}
	}
	if a[0] != 0 {
		alt, err := linux.SetSigaltstack(p.sig.alt, ss, p.regs.RSP)
		if err != nil {
			return 0, linux.ErrnoOf(err)
		}
		p.sig.alt = alt
	}
	return 0, 0
}
