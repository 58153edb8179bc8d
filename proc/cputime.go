package proc

import (
	"runtime"
	"time"
)

// CPU time, as Linux's tick-based accounting (account_process_tick): a
// timer tick that finds a process in ring 3 is a tick of its user time,
// one that finds it in the kernel serving it (a system call, a fault, a
// signal) a tick of its system time. The tick is the preemption timer,
// which runs while programs do: Table.Ticks counts its interrupts and
// TickVector is its vector. A tick in ring 3 brings the process back
// with that vector (ExitInterrupt): a user tick. A process's ticks on
// the CPU are those between its taking the big kernel lock and its
// letting go (a sleep, a yield, its exit); its system time is those
// less its user ticks. Nothing is read per system call: reading the
// TSC at each crossing made getpid 26% longer (bench -t under ICOUNT),
// reading the tick count there 16%. /proc/PID/stat shows the times and the start time in clock
// ticks (USER_HZ, 100 a second); /proc/stat and /proc/uptime the totals
// and the idle time (one CPU: the time no process was charged). Like
// Linux's ticks, they are samples: a process that runs less than a
// tick may get none.

// cpuTime is a process's CPU time, in timer ticks.
type cpuTime struct {
	// user counts the ticks that found it in ring 3, onCPU those while
	// it held the CPU, user ones included.
	user, onCPU uint64
	// resumed is the tick count when it last took the CPU.
	resumed uint64
}

// userHZ is the clock tick of the times /proc shows (USER_HZ).
const userHZ = 100

// ticks is d in clock ticks.
func ticks(d time.Duration) uint64 { return uint64(d / (time.Second / userHZ)) }

// timerTicks reads the timer's tick count (0 without a timer).
func (t *Table) timerTicks() uint64 {
	if t.Ticks == nil {
		return 0
	}
	return t.Ticks()
}

// duration is n timer ticks.
func (t *Table) duration(n uint64) time.Duration { return time.Duration(n) * t.TickLen }

// resume and release mark p's taking and letting go of the CPU (the big
// kernel lock); resume loads p's address space in CR3 again (Activate).
func (t *Table) resume(p *Process) {
	p.cpu.resumed = t.timerTicks()
	if t.Activate != nil && p.AS != nil {
		t.Activate(p.AS)
	}
}
func (t *Table) release(p *Process) { p.cpu.onCPU += t.timerTicks() - p.cpu.resumed }

// wait sleeps on the table's condition variable as p, until a wake
// (counted in sleepers, so that a wake with nobody asleep costs nothing).
//
// Preconditions: the caller holds the big kernel lock.
func (t *Table) wait(p *Process) {
	t.release(p)
	t.condWait()
	t.resume(p)
}

// condWait sleeps on the table's condition variable until a wake,
// counted in sleepers. Preconditions: the caller holds the lock.
func (t *Table) condWait() {
	t.sleepers++
	t.cond.Wait()
	t.sleepers--
}

// unlocked runs f without the big kernel lock: a sleep or a yield.
func (t *Table) unlocked(p *Process, f func()) {
	t.release(p)
	t.Lock.Unlock()
	f()
	t.Lock.Lock()
	t.resume(p)
}

// yield lets the goroutines an interrupt woke run (preemption).
func (t *Table) yield(p *Process) { t.unlocked(p, runtime.Gosched) }

// times are q's user and system ticks, up to its last letting go of
// the CPU (a process that computes lets go at each of its user ticks:
// its ticks since are at most one).
func (t *Table) times(q *Process) (user, system uint64) {
	return q.cpu.user, q.cpu.onCPU - min(q.cpu.onCPU, q.cpu.user)
}

// cpuTotal is the CPU time of every process, those that exited
// included: /proc/stat's user and system.
func (t *Table) cpuTotal() (user, system time.Duration) {
	u, s := t.exitedCPU.user, t.exitedCPU.system
	for _, q := range t.procs {
		if q.State != Zombie {
			qu, qs := t.times(q)
			u += qu
			s += qs
		}
	}
	return t.duration(u), t.duration(s)
}

// idle is the time no process was charged: the uptime less every
// process's CPU time (one CPU; the kernel shell's own work counts as
// idle).
func (t *Table) idle() time.Duration {
	user, system := t.cpuTotal()
	return max(0, t.now()-user-system)
}
