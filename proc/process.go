package proc

import (
	"fmt"
	"io"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pagoda-os/pagoda/abi/linux"
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/lock"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// State is where a process is in its life.
type State uint8

const (
	Running  State = iota + 1 // runnable, in ring 3 or in a system call
	Sleeping                  // blocked in a system call (wait4, nanosleep, read)
	Zombie                    // exited; its parent has not waited for it yet
)

func (s State) String() string {
	switch s {
	case Running:
		return "R"
	case Sleeping:
		return "S"
	case Zombie:
		return "Z"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Process is a user program: one thread of control in ring 3 (its
// goroutine, run), an address space, open files, signal state. Every field
// is guarded by the big kernel lock.
type Process struct {
	PID, PPID int
	// pgid and sid are the process group and session (setpgid,
	// setsid): a program the shell starts leads both; a child
	// inherits them.
	pgid, sid int
	// Name is the program's name (Linux's comm): the base name of the
	// file it executes, at most 15 bytes.
	Name  string
	State State
	// AS is the address space (nil once it exited).
	AS   *vm.AddressSpace
	regs *arch.UserRegs
	// Files are the open file descriptors.
	files *fdTable
	// brkStart..brk is the heap (mm->start_brk, mm->brk).
	brkStart, brk mm.VirtAddr
	// sig is the signal state (signal.go).
	sig sigState
	// status is the wait status once a zombie: W_EXITCODE or the
	// terminating signal.
	status uint32
	// exiting: the goroutine leaves its loop at the next check.
	exiting bool
	// vforkDone is closed when a vfork child execs or exits (nil for
	// any other process): its parent waits on it.
	vforkDone chan struct{}
	// traced are the arguments of the call being served, kept for
	// strace's line after it (the registers may be replaced by then).
	traced [6]uint64
	// rwSmall is read's and write's kernel buffer for a transfer of
	// up to its size (sys_file.go readWrite).
	rwSmall [256]byte
	// clearTID is set_tid_address's address.
	clearTID uint64
	// cwd is the working directory.
	cwd string
	// argv, env and exe are what execve was given, the arguments, the
	// environment and the program's path (/proc/PID/cmdline, environ
	// and exe); a child of fork inherits them.
	argv, env []string
	exe       string
	// Foreground: the shell waits for this process; done is closed at
	// its exit.
	done chan struct{}
	// cpu is the CPU time it used (cputime.go); start is when it was
	// made, in clock ticks since boot.
	cpu   cpuTime
	start uint64
}

// Table is the process table: every process, by PID, and what the
// processes share (the kernel's memory manager, files, console and a way
// into ring 3). Its methods run under the big kernel lock, which Lock
// is; a process's goroutine holds it except in ring 3... strictly, it
// holds it in ring 3 too (see run), and lets go of it only to sleep or
// to yield.
type Table struct {
	Lock *lock.Kernel
	MM   *vm.MM
	// VFS is the filesystem tree; nil: no files.
	VFS *vfs.VFS
	// Console is where the standard output and error of a process
	// started by the shell go.
	Console io.Writer
	// Machine is the clock.
	Machine Machine
	// Enter runs regs in ring 3 in as until it comes back, and says
	// why (the rest of the exit in regs.Exit): host tests simulate a
	// program with it (enter_host.go). The kernel's processes enter
	// ring 3 directly (enter_tamago.go: CR3, the preemption timer,
	// arch.Switch) and leave it nil.
	Enter func(as *vm.AddressSpace, regs *arch.UserRegs) arch.ExitKind
	// Leave makes sure the CPU is not using as's page table (loads the
	// kernel's in CR3 if it is), before as is destroyed; nil on the host.
	Leave func(as *vm.AddressSpace)
	// Activate loads as in CR3 if it is not there (nil on the host): a
	// process that slept calls it on taking the big kernel lock back,
	// whose holders meanwhile loaded their own spaces, so that the rest
	// of its system call copies user memory the direct way (usermem.go).
	Activate func(as *vm.AddressSpace)
	// HWCap is AT_HWCAP: CPUID.01H:EDX.
	HWCap uint64
	// CPUID executes CPUID, for /proc/cpuinfo (nil: no text), and
	// TSCHz is the TSC's frequency, its cpu MHz.
	CPUID CPUIDFunc
	TSCHz uint64
	// Ticks counts the ticks of the timer that preempts programs,
	// TickVector is its vector and TickLen its period: the CPU times'
	// samples (cputime.go); nil: none, every CPU time is 0.
	Ticks      func() uint64
	TickVector uint8
	TickLen    time.Duration
	// MemTotal is all RAM in the firmware's map, in bytes: /proc/meminfo's
	// MemTotal (the shell's meminfo has the same).
	MemTotal uint64
	// Spaces are the shell's address spaces, whose fault counters
	// /proc/vmstat adds to the processes' as the shell's vmstat does
	// (nil: none).
	Spaces *Spaces
	// Strace logs every system call to Console while on.
	Strace bool

	procs   map[int]*Process
	nextPID int
	// cond wakes sleepers in wait4 and the shell's foreground wait; it
	// is tied to the big kernel lock. Sleep on it with wait and wake it
	// with wake, which counts the sleepers (guarded by the lock).
	cond     *sync.Cond
	sleepers int
	// Unknown counts calls of unimplemented system calls by number.
	Unknown map[uint64]uint64
	// reaped keeps the last exit statuses of the shell's children (ppid
	// 0), which the kernel reaps itself: by PID.
	reaped map[int]uint32
	rand   uint64
	// freed keeps the counters of destroyed address spaces.
	freed vm.Stats
	// pipeIno numbers pipes, for fstat (pipe.go).
	pipeIno uint64
	// tty is the console's line discipline (tty.go), fed by Input;
	// fgPgrp is its foreground process group (0: none).
	tty    *ldisc
	fgPgrp int
	// inputClosed: the console's input ended.
	inputClosed bool
	// exitedCPU is the CPU time of the processes that exited.
	exitedCPU struct{ user, system uint64 }
	// init is the process SpawnInit started as PID 1 (init.go), nil
	// if none did; it stays set once init is a zombie.
	init *Process
}

// NewTable makes an empty process table.
func NewTable(big *lock.Kernel, m *vm.MM, files *vfs.VFS, console io.Writer, machine Machine,
	enter func(*vm.AddressSpace, *arch.UserRegs) arch.ExitKind) *Table {
	t := &Table{Lock: big, MM: m, VFS: files, Console: console, Machine: machine, Enter: enter,
		procs: map[int]*Process{}, nextPID: 1, tty: newLdisc(), Unknown: map[uint64]uint64{}, reaped: map[int]uint32{}}
	t.cond = big.NewCond()
	if machine != nil {
		t.rand = machine.Cycles() | 1
	}
	return t
}

// List returns the processes by PID.
func (t *Table) List() []*Process {
	var out []*Process
	for _, p := range t.procs {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Process) int { return a.PID - b.PID })
	return out
}

// Get returns process pid, or nil.
func (t *Table) Get(pid int) *Process { return t.procs[pid] }

func (t *Table) newPID() int {
	for {
		pid := t.nextPID
		t.nextPID++
		if t.nextPID > 1<<22 { // PID_MAX_LIMIT
			t.nextPID = 2
		}
		if t.procs[pid] == nil {
			return pid
		}
	}
}

// Spawn starts the program at file with argv and envp as a child of the
// shell (PPID 0), its standard streams on the console; it returns the
// process, already running. Errors are execve's, with its errno.
func (t *Table) Spawn(file string, argv, envp []string) (*Process, error) {
	return t.spawnAs(t.newPID(), file, argv, envp)
}

// spawnAs is Spawn with the PID chosen (free).
func (t *Table) spawnAs(pid int, file string, argv, envp []string) (*Process, error) {
	p := &Process{PID: pid, State: Running, files: newFDTable(), cwd: "/", done: make(chan struct{}), start: ticks(t.now())}
	p.pgid, p.sid = p.PID, p.PID
	con := &consoleFile{t: t}
	for fd := 0; fd < 3; fd++ {
		p.files.install(fd, con, false)
	}
	if err := t.exec(p, file, argv, envp); err != 0 {
		p.files.closeAll()
		return nil, fmt.Errorf("%s: %s (%w)", file, strings.ToLower(err.Message()), err)
	}
	t.procs[p.PID] = p
	go t.run(p)
	return p, nil
}

// run is a process's goroutine: it enters ring 3 and serves whatever
// brings it back, under the big kernel lock, until the process exits.
//
// The lock is held in ring 3 too: while ring 3 runs nothing else runs on
// the CPU, and holding it means that whoever takes it next finds CR3 as
// this process left it and loads its own (the shell: Spaces.Activate).
// It is let go on an interrupt (the scheduler then runs the goroutines
// the interrupt woke: preemption), and by a system call that sleeps.
func (t *Table) run(p *Process) {
	t.Lock.Lock()
	defer t.Lock.Unlock()
	t.resume(p)
	for !p.exiting {
		// The test deliverSignals would make first, here: this loop
		// turns once per system call.
		if p.sig.pending != 0 || p.sig.restore {
			t.deliverSignals(p)
			if p.exiting {
				break
			}
		}
		switch t.enter(p) {
		case arch.ExitSyscall:
			// Dispatch (syscall.go) inline: this is the path of
			// every system call. Unknown numbers and strace go the
			// long way.
			r := p.regs
			if nr := r.RAX; nr < maxSyscall && sysTable[nr] != nil && !t.Strace {
				ret, errno := sysTable[nr](t, p, r.SyscallArgs())
				if errno != 0 {
					ret = uint64(-int64(errno))
				}
				p.regs.RAX = ret // rt_sigreturn's and execve's new registers (syscall)
			} else {
				t.syscall(p)
			}
		case arch.ExitException:
			t.exception(p, p.regs.Exit)
		case arch.ExitInterrupt:
			if p.regs.Exit.Vector == t.TickVector && t.Ticks != nil {
				p.cpu.user++ // the timer found it in ring 3 (cputime.go)
			}
			t.yield(p)
		}
	}
	t.release(p)
	t.finish(p)
}

// exception serves a CPU exception taken in ring 3: a page fault is
// resolved by the address space, in goroutine context (it may wait for
// the disk); what cannot be resolved, and every other exception, is a
// signal (Linux's do_user_addr_fault, do_trap).
func (t *Table) exception(p *Process, e arch.Exit) {
	switch e.Vector {
	case arch.VectorPageFault:
		access := vm.Read
		switch {
		case e.Error&arch.PFFetch != 0:
			access = vm.Exec
		case e.Error&arch.PFWrite != 0:
			access = vm.Write
		}
		// The atomic path, then a retry that refills the reserves and
		// sleeps on the disk for a file or swap page (vm retry.go).
		r := p.AS.HandleFaultRetry(mm.VirtAddr(e.CR2), access)
		if debugFaults {
			fmt.Fprintf(t.Console, "[pid %d] fault %v rip %#x -> %v\n", p.PID, e, p.regs.RIP, r)
		}
		switch r {
		case vm.Resolved:
			return
		case vm.SegvNotMapped:
			t.fault(p, linux.SIGSEGV, linux.SEGV_MAPERR, e, r)
		case vm.SegvProtection:
			t.fault(p, linux.SIGSEGV, linux.SEGV_ACCERR, e, r)
		case vm.SigBus:
			t.fault(p, linux.SIGBUS, linux.BUS_ADRERR, e, r)
		case vm.SigBusIO:
			t.fault(p, linux.SIGBUS, linux.BUS_OBJERR, e, r)
		case vm.OOM:
			// VM_FAULT_OOM: the OOM killer's business; the process
			// could not go on, so it dies as Linux's victim would.
			t.report(p, linux.SIGKILL, fmt.Sprintf("out of memory at %#x", e.CR2))
			t.terminate(p, linux.SIGKILL)
		}
	case arch.VectorDivideError:
		t.fault(p, linux.SIGFPE, linux.FPE_INTDIV, e, 0)
	case arch.VectorInvalidOpcode:
		t.fault(p, linux.SIGILL, linux.ILL_ILLOPN, e, 0)
	case arch.VectorBreakpoint, arch.VectorDebug:
		t.fault(p, linux.SIGTRAP, linux.SI_KERNEL, e, 0)
	case arch.VectorSIMDException, arch.VectorX87Exception:
		t.fault(p, linux.SIGFPE, 0, e, 0)
	case arch.VectorAlignmentCheck:
		t.fault(p, linux.SIGBUS, linux.BUS_ADRALN, e, 0)
	default: // #GP, #SS, #NP and the rest: SIGSEGV with SI_KERNEL, address 0
		t.fault(p, linux.SIGSEGV, linux.SI_KERNEL, e, 0)
	}
}

// exec replaces p's program with file's (execve's second half once the
// arguments are in the kernel): a new address space with the image and
// its stack, fresh registers, default handlers for caught signals,
// close-on-exec descriptors closed. On failure p is as it was.
func (t *Table) exec(p *Process, file string, argv, envp []string) linux.Errno {
	if t.VFS == nil {
		return linux.ENOENT
	}
	as, regs, brk, err := t.load(file, argv, envp)
	if err != 0 {
		return err
	}
	old := p.AS
	p.AS, p.regs = as, regs
	p.brkStart, p.brk = brk, brk
	if old != nil {
		t.destroy(old)
	}
	name := path.Base(file)
	if len(name) > 15 {
		name = name[:15]
	}
	p.Name = name
	p.argv, p.env, p.exe = slices.Clone(argv), slices.Clone(envp), file
	p.sig.exec()
	p.files.closeOnExec()
	if p.vforkDone != nil {
		close(p.vforkDone)
		p.vforkDone = nil
	}
	return 0
}

// fork makes a child of p with a copy-on-write copy of its address
// space, its descriptors and signal handlers (Linux's copy_process with
// fork's flags); the child returns 0 from the call. vfork: the parent
// sleeps until the child execs or exits.
func (t *Table) fork(p *Process, vfork bool) (int, linux.Errno) {
	return t.forkWith(p, vfork, nil)
}

// forkWith is fork with setup run on the child before it starts (clone's
// stack, TLS and TID arguments).
func (t *Table) forkWith(p *Process, vfork bool, setup func(c *Process) linux.Errno) (int, linux.Errno) {
	t.MM.Refill()
	as, err := p.AS.Fork()
	if err != nil {
		return 0, linux.ErrnoOf(err)
	}
	c := &Process{PID: t.newPID(), PPID: p.PID, pgid: p.pgid, sid: p.sid, Name: p.Name, State: Running, AS: as,
		regs: p.regs.Clone(), files: p.files.dup(), brkStart: p.brkStart, brk: p.brk, cwd: p.cwd,
		argv: p.argv, env: p.env, exe: p.exe, start: ticks(t.now())}
	c.sig = p.sig.fork()
	c.regs.RAX = 0
	if setup != nil {
		if e := setup(c); e != 0 {
			c.files.closeAll()
			as.Destroy()
			return 0, e
		}
	}
	t.procs[c.PID] = c
	var done chan struct{}
	if vfork {
		done = make(chan struct{})
		c.vforkDone = done
	}
	go t.run(c)
	t.unlocked(p, func() {
		if done != nil {
			<-done
		} else {
			// The child runs first (Linux's sched_child_runs_first): a
			// child that execs at once drops its references to the
			// parent's pages before the parent writes them, so the
			// parent's next writes reuse its frames in place instead
			// of copying them.
			runtime.Gosched()
		}
	})
	return c.PID, 0
}

// terminate ends p with sig (0: by exit, with p.status already set).
func (t *Table) terminate(p *Process, sig linux.Signal) {
	if sig != 0 {
		p.status = uint32(sig)
		if linux.DefaultAction(sig) == linux.ActionCore {
			p.status |= 0x80
		}
	}
	p.exiting = true
}

// exitWith ends p with exit status code (exit_group).
func (t *Table) exitWith(p *Process, code int) {
	p.status = uint32(code&0xff) << 8
	p.exiting = true
}

// finish releases everything p owns and makes it a zombie for its
// parent, or reaps it when the shell is the parent. Its children go to
// init, or without one to the shell (PPID 0), which reaps them as they
// exit (init.go).
func (t *Table) finish(p *Process) {
	p.files.closeAll()
	if p.AS != nil {
		t.destroy(p.AS)
		p.AS = nil
	}
	if p.vforkDone != nil {
		close(p.vforkDone)
		p.vforkDone = nil
	}
	t.reparent(p)
	user, system := t.times(p)
	t.exitedCPU.user += user
	t.exitedCPU.system += system
	p.State = Zombie
	if parent := t.procs[p.PPID]; parent != nil {
		t.signal(parent, linux.SIGCHLD)
	} else {
		t.reap(p)
	}
	if p.done != nil {
		close(p.done)
	}
	t.wake()
}

// destroy frees an address space, first taking it out of CR3; its
// counters go to the table's total (vmstat).
func (t *Table) destroy(as *vm.AddressSpace) {
	if t.Leave != nil {
		t.Leave(as)
	}
	t.freed.Add(as.Stats)
	as.Destroy()
}

// Totals sums the fault counters of every process's address space,
// those of the exited ones included.
func (t *Table) Totals() vm.Stats {
	s := t.freed
	for _, p := range t.procs {
		if p.AS != nil {
			s.Add(p.AS.Stats)
		}
	}
	return s
}

// reap removes zombie p from the table.
func (t *Table) reap(p *Process) {
	if p.PPID == 0 {
		t.reaped[p.PID] = p.status
	}
	delete(t.procs, p.PID)
}

// Wait sleeps until p has exited and returns its wait status. The
// caller holds the big kernel lock, which Wait lets go of while it
// sleeps; interrupt, when it returns true, stops the wait early (ok
// false).
func (t *Table) Wait(p *Process) (status uint32) {
	for p.State != Zombie {
		t.condWait()
	}
	if s, ok := t.reaped[p.PID]; ok {
		status = s
		delete(t.reaped, p.PID)
		return status
	}
	return p.status
}

// Input hands bytes typed at the console to the terminal's line
// discipline (tty.go), for the program reading it.
func (t *Table) Input(b []byte) { t.ttyInput(b) }

// TakeInput returns the console bytes no program read, and forgets
// them: when the foreground program exits, the shell reads them, as a
// terminal's typed-ahead input goes to whoever reads it next.
func (t *Table) TakeInput() []byte { return t.tty.takeAll() }

// CloseInput says the console's input ended: reads return 0 once
// what was typed is read.
func (t *Table) CloseInput() {
	t.inputClosed = true
	t.wake()
}

// Done is closed when p has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Status is p's wait status once it exited.
func (p *Process) Status() uint32 { return p.status }

// random returns 64 bits of the kernel's generator: xorshift64* seeded
// from the cycle counter, for AT_RANDOM and getrandom. Not for keys.
func (t *Table) random() uint64 {
	x := t.rand
	if x == 0 {
		x = 0x9e3779b97f4a7c15
	}
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	t.rand = x
	return x * 0x2545f4914f6cdd1d
}

// wake wakes every sleeper in wait, if there is one: a pipe's write and
// read call it each time, and most find nobody asleep.
//
// Preconditions: the caller holds the big kernel lock.
func (t *Table) wake() {
	if t.sleepers > 0 {
		t.cond.Broadcast()
	}
}

// mem is p's user memory.
func (t *Table) mem(p *Process) userMemory {
	return userMemory{as: p.AS, m: t.MM}
}

var debugFaults = false
