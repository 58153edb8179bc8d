//go:build tamago

package amd64

//go:generate go run mkvectors.go

// The IDT (vectors_tamago.s, written by mkvectors.go). Exception v (0-31)
// has a stub of its own, exception<v>, which pushes a 0 error code where
// the CPU pushes none and the vector, and jumps to trapCommon
// (trap_tamago.s): the page fault's path has no instruction to spare.
// External interrupt v (32-255) points at entry v-32 of vectorTable, a
// 5-byte CALL to irqEntry (irq_tamago.s), which computes v from the
// return address the CALL pushed: 224 vectors, one entry point. All CPUs
// share the IDT: a gate names an IST slot (SDM 3A 6.14.5), and each CPU's
// own TSS says where that slot's stack is.

const (
	vectorStubSize = 5    // CALL rel32
	interruptGate  = 0x8e // P, DPL 0, 64-bit interrupt gate: IF cleared on entry
	kernelCS       = 0x08
)

// gate is a 64-bit IDT entry (SDM 3A 6.14.1, Figure 6-8).
type gate struct {
	off0 uint16
	sel  uint16
	ist  uint8
	attr uint8
	off1 uint16
	off2 uint32
	_    uint32
}

var (
	idt  [256]gate // shared by every CPU; written by installGates, then read-only
	idtr [10]byte  // LIDT's operand for idt

	// The exception stubs', the interrupt table's and irqEntry's
	// addresses (vectors_tamago.s, irq_tamago.s).
	exceptionPCs              [32]uintptr
	vectorTablePC, irqEntryPC uintptr
)

// istOf is the IST slot vector v runs on: page faults IST1, double faults
// IST2, the other exceptions IST3, external interrupts IST4.
func istOf(v int) uint8 {
	switch {
	case v == VectorPageFault:
		return istPageFault
	case v == VectorDoubleFault:
		return istDoubleFault
	case v < FirstIRQVector:
		return istOther
	}
	return istIRQ
}

// installGates points each IDT entry at its code, on the IST stack
// istOf(v): an exception at its stub; an external interrupt at
// vectorTable + 5(v-32), after checking that the entry is a 5-byte CALL
// to irqEntry, as irqEntry's vector arithmetic assumes.
func installGates() {
	for v := range idt {
		pc := uintptr(0)
		if v < FirstIRQVector {
			pc = exceptionPCs[v]
		} else {
			pc = vectorTablePC + uintptr(v-FirstIRQVector)*vectorStubSize
			b := (*[vectorStubSize]byte)(at(pc))
			rel := int32(uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16 | uint32(b[4])<<24)
			if b[0] != 0xe8 || pc+vectorStubSize+uintptr(int64(rel)) != irqEntryPC {
				panic("amd64.installGates: vectorTable is not a table of 5-byte CALLs to irqEntry")
			}
		}
		idt[v] = gate{off0: uint16(pc), sel: kernelCS, ist: istOf(v), attr: interruptGate, off1: uint16(pc >> 16), off2: uint32(pc >> 32)}
	}
}
