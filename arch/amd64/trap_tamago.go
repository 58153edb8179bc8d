//go:build tamago

package amd64

import (
	"encoding/binary"
	"unsafe"
)

// TrapFrame is the state saved at a trap, as trapCommon lays it out on the
// IST stack (trap_tamago.s). A handler may change it: trapCommon resumes
// from what it holds.
type TrapFrame struct {
	R15, R14, R13, R12, R11, R10, R9, R8 uint64
	RBP, RDI, RSI, RDX, RCX, RBX, RAX    uint64
	Vector, Error                        uint64
	RIP, CS, RFLAGS, RSP, SS             uint64
}

// Exception vectors (SDM 3A 6.15).
const (
	VectorDoubleFault       = 8
	VectorGeneralProtection = 13
	VectorPageFault         = 14
)

// VectorNames names the exception vectors 0-31.
var VectorNames = [32]string{
	"divide error", "debug", "NMI", "breakpoint", "overflow", "BOUND range exceeded",
	"invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack-segment fault", "general protection",
	"page fault", "reserved", "x87 FPU error", "alignment check", "machine check",
	"SIMD floating-point", "virtualization", "control protection", "reserved", "reserved",
	"reserved", "reserved", "reserved", "reserved", "hypervisor injection",
	"VMM communication", "security", "reserved",
}

// Handler is called for every trap, on the system stack, with interrupts
// off. It returns to resume from the (possibly rewritten) frame, or stops
// the machine. OnG0 says whether g0, rather than a goroutine, was
// interrupted: such a trap cannot be redirected into a goroutine.
type Handler func(f *TrapFrame, onG0 bool)

// The 64-bit TSS (SDM 3A 8.7, Figure 8-11) is packed: RSP0 sits at offset
// 4, so it is laid out by hand rather than as a Go struct.
const (
	tssSize      = 104
	tssIST1      = 0x24 // IST1..IST7, 8 bytes each
	tssIOMapBase = 0x66
)

type descriptorPointer struct {
	limit uint16
	base  uint64
}

const (
	istPageFault   = 1
	istDoubleFault = 2
	istOther       = 3
	istIRQ         = 4
	istSize        = 64 << 10
	irqStackLen    = 4 << 10 // irqEntry uses under 64 bytes
	tssSelector    = 0x18
)

var (
	tss       [tssSize]byte
	gdt       [5]uint64
	istStacks [3][istSize]byte
	irqStack  [irqStackLen]byte
	gdtr      [10]byte

	// Set by trapCommon for dispatch.
	trapFrame uintptr
	trapOnG0  bool

	// systemG is g0's address (SetSystemG): a trap that interrupted g0
	// cannot go through runtime.systemstack.
	systemG uintptr

	handler    Handler
	dispatchFn = dispatch // the funcval trapCommon hands to systemstack

	faultTrampolinePC, bugTrampolinePC uintptr
)

// InitTraps installs Pagoda's GDT (with a TSS), its IDT (vectors_tamago.go)
// and h as the handler of vectors 0-31. Page faults run on IST1, double faults on IST2,
// and every other exception on IST3, so a trap never lands on a
// goroutine's stack and a stack overflow still gets a report. Vectors
// 32-255, the external interrupts, run on IST4 (irq_tamago.go); they are
// taken only once InitIRQs has enabled them.
func InitTraps(h Handler) {
	handler = h
	for i := range istStacks {
		top := uint64(uintptr(unsafe.Pointer(&istStacks[i][istSize-64])))
		binary.LittleEndian.PutUint64(tss[tssIST1+8*i:], top)
	}
	irqTop := uint64(uintptr(unsafe.Pointer(&irqStack[irqStackLen-64])))
	binary.LittleEndian.PutUint64(tss[tssIST1+8*(istIRQ-1):], irqTop)
	binary.LittleEndian.PutUint16(tss[tssIOMapBase:], tssSize) // no I/O bitmap

	gdt[1] = 0x00209a0000000000 // kernel code, L=1
	gdt[2] = 0x0000920000000000 // kernel data
	base, limit := uint64(uintptr(unsafe.Pointer(&tss))), uint64(unsafe.Sizeof(tss)-1)
	gdt[3] = limit&0xffff | (base&0xffffff)<<16 | 0x89<<40 | (limit>>16&0xf)<<48 | (base>>24&0xff)<<56
	gdt[4] = base >> 32

	installGates()
	putPointer(&gdtr, uint16(unsafe.Sizeof(gdt)-1), uint64(uintptr(unsafe.Pointer(&gdt))))
	putPointer(&idtr, uint16(unsafe.Sizeof(idt)-1), uint64(uintptr(unsafe.Pointer(&idt))))
	loadTables(uintptr(unsafe.Pointer(&gdtr)), uintptr(unsafe.Pointer(&idtr)), tssSelector)
}

