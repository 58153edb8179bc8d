//go:build tamago

package amd64

//go:generate go run mkvectors.go

// The IDT. Every gate points into vectorTable (vectors_tamago.s, written
// by mkvectors.go): entry v is a 5-byte CALL, to trapEntry for the
// exceptions 0-31 (trap_tamago.s) and to irqEntry for the external
// interrupts 32-255 (irq_tamago.s). The entry computes v from the return
// address the CALL pushed, so one table and two entry points replace 256
// stubs. All CPUs share the IDT: a gate names an IST slot (SDM 3A 6.14.5),
// and each CPU's own TSS says where that slot's stack is.

const (
	vectorStubSize = 5    // CALL rel32
	interruptGate  = 0x8e // P, DPL 0, 64-bit interrupt gate: IF cleared on entry
	kernelCS       = 0x08

	// errorCodeVectors has bit v set for each exception v for which the
	// CPU pushes an error code (SDM 3A 6.13, Table 6-1): #DF, #TS, #NP,
	// #SS, #GP, #PF, #AC, #CP, #VC, #SX. trapEntry pushes a 0 for the
	// others, so that every TrapFrame looks the same.
	errorCodeVectors = 1<<8 | 1<<10 | 1<<11 | 1<<12 | 1<<13 | 1<<14 | 1<<17 | 1<<21 | 1<<29 | 1<<30
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

	// The table's and the entries' addresses (vectors_tamago.s,
	// trap_tamago.s, irq_tamago.s).
	vectorTablePC, trapEntryPC, irqEntryPC uintptr
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

// installGates points each IDT entry v at vectorTable + 5v, on the IST
// stack istOf(v), after checking that the entry is a 5-byte CALL to the
// right entry point: the vector arithmetic in trapEntry and irqEntry
// depends on it.
func installGates() {
	for v := range idt {
		pc := vectorTablePC + uintptr(v)*vectorStubSize
		b := (*[vectorStubSize]byte)(at(pc))
		rel := int32(uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16 | uint32(b[4])<<24)
		want := irqEntryPC
		if v < FirstIRQVector {
			want = trapEntryPC
		}
		if b[0] != 0xe8 || pc+vectorStubSize+uintptr(int64(rel)) != want {
			panic("amd64.installGates: vectorTable is not a table of 5-byte CALLs")
		}
		idt[v] = gate{off0: uint16(pc), sel: kernelCS, ist: istOf(v), attr: interruptGate, off1: uint16(pc >> 16), off2: uint32(pc >> 32)}
	}
}
