//go:build tamago

#include "go_asm.h"
#include "textflag.h"

// Ring 3 entry and exit (user_tamago.go has the design). Registers here:
// GS is this CPU's PerCPU in ring 0 and ring 3's GS in ring 3; SWAPGS
// exchanges it with IA32_KERNEL_GS_BASE at every crossing.

#define MSR_FS_BASE	0xc0000100	// IA32_FS_BASE (SDM 4, Table 2-2)

// SYSRETQ is SYSRET with REX.W (SDM 2B, SYSRET): Go's SYSRET lacks the
// prefix, and would return to compatibility mode. FNINIT (DB E3) is
// FINIT without its WAIT, which would raise a pending x87 exception of
// ring 3's in the kernel.
#define SYSRETQ	BYTE $0x48; BYTE $0x0f; BYTE $0x07
#define FNINIT	BYTE $0xdb; BYTE $0xe3

// MOVFSAX is MOV EAX, FS (8C /r, reg FS = 4, r/m EAX): FS's selector
// in AX (the upper bits are the CPU's choice, SDM 2B, MOV: test AX).
#define MOVFSAX	BYTE $0x8c; BYTE $0xe0

// LOAD_USER_GPRS loads every general register but RSP and RDI from the
// UserRegs at DI: both ways into ring 3 (SYSRETQ and IRETQ) end with it.
#define LOAD_USER_GPRS \
	MOVQ	UserRegs_RAX(DI), AX; \
	MOVQ	UserRegs_RBX(DI), BX; \
	MOVQ	UserRegs_RCX(DI), CX; \
	MOVQ	UserRegs_RDX(DI), DX; \
	MOVQ	UserRegs_RSI(DI), SI; \
	MOVQ	UserRegs_RBP(DI), BP; \
	MOVQ	UserRegs_R8(DI), R8; \
	MOVQ	UserRegs_R9(DI), R9; \
	MOVQ	UserRegs_R10(DI), R10; \
	MOVQ	UserRegs_R11(DI), R11; \
	MOVQ	UserRegs_R12(DI), R12; \
	MOVQ	UserRegs_R13(DI), R13; \
	MOVQ	UserRegs_R14(DI), R14; \
	MOVQ	UserRegs_R15(DI), R15

// ENTER(fsok) is both ways into ring 3 up to the registers, interrupts
// off: the caller's stack and frame pointer kept (every exit resumes
// there), the runtime's FS base kept (read once: it is this CPU's M's
// TLS, which does not change) and ring 3's loaded, ring 3's x87/SSE
// state loaded. No Go code from here. fsok: a label of the caller's.
#define ENTER(fsok) \
	CLI; \
	MOVQ	SP, PerCPU_kernelSP(GS); \
	MOVQ	BP, PerCPU_kernelBP(GS); \
	MOVQ	DI, PerCPU_userRegs(GS); \
	MOVL	$MSR_FS_BASE, CX; \
	CMPQ	PerCPU_kernelFSBase(GS), $0; \
	JNE	fsok; \
	RDMSR; \
	SHLQ	$32, DX; \
	ORQ	DX, AX; \
	MOVQ	AX, PerCPU_kernelFSBase(GS); \
fsok: \
	MOVL	UserRegs_FSBase(DI), AX; \
	MOVL	UserRegs_FSBase+4(DI), DX; \
	WRMSR; \
	MOVQ	UserRegs_FPU(DI), AX; \
	FXRSTOR64	(AX)

