//go:build tamago

#include "textflag.h"
#include "funcdata.h"

// Trap entry. Each of vectors 0-31 has a stub that makes the stack look the
// same whether or not the CPU pushed an error code, pushes its vector
// number, and jumps to trapCommon. The CPU has already switched to the
// vector's IST stack (TSS, see trap_tamago.go). Stack on entry to
// trapCommon, as TrapFrame lays it out:
//
//	+0xa8  SS                   pushed by the CPU
//	+0xa0  RSP (interrupted)
//	+0x98  RFLAGS
//	+0x90  CS
//	+0x88  RIP
//	+0x80  error code           by the CPU, or 0 by the stub
//	+0x78  vector               by the stub
//	+0x70  RAX ... +0x00 R15    by trapCommon, RAX first
//	       (padding to 64 bytes)
//	       FXSAVE area, 512 bytes, 64-byte aligned
//	       call argument, frame pointer, FXSAVE pointer, g0's stackguard0
//
// trapCommon then calls dispatch on the system stack: through
// runtime·systemstack when a goroutine was interrupted, or directly, with
// g0's stack check disabled, when g0 itself was (the IST stack is not
// g0's stack). dispatch may rewrite the frame; trapCommon restores
// everything from it and returns with IRETQ.

TEXT ·vec0(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$0
	JMP	·trapCommon(SB)

TEXT ·vec1(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$1
	JMP	·trapCommon(SB)

TEXT ·vec2(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$2
	JMP	·trapCommon(SB)

TEXT ·vec3(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$3
	JMP	·trapCommon(SB)

TEXT ·vec4(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$4
	JMP	·trapCommon(SB)

TEXT ·vec5(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$5
	JMP	·trapCommon(SB)

TEXT ·vec6(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$6
	JMP	·trapCommon(SB)

TEXT ·vec7(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$7
	JMP	·trapCommon(SB)

TEXT ·vec8(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$8
	JMP	·trapCommon(SB)

TEXT ·vec9(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$9
	JMP	·trapCommon(SB)

TEXT ·vec10(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$10
	JMP	·trapCommon(SB)

TEXT ·vec11(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$11
	JMP	·trapCommon(SB)

TEXT ·vec12(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$12
	JMP	·trapCommon(SB)

TEXT ·vec13(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$13
	JMP	·trapCommon(SB)

TEXT ·vec14(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$14
	JMP	·trapCommon(SB)

TEXT ·vec15(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$15
	JMP	·trapCommon(SB)

TEXT ·vec16(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$16
	JMP	·trapCommon(SB)

TEXT ·vec17(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$17
	JMP	·trapCommon(SB)

TEXT ·vec18(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$18
	JMP	·trapCommon(SB)

TEXT ·vec19(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$19
	JMP	·trapCommon(SB)

TEXT ·vec20(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$20
	JMP	·trapCommon(SB)

TEXT ·vec21(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$21
	JMP	·trapCommon(SB)

TEXT ·vec22(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$22
	JMP	·trapCommon(SB)

TEXT ·vec23(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$23
	JMP	·trapCommon(SB)

TEXT ·vec24(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$24
	JMP	·trapCommon(SB)

TEXT ·vec25(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$25
	JMP	·trapCommon(SB)

TEXT ·vec26(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$26
	JMP	·trapCommon(SB)

TEXT ·vec27(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$27
	JMP	·trapCommon(SB)

TEXT ·vec28(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$28
	JMP	·trapCommon(SB)

TEXT ·vec29(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$29
	JMP	·trapCommon(SB)

TEXT ·vec30(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$30
	JMP	·trapCommon(SB)

TEXT ·vec31(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	$0		// no error code
	PUSHQ	$31
	JMP	·trapCommon(SB)

DATA	·vectorPCs+0(SB)/8, $·vec0(SB)
DATA	·vectorPCs+8(SB)/8, $·vec1(SB)
DATA	·vectorPCs+16(SB)/8, $·vec2(SB)
DATA	·vectorPCs+24(SB)/8, $·vec3(SB)
DATA	·vectorPCs+32(SB)/8, $·vec4(SB)
DATA	·vectorPCs+40(SB)/8, $·vec5(SB)
DATA	·vectorPCs+48(SB)/8, $·vec6(SB)
DATA	·vectorPCs+56(SB)/8, $·vec7(SB)
DATA	·vectorPCs+64(SB)/8, $·vec8(SB)
DATA	·vectorPCs+72(SB)/8, $·vec9(SB)
DATA	·vectorPCs+80(SB)/8, $·vec10(SB)
DATA	·vectorPCs+88(SB)/8, $·vec11(SB)
DATA	·vectorPCs+96(SB)/8, $·vec12(SB)
DATA	·vectorPCs+104(SB)/8, $·vec13(SB)
DATA	·vectorPCs+112(SB)/8, $·vec14(SB)
DATA	·vectorPCs+120(SB)/8, $·vec15(SB)
DATA	·vectorPCs+128(SB)/8, $·vec16(SB)
DATA	·vectorPCs+136(SB)/8, $·vec17(SB)
DATA	·vectorPCs+144(SB)/8, $·vec18(SB)
DATA	·vectorPCs+152(SB)/8, $·vec19(SB)
DATA	·vectorPCs+160(SB)/8, $·vec20(SB)
DATA	·vectorPCs+168(SB)/8, $·vec21(SB)
DATA	·vectorPCs+176(SB)/8, $·vec22(SB)
DATA	·vectorPCs+184(SB)/8, $·vec23(SB)
DATA	·vectorPCs+192(SB)/8, $·vec24(SB)
DATA	·vectorPCs+200(SB)/8, $·vec25(SB)
DATA	·vectorPCs+208(SB)/8, $·vec26(SB)
DATA	·vectorPCs+216(SB)/8, $·vec27(SB)
DATA	·vectorPCs+224(SB)/8, $·vec28(SB)
DATA	·vectorPCs+232(SB)/8, $·vec29(SB)
DATA	·vectorPCs+240(SB)/8, $·vec30(SB)
DATA	·vectorPCs+248(SB)/8, $·vec31(SB)
GLOBL	·vectorPCs(SB), RODATA, $256

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
	MOVQ	R12, ·trapFrame(SB)

	// What Go's internal ABI assumes and interrupted assembly may have
	// changed: X15 zero, direction flag clear, R14 = g.
	XORPS	X15, X15
	CLD
	MOVQ	TLS, CX
	MOVQ	0(CX)(TLS*1), AX
	MOVQ	AX, R14
	MOVQ	·systemG(SB), DX
	CMPQ	AX, DX
	JEQ	ong0

	MOVB	$0, ·trapOnG0(SB)
	MOVQ	·dispatchFn(SB), AX
	MOVQ	AX, 0(SP)
	CALL	runtime·systemstack(SB)
	JMP	restore

ong0:
	MOVB	$1, ·trapOnG0(SB)
	MOVQ	16(DX), AX		// g.stackguard0
	MOVQ	AX, 24(SP)
	MOVQ	$0, 16(DX)
	CALL	·dispatch(SB)
	MOVQ	·systemG(SB), DX
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

// func loadTables(gdtr, idtr uintptr, tss uint16)
TEXT ·loadTables(SB),NOSPLIT,$0-18
	MOVQ	gdtr+0(FP), AX
	LGDT	(AX)
	MOVQ	idtr+8(FP), AX
	LIDT	(AX)
	MOVW	tss+16(FP), AX
	LTR	AX
	RET

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
