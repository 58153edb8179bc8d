//go:build tamago

package amd64

// TrapFrame is the state saved at a trap, as trapCommon lays it out on the
// IST stack (trap_tamago.s). A handler may change it: trapCommon resumes
// from what it holds.
type TrapFrame struct {
	R15, R14, R13, R12, R11, R10, R9, R8 uint64
	RBP, RDI, RSI, RDX, RCX, RBX, RAX    uint64
	Vector, Error                        uint64
	RIP, CS, RFLAGS, RSP, SS             uint64
}

// Handler is called for every trap, on the system stack of the CPU c that
// took it, with interrupts off. It returns to resume from the (possibly
// rewritten) frame, or stops the machine. OnG0 says whether g0, rather
// than a goroutine, was interrupted: such a trap cannot be redirected into
// a goroutine.
type Handler func(c *PerCPU, f *TrapFrame, onG0 bool)

var (
	// handler is the trap policy, the same on every CPU: set once by
	// InitTraps before the IDT is loaded, read-only after.
	handler    Handler
	dispatchFn = dispatch // the funcval trapCommon hands to systemstack

	faultTrampolinePC, bugTrampolinePC uintptr
)

// InitTraps installs h as the handler of vectors 0-31, fills the IDT
// (shared by every CPU) and sets up the boot CPU's trap state: its GDT,
// TSS and IST stacks, and GS pointing at its PerCPU. Page faults run on
// IST1, double faults on IST2, and every other exception on IST3, so a
// trap never lands on a goroutine's stack and a stack overflow still gets
// a report. Vectors 32-255, the external interrupts, run on IST4
// (irq_tamago.go); they are taken only once InitIRQs has enabled them.
//
// Preconditions: it runs on the boot CPU, once.
func InitTraps(h Handler) {
	handler = h
	installGates()
	putPointer(&idtr, uint16(sizeOf(&idt)-1), addrOf(&idt))
	initCPU(0)
}

func faultTrampoline()
func bugTrampoline()

// dispatch runs on the system stack for every trap, on the CPU that took
// it; the frame is the one trapCommon recorded in that CPU's PerCPU.
func dispatch() {
	c := ThisCPU()
	handler(c, (*TrapFrame)(at(c.trapFrame)), c.onG0)
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
// the machine; the trap policy (package trap) sets it, once, before
// InitTraps.
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
