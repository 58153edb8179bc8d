package amd64

import (
	"encoding/binary"
	"fmt"
)

// UserRegs is the state of a thread in ring 3 that Switch loads and that
// an exit from ring 3 saves: the general registers, RIP, RSP, RFLAGS, the
// FS base (user TLS; the user GS base is always 0, see Switch) and the
// x87/SSE state. The kernel edits it between Switches: a system call's
// result goes in RAX.
//
// The six registers of a system call's arguments come first, in their
// order (RDI, RSI, RDX, R10, R8, R9: the x86-64 syscall convention), so
// that SyscallArgs is a view of them, not a copy.
//
// The rule for editing: code that changes RIP, RCX, R11, RFLAGS, FSBase
// or the FPU area of registers a Switch gave back calls Changed before
// the next Switch (a fresh NewUserRegs or Clone needs none). After a
// system call the way back skips enterUser's checks when only RAX and
// the other general registers changed (see sysret); Changed makes it
// check again.
type UserRegs struct {
	RDI, RSI, RDX, R10, R8, R9   uint64
	RAX, RBX, RCX, RBP, RSP, R11 uint64
	R12, R13, R14, R15           uint64
	RIP, RFLAGS                  uint64
	FSBase                       uint64
	FPU                          FPUState

	// Exit is why the last Switch came back, written by the exit
	// stubs: the kind Switch returned, and an exception's or an
	// interrupt's details.
	Exit Exit

	// sysret: RIP = RCX and RFLAGS = R11 as SYSCALL saved them (TF
	// clear), the FS base and FPU state as the exit saved them, so
	// that enterUser may go back by SYSRETQ without its checks (all of
	// them hold for what the CPU itself saved). syscallEntry sets it;
	// the other exits, Changed and Clone clear it; enterUser sets it
	// after its checks when it takes SYSRETQ.
	sysret bool
}

// Changed tells the next Switch that RIP, RCX, R11, RFLAGS, FSBase or
// the FPU state may have been edited: it checks them again (enterUser).
func (r *UserRegs) Changed() { r.sysret = false }

// FPUState is the x87, MMX and SSE state as FXSAVE64 stores it (SDM 1,
// 10.5.1, Table 10-2): 512 bytes that FXSAVE and FXRSTOR need 16-byte
// aligned. A Go struct field cannot promise that, so the area is a
// separate heap allocation (which the Go GC never moves), aligned by hand
// as gVisor's fpu.NewState does. The zero FPUState has no area: NewUserRegs
// makes one.
type FPUState struct {
	area *[fxsaveSize]byte
}

const (
	fxsaveSize    = 512
	fxsaveAlign   = 16
	fxsaveFCW     = 0   // x87 control word
	fxsaveMXCSR   = 24  // SSE control and status
	fxsaveXMM0    = 160 // XMM0..XMM15, 16 bytes each
	initialFCW    = 0x37f
	initialMXCSR  = 0x1f80 // all exceptions masked, round to nearest (SDM 1, 10.2.3)
	mxcsrReserved = 0xffff_0000
)

// NewUserRegs returns registers for a fresh thread: all zero, RFLAGS with
// only IF set, and the FPU state Linux gives a new process (FNINIT's x87
// control word 0x37f, MXCSR 0x1f80).
func NewUserRegs() *UserRegs {
	r := &UserRegs{RFLAGS: rflagsEntry}
	buf := make([]byte, fxsaveSize+fxsaveAlign-1)
	off := (fxsaveAlign - int(addrOfBytes(buf))%fxsaveAlign) % fxsaveAlign
	r.FPU.area = (*[fxsaveSize]byte)(buf[off : off+fxsaveSize])
	r.FPU.area[fxsaveFCW], r.FPU.area[fxsaveFCW+1] = initialFCW&0xff, initialFCW>>8
	r.FPU.setMXCSR(initialMXCSR)
	return r
}

// Clone returns a copy of r with an FPU area of its own: a forked
// thread's registers.
func (r *UserRegs) Clone() *UserRegs {
	c := NewUserRegs()
	fpu := c.FPU
	*c = *r
	c.FPU = fpu
	c.sysret = false
	if r.FPU.area != nil {
		*c.FPU.area = *r.FPU.area
	}
	return c
}

// FXSAVE returns the 512-byte FXSAVE image of the x87/SSE state: what a
// signal frame saves and sigreturn restores (Switch sanitizes it before
// the next entry; a caller that writes it calls UserRegs.Changed).
func (s *FPUState) FXSAVE() []byte {
	if s.area == nil {
		return nil
	}
	return s.area[:]
}

// XMM is register XMMi as its low and high quadwords.
func (s *FPUState) XMM(i int) (lo, hi uint64) {
	b := s.area[fxsaveXMM0+16*i:]
	return le64(b), le64(b[8:])
}

