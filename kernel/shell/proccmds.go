package shell

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/proc"
)

// User processes: run starts a program, ps and kill act on them, status
// says how the last foreground one ended, strace logs system calls.

func procCommands() []Command {
	return []Command{
		{Name: "run", Usage: "[-b] PATH [ARG...]", Help: "run the static Linux program at PATH with ARGs in the foreground, on the terminal (Ctrl-C sends SIGINT, Ctrl-D ends input), or in the background with -b", MinArgs: 1, MaxArgs: -1, Run: cmdRun, Unlocked: true},
		{Name: "exec", Usage: "PATH [ARG...]", Help: "replace the shell with the static Linux program at PATH as init (PID 1) on the terminal; when it exits, sync the filesystems and halt with its exit status", MinArgs: 1, MaxArgs: -1, Run: cmdExec, Unlocked: true},
		{Name: "ps", Help: "list the processes: PID, PPID, state, VSZ and RSS in KiB, name", MaxArgs: 0, Run: cmdPs},
		{Name: "kill", Usage: "PID [SIG]", Help: "send signal SIG (a number or a name such as TERM; default TERM) to process PID", MinArgs: 1, MaxArgs: 2, Run: cmdKill},
		{Name: "status", Help: "print how the last foreground program ended: exit N, or signal N (NAME)", MaxArgs: 0, Run: cmdStatus},
		{Name: "strace", Usage: "[on|off]", Help: "log every system call of every process, in strace's format; without an argument, say whether it is on and count the calls of unimplemented system calls (ENOSYS) by name", MaxArgs: 1, Run: cmdStrace},
	}
}

var errNoProcs = errors.New("no processes on this kernel")

func (sh *Shell) procs() (*proc.Table, error) {
	if sh.cfg.Procs == nil {
		return nil, errNoProcs
	}
	return sh.cfg.Procs, nil
}

// defaultEnv is the environment a program the shell runs gets.
var defaultEnv = []string{"PATH=/bin", "HOME=/", "TERM=dumb"}

// cmdRun starts the program under the big kernel lock, in the
// terminal's foreground, then lets go of the lock while it waits,
// forwarding every console byte to the terminal (proc's tty.go: line
// editing, echo, Ctrl-C as SIGINT to the program's process group).
func cmdRun(sh *Shell, args []string) error {
	t, err := sh.procs()
	if err != nil {
		return err
	}
	background := false
	if args[0] == "-b" {
		background = true
		args = args[1:]
		if len(args) == 0 {
			return fmt.Errorf("usage: run [-b] PATH [ARG...]")
		}
	}
	sh.cfg.Lock.Lock()
	defer sh.cfg.Lock.Unlock()
	p, err := t.Spawn(args[0], args, defaultEnv)
	if err != nil {
		return err
	}
	if background {
		sh.Printf("[%d]\n", p.PID)
		return nil
	}
	t.Foreground(p)
	sh.lastStatus, sh.ranOne = sh.waitForeground(t, p), true
	if sh.lastStatus&0x7f == uint32(linux.SIGINT) {
		sh.Printf("\n") // after the terminal's ^C echo, as a Unix shell does
	}
	sh.typeahead = append(sh.typeahead, t.TakeInput()...)
	return nil
}

// waitForeground waits for p, the terminal's foreground program, and
// returns its wait status. It is called and returns with the big kernel
// lock held, which it lets go of while it waits, forwarding every
// console byte to the terminal (proc's tty.go: line editing, echo,
// Ctrl-C as SIGINT to the program's process group); the end of the
// console's input is the terminal's.
func (sh *Shell) waitForeground(t *proc.Table, p *proc.Process) uint32 {
	sh.cfg.Lock.Unlock()
	for done := false; !done; {
		select {
		case <-p.Done():
			done = true
		case c, ok := <-sh.cfg.In:
			sh.cfg.Lock.Lock()
			if ok {
				t.Input([]byte{c}) // the terminal's line discipline: Ctrl-C is its SIGINT
			} else {
				t.CloseInput()
			}
			sh.cfg.Lock.Unlock()
			if !ok {
				<-p.Done()
				done = true
			}
		}
	}
	sh.cfg.Lock.Lock()
	if sh.cfg.Spaces != nil {
		sh.cfg.Spaces.Activate()
	}
	return t.Wait(p)
}

func cmdPs(sh *Shell, _ []string) error {
	t, err := sh.procs()
	if err != nil {
		return err
	}
	sh.Printf("%5s %5s %s %9s %9s %s\n", "PID", "PPID", "S", "VSZ", "RSS", "NAME")
	for _, p := range t.List() {
		var vsz, rss uint64
		if p.AS != nil {
			for _, v := range p.AS.VMAs() {
				vsz += uint64(v.End - v.Start)
			}
			rss = p.AS.RSS() * mm.PageSize
		}
		sh.Printf("%5d %5d %v %9d %9d %s\n", p.PID, p.PPID, p.State, vsz>>10, rss>>10, p.Name)
	}
	return nil
}

func cmdKill(sh *Shell, args []string) error {
	t, err := sh.procs()
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(args[0])
	if err != nil {
		return fmt.Errorf("bad PID %q", args[0])
	}
	sig := linux.SIGTERM
	if len(args) == 2 {
		if sig, err = parseSignal(args[1]); err != nil {
			return err
		}
	}
	return t.Kill(pid, sig)
}

// parseSignal takes a number or a name, with or without SIG.
func parseSignal(s string) (linux.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return 0, fmt.Errorf("bad signal %d (1-64)", n)
		}
		return linux.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	for n := 1; n <= 31; n++ {
		if linux.Signal(n).String() == name {
			return linux.Signal(n), nil
		}
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

func cmdStatus(sh *Shell, _ []string) error {
	if !sh.ranOne {
		return fmt.Errorf("no program has run yet")
	}
	sh.Printf("%s\n", describeStatus(sh.lastStatus))
	return nil
}

// describeStatus says a wait status as the shell shows it.
func describeStatus(w uint32) string {
	if sig := w & 0x7f; sig != 0 {
		return fmt.Sprintf("signal %d (%v)", sig, linux.Signal(sig))
	}
	return fmt.Sprintf("exit %d", w>>8&0xff)
}

func cmdStrace(sh *Shell, args []string) error {
	t, err := sh.procs()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		sh.Printf("strace %s\n", map[bool]string{true: "on", false: "off"}[t.Strace])
		for _, u := range t.UnknownCalls() {
			sh.Printf("ENOSYS %s (%d): %d calls\n", u.Name, u.Nr, u.Count)
		}
		return nil
	}
	switch args[0] {
	case "on":
		t.Strace = true
	case "off":
		t.Strace = false
	default:
		return fmt.Errorf("usage: strace on|off")
	}
	return nil
}

// spaceOf is the address space of process args[0], with the names
// /proc/PID/maps gives its heap and stack, or the current one (no
// names) when no PID is given.
func (sh *Shell) spaceOf(args []string) (*vm.AddressSpace, vm.Labeler, error) {
	if len(args) == 0 {
		as, err := sh.currentSpace()
		return as, nil, err
	}
	t, err := sh.procs()
	if err != nil {
		return nil, nil, err
	}
	pid, err := strconv.Atoi(args[0])
	if err != nil {
		return nil, nil, fmt.Errorf("bad PID %q", args[0])
	}
	p := t.Get(pid)
	if p == nil || p.AS == nil {
		return nil, nil, fmt.Errorf("no such process: %d (%w)", pid, linux.ESRCH)
	}
	return p.AS, p.MapsLabels(), nil
}
