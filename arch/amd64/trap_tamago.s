//go:build tamago

#include "go_asm.h"
#include "textflag.h"
#include "funcdata.h"

// Trap entry, vectors 0-31. The IDT entry of vector v points at entry v of
// vectorTable (vectors_tamago.s), a CALL to trapEntry; the CPU has already
// switched to the vector's IST stack (the TSS of this CPU's PerCPU) and
// pushed SS, RSP, RFLAGS, CS, RIP and, for the vectors in
// errorCodeVectors, an error code. trapEntry computes v from the CALL's
// return address and makes the stack look the same either way:
//
//	with an error code           without one
//	+0x18  return address        +0x18  return address
//	+0x20  error code            +0x20  RIP
//	+0x28  RIP                   ...
//	(+0x00..+0x10: AX, DX, CX, saved while it works)
//
// becomes, in both cases, vector then error code (0 if the CPU pushed
// none) below the CPU's frame. Stack on entry to trapCommon, as TrapFrame
// lays it out:
//
//	+0xa8  SS                   pushed by the CPU
//	+0xa0  RSP (interrupted)
//	+0x98  RFLAGS
//	+0x90  CS
//	+0x88  RIP
//	+0x80  error code           by the CPU, or 0 by trapEntry
//	+0x78  vector               by trapEntry
//	+0x70  RAX ... +0x00 R15    by trapCommon, RAX first
//	       (padding to 64 bytes)
//	       FXSAVE area, 512 bytes, 64-byte aligned
//	       call argument, frame pointer, FXSAVE pointer, g0's stackguard0
//
// trapCommon records the frame in this CPU's PerCPU (through GS), then
// calls dispatch on the system stack: through runtime·systemstack when a
// goroutine was interrupted, or directly, with g0's stack check disabled,
// when g0 itself was (the IST stack is not g0's stack). dispatch may
// rewrite the frame; trapCommon restores everything from it and returns
// with IRETQ.

TEXT ·trapEntry(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	DX
	PUSHQ	CX

	// vector = (return address - vectorTable)/5 - 1
	MOVQ	0x18(SP), AX
	MOVQ	$·vectorTable(SB), CX
	SUBQ	CX, AX
	XORL	DX, DX
	MOVL	$5, CX
	DIVQ	CX
	DECQ	AX

	MOVL	$const_errorCodeVectors, DX
	BTQ	AX, DX
	JCS	errorcode

	// No error code: the return address's slot takes a 0 for it, and
	// the vector goes into AX's slot below, AX coming back in exchange.
	MOVQ	$0, 0x18(SP)
	XCHGQ	AX, 0x10(SP)
	POPQ	CX
	POPQ	DX
	JMP	·trapCommon(SB)

errorcode:
	// The error code is in place: the vector takes the return
	// address's slot.
	MOVQ	AX, 0x18(SP)
	POPQ	CX
	POPQ	DX
	POPQ	AX
	JMP	·trapCommon(SB)

DATA	·trapEntryPC+0(SB)/8, $·trapEntry(SB)
GLOBL	·trapEntryPC(SB), RODATA, $8

TEXT ·trapCommon(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	BX
	PUSHQ	CX
	PUSHQ	DX
	PUSHQ	SI
	PUSHQ	DI
	PUSHQ	BP
	PUSHQ	R8
	PUSHQ	R9
	PUSHQ	R10
	PUSHQ	R11
	PUSHQ	R12
	PUSHQ	R13
	PUSHQ	R14
	PUSHQ	R15
	MOVQ	SP, R12			// R12 = *TrapFrame
	SUBQ	$512, SP
	ANDQ	$~63, SP
	FXSAVE64	(SP)
	MOVQ	SP, R13			// R13 = FXSAVE area
	SUBQ	$32, SP			// 0: call argument, 8: frame, 16: FXSAVE, 24: stackguard0
	MOVQ	R12, 8(SP)
	MOVQ	R13, 16(SP)
	MOVQ	R12, PerCPU_trapFrame(GS)

	// What Go's internal ABI assumes and interrupted assembly may have
	// changed: X15 zero, direction flag clear, R14 = g.
	XORPS	X15, X15
	CLD
	MOVQ	TLS, CX
	MOVQ	0(CX)(TLS*1), AX
	MOVQ	AX, R14
	MOVQ	PerCPU_systemG(GS), DX
	CMPQ	AX, DX
	JEQ	ong0

	MOVB	$0, PerCPU_onG0(GS)
	MOVQ	·dispatchFn(SB), AX
	MOVQ	AX, 0(SP)
	CALL	runtime·systemstack(SB)
	JMP	restore

ong0:
	MOVB	$1, PerCPU_onG0(GS)
	MOVQ	16(DX), AX		// g.stackguard0
	MOVQ	AX, 24(SP)
	MOVQ	$0, 16(DX)
	CALL	·dispatch(SB)
	MOVQ	PerCPU_systemG(GS), DX
	MOVQ	24(SP), AX
	MOVQ	AX, 16(DX)

restore:
	MOVQ	8(SP), R12
	MOVQ	16(SP), R13
	FXRSTOR64	(R13)
	MOVQ	R12, SP
	POPQ	R15
	POPQ	R14
	POPQ	R13
	POPQ	R12
	POPQ	R11
	POPQ	R10
	POPQ	R9
	POPQ	R8
	POPQ	BP
	POPQ	DI
	POPQ	SI
	POPQ	DX
	POPQ	CX
	POPQ	BX
	POPQ	AX
	ADDQ	$16, SP			// vector and error code
	IRETQ

// faultTrampoline is entered, by a rewritten trap frame, as if the
// faulting instruction had called it: its return address is the faulting
// RIP+1, so the unwinder finds the faulting instruction itself. AX, BX, CX
// and DX carry the fault's address, error code, RIP and reason.
TEXT ·faultTrampoline(SB),NOSPLIT,$32-0
	NO_LOCAL_POINTERS		// the stack may be copied below us
	MOVQ	AX, 0(SP)
	MOVQ	BX, 8(SP)
	MOVQ	CX, 16(SP)
	MOVQ	DX, 24(SP)
	CALL	·raiseFault(SB)
	INT	$3			// raiseFault panics

// bugTrampoline is entered the same way after a kernel bug: it finishes
// the report in the faulting goroutine and stops the machine.
TEXT ·bugTrampoline(SB),NOSPLIT,$32-0
	NO_LOCAL_POINTERS
	MOVQ	AX, 0(SP)
	MOVQ	BX, 8(SP)
	MOVQ	CX, 16(SP)
	MOVQ	DX, 24(SP)
	CALL	·reportBug(SB)
	INT	$3			// reportBug does not return

DATA	·faultTrampolinePC+0(SB)/8, $·faultTrampoline(SB)
GLOBL	·faultTrampolinePC(SB), RODATA, $8
DATA	·bugTrampolinePC+0(SB)/8, $·bugTrampoline(SB)
GLOBL	·bugTrampolinePC(SB), RODATA, $8