// SetXMM sets register XMMi.
func (s *FPUState) SetXMM(i int, lo, hi uint64) {
	b := s.area[fxsaveXMM0+16*i:]
	put64(b, lo)
	put64(b[8:], hi)
}

// MXCSR is the SSE control and status register.
func (s *FPUState) MXCSR() uint32 { return binary.LittleEndian.Uint32(s.area[fxsaveMXCSR:]) }

func (s *FPUState) setMXCSR(v uint32) {
	b := s.area[fxsaveMXCSR:]
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func put64(b []byte, v uint64) {
	_ = b[7]
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}

// RFLAGS bits (SDM 1, 3.4.3).
const (
	rflagsFixed = 1 << 1 // reserved, always 1
	rflagsTF    = 1 << 8
	rflagsIF    = 1 << 9
	rflagsDF    = 1 << 10
	rflagsNT    = 1 << 14
	rflagsAC    = 1 << 18
	rflagsID    = 1 << 21

	// rflagsUser is what ring 3 may hold of RFLAGS: the arithmetic
	// flags, TF, DF and AC, as Linux's FIX_EFLAGS (without RF), and ID,
	// which ring 3 toggles to test for CPUID (an interrupt between its
	// POPF and PUSHF must not clear it). IF is always set, IOPL always
	// 0: ring 3 can neither mask interrupts nor reach I/O ports.
	rflagsUser = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | rflagsTF | rflagsDF | 0x800 | rflagsAC | rflagsID

	// rflagsSyscallMask is IA32_FMASK: the flags SYSCALL clears on entry
	// to the kernel (SDM 2B, SYSCALL): interrupts stay off until the
	// stub is back on the kernel's stack and GS; DF as Go's ABI needs;
	// TF and AC so that neither single-stepping nor the SMAP override
	// leaks into the kernel; NT as Linux does.
	rflagsSyscallMask = rflagsIF | rflagsDF | rflagsTF | rflagsAC | rflagsNT
)

// rflagsEntry is what enterUser (user_tamago.s) sets in every RFLAGS it
// enters with, after keeping only rflagsUser of it: IF, and the reserved
// bit 1.
const rflagsEntry = rflagsIF | rflagsFixed

// rflagsKernel is what every exit from ring 3 gives back to Go code:
// interrupts on, every other flag clear.
const rflagsKernel = rflagsIF | rflagsFixed

// The SYSRETQ rule, as Linux's opportunistic SYSRET in do_syscall_64:
// SYSRETQ loads RIP from RCX and RFLAGS from R11 (SDM 2B, SYSRET), so
// they must already be equal, as they are after a system call whose
// result only changed RAX; TF must be clear (SYSRET would trap at once,
// where IRETQ runs one instruction first); and RIP must be canonical, or
// SYSRETQ raises #GP in ring 0 on Intel CPUs (the SYSRET erratum,
// CVE-2012-0217). enterUser checks all three, and takes IRETQ otherwise;
// registers as SYSCALL saved them (UserRegs.sysret) meet them already.

// ExitKind is why ring 3 came back to the kernel.
type ExitKind uint8

const (
	// ExitSyscall: SYSCALL. RAX holds the number, RCX the return RIP,
	// R11 the RFLAGS; RIP is the next instruction.
	ExitSyscall ExitKind = iota + 1
	// ExitException: a CPU exception (vectors 0-31); RIP is where the
	// CPU put it (the faulting instruction for a fault).
	ExitException
	// ExitInterrupt: an external interrupt (vectors 32-255), already
	// counted and acknowledged by irqEntry; RIP is the next instruction
	// to run.
	ExitInterrupt
)

func (k ExitKind) String() string {
	switch k {
	case ExitSyscall:
		return "syscall"
	case ExitException:
		return "exception"
	case ExitInterrupt:
		return "interrupt"
	}
	return fmt.Sprintf("ExitKind(%d)", uint8(k))
}

// Exit is what ended a Switch: the kind, and for an exception or an
// interrupt its vector; an exception's error code (0 for the vectors
// that push none), and for a page fault (vector 14) CR2.
type Exit struct {
	Kind   ExitKind
	Vector uint8
	Error  uint64
	CR2    uint64
}

func (e Exit) String() string {
	switch e.Kind {
	case ExitSyscall:
		return "syscall"
	case ExitInterrupt:
		return fmt.Sprintf("interrupt %d", e.Vector)
	case ExitException:
		name := "reserved"
		if int(e.Vector) < len(VectorNames) {
			name = VectorNames[e.Vector]
		}
		if e.Vector == VectorPageFault {
			return fmt.Sprintf("exception %d (%s) error %#x cr2 %#x", e.Vector, name, e.Error, e.CR2)
		}
		return fmt.Sprintf("exception %d (%s) error %#x", e.Vector, name, e.Error)
	}
	return e.Kind.String()
}
