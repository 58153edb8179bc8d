//go:build tamago

#include "textflag.h"

// func Inb(p Port) uint8
TEXT ·Inb(SB),NOSPLIT,$0-9
	MOVW	p+0(FP), DX
	INB
	MOVB	AX, ret+8(FP)
	RET

// func Outb(p Port, v uint8)
TEXT ·Outb(SB),NOSPLIT,$0-3
	MOVW	p+0(FP), DX
	MOVB	v+2(FP), AX
	OUTB
	RET

// func Outl(p Port, v uint32)
TEXT ·Outl(SB),NOSPLIT,$0-8
	MOVW	p+0(FP), DX
	MOVL	v+4(FP), AX
	OUTL
	RET

// func RDTSC() uint64
TEXT ·RDTSC(SB),NOSPLIT,$0-8
	RDTSC
	SHLQ	$32, DX
	ORQ	DX, AX
	MOVQ	AX, ret+0(FP)
	RET

// func CPUID(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)
TEXT ·CPUID(SB),NOSPLIT,$0-24
	MOVL	leaf+0(FP), AX
	MOVL	subleaf+4(FP), CX
	CPUID
	MOVL	AX, eax+8(FP)
	MOVL	BX, ebx+12(FP)
	MOVL	CX, ecx+16(FP)
	MOVL	DX, edx+20(FP)
	RET

// func Halt()
TEXT ·Halt(SB),NOSPLIT,$0-0
	CLI
loop:
	HLT
	JMP	loop

DATA	·emptyIDT<>+0x00(SB)/8, $0
DATA	·emptyIDT<>+0x08(SB)/8, $0
GLOBL	·emptyIDT<>(SB), RODATA, $16

// func TripleFault()
TEXT ·TripleFault(SB),NOSPLIT,$0-0
	CLI
	MOVQ	$·emptyIDT<>(SB), AX
	LIDT	(AX)
	INT	$3
loop:
	HLT
	JMP	loop

// func Invlpg(va uint64)
TEXT ·Invlpg(SB),NOSPLIT,$0-8
	MOVQ	va+0(FP), AX
	INVLPG	(AX)
	RET

// func FlushTLB()
TEXT ·FlushTLB(SB),NOSPLIT,$0-0
	MOVQ	CR4, AX
	MOVQ	AX, BX
	XORQ	$(1<<7), BX		// CR4.PGE
	MOVQ	BX, CR4
	MOVQ	AX, CR4
	RET

// func loadCR3(pml4 uint64)
TEXT ·loadCR3(SB),NOSPLIT,$0-8
	MOVQ	pml4+0(FP), AX
	MOVQ	AX, CR3
	RET

// func CR3() uint64
TEXT ·CR3(SB),NOSPLIT,$0-8
	MOVQ	CR3, AX
	MOVQ	AX, ret+0(FP)
	RET

// func EnableWriteProtect()
TEXT ·EnableWriteProtect(SB),NOSPLIT,$0-0
	MOVQ	CR0, AX
	ORQ	$(1<<16), AX
	MOVQ	AX, CR0
	RET

// func CR2() uint64
TEXT ·CR2(SB),NOSPLIT,$0-8
	MOVQ	CR2, AX
	MOVQ	AX, ret+0(FP)
	RET

// func CrashStack()
TEXT ·CrashStack(SB),NOSPLIT|NOFRAME,$0-0
	MOVQ	$0x800, SP
	PUSHQ	AX
	INT	$3
