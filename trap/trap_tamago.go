//go:build tamago

package trap

import (
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// Resolver resolves a page fault at addr in the mapping window. It returns
// ok, or the reason the fault cannot be resolved.
type Resolver func(addr mm.VirtAddr, code uint64) (ok bool, reason arch.Reason)

// cpuState is the policy's state of one CPU (see the package doc).
type cpuState struct {
	// resolver is the window's resolver on this CPU; nil: nothing is
	// mapped in the window, and every fault there is ReasonNotMapped.
	// Written by a goroutine on this CPU, read by its faults.
	resolver Resolver

	// probeFault is the fault a probe accessor took on this CPU (step
	// 1), for the goroutine that called it.
	probeFault struct {
		addr, code uint64
		reason     arch.Reason
	}
}

var (
	cpus [arch.MaxCPUs]cpuState

	// The mapping window, [windowStart, windowEnd), less the kernel's
	// hole [holeStart, holeEnd): the same on every CPU, set by Init.
	windowStart, windowEnd mm.VirtAddr
	holeStart, holeEnd     mm.VirtAddr

	// kernelTable is the kernel's page table, once the kernel has loaded
	// it (SetKernelTable): the handler checks against it that a stack can
	// take a redirect. The same on every CPU.
	kernelTable *pt.Table
)

// Init installs the trap policy as arch's handler for the window [start,
// end), the range where address spaces map, less the kernel's hole [hs,
// he) (a fault there is the kernel's own): arch.InitTraps then sets up
// the IDT and the boot CPU.
func Init(start, end, hs, he mm.VirtAddr) {
	windowStart, windowEnd = start, end
	holeStart, holeEnd = hs, he
	arch.BugHook = finishBugReport
	arch.InitTraps(handle)
}

// SetKernelTable records the kernel's page table, which the kernel has
// just loaded into CR3.
func SetKernelTable(t *pt.Table) { kernelTable = t }

// this is the calling CPU's state.
//
// Preconditions: Init has run.
func this() *cpuState { return &cpus[arch.ThisCPU().Index()] }

// SetWindowResolver makes r the window's resolver on this CPU: the
// current address space's, or a self-test's; nil resolves nothing.
//
// Preconditions: Init has run.
func SetWindowResolver(r Resolver) { this().resolver = r }

// WindowResolver is the window's resolver on this CPU.
func WindowResolver() Resolver { return this().resolver }

// ProbeFault describes the fault the last failed probe accessor took on
// this CPU.
func ProbeFault() *arch.FaultError {
	f := &this().probeFault
	return &arch.FaultError{Addr: f.addr, Access: arch.AccessOf(f.code), Reason: f.reason, Code: f.code}
}

// stackUsable reports whether the 64 bytes below sp are mapped writable,
// so that a trampoline call can be pushed there.
func stackUsable(sp uint64) bool {
	if kernelTable == nil {
		return true
	}
	for _, a := range [2]uint64{sp - 64, sp - 1} {
		_, e, ok := kernelTable.Translate(mm.VirtAddr(a))
		if !ok || e&pt.Writable == 0 {
			return false
		}
	}
	return true
}

// reasonOf is the reason a fault outside the window has: the error code's
// P bit tells a missing page from a protection violation.
func reasonOf(code uint64) arch.Reason {
	if code&arch.PFPresent != 0 {
		return arch.ReasonProtection
	}
	return arch.ReasonNotMapped
}

// handle is arch's trap handler: the policy of the package doc, for the
// trap f taken on CPU c.
func handle(c *arch.PerCPU, f *arch.TrapFrame, onG0 bool) {
	s := &cpus[c.Index()]
	var cr2 uint64
	if f.Vector == arch.VectorGeneralProtection && arch.FixupProbe(f) {
		// A probe of a non-canonical address raises #GP, not #PF.
		s.probeFault.addr, s.probeFault.code, s.probeFault.reason = 0, 0, arch.ReasonNotMapped
		return
	}
	if f.Vector == arch.VectorPageFault && arch.FixupCopy(f) {
		// A user copy: its caller resolves the fault in goroutine
		// context, for its own address space (not the window's).
		return
	}
	if f.Vector == arch.VectorPageFault {
		cr2 = arch.CR2()
		va := mm.VirtAddr(cr2)
		window := va >= windowStart && va < windowEnd && !(va >= holeStart && va < holeEnd) && !onG0
		reason := arch.ReasonNotMapped
		if window && f.Error&arch.PFPresent != 0 {
			reason = arch.ReasonProtection
		}
		if r := s.resolver; window && r != nil {
			// First the address space: a probe of the window faults on
			// it for real too, and fails only when this does.
			ok, why := r(va, f.Error)
			if ok {
				return
			}
			reason = why
		}
		if arch.FixupProbe(f) {
			s.probeFault.addr, s.probeFault.code, s.probeFault.reason = cr2, f.Error, reason
			if !window {
				s.probeFault.reason = reasonOf(f.Error)
			}
			return
		}
		if window && stackUsable(f.RSP) {
			f.RaiseFault(cr2, f.Error, reason)
			return
		}
	}
	reportBug(f, cr2, onG0)
	switch {
	case onG0 || f.Vector == arch.VectorDoubleFault:
		rawPrint("  (on the system stack: no goroutine stack to show)\n")
		boot.PanicHalt()
	case !stackUsable(f.RSP):
		rawPrint("  the stack pointer is not usable (a stack overflow?): no goroutine stack to show\n")
		boot.PanicHalt()
	}
	f.RaiseBug(cr2)
}