// EXIT(kind, fskept) finishes every exit from ring 3: DI = the UserRegs,
// GS the kernel's, interrupts off. It saves ring 3's FS base and FPU
// state, puts back the runtime's FS base and the default x87 and SSE
// control words, and returns kind (a byte, not in AX, CX or DX) from
// enterUser on the caller's stack, with the caller's frame pointer and
// interrupts on. fskept: a label of the caller's.
//
// Ring 3's FS base is read back only if its FS selector is not 0: ring 3
// cannot write the base itself (CR4.FSGSBASE is off), only load a
// selector, so with selector 0 the base is the one enterUser loaded
// (Linux's save_base_legacy makes the same assumption: a null selector
// loaded by ring 3 may zero the base on Intel CPUs, and the next entry
// then gives back the one the kernel knows). The flags come back as
// Go code has them, IF set and AC, DF and TF clear: an exception or
// interrupt gate keeps ring 3's AC, which would lift SMAP.
#define EXIT(kind, fskept) \
	MOVFSAX; \
	TESTW	AX, AX; \
	JEQ	fskept; \
	MOVL	$MSR_FS_BASE, CX; \
	RDMSR; \
	MOVL	AX, UserRegs_FSBase(DI); \
	MOVL	DX, UserRegs_FSBase+4(DI); \
fskept: \
	MOVL	$MSR_FS_BASE, CX; \
	MOVL	PerCPU_kernelFSBase(GS), AX; \
	MOVL	PerCPU_kernelFSBase+4(GS), DX; \
	WRMSR; \
	MOVQ	UserRegs_FPU(DI), AX; \
	FXSAVE64	(AX); \
	FNINIT; \
	LDMXCSR	·kernelMXCSR(SB); \
	MOVQ	PerCPU_kernelSP(GS), SP; \
	MOVQ	PerCPU_kernelBP(GS), BP; \
	MOVB	kind, 0x10(SP); \
	PUSHQ	$const_rflagsKernel; \
	POPFQ; \
	RET

// func rdmsr(msr uint32) uint64
TEXT ·rdmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+8(FP)
	RET

