package proc

import (
	"time"

	"github.com/pagoda-os/pagoda/abi/linux"
)

// poll and ppoll (fs/select.c's do_sys_poll): each struct pollfd (fd,
// events, revents: 8 bytes) is asked of its file, and the call sleeps
// on the Table's condition variable until one is ready, the timeout
// passes (0: never sleep; negative: no timeout), or a signal comes
// (EINTR). A file says what it is ready for (pollReady); a file that
// cannot block (a regular file, a device) is always ready to read and
// write, as Linux's DEFAULT_POLLMASK.

// Poll events (include/uapi/asm-generic/poll.h).
const (
	pollIn     = 0x001
	pollPri    = 0x002
	pollOut    = 0x004
	pollErr    = 0x008
	pollHup    = 0x010
	pollNval   = 0x020
	pollRdnorm = 0x040
	pollWrnorm = 0x100
	// defaultPollMask is DEFAULT_POLLMASK.
	defaultPollMask = pollIn | pollOut | pollRdnorm | pollWrnorm
)

// poller is a file whose readiness changes: pipes and the terminal.
type poller interface{ pollReady(t *Table) uint16 }

func (e *pipeEnd) pollReady(*Table) uint16 {
	pp := e.p
	if !e.writer {
		var m uint16
		if pp.n > 0 {
			m |= pollIn | pollRdnorm
		}
		if pp.writers == 0 {
			m |= pollHup
		}
		return m
	}
	if pp.readers == 0 {
		return pollErr
	}
	if pipeSize-pp.n >= pipeBuf {
		return pollOut | pollWrnorm
	}
	return 0
}

func (c *consoleFile) pollReady(t *Table) uint16 {
	m := uint16(pollOut | pollWrnorm)
	if t.tty.readable() || t.inputClosed {
		m |= pollIn | pollRdnorm
	}
	return m
}

func init() {
	register(sysPoll, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		timeout := time.Duration(-1)
		if ms := int32(a[2]); ms >= 0 {
			timeout = time.Duration(ms) * time.Millisecond
		}
		return t.poll(p, a[0], a[1], timeout)
	})
	register(sysPpoll, sysPpollFn)
}

// sysPpollFn is ppoll(fds, nfds, tsp, sigmask, sigsetsize): poll with a
// timespec, and the signal mask replaced while it waits.
func sysPpollFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	u := t.mem(p)
	timeout := time.Duration(-1)
	if a[2] != 0 {
		var b [16]byte
		if e := u.copyIn(a[2], b[:]); e != 0 {
			return 0, e
		}
		sec, nsec := int64(le64(b[:])), int64(le64(b[8:]))
		if sec < 0 || nsec < 0 || nsec >= 1e9 {
			return 0, linux.EINVAL
		}
		timeout = time.Duration(min(sec, 1<<32))*time.Second + time.Duration(nsec)
	}
	if a[3] != 0 {
		if a[4] != 8 {
			return 0, linux.EINVAL
		}
		mask, e := u.load64(a[3])
		if e != 0 {
			return 0, e
		}
		old := p.sig.blocked
		p.sig.blocked = mask &^ unblockable
		defer func() { p.sig.blocked = old }()
	}
	return t.poll(p, a[0], a[1], timeout)
}

// poll checks the nfds pollfds at addr until one is ready or timeout.
func (t *Table) poll(p *Process, addr, nfds uint64, timeout time.Duration) (uint64, linux.Errno) {
	if nfds > maxFDs {
		return 0, linux.EINVAL // RLIMIT_NOFILE
	}
	u := t.mem(p)
	raw := make([]byte, 8*nfds)
	if e := u.copyIn(addr, raw); e != 0 {
		return 0, e
	}
	ready, e := t.waitReady(p, timeout, func() uint64 {
		ready := uint64(0)
		for i := range nfds {
			rec := raw[8*i:]
			fd := int32(uint32(rec[0]) | uint32(rec[1])<<8 | uint32(rec[2])<<16 | uint32(rec[3])<<24)
			events := uint16(rec[4]) | uint16(rec[5])<<8
			var rev uint16
			if fd >= 0 {
				f, e := p.files.get(uint64(fd))
				switch {
				case e != 0:
					rev = pollNval
				default:
					rev = t.pollMask(f) & (events | pollErr | pollHup)
				}
			}
			rec[6], rec[7] = byte(rev), byte(rev>>8)
			if rev != 0 {
				ready++
			}
		}
		return ready
	})
	if e != 0 {
		return 0, e
	}
	return ready, u.copyOut(addr, raw)
}

// pollMask is what f is ready for now.
func (t *Table) pollMask(f *openFile) uint16 {
	if pf, ok := f.ops.(poller); ok {
		return pf.pollReady(t)
	}
	return defaultPollMask
}

// waitReady calls check until it finds something ready (its count),
// the timeout passes (0: check once; negative: no timeout) or a signal
// comes (EINTR), sleeping on the Table's condition variable between
// checks, as do_poll and do_select loop.
func (t *Table) waitReady(p *Process, timeout time.Duration, check func() uint64) (uint64, linux.Errno) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
		// The sleep below is on the condition variable: a timer wakes
		// it at the deadline.
		tm := time.AfterFunc(timeout, func() {
			t.Lock.Lock()
			t.wake()
			t.Lock.Unlock()
		})
		defer tm.Stop()
	}
	for {
		ready := check()
		if ready > 0 || timeout == 0 || timeout > 0 && !time.Now().Before(deadline) {
			return ready, 0
		}
		if t.interrupted(p) {
			return 0, linux.EINTR
		}
		p.State = Sleeping
		t.wait(p)
		p.State = Running
	}
}
