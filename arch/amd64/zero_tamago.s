//go:build tamago

#include "textflag.h"

// Page-zeroing strategies. Each zeroes n bytes at p; p is 16-byte aligned
// and n a multiple of 64 (callers zero whole frames).

// func zeroRepStosq(p, n uintptr)
TEXT ·zeroRepStosq(SB),NOSPLIT,$0-16
	MOVQ	p+0(FP), DI
	MOVQ	n+8(FP), CX
	SHRQ	$3, CX
	XORQ	AX, AX
	CLD
	REP;	STOSQ
	RET

// func zeroSSE(p, n uintptr)
TEXT ·zeroSSE(SB),NOSPLIT,$0-16
	MOVQ	p+0(FP), DI
	MOVQ	n+8(FP), CX
	XORPS	X0, X0
loop:
	MOVAPS	X0, 0(DI)
	MOVAPS	X0, 16(DI)
	MOVAPS	X0, 32(DI)
	MOVAPS	X0, 48(DI)
	ADDQ	$64, DI
	SUBQ	$64, CX
	JNZ	loop
	RET

// func zeroNonTemporal(p, n uintptr): streaming stores that bypass the
// cache, then SFENCE to order them before the page is published.
TEXT ·zeroNonTemporal(SB),NOSPLIT,$0-16
	MOVQ	p+0(FP), DI
	MOVQ	n+8(FP), CX
	XORPS	X0, X0
loop:
	MOVNTDQ	X0, 0(DI)
	MOVNTDQ	X0, 16(DI)
	MOVNTDQ	X0, 32(DI)
	MOVNTDQ	X0, 48(DI)
	ADDQ	$64, DI
	SUBQ	$64, CX
	JNZ	loop
	SFENCE
	RET
