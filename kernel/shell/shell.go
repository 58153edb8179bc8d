package shell

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/lock"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/proc"
)

// Prompt is printed before every command line.
const Prompt = "pagoda> "

// Config is everything a Shell is built from.
type Config struct {
	Machine proc.Machine
	// In delivers the console's input bytes; closing it is end of input.
	In  <-chan byte
	Out io.Writer
	// MemTotal is all RAM in the firmware's map, in bytes.
	MemTotal uint64
	// Frames is the physical frame allocator.
	Frames *frame.Allocator
	// Kernel is the kernel's page table.
	Kernel *pagetable.Table
	// Probe reaches memory at arbitrary addresses for peek and poke.
	Probe Prober
	// Spaces are the address spaces; Window reaches the current one's
	// memory with real loads and stores. nil: no address spaces.
	Spaces *proc.Spaces
	Window proc.WindowMemory
	// Selftest runs a named self-test; nil when there are none.
	Selftest func(out io.Writer, name string) error
	// Cmdline is the kernel command line.
	Cmdline boot.Cmdline
	// VFS is the disks, mounts and files; nil: none.
	VFS *vfs.VFS
	// Lock is the big kernel lock, held while a command runs (but for
	// the few commands marked Unlocked) and while halt syncs; nil:
	// NewShell makes one (host tests).
	Lock *lock.Kernel
	// Writeback wakes the background writeback (msync async); nil: none.
	Writeback func()
	// Interrupts reports the interrupt counts; nil when interrupts are
	// not set up.
	Interrupts func() arch.IRQReport
	// Procs is the process table; nil: no user programs.
	Procs *proc.Table
}

// Prober reaches memory at arbitrary addresses with real loads and
// stores; a fault becomes a *arch.FaultError instead of a kernel bug.
type Prober interface {
	// Peek fills p from addr; it returns the bytes read before a fault.
	Peek(addr uint64, p []byte) (int, *arch.FaultError)
	// Poke stores p at addr; it returns the bytes stored before a fault.
	Poke(addr uint64, p []byte) (int, *arch.FaultError)
	// Crash makes a deliberate kernel-bug fault: a write to address 8,
	// or with stack, a push through a stack pointer in page 0. It does not
	// return.
	Crash(stack bool)
}

// Shell is the command interpreter on the console.
type Shell struct {
	cfg      Config
	commands []Command
	editor   *LineEditor
	// typeahead holds bytes that arrived while a command was running
	// (a pasted script during sleep); the editor reads them first.
	typeahead []byte
	halted    bool
	// lastStatus is the wait status of the last foreground program
	// (ranOne: there was one), for status.
	lastStatus uint32
	ranOne     bool
}

// NewShell builds a shell with the standard command table.
func NewShell(cfg Config) *Shell {
	if cfg.Lock == nil {
		cfg.Lock = new(lock.Kernel)
	}
	sh := &Shell{cfg: cfg, commands: Commands()}
	sh.editor = NewLineEditor(sh.nextByte, cfg.Out)
	return sh
}

func (sh *Shell) nextByte() (byte, error) {
	if len(sh.typeahead) > 0 {
		c := sh.typeahead[0]
		sh.typeahead = sh.typeahead[1:]
		return c, nil
	}
	c, ok := <-sh.cfg.In
	if !ok {
		return 0, io.EOF
	}
	return c, nil
}

// Run reads and executes command lines until halt or the end of input,
// which halts with status 0.
func (sh *Shell) Run() {
	for !sh.halted {
		io.WriteString(sh.cfg.Out, Prompt)
		line, err := sh.editor.ReadLine()
		switch {
		case errors.Is(err, ErrInterrupted):
			continue
		case err != nil:
			sh.Printf("\nend of input\n")
			sh.halt(0)
			return
		}
		sh.Exec(line)
	}
}

// Exec runs one command line. Every failure is reported as one line
// starting "error: "; a panicking handler is recovered and reported too.
func (sh *Shell) Exec(line string) {
	args, err := splitWords(line)
	if err != nil {
		sh.Errorf("%v", err)
		return
	}
	if len(args) == 0 {
		return
	}
	cmd := sh.lookup(args[0])
	if cmd == nil {
		sh.Errorf("unknown command %q (try help)", args[0])
		return
	}
	args = args[1:]
	if len(args) < cmd.MinArgs || (cmd.MaxArgs >= 0 && len(args) > cmd.MaxArgs) {
		sh.Errorf("usage: %s", cmd.Synopsis())
		return
	}
	defer func() {
		switch r := recover().(type) {
		case nil:
		case *arch.FaultError:
			// An unresolvable fault in the mapping window.
			sh.Printf("fault: %v\n", r)
		default:
			sh.Errorf("internal error in %s: %v", cmd.Name, r)
		}
	}()
	if !cmd.Unlocked {
		sh.cfg.Lock.Lock()
		defer sh.cfg.Lock.Unlock()
		// A process may have left its own address space in CR3.
		if sh.cfg.Spaces != nil {
			sh.cfg.Spaces.Activate()
		}
	}
	// Under the lock, before a fault's panic is reported: the address
	// spaces the OOM killer chose meanwhile are torn down and reported.
	defer sh.reapKilled()
	sh.refill()
	if err := cmd.Run(sh, args); err != nil {
		sh.Errorf("%s: %v", cmd.Name, err)
	}
}

// refill tops up the fault path's reserves (mm/vm/reserve.go): before
// every command, and between the pages a microbenchmark touches (outside
// its timing, so that no fault restocks).
func (sh *Shell) refill() {
	if sh.cfg.Spaces != nil {
		sh.cfg.Spaces.MM.Refill()
	}
}

// throttle runs between the pages a command touches: the goroutine-
// context half of the faults' own reclaim (vm.MM.Throttle), which writes
// back the filesystem pages a fault could not. The faults restock their
// reserves themselves.
func (sh *Shell) throttle() {
	if sh.cfg.Spaces != nil {
		sh.cfg.Spaces.MM.Throttle()
	}
}

func (sh *Shell) lookup(name string) *Command {
	for i := range sh.commands {
		if sh.commands[i].Name == name {
			return &sh.commands[i]
		}
	}
	return nil
}

// Printf writes to the console.
func (sh *Shell) Printf(format string, a ...any) {
	fmt.Fprintf(sh.cfg.Out, format, a...)
}

// Errorf prints one "error: " line.
func (sh *Shell) Errorf(format string, a ...any) {
	msg := strings.ReplaceAll(fmt.Sprintf(format, a...), "\n", " ")
	fmt.Fprintf(sh.cfg.Out, "error: %s\n", msg)
}

// Wait sleeps for d while keeping the console: Ctrl-C ends the wait early
// with ErrInterrupted, and any other byte typed meanwhile is kept for the
// next command line.
func (sh *Shell) Wait(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return nil
		case c, ok := <-sh.cfg.In:
			if !ok {
				<-t.C
				return nil
			}
			if c == ctrlC {
				sh.Printf("^C\n")
				return ErrInterrupted
			}
			sh.typeahead = append(sh.typeahead, c)
		}
	}
}

// halt syncs the filesystems (a failure is reported, and the machine
// stops anyway), then stops the machine.
func (sh *Shell) halt(status uint8) {
	if v := sh.cfg.VFS; v != nil {
		sh.cfg.Lock.Lock()
		err := v.Sync()
		sh.cfg.Lock.Unlock()
		if err != nil {
			sh.Errorf("halt: sync: %v", err)
		}
	}
	sh.Printf("pagoda: halt %d\n", status)
	sh.halted = true
	sh.cfg.Machine.Halt(status)
}
