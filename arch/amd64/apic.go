package amd64

import (
	"errors"
	"fmt"
)

// The interrupt controllers: the local APIC (SDM 3A chapter 11) and the
// I/O APIC (Intel 82093AA datasheet, "IOAPIC"). This file holds their
// register layout and the encodings, which the host tests check;
// apic_tamago.go touches the registers.

// Local APIC registers (SDM 3A 11.4.1, Table 11-1), at LAPICBase.
const (
	LAPICBase         = 0xfee0_0000
	lapicTPR          = 0x080 // task priority
	lapicEOI          = 0x0b0
	lapicSVR          = 0x0f0 // spurious interrupt vector
	lapicLVTTimer     = 0x320
	lapicLVTThermal   = 0x330
	lapicLVTPerf      = 0x340
	lapicLVTLINT0     = 0x350
	lapicLVTError     = 0x370
	lapicInitialCount = 0x380
	lapicCurrentCount = 0x390 // read-only: counts down to 0 (SDM 3A 11.5.4)
	lapicDivide       = 0x3e0

	lapicSVREnable = 1 << 8  // APIC software enable, SDM 3A 11.9
	lapicLVTMasked = 1 << 16 // SDM 3A 11.5.1, Figure 11-8
	lapicDivideBy1 = 0b1011  // SDM 3A 11.5.4, Figure 11-10; timer mode bits 17-18 = 00 is one-shot
)

// Vectors. 0-31 are the CPU's exceptions; 32-254 are external interrupts
// (IRQs), delivered to ServeIRQs; 255 is the local APIC's spurious vector
// (SVR), which the stub returns from without an EOI (SDM 3A 11.9).
const (
	FirstIRQVector = 32
	VectorSpurious = 0xff
)

// IOAPIC registers: an index register and a data window, 32 bits each,
// and the indirect registers behind them (82093AA 3.0, 3.2).
const (
	ioapicRegSel  = 0x00
	ioapicWindow  = 0x10
	ioapicVersion = 0x01 // bits 0-7 version, 16-23 maximum redirection entry
	ioapicRedir0  = 0x10 // entry n: low dword 0x10+2n, high dword 0x11+2n
)

// Redirection entry bits (82093AA 3.2.4).
const (
	redirVector       = 0xff    // bits 0-7
	redirDeliveryMode = 7 << 8  // 000 fixed
	redirDestLogical  = 1 << 11 // 0: physical destination (an APIC ID)
	redirActiveLow    = 1 << 13 // 0: active high
	redirLevel        = 1 << 15 // 0: edge triggered
	redirMasked       = 1 << 16
	redirDestShift    = 56 // bits 56-63: destination APIC ID
)

// IOAPIC is one I/O APIC: its MMIO base and the first GSI (global system
// interrupt) its pin 0 carries.
type IOAPIC struct {
	Base    uint64
	GSIBase int
	// Pins is the number of redirection entries (24 on QEMU), read from
	// the version register when the IOAPIC is found.
	Pins int
}

// Errors of interrupt routing and registration.
var (
	ErrVector = errors.New("amd64: vector not usable for an IRQ")
	ErrGSI    = errors.New("amd64: no IOAPIC carries this GSI")
	ErrBusy   = errors.New("amd64: vector already has a handler")

	ErrTimerRange = errors.New("amd64: LAPIC timer delay out of range")
)

// RedirectionEntry encodes a redirection entry that delivers an interrupt
// with fixed delivery mode to vector on the local APIC whose ID is dest,
// edge-triggered and active-high, unmasked (82093AA 3.2.4).
//
// Edge triggering on a virtio-mmio line: QEMU's virtio-mmio asserts its
// line as a level while InterruptStatus is non-zero, and the IOAPIC sees
// an edge only when it rises. A driver that acknowledges InterruptStatus
// (InterruptACK) before it harvests the used ring loses nothing: a
// completion after the acknowledgement raises the line again, which is a
// new edge, and one before it is found by the harvest. Acknowledging after
// the harvest could leave the line high with nothing to re-raise it.
func RedirectionEntry(vector uint8, dest uint8) uint64 {
	return uint64(vector)&redirVector | uint64(dest)<<redirDestShift
}

// MaskedEntry is the redirection entry of an unused pin.
const MaskedEntry = redirMasked

// checkIRQVector reports whether v may carry an external interrupt.
func checkIRQVector(v int) error {
	if v < FirstIRQVector || v >= VectorSpurious {
		return fmt.Errorf("%w: %d (have %d..%d)", ErrVector, v, FirstIRQVector, VectorSpurious-1)
	}
	return nil
}

// pinOf finds the IOAPIC and pin that carry gsi.
func pinOf(ioapics []IOAPIC, gsi int) (IOAPIC, int, error) {
	for _, a := range ioapics {
		if gsi >= a.GSIBase && gsi < a.GSIBase+a.Pins {
			return a, gsi - a.GSIBase, nil
		}
	}
	return IOAPIC{}, 0, fmt.Errorf("%w: %d", ErrGSI, gsi)
}

// ioapicPins decodes the version register: the number of redirection
// entries, or 0 if the value cannot come from an IOAPIC (an absent one
// reads as all zeros or all ones).
func ioapicPins(version uint32) int {
	v, maxEntry := version&0xff, version>>16&0xff
	if v == 0 || v == 0xff || maxEntry == 0 || maxEntry == 0xff {
		return 0
	}
	return int(maxEntry) + 1
}
