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

#define MSR_FS_BASE	0xc0000100	// IA32_FS_BASE

// func loadTables(gdtr, idtr uintptr, tss uint16)
//
// After LGDT, LIDT and LTR it loads the null selector into DS, ES, FS
// and GS (the boot code left the boot GDT's kernel data selector there).
// Long mode ignores DS and ES and takes FS's and GS's bases from MSRs,
// but IRETQ to ring 3 nulls any data selector whose DPL is below 3 (SDM
// 2A, IRET, RETURN-TO-OUTER-PRIVILEGE-LEVEL), which on some CPUs also
// clears the segment's base: with null selectors already there it leaves
// them alone, and ring 3 keeps the FS base Switch gave it. Loading FS's
// selector may itself clear FS's base, the Go runtime's TLS (g at
// -8(FS)): it is read before and written back after, with no Go code in
// between. GS's base is set afterwards by setGSBase.
TEXT ·loadTables(SB),NOSPLIT,$0-18
	MOVQ	gdtr+0(FP), AX
	LGDT	(AX)
	MOVQ	idtr+8(FP), AX
	LIDT	(AX)
	MOVW	tss+16(FP), AX
	LTR	AX

	MOVL	$MSR_FS_BASE, CX
	RDMSR
	MOVL	AX, SI
	MOVL	DX, DI
	XORL	AX, AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, FS
	MOVW	AX, GS
	MOVL	SI, AX
	MOVL	DI, DX
	WRMSR
	RET