// func wrmsr(msr uint32, v uint64)
TEXT ·wrmsr(SB),NOSPLIT,$0-16
	MOVL	msr+0(FP), CX
	MOVQ	v+8(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR
	RET

// func cr4() uint64
TEXT ·cr4(SB),NOSPLIT,$0-8
	MOVQ	CR4, AX
	MOVQ	AX, ret+0(FP)
	RET

// func setCR4(v uint64)
TEXT ·setCR4(SB),NOSPLIT,$0-8
	MOVQ	v+0(FP), AX
	MOVQ	AX, CR4
	RET

// CANONICAL(off) jumps to bad unless the address at off(DI) equals its
// own sign extension from bit 47.
#define CANONICAL(off) \
	MOVQ	off(DI), AX; \
	MOVQ	AX, BX; \
	SHLQ	$16, BX; \
	SARQ	$16, BX; \
	CMPQ	AX, BX; \
	JNE	bad

// func enterUser(r *UserRegs) ExitKind
//
// Registers as SYSCALL saved them (r.sysret) go straight back by
// SYSRETQ: what the checks below ask of them holds for whatever the CPU
// itself saved. Any other r is first made safe to enter (Switch has the
// rules): a non-canonical RIP or FS base, or RSP on the IRETQ way,
// returns ExitException with #GP without entering (SYSRETQ does not load
// RSP: ring 3's first use of a bad one faults in ring 3); RFLAGS is cut
// to ring 3's flags with IF on and IOPL 0, MXCSR loses its reserved
// bits; SYSRETQ is the way in if RCX = RIP, R11 = RFLAGS and TF is
// clear (r.sysret is then set), else IRETQ. These run here rather than
// in Go: no frame, no spills.
//
// The caller's stack is left as the CALL made it, and every exit comes
// back to it (PerCPU.kernelSP); the caller's frame pointer waits in
// PerCPU.kernelBP:
//
//	+0x10  result (ExitKind)           written by the exit
//	+0x08  r
//	+0x00  caller's return address     <- kernelSP (enterUser: NOFRAME)
//
// Interrupts go off here, and the exit turns them on again (Switch's
// caller runs with them on, as all Go code). Nothing is pushed but the
// IRETQ frame, last in the text: the assembler gives ret+8(FP) its
// offset from the pushes before it.
TEXT ·enterUser(SB),NOSPLIT|NOFRAME,$0-9
	MOVQ	r+0(FP), DI
	CMPB	UserRegs_sysret(DI), $0
	JEQ	check
sysret:
	ENTER(fssysret)
	LOAD_USER_GPRS
	MOVQ	UserRegs_RSP(DI), SP
	MOVQ	UserRegs_RDI(DI), DI
	SWAPGS
	SYSRETQ				// RIP from RCX, RFLAGS from R11; CS 0x33, SS 0x2b from IA32_STAR

check:
	CANONICAL(UserRegs_RIP)
	CANONICAL(UserRegs_FSBase)
	MOVQ	UserRegs_RFLAGS(DI), AX
	ANDQ	$const_rflagsUser, AX
	ORQ	$const_rflagsEntry, AX
	MOVQ	AX, UserRegs_RFLAGS(DI)
	MOVQ	UserRegs_FPU(DI), BX	// FPUState.area
	TESTL	$const_mxcsrReserved, const_fxsaveMXCSR(BX)
	JEQ	mxcsrok
	ANDL	$0xffff, const_fxsaveMXCSR(BX)	// ^mxcsrReserved
mxcsrok:
	MOVQ	UserRegs_RCX(DI), BX
	CMPQ	BX, UserRegs_RIP(DI)
	JNE	iretcheck
	CMPQ	UserRegs_R11(DI), AX
	JNE	iretcheck
	BTQ	$8, AX			// TF
	JCS	iretcheck
	MOVB	$1, UserRegs_sysret(DI)
	JMP	sysret
iretcheck:
	// RSP matters to IRETQ only (SYSRETQ does not load it): a
	// non-canonical one would fault in ring 0.
	CANONICAL(UserRegs_RSP)
	JMP	iret

bad:	// as if ring 3 had taken #GP at once
	MOVB	$const_ExitException, UserRegs_Exit+Exit_Kind(DI)
	MOVB	$const_VectorGeneralProtection, UserRegs_Exit+Exit_Vector(DI)
	MOVQ	$0, UserRegs_Exit+Exit_Error(DI)
	MOVQ	$0, UserRegs_Exit+Exit_CR2(DI)
	MOVB	$const_ExitException, ret+8(FP)
	RET

iret:
	ENTER(fsiret)
	PUSHQ	$const_userDS
	PUSHQ	UserRegs_RSP(DI)
	PUSHQ	UserRegs_RFLAGS(DI)
	PUSHQ	$const_userCS
	PUSHQ	UserRegs_RIP(DI)
	LOAD_USER_GPRS
	MOVQ	UserRegs_RDI(DI), DI
	SWAPGS
	IRETQ


// syscallEntry is IA32_LSTAR: SYSCALL from ring 3 lands here in ring 0
// with RCX = ring 3's RIP (the next instruction), R11 = its RFLAGS, RSP
// still ring 3's, GS ring 3's, and IF, DF, TF and AC clear (IA32_FMASK).
// SP serves as the pointer to the UserRegs once ring 3's RSP is parked:
// every other register holds ring 3's values until stored.
TEXT ·syscallEntry(SB),NOSPLIT|NOFRAME,$0
	SWAPGS
	MOVQ	SP, PerCPU_userSP(GS)
	MOVQ	PerCPU_userRegs(GS), SP
	MOVQ	AX, UserRegs_RAX(SP)
	MOVQ	BX, UserRegs_RBX(SP)
	MOVQ	CX, UserRegs_RCX(SP)
	MOVQ	CX, UserRegs_RIP(SP)
	MOVQ	DX, UserRegs_RDX(SP)
	MOVQ	SI, UserRegs_RSI(SP)
	MOVQ	DI, UserRegs_RDI(SP)
	MOVQ	BP, UserRegs_RBP(SP)
	MOVQ	R8, UserRegs_R8(SP)
	MOVQ	R9, UserRegs_R9(SP)
	MOVQ	R10, UserRegs_R10(SP)
	MOVQ	R11, UserRegs_R11(SP)
	MOVQ	R11, UserRegs_RFLAGS(SP)
	MOVQ	R12, UserRegs_R12(SP)
	MOVQ	R13, UserRegs_R13(SP)
	MOVQ	R14, UserRegs_R14(SP)
	MOVQ	R15, UserRegs_R15(SP)
	MOVQ	PerCPU_userSP(GS), AX
	MOVQ	AX, UserRegs_RSP(SP)
	// sysret: TF clear and RCX below 1<<47. RCX is the next RIP; a
	// SYSCALL in the last bytes of the lower half would leave it
	// non-canonical, and SYSRETQ would then raise #GP in ring 0 with
	// ring 3's RSP and GS (the SYSRET erratum, CVE-2012-0217). The
	// address spaces end a page below (TASK_SIZE, as Linux's, for this
	// reason); this keeps the way back safe without relying on it, as
	// Linux's do_syscall_64 checks too.
	// RCX is at most 1<<47 + 1 (a SYSCALL ends there at the most), so
	// its bit 47 says non-canonical; shifted to bit 8, TF's place.
	SHRQ	$39, CX			// stored already: free
	ORL	R11, CX
	TESTL	$0x100, CX		// TF, or RCX ≥ 1<<47
	SETEQ	UserRegs_sysret(SP)
	MOVQ	SP, DI
	MOVB	$const_ExitSyscall, UserRegs_Exit+Exit_Kind(DI)
	EXIT($const_ExitSyscall, sysfskept)

// userTrap is where trapCommon sends an exception whose frame has CS.RPL
// = 3, before touching anything. Stack (the vector's IST stack):
//
//	+0x30  SS
//	+0x28  RSP (ring 3's)
//	+0x20  RFLAGS
//	+0x18  CS
//	+0x10  RIP
//	+0x08  error code
//	+0x00  vector
//
// CR2 is read for every vector; Switch reports it for #PF only.
TEXT ·userTrap(SB),NOSPLIT|NOFRAME,$0
	SWAPGS
	MOVQ	DI, PerCPU_userSP(GS)	// scratch
	MOVQ	PerCPU_userRegs(GS), DI
	MOVQ	AX, UserRegs_RAX(DI)
	MOVQ	BX, UserRegs_RBX(DI)
	MOVQ	CX, UserRegs_RCX(DI)
	MOVQ	DX, UserRegs_RDX(DI)
	MOVQ	SI, UserRegs_RSI(DI)
	MOVQ	BP, UserRegs_RBP(DI)
	MOVQ	R8, UserRegs_R8(DI)
	MOVQ	R9, UserRegs_R9(DI)
	MOVQ	R10, UserRegs_R10(DI)
	MOVQ	R11, UserRegs_R11(DI)
	MOVQ	R12, UserRegs_R12(DI)
	MOVQ	R13, UserRegs_R13(DI)
	MOVQ	R14, UserRegs_R14(DI)
	MOVQ	R15, UserRegs_R15(DI)
	MOVQ	PerCPU_userSP(GS), AX
	MOVQ	AX, UserRegs_RDI(DI)
	MOVQ	0x10(SP), AX
	MOVQ	AX, UserRegs_RIP(DI)
	MOVQ	0x20(SP), AX
	MOVQ	AX, UserRegs_RFLAGS(DI)
	MOVQ	0x28(SP), AX
	MOVQ	AX, UserRegs_RSP(DI)
	MOVQ	0x00(SP), AX
	MOVB	AX, UserRegs_Exit+Exit_Vector(DI)
	MOVQ	0x08(SP), AX
	MOVQ	AX, UserRegs_Exit+Exit_Error(DI)
	MOVQ	CR2, AX
	MOVQ	AX, UserRegs_Exit+Exit_CR2(DI)
	MOVB	$const_ExitException, UserRegs_Exit+Exit_Kind(DI)
	MOVB	$0, UserRegs_sysret(DI)
	CLD				// a gate keeps ring 3's DF (SYSCALL's FMASK clears it)
	JMP	·userExit(SB)

// userInterrupt is where irqEntry sends an interrupt that came from ring
// 3, after counting it and sending the EOI, with its four registers still
// pushed. Stack (IST4):
//
//	+0x48  SS
//	+0x40  RSP (ring 3's)
//	+0x38  RFLAGS
//	+0x30  CS
//	+0x28  RIP
//	+0x20  return address into vectorTable (gives the vector)
//	+0x18  AX
//	+0x10  BX
//	+0x08  CX
//	+0x00  DX
TEXT ·userInterrupt(SB),NOSPLIT|NOFRAME,$0
	SWAPGS
	MOVQ	DI, PerCPU_userSP(GS)	// scratch
	MOVQ	PerCPU_userRegs(GS), DI
	MOVQ	SI, UserRegs_RSI(DI)
	MOVQ	BP, UserRegs_RBP(DI)
	MOVQ	R8, UserRegs_R8(DI)
	MOVQ	R9, UserRegs_R9(DI)
	MOVQ	R10, UserRegs_R10(DI)
	MOVQ	R11, UserRegs_R11(DI)
	MOVQ	R12, UserRegs_R12(DI)
	MOVQ	R13, UserRegs_R13(DI)
	MOVQ	R14, UserRegs_R14(DI)
	MOVQ	R15, UserRegs_R15(DI)
	MOVQ	PerCPU_userSP(GS), AX
	MOVQ	AX, UserRegs_RDI(DI)
	MOVQ	0x00(SP), AX
	MOVQ	AX, UserRegs_RDX(DI)
	MOVQ	0x08(SP), AX
	MOVQ	AX, UserRegs_RCX(DI)
	MOVQ	0x10(SP), AX
	MOVQ	AX, UserRegs_RBX(DI)
	MOVQ	0x18(SP), AX
	MOVQ	AX, UserRegs_RAX(DI)
	MOVQ	0x28(SP), AX
	MOVQ	AX, UserRegs_RIP(DI)
	MOVQ	0x38(SP), AX
	MOVQ	AX, UserRegs_RFLAGS(DI)
	MOVQ	0x40(SP), AX
	MOVQ	AX, UserRegs_RSP(DI)

	// vector = (return address - vectorTable)/5 + 31, as irqEntry
	MOVQ	0x20(SP), AX
	MOVQ	$·vectorTable(SB), BX
	SUBQ	BX, AX
	XORL	DX, DX
	MOVL	$5, CX
	DIVQ	CX
	ADDQ	$31, AX
	MOVB	AX, UserRegs_Exit+Exit_Vector(DI)
	MOVQ	$0, UserRegs_Exit+Exit_Error(DI)
	MOVQ	$0, UserRegs_Exit+Exit_CR2(DI)
	MOVB	$const_ExitInterrupt, UserRegs_Exit+Exit_Kind(DI)
	MOVB	$0, UserRegs_sysret(DI)
	CLD
	JMP	·userExit(SB)

// userExit finishes the exits of exceptions and interrupts (EXIT);
// syscallEntry has its own copy.
TEXT ·userExit(SB),NOSPLIT|NOFRAME,$0
	MOVB	UserRegs_Exit+Exit_Kind(DI), BX
	EXIT(BX, fskept)

DATA	·kernelMXCSR+0(SB)/4, $0x1f80
GLOBL	·kernelMXCSR(SB), RODATA, $4

DATA	·syscallEntryPC+0(SB)/8, $·syscallEntry(SB)
GLOBL	·syscallEntryPC(SB), RODATA, $8
