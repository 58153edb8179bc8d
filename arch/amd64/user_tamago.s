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
// First it makes r safe to enter (Switch has the rules): a non-canonical
// RIP or FS base, or RSP on the IRETQ way, returns ExitException with #GP
// without entering (SYSRETQ does not load RSP: ring 3's first use of a
// bad one faults in ring 3);
// RFLAGS is cut to ring 3's flags with IF on and IOPL 0, MXCSR loses its
// reserved bits; SYSRETQ is the way in if RCX = RIP, R11 = RFLAGS and TF
// is clear, else IRETQ. These run on every system call, here rather
// than in Go: no frame, no spills.
//
// The caller's stack, which every exit comes back to (PerCPU.kernelSP):
//
//	+0x20  result (ExitKind)           written by userExit
//	+0x18  r
//	+0x10  caller's return address     (enterUser's frame: NOFRAME)
//	+0x08  caller's RFLAGS             PUSHFQ, before CLI
//	+0x00  caller's BP                 <- kernelSP
//	       IRETQ frame (SS, RSP, RFLAGS, CS, RIP) on the IRETQ path
TEXT ·enterUser(SB),NOSPLIT|NOFRAME,$0-9
	MOVQ	r+0(FP), DI
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
	XORL	SI, SI			// SI: 1 for SYSRETQ
	MOVQ	UserRegs_RCX(DI), BX
	CMPQ	BX, UserRegs_RIP(DI)
	JNE	iretcheck
	CMPQ	UserRegs_R11(DI), AX
	JNE	iretcheck
	BTQ	$8, AX			// TF
	JCS	iretcheck
	MOVL	$1, SI
	JMP	enter
iretcheck:
	// RSP matters to IRETQ only (SYSRETQ does not load it): a
	// non-canonical one would fault in ring 0.
	CANONICAL(UserRegs_RSP)
	JMP	enter

bad:	// as if ring 3 had taken #GP at once
	MOVB	$const_VectorGeneralProtection, PerCPU_exitVector(GS)
	MOVQ	$0, PerCPU_exitError(GS)
	MOVB	$const_ExitException, ret+8(FP)
	RET

enter:
	PUSHFQ
	CLI
	PUSHQ	BP
	MOVQ	SP, PerCPU_kernelSP(GS)
	MOVQ	DI, PerCPU_userRegs(GS)

	// FS: the runtime's base kept (read once: it is this CPU's M's TLS,
	// which does not change), ring 3's loaded. No Go code from here.
	MOVL	$MSR_FS_BASE, CX
	CMPQ	PerCPU_kernelFSBase(GS), $0
	JNE	userfs
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, PerCPU_kernelFSBase(GS)
userfs:
	MOVQ	UserRegs_FSBase(DI), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR

	MOVQ	UserRegs_FPU(DI), AX	// FPUState.area, 16-byte aligned
	FXRSTOR64	(AX)

	TESTQ	SI, SI
	JZ	iret

	// SYSRETQ: RIP from RCX, RFLAGS from R11, found equal to
	// UserRegs.RIP and RFLAGS above; CS 0x33 and SS 0x2b from IA32_STAR.
	LOAD_USER_GPRS
	MOVQ	UserRegs_RSP(DI), SP
	MOVQ	UserRegs_RDI(DI), DI
	SWAPGS
	SYSRETQ

iret:
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
	MOVQ	SP, DI
	MOVB	$const_ExitSyscall, PerCPU_exitKind(GS)
	JMP	·userExit(SB)

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
	MOVB	AX, PerCPU_exitVector(GS)
	MOVQ	0x08(SP), AX
	MOVQ	AX, PerCPU_exitError(GS)
	MOVQ	CR2, AX
	MOVQ	AX, PerCPU_exitCR2(GS)
	MOVB	$const_ExitException, PerCPU_exitKind(GS)
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
	MOVB	AX, PerCPU_exitVector(GS)
	MOVB	$const_ExitInterrupt, PerCPU_exitKind(GS)
	CLD
	JMP	·userExit(SB)

// userExit finishes every exit from ring 3: DI = the UserRegs, GS the
// kernel's, interrupts off. It saves ring 3's FS base and FPU state, puts
// back the runtime's FS base and the default x87 and SSE control words,
// and returns from enterUser on the caller's stack (its layout above).
TEXT ·userExit(SB),NOSPLIT|NOFRAME,$0
	MOVL	$MSR_FS_BASE, CX
	RDMSR
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, UserRegs_FSBase(DI)
	MOVQ	PerCPU_kernelFSBase(GS), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	WRMSR

	MOVQ	UserRegs_FPU(DI), AX
	FXSAVE64	(AX)
	FNINIT
	LDMXCSR	·kernelMXCSR(SB)

	MOVQ	$0, PerCPU_userRegs(GS)
	MOVQ	PerCPU_kernelSP(GS), SP
	MOVB	PerCPU_exitKind(GS), AX
	MOVB	AX, 0x20(SP)		// enterUser's result
	MOVQ	0x00(SP), BP
	MOVQ	0x08(SP), AX
	LEAQ	0x10(SP), SP		// not POPs: the assembler checks PUSH/POP balance per TEXT
	PUSHQ	AX
	POPFQ				// the caller's IF comes back here
	RET

DATA	·kernelMXCSR+0(SB)/4, $0x1f80
GLOBL	·kernelMXCSR(SB), RODATA, $4

DATA	·syscallEntryPC+0(SB)/8, $·syscallEntry(SB)
GLOBL	·syscallEntryPC(SB), RODATA, $8
