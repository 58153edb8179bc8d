//go:build tamago

package kernel

import (
	"fmt"
	"sync"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/boot"
)

// The kernel's interrupt wiring. arch/amd64 delivers each vector's
// interrupts to a Go handler in one service goroutine (arch.ServeIRQs);
// here the kernel finds the IOAPICs, gives each GSI its own vector, and
// keeps the names the interrupts command shows.
//
// A driver is wired in two calls, for example for virtio-blk:
//
//	kernel.AttachVirtioIRQ(slotBase, "virtio-blk", disk.Interrupt)
//	disk.EnableInterrupts()
//
// disk.Interrupt then runs in the service goroutine after the device's
// line fired: never in the interrupt stub itself.

// Vectors: GSI n is vector gsiVectorBase+n (GSIs 0-47 on microvm: vectors
// 0x20-0x4f); the self-test's LAPIC timer uses VectorSelftestTimer.
const (
	gsiVectorBase       = 0x20
	VectorSelftestTimer = 0xf0
)

var (
	// ioapics are the IOAPICs found by StartInterrupts.
	ioapics []arch.IOAPIC

	// routesMu guards routes: the GSI each vector is routed from.
	routesMu sync.Mutex
	routes   = map[int]int{}
)

// StartInterrupts finds microvm's IOAPICs, puts the local APIC in a known
// state, enables interrupts and starts the service goroutine. It returns
// a line for the boot log.
//
// Preconditions: InitTraps has run.
func StartInterrupts() string {
	msg := "interrupts on:"
	for _, c := range []struct {
		base    uint64
		gsiBase int
	}{{boot.IOAPIC0Base, 0}, {boot.IOAPIC1Base, boot.IOAPIC1GSIBase}} {
		if a, ok := arch.ProbeIOAPIC(c.base, c.gsiBase); ok {
			ioapics = append(ioapics, a)
			msg += fmt.Sprintf(" IOAPIC at %#x (GSI %d-%d)", a.Base, a.GSIBase, a.GSIBase+a.Pins-1)
		}
	}
	arch.InitIRQs(ioapics)
	boot.OnIdle = arch.WakeService
	go arch.ServeIRQs()
	return msg
}

// AttachIRQ routes gsi to a vector of its own and makes fn its handler,
// called in the service goroutine after the line fired.
func AttachIRQ(gsi int, name string, fn func()) error {
	v := gsiVectorBase + gsi
	if gsi < 0 || v >= VectorSelftestTimer {
		return fmt.Errorf("%w: %d", arch.ErrGSI, gsi)
	}
	if err := arch.HandleIRQ(v, name, fn); err != nil {
		return err
	}
	if err := arch.RouteIRQ(ioapics, gsi, v); err != nil {
		return err
	}
	routesMu.Lock()
	routes[v] = gsi
	routesMu.Unlock()
	return nil
}

// AttachVirtioIRQ attaches fn to the line of the virtio-mmio transport at
// base (boot.VirtioGSI says which GSI that is).
func AttachVirtioIRQ(base boot.PhysAddr, name string, fn func()) error {
	ioapic1 := false
	for _, a := range ioapics {
		ioapic1 = ioapic1 || a.GSIBase == boot.IOAPIC1GSIBase
	}
	gsi, err := boot.VirtioGSI(boot.Info().Cmdline, ioapic1, base)
	if err != nil {
		return err
	}
	return AttachIRQ(gsi, name, fn)
}

// Interrupts reports every vector that has a handler or has fired.
func Interrupts() arch.IRQReport {
	var r arch.IRQReport
	routesMu.Lock()
	defer routesMu.Unlock()
	for v := arch.FirstIRQVector; v <= arch.VectorSpurious; v++ {
		n, name := arch.IRQCount(v), arch.IRQName(v)
		if n == 0 && name == "" {
			continue
		}
		gsi, ok := routes[v]
		if !ok {
			gsi = -1
		}
		r.Lines = append(r.Lines, arch.IRQLine{Vector: v, GSI: gsi, Count: n, Name: name})
	}
	r.WakeMisses = arch.IRQWakeMisses()
	return r
}
