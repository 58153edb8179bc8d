//go:build tamago

#include "go_asm.h"
#include "textflag.h"

#define MSR_GS_BASE	0xc0000101	// IA32_GS_BASE (SDM 4, Table 2-2)

// func setGSBase(p *PerCPU)
TEXT ·setGSBase(SB),NOSPLIT,$0-8
	MOVQ	p+0(FP), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$MSR_GS_BASE, CX
	WRMSR
	RET

// func ThisCPU() *PerCPU
TEXT ·ThisCPU(SB),NOSPLIT,$0-8
	MOVQ	PerCPU_self(GS), AX
	MOVQ	AX, ret+0(FP)
	RET

// func loadTables(gdtr, idtr uintptr, tss uint16)
TEXT ·loadTables(SB),NOSPLIT,$0-18
	MOVQ	gdtr+0(FP), AX
	LGDT	(AX)
	MOVQ	idtr+8(FP), AX
	LIDT	(AX)
	MOVW	tss+16(FP), AX
	LTR	AX
	RET
