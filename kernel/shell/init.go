package shell

import (
	"github.com/pagoda-os/pagoda/abi/linux"
)

// init: the kernel command line's init=PATH (StartInit) and the exec
// command start one program as PID 1 (proc's init.go) in the
// terminal's foreground, and the shell gives the console to it for
// good. When it exits, the machine syncs and halts with its status:
// on Linux the death of init is a panic ("Attempted to kill init!");
// here it is how a session ends.

// StartInit runs argv as init and halts the machine when it exits. It
// returns only if the program cannot start (execve's error), or on the
// host, whose machine does not stop.
func (sh *Shell) StartInit(argv []string) error {
	t, err := sh.procs()
	if err != nil {
		return err
	}
	sh.cfg.Lock.Lock()
	p, err := t.SpawnInit(argv[0], argv, defaultEnv)
	if err != nil {
		sh.cfg.Lock.Unlock()
		return err
	}
	// What was typed after the exec line is the program's, as a
	// terminal's typed-ahead input.
	if len(sh.typeahead) > 0 {
		t.Input(sh.typeahead)
		sh.typeahead = nil
	}
	status := sh.waitForeground(t, p)
	sh.cfg.Lock.Unlock()
	sh.lastStatus, sh.ranOne = status, true
	if sig := status & 0x7f; sig != 0 {
		sh.Printf("pagoda: init killed by signal %d (%v)\n", sig, linux.Signal(sig))
	} else {
		sh.Printf("pagoda: init exited with status %d\n", status>>8&0xff)
	}
	sh.halt(initHaltStatus(status))
	return nil
}

// initHaltStatus is the halt status for init's wait status: its exit
// status, 0..127 (what isa-debug-exit tells apart), larger ones as
// 127; a death by signal is 127 too.
func initHaltStatus(w uint32) uint8 {
	if w&0x7f != 0 || w>>8&0xff > maxHaltStatus {
		return maxHaltStatus
	}
	return uint8(w >> 8 & 0xff)
}

func cmdExec(sh *Shell, args []string) error { return sh.StartInit(args) }
