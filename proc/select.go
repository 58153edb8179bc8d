package proc

import (
	"time"

	"github.com/pagoda-os/pagoda/abi/linux"
)

// select and pselect6 (fs/select.c's core_sys_select and do_select),
// on poll's readiness (pollMask) and sleep (waitReady). Each of the
// three fd_sets (read, write, except; NULL for none) is a bitmap of
// nfds bits in 64-bit words; a descriptor in any set that is not open
// fails the call with EBADF; nfds beyond the descriptor table is cut to
// it, as Linux cuts it to the table's size. On return each set holds
// the descriptors ready for it, and the count is of the bits set; the
// timeout (timeval for select, timespec for pselect6) is rewritten with
// the time left, as Linux's poll_select_finish does.

// The poll events each set takes (POLLIN_SET, POLLOUT_SET, POLLEX_SET).
const (
	selectIn  = pollIn | pollRdnorm | pollHup | pollErr
	selectOut = pollOut | pollWrnorm | pollErr
	selectEx  = pollPri
)

func init() {
	register(sysSelect, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.selectCall(p, a, false)
	})
	register(sysPselect6, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.selectCall(p, a, true)
	})
}

// selectCall is select(nfds, r, w, x, timeval) or, with pselect,
// pselect6(nfds, r, w, x, timespec, {sigmask, size}).
func (t *Table) selectCall(p *Process, a *[6]uint64, pselect bool) (uint64, linux.Errno) {
	n := int64(int32(a[0]))
	if n < 0 {
		return 0, linux.EINVAL
	}
	n = min(n, maxFDs)
	u := t.mem(p)
	timeout := time.Duration(-1)
	if a[4] != 0 {
		var b [16]byte
		if e := u.copyIn(a[4], b[:]); e != 0 {
			return 0, e
		}
		sec, frac := int64(le64(b[:])), int64(le64(b[8:]))
		unit, limit := time.Microsecond, int64(1e6)
		if pselect {
			unit, limit = time.Nanosecond, 1e9
		}
		if sec < 0 || frac < 0 || frac >= limit {
			return 0, linux.EINVAL
		}
		timeout = time.Duration(min(sec, 1<<32))*time.Second + time.Duration(frac)*unit
	}
	if pselect && a[5] != 0 {
		var b [16]byte // struct { const sigset_t *ss; size_t ss_len; }
		if e := u.copyIn(a[5], b[:]); e != 0 {
			return 0, e
		}
		if ss := le64(b[:]); ss != 0 {
			if le64(b[8:]) != 8 {
				return 0, linux.EINVAL
			}
			mask, e := u.load64(ss)
			if e != 0 {
				return 0, e
			}
			old := p.sig.blocked
			p.sig.blocked = mask &^ unblockable
			defer func() { p.sig.blocked = old }()
		}
	}

	words := (n + 63) / 64
	var in [3][]uint64 // the sets asked, nil for NULL
	for i := range in {
		if addr := a[1+i]; addr != 0 {
			raw := make([]byte, 8*words)
			if e := u.copyIn(addr, raw); e != 0 {
				return 0, e
			}
			in[i] = make([]uint64, words)
			for w := range in[i] {
				in[i][w] = le64(raw[8*w:])
			}
			if r := n % 64; r != 0 {
				in[i][words-1] &= 1<<r - 1 // bits past nfds are not looked at
			}
		}
	}
	for fd := int64(0); fd < n; fd++ {
		for i := range in {
			if in[i] != nil && in[i][fd/64]&(1<<(fd%64)) != 0 {
				if _, e := p.files.get(uint64(fd)); e != 0 {
					return 0, linux.EBADF
				}
			}
		}
	}

	var out [3][]uint64
	start := time.Now()
	ready, e := t.waitReady(p, timeout, func() uint64 {
		count := uint64(0)
		for i := range out {
			if in[i] != nil {
				out[i] = make([]uint64, words)
			}
		}
		for fd := int64(0); fd < n; fd++ {
			bit := uint64(1) << (fd % 64)
			asked := false
			for i := range in {
				asked = asked || in[i] != nil && in[i][fd/64]&bit != 0
			}
			if !asked {
				continue
			}
			f, e := p.files.get(uint64(fd))
			if e != 0 {
				continue // closed meanwhile by nobody: one thread per process
			}
			m := t.pollMask(f)
			for i, want := range [3]uint16{selectIn, selectOut, selectEx} {
				if in[i] != nil && in[i][fd/64]&bit != 0 && m&want != 0 {
					out[i][fd/64] |= bit
					count++
				}
			}
		}
		return count
	})
	if a[4] != 0 && timeout >= 0 {
		left := max(timeout-time.Since(start), 0)
		b := make([]byte, 16)
		put64(b, uint64(left/time.Second))
		if pselect {
			put64(b[8:], uint64(left%time.Second))
		} else {
			put64(b[8:], uint64(left%time.Second/time.Microsecond))
		}
		u.copyOut(a[4], b) // as Linux, a timeout that cannot be written back is no error
	}
	if e != 0 {
		return 0, e
	}
	for i := range out {
		if in[i] == nil {
			continue
		}
		raw := make([]byte, 8*words)
		for w, v := range out[i] {
			put64(raw[8*w:], v)
		}
		if e := u.copyOut(a[1+i], raw); e != 0 {
			return 0, e
		}
	}
	return ready, 0
}
