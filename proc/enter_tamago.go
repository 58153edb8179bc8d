//go:build tamago

package proc

import arch "github.com/pagoda-os/pagoda/arch/amd64"

// enter runs p in ring 3 until it comes back, and says why (the rest of
// the exit in p.regs.Exit): p's space in CR3, the preemption timer
// armed, arch.Switch. The timer is armed again only once it has fired,
// so that a program making system calls pays one LAPIC read on each, not
// a write (the self-tests that use the timer stop it when done). This
// runs on every system call, in the process's goroutine: no closure, and
// Switch inlined. (Table.Enter stands in for it in host tests only.)
func (t *Table) enter(p *Process) arch.ExitKind {
	if root := uint64(p.AS.Root()); arch.LoadedRoot() != root {
		arch.LoadCR3(root)
	}
	if !arch.LAPICTimerRunning() {
		arch.ArmLAPICTimer(int(t.TickVector), t.TickLen)
	}
	return arch.Switch(p.regs)
}
