package proc

import "time"

// CPU time, as Linux's task accounting with precise timestamps
// (CONFIG_VIRT_CPU_ACCOUNTING_GEN): a process's user time is the time
// its goroutine spent in Enter (ring 3, with the interrupts taken
// there), its system time the time it spent serving its system calls
// and exceptions, less the time it slept in them (wait, unlocked).
// /proc/PID/stat shows both, and its start time, in clock ticks
// (USER_HZ, 100 a second); /proc/stat and /proc/uptime the totals and
// the idle time (one CPU: whatever no process used).

// cpuTime is a process's CPU time.
type cpuTime struct {
	user, system time.Duration
	// off is the time the current system call slept, to take out of
	// its system time.
	off time.Duration
}

// userHZ is the clock tick of the times /proc shows (USER_HZ).
const userHZ = 100

// ticks is d in clock ticks.
func ticks(d time.Duration) uint64 { return uint64(d / (time.Second / userHZ)) }

// wait sleeps on the table's condition variable as p, whose system
// time it does not count.
func (t *Table) wait(p *Process) {
	t0 := t.now()
	t.cond.Wait()
	p.cpu.off += t.now() - t0
}

// unlocked runs f without the big kernel lock, its time not p's system
// time: a sleep or a yield in a system call.
func (t *Table) unlocked(p *Process, f func()) {
	t0 := t.now()
	t.Lock.Unlock()
	f()
	t.Lock.Lock()
	p.cpu.off += t.now() - t0
}

// chargeSystem adds the time since t0, less what p slept, to p's system
// time.
func (t *Table) chargeSystem(p *Process, t0 time.Duration) {
	if d := t.now() - t0 - p.cpu.off; d > 0 {
		p.cpu.system += d
	}
	p.cpu.off = 0
}

// cpuTotal is the CPU time of every process, those that exited
// included: /proc/stat's user and system.
func (t *Table) cpuTotal() (user, system time.Duration) {
	user, system = t.exitedCPU.user, t.exitedCPU.system
	for _, q := range t.procs {
		if q.State != Zombie {
			user += q.cpu.user
			system += q.cpu.system
		}
	}
	return user, system
}

// idle is the time no process used: the uptime less every process's
// CPU time (one CPU; the kernel shell's own work counts as idle).
func (t *Table) idle() time.Duration {
	user, system := t.cpuTotal()
	return max(0, t.now()-user-system)
}
