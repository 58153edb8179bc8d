package proc

import "github.com/pagoda-os/pagoda/abi/linux"

// Process groups and sessions, as Linux's kernel/sys.c: a process is in
// one group (pgid) of one session (sid). A program the shell starts
// leads a group and a session of its own; children inherit both;
// setpgid moves a process (itself or a child that has not exec'd... the
// exec rule is not kept) into a group of its session, setsid makes a new
// session. The terminal's foreground group (tty.go) is the one VINTR
// signals, and kill(0) and kill(-pgid) signal a group.

func init() {
	register(sysSetpgid, sysSetpgidFn)
	register(sysGetpgid, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		q, e := t.self(p, int32(a[0]))
		if e != 0 {
			return 0, e
		}
		return uint64(q.pgid), 0
	})
	register(sysGetpgrp, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return uint64(p.pgid), 0
	})
	register(sysGetsid, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		q, e := t.self(p, int32(a[0]))
		if e != 0 {
			return 0, e
		}
		return uint64(q.sid), 0
	})
	register(sysSetsid, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if t.groupExists(p.PID) {
			return 0, linux.EPERM // already a group leader
		}
		p.pgid, p.sid = p.PID, p.PID
		return uint64(p.PID), 0
	})
}

// self is pid's process for the get calls: 0 is the caller.
func (t *Table) self(p *Process, pid int32) (*Process, linux.Errno) {
	if pid < 0 {
		return nil, linux.EINVAL
	}
	if pid == 0 {
		return p, 0
	}
	q := t.procs[int(pid)]
	if q == nil || q.State == Zombie {
		return nil, linux.ESRCH
	}
	return q, 0
}

// sysSetpgidFn is setpgid(pid, pgid): pid 0 is the caller, pgid 0 is
// pid; the target is the caller or its child, in the caller's session,
// not a session leader; the group must be the target's own number or
// one of its session's groups.
func sysSetpgidFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	pid, pgid := int32(a[0]), int32(a[1])
	if pgid < 0 {
		return 0, linux.EINVAL
	}
	q, e := t.self(p, pid)
	if e != 0 {
		return 0, e
	}
	if q != p && q.PPID != p.PID {
		return 0, linux.ESRCH
	}
	if q.sid != p.sid {
		return 0, linux.EPERM
	}
	if q.sid == q.PID {
		return 0, linux.EPERM // a session leader stays in its group
	}
	if pgid == 0 {
		pgid = int32(q.PID)
	}
	if int(pgid) != q.PID {
		ok := false
		for _, r := range t.procs {
			if r.pgid == int(pgid) && r.sid == p.sid {
				ok = true
				break
			}
		}
		if !ok {
			return 0, linux.EPERM
		}
	}
	q.pgid = int(pgid)
	return 0, 0
}

// groupExists reports whether a process of the table is in group pgrp:
// a zombie not yet reaped still holds its group, as in Linux, where its
// struct pid keeps the number until release_task (a pipeline's first
// command may have exited before the last one makes the group the
// terminal's foreground).
func (t *Table) groupExists(pgrp int) bool {
	for _, q := range t.procs {
		if q.pgid == pgrp {
			return true
		}
	}
	return false
}
