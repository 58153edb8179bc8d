package proc

import (
	"fmt"

	"github.com/pagoda-os/pagoda/abi/linux"
)

// PID 1, as Linux's init: the kernel command line's init= (or the
// shell's exec) starts one program as process 1, leader of its group
// and session, the console its controlling terminal and its standard
// streams. It differs from the others in two ways, as in Linux:
//
//   - orphans are its children: a process that exits hands its children
//     to init (Linux's forget_original_parent, without subreapers), and
//     a zombie among them is signalled to init with SIGCHLD so that its
//     wait4 reaps it; once init is gone they go to the kernel (PPID 0),
//     which reaps them itself;
//   - a signal sent to init whose action is the default is dropped
//     (Linux's SIGNAL_UNKILLABLE, sig_task_ignored), SIGKILL included;
//     a fault it cannot handle still kills it (force_sig_fault clears
//     the protection).
//
// When init exits the kernel has nothing left to run: the caller (the
// shell) syncs the filesystems and halts with init's exit status.

// InitPID is init's process ID.
const InitPID = 1

// ErrInitPIDBusy says PID 1 belongs to a live process, so no init can
// start.
var ErrInitPIDBusy = fmt.Errorf("PID %d is in use (%w)", InitPID, linux.EBUSY)

// SpawnInit starts the program at file as init: PID 1, its standard
// streams on the console, the terminal's foreground group. Errors are
// execve's, or ErrInitPIDBusy.
func (t *Table) SpawnInit(file string, argv, envp []string) (*Process, error) {
	if t.procs[InitPID] != nil {
		return nil, ErrInitPIDBusy
	}
	p, err := t.spawnAs(InitPID, file, argv, envp)
	if err != nil {
		return nil, err
	}
	t.init = p
	t.Foreground(p)
	return p, nil
}

// Init is the process running as init, or nil.
func (t *Table) Init() *Process {
	if t.init == nil || t.init.State == Zombie {
		return nil
	}
	return t.init
}

// reparent gives dead p's children to init, or to the kernel when
// there is none (or p is init): Linux's forget_original_parent.
func (t *Table) reparent(p *Process) {
	to := t.Init()
	if to == p {
		to = nil
	}
	for _, c := range t.procs {
		if c.PPID != p.PID || c == p {
			continue
		}
		if to == nil {
			c.PPID = 0
			if c.State == Zombie {
				t.reap(c)
			}
			continue
		}
		c.PPID = to.PID
		if c.State == Zombie {
			t.signal(to, linux.SIGCHLD) // do_notify_parent of a dead orphan
		}
	}
}

// unkillable reports whether sig, sent to p, is dropped because p is
// init and has no handler for it (sig_task_ignored's SIGNAL_UNKILLABLE
// case).
func (t *Table) unkillable(p *Process, sig linux.Signal) bool {
	return p == t.init && p.sig.actions[sig].Handler == sigDFL
}