func putPointer(b *[10]byte, limit uint16, base uint64) {
	b[0], b[1] = byte(limit), byte(limit>>8)
	for i := range 8 {
		b[2+i] = byte(base >> (8 * i))
	}
}

// SetSystemG records the address of g0, the g of the system stack; the
// board calls it from code that runs on g0 (runtime.GetG there).
func SetSystemG(g uintptr) { systemG = g }

func loadTables(gdtr, idtr uintptr, tss uint16)

// at is the memory at address a: a stack slot of an interrupted frame, a
// page to zero. The bits of a are reinterpreted as a pointer.
func at(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

func faultTrampoline()
func bugTrampoline()

// dispatch runs on the system stack for every trap.
func dispatch() {
	handler((*TrapFrame)(at(trapFrame)), trapOnG0)
}

// callFromFault rewrites the frame so that on return the interrupted
// goroutine appears to have called target from the faulting instruction,
// as Go's sigpanic is entered: the return address pushed is RIP+1, so the
// unwinder (which looks up return address - 1) finds the faulting
// instruction itself.
func (f *TrapFrame) callFromFault(target uintptr, a, b, c, d uint64) {
	f.RSP -= 8
	*(*uint64)(at(uintptr(f.RSP))) = f.RIP + 1
	f.RAX, f.RBX, f.RCX, f.RDX = a, b, c, d
	f.RIP = uint64(target)
}

// RaiseFault makes the interrupted goroutine panic with a *FaultError for
// (addr, code, reason) when the trap returns.
func (f *TrapFrame) RaiseFault(addr, code uint64, reason Reason) {
	f.callFromFault(faultTrampolinePC, addr, code, f.RIP, uint64(reason))
}

// RaiseBug makes the interrupted goroutine run BugHook(addr, code, rip)
// when the trap returns: the rest of a kernel-bug report, told from the
// goroutine's own stack.
func (f *TrapFrame) RaiseBug(addr uint64) {
	f.callFromFault(bugTrampolinePC, addr, f.Error, f.RIP, f.Vector)
}

// BugHook finishes a kernel-bug report in the faulting goroutine and stops
// the machine; the kernel sets it.
var BugHook func(addr, code, rip, vector uint64)

func raiseFault(addr, code, rip, reason uint64) {
	e := &FaultError{Addr: addr, Access: AccessOf(code), Reason: Reason(reason), Code: code, RIP: rip}
	if code&PFFetch == 0 {
		e.Instruction = disassembleAt(rip)
	}
	panic(e)
}

func reportBug(addr, code, rip, vector uint64) {
	BugHook(addr, code, rip, vector)
	Halt()
}

// disassembleAt decodes the instruction at pc, reading through the
// fault-safe probe; "" when it cannot be read or decoded.
func disassembleAt(pc uint64) string {
	var code [15]byte
	n := 0
	for n < len(code) {
		v, ok := probeLoad8(uintptr(pc) + uintptr(n))
		if !ok {
			break
		}
		code[n] = v
		n++
	}
	inst, err := DecodeInstruction(code[:n])
	if err != nil {
		return ""
	}
	return inst.Text
}

// DisassembleAt decodes the instruction at pc; "" when it cannot be read.
func DisassembleAt(pc uint64) string { return disassembleAt(pc) }
