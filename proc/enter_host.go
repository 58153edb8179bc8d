//go:build !tamago

package proc

import arch "github.com/pagoda-os/pagoda/arch/amd64"

// enter runs p in ring 3 until it comes back: on the host, Enter
// simulates the program.
func (t *Table) enter(p *Process) arch.ExitKind { return t.Enter(p.AS, p.regs) }
