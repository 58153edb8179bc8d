//go:build tamago

package amd64

import (
	"sync"
	"sync/atomic"
	"time"
)

// The local APIC's and IOAPICs' registers, memory-mapped below 4 GiB and
// reached through the direct map (DirectMapBase + physical), uncached in
// every kernel page table. The atomics keep the compiler from
// merging or dropping the MMIO accesses.

func mmio32(a uint64) *uint32 { return (*uint32)(at(uintptr(DirectMapBase + a))) }

func lapicRead(off uintptr) uint32     { return atomic.LoadUint32(mmio32(LAPICBase + uint64(off))) }
func lapicWrite(off uintptr, v uint32) { atomic.StoreUint32(mmio32(LAPICBase+uint64(off)), v) }

// ioapicMu serializes the IOAPICs' select-then-access register pairs.
var ioapicMu sync.Mutex

func ioapicRead(a IOAPIC, reg uint32) uint32 {
	atomic.StoreUint32(mmio32(a.Base+ioapicRegSel), reg)
	return atomic.LoadUint32(mmio32(a.Base + ioapicWindow))
}

func ioapicWrite(a IOAPIC, reg, v uint32) {
	atomic.StoreUint32(mmio32(a.Base+ioapicRegSel), reg)
	atomic.StoreUint32(mmio32(a.Base+ioapicWindow), v)
}

// ioapicWriteEntry writes pin's redirection entry, masking it first so
// that a half-written entry never delivers (high dword, then low).
func ioapicWriteEntry(a IOAPIC, pin int, e uint64) {
	ioapicMu.Lock()
	reg := uint32(ioapicRedir0 + 2*pin)
	ioapicWrite(a, reg, redirMasked)
	ioapicWrite(a, reg+1, uint32(e>>32))
	ioapicWrite(a, reg, uint32(e))
	ioapicMu.Unlock()
}

// ProbeIOAPIC reads the version register of an IOAPIC that may be at
// base, carrying GSIs from gsiBase. ok is false when nothing answers
// there like an IOAPIC.
func ProbeIOAPIC(base uint64, gsiBase int) (a IOAPIC, ok bool) {
	a = IOAPIC{Base: base, GSIBase: gsiBase}
	ioapicMu.Lock()
	a.Pins = ioapicPins(ioapicRead(a, ioapicVersion))
	ioapicMu.Unlock()
	return a, a.Pins > 0
}

// RouteIRQ programs the redirection entry of gsi, on whichever of ioapics
// carries it, to deliver vector to the local APIC with ID 0 (the only
// CPU): fixed delivery, physical destination, edge-triggered, active-high,
// unmasked (RedirectionEntry says why edge triggering suits virtio-mmio).
func RouteIRQ(ioapics []IOAPIC, gsi, vector int) error {
	if err := checkIRQVector(vector); err != nil {
		return err
	}
	a, pin, err := pinOf(ioapics, gsi)
	if err != nil {
		return err
	}
	ioapicWriteEntry(a, pin, RedirectionEntry(uint8(vector), 0))
	return nil
}

// lapicTimerHz is the local APIC timer's rate at divide-by-1: QEMU's APIC
// (TCG) counts nanoseconds, and KVM's runs its bus at 1 GHz.
const lapicTimerHz = 1_000_000_000

// ArmLAPICTimer makes the local APIC timer raise vector once, d from now
// (one-shot mode, divide by 1, SDM 3A 11.5.4). d is at most about 4.29 s.
func ArmLAPICTimer(vector int, d time.Duration) error {
	if err := checkIRQVector(vector); err != nil {
		return err
	}
	count := uint64(d) * lapicTimerHz / uint64(time.Second)
	if d <= 0 || count > 0xffff_ffff {
		return ErrTimerRange
	}
	lapicWrite(lapicDivide, lapicDivideBy1)
	lapicWrite(lapicLVTTimer, uint32(vector)) // one-shot, unmasked
	lapicWrite(lapicInitialCount, uint32(max(count, 1)))
	return nil
}

// LAPICTimerRunning reports whether the local APIC timer is counting
// down (armed and not yet fired).
func LAPICTimerRunning() bool { return lapicRead(lapicCurrentCount) != 0 }

// StopLAPICTimer stops and masks the local APIC timer.
func StopLAPICTimer() {
	lapicWrite(lapicInitialCount, 0)
	lapicWrite(lapicLVTTimer, lapicLVTMasked)
}

// lapicEOIAddr is the local APIC's EOI register in the direct map, where
// the interrupt stub (irq_tamago.s) writes it.
var lapicEOIAddr uint64 = DirectMapBase + LAPICBase + lapicEOI
