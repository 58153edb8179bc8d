package proc

import "github.com/pagoda-os/pagoda/abi/linux"

// rt_sigsuspend(mask, sigsetsize): wait for a signal with mask in place
// of the blocked set; the call always returns EINTR, and the old mask
// comes back when the handler returns (it is the one its frame saves) or,
// for a signal that runs no handler, before the return to ring 3
// (kernel/signal.c's sigsuspend with set_restore_sigmask).
func init() {
	register(sysRtSigsuspend, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if a[1] != 8 {
			return 0, linux.EINVAL
		}
		mask, e := t.mem(p).load64(a[0])
		if e != 0 {
			return 0, e
		}
		p.sig.saved, p.sig.restore = p.sig.blocked, true
		p.sig.blocked = mask &^ unblockable
		p.State = Sleeping
		for !t.interrupted(p) {
			t.wait(p)
		}
		p.State = Running
		return 0, linux.EINTR
	})
	register(sysGetgroups, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if int32(a[0]) < 0 {
			return 0, linux.EINVAL
		}
		return 0, 0 // root is in no supplementary group
	})
}
