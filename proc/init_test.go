//go:build !tamago

package proc

import (
	"errors"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/mm"
)

// exitAs ends q as exit_group(code) does and finishes it (q shares e.p's
// address space, which stays).
func (e *procEnv) exitAs(q *Process, code int) {
	e.tab.exitWith(q, code)
	q.AS = nil
	e.tab.finish(q)
}

// Orphans go to init: a dead process's running child and zombie child
// become init's, the zombie signalled to init with SIGCHLD and reaped
// by init's wait4; without an init they go to the kernel (PPID 0),
// which reaps a zombie at once.
func TestInitAdoptsOrphans(t *testing.T) {
	for i, withInit := range []bool{true, false} {
		e := newProcEnv(t, 0x9c_0000_0000+mm.PhysAddr(i)<<32)
		if withInit {
			e.tab.init = e.p
		}
		e.p.sig.actions[linux.SIGCHLD].Handler = 0x401000 // a handler: SIGCHLD is not ignored
		parent := e.sibling(2)
		running, dead := e.sibling(3), e.sibling(4)
		running.PPID, dead.PPID = parent.PID, parent.PID
		e.exitAs(dead, 5)
		if dead.State != Zombie || e.tab.Get(4) == nil {
			t.Fatalf("init %v: a child of a live parent is not a zombie in the table", withInit)
		}
		e.p.sig.pending = 0
		e.exitAs(parent, 0)
		e.tab.reap(parent)
		if !withInit {
			if running.PPID != 0 || e.tab.Get(4) != nil {
				t.Errorf("no init: orphans' PPID %d, zombie still in the table: %v", running.PPID, e.tab.Get(4) != nil)
			}
			continue
		}
		if running.PPID != InitPID || dead.PPID != InitPID {
			t.Fatalf("orphans' PPIDs %d and %d, want init's", running.PPID, dead.PPID)
		}
		if e.p.sig.pending&sigBit(linux.SIGCHLD) == 0 {
			t.Errorf("init got no SIGCHLD for the dead orphan")
		}
		status := e.mmap(4096, protRW, privateAnon)
		if r := e.call(sysWait4, ^uint64(0), status, linux.WNOHANG, 0); r != 4 {
			t.Errorf("init's wait4(-1, WNOHANG) = %d, want the orphan 4", r)
		}
		if w, _ := e.tab.mem(e.p).load32(status); w != 5<<8 {
			t.Errorf("orphan's wait status %#x, want exit 5", w)
		}
	}
}

// init ignores the signals it has no handler for, SIGKILL included, and
// kill(-1) passes it over; a signal it handles is delivered; a fault it
// cannot handle still kills it. A process that is not init dies of the
// same SIGTERM.
func TestInitUnkillable(t *testing.T) {
	e := newProcEnv(t, 0x9e_0000_0000)
	e.tab.init = e.p
	other := e.sibling(2)
	for _, sig := range []linux.Signal{linux.SIGTERM, linux.SIGKILL, linux.SIGINT, linux.SIGHUP} {
		if r := e.callAs(other, sysKill, 1, uint64(sig)); r != 0 {
			t.Fatalf("kill(1, %v) = %d", sig, r)
		}
		if e.p.sig.pending != 0 || e.p.exiting {
			t.Fatalf("kill(1, %v) reached init: pending %#x, exiting %v", sig, e.p.sig.pending, e.p.exiting)
		}
	}
	third := e.sibling(3)
	if r := e.callAs(other, sysKill, ^uint64(0), uint64(linux.SIGTERM)); r != 0 {
		t.Fatalf("kill(-1, SIGTERM) = %d", r)
	}
	if e.p.sig.pending != 0 || third.sig.pending&sigBit(linux.SIGTERM) == 0 {
		t.Errorf("kill(-1): init pending %#x, another process's %#x", e.p.sig.pending, third.sig.pending)
	}
	e.p.sig.actions[linux.SIGUSR1].Handler = 0x401000
	e.callAs(other, sysKill, 1, uint64(linux.SIGUSR1))
	if e.p.sig.pending != sigBit(linux.SIGUSR1) {
		t.Errorf("a handled SIGUSR1 to init: pending %#x", e.p.sig.pending)
	}
	e.tab.fault(e.p, linux.SIGSEGV, linux.SEGV_MAPERR, arch.Exit{Kind: arch.ExitException, Vector: arch.VectorPageFault, CR2: 8}, 0)
	if !e.p.exiting || e.p.status != uint32(linux.SIGSEGV)|0x80 {
		t.Errorf("a fault in init: exiting %v, status %#x", e.p.exiting, e.p.status)
	}

	e.tab.init = nil
	e.p.exiting, e.p.sig.pending = false, 0
	e.callAs(other, sysKill, 1, uint64(linux.SIGTERM))
	if e.p.sig.pending != sigBit(linux.SIGTERM) {
		t.Errorf("SIGTERM to PID 1 that is not init: pending %#x", e.p.sig.pending)
	}
}

// A second init cannot start while PID 1 lives (the shell's exec says
// EBUSY), and before any init there is none.
func TestSpawnInitPIDBusy(t *testing.T) {
	e := newProcEnv(t, 0xa8_0000_0000) // e.p is PID 1, not init
	if e.tab.Init() != nil {
		t.Errorf("an init before SpawnInit")
	}
	if _, err := e.tab.SpawnInit("/bin/sh", []string{"/bin/sh"}, nil); !errors.Is(err, linux.EBUSY) {
		t.Errorf("SpawnInit with PID 1 alive: %v, want EBUSY", err)
	}
}
