//go:build tamago

package amd64

// Probe accessors load or store one byte at any address. A fault on their
// memory access is fixed up through the exception table (FixupProbe), as
// Linux's copy_from_user is: the accessor returns ok=false instead of the
// fault becoming a kernel bug.

func probeLoad8(addr uintptr) (v uint8, ok bool)
func probeStore8(addr uintptr, v uint8) (ok bool)

// Entry addresses of the probes (probe_tamago.s).
var probeLoad8PC, probeStore8PC uintptr

// probeSpan bounds the bytes of a probe from its entry to its memory
// access (a MOVQ of the argument then the access: 5 bytes in).
const probeSpan = 16

// exception table: the faulting instruction's function, and where its
// result flag lives relative to the stack pointer at the fault (both
// probes are NOFRAME, so SP is the entry SP: return address, then args).
var exceptionTable = []struct {
	entry *uintptr
	okOff uintptr // offset of the ok result from SP
}{
	{&probeLoad8PC, 8 + 9},   // addr at 8, v at 16, ok at 17
	{&probeStore8PC, 8 + 16}, // addr at 8, v at 16, ok at 24
}

// FixupProbe handles a fault inside a probe accessor: it makes the probe
// return ok=false to its caller and reports true. Any other fault: false.
func FixupProbe(f *TrapFrame) bool {
	for _, e := range exceptionTable {
		if f.RIP >= uint64(*e.entry) && f.RIP < uint64(*e.entry)+probeSpan {
			*(*bool)(at(uintptr(f.RSP) + e.okOff)) = false
			f.RIP = *(*uint64)(at(uintptr(f.RSP))) // RET
			f.RSP += 8
			return true
		}
	}
	return false
}

// Peek copies memory at addr into p through the probe; it returns the
// number of bytes copied before a fault, and whether all were.
func Peek(addr uintptr, p []byte) (int, bool) {
	for i := range p {
		v, ok := probeLoad8(addr + uintptr(i))
		if !ok {
			return i, false
		}
		p[i] = v
	}
	return len(p), true
}

// Poke stores p at addr through the probe; it returns the number of bytes
// stored before a fault, and whether all were.
func Poke(addr uintptr, p []byte) (int, bool) {
	for i, v := range p {
		if !probeStore8(addr+uintptr(i), v) {
			return i, false
		}
	}
	return len(p), true
}
