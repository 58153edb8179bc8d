//go:build tamago

#include "textflag.h"

// func probeLoad8(addr uintptr) (v uint8, ok bool)
TEXT ·probeLoad8(SB),NOSPLIT|NOFRAME,$0-10
	MOVQ	addr+0(FP), AX
	MOVB	(AX), BL		// may fault: see FixupProbe
	MOVB	BL, v+8(FP)
	MOVB	$1, ok+9(FP)
	RET

// func probeStore8(addr uintptr, v uint8) (ok bool)
TEXT ·probeStore8(SB),NOSPLIT|NOFRAME,$0-17
	MOVQ	addr+0(FP), AX
	MOVB	v+8(FP), BL
	MOVB	BL, (AX)		// may fault: see FixupProbe
	MOVB	$1, ok+16(FP)
	RET

DATA	·probeLoad8PC+0(SB)/8, $·probeLoad8(SB)
GLOBL	·probeLoad8PC(SB), RODATA, $8
DATA	·probeStore8PC+0(SB)/8, $·probeStore8(SB)
GLOBL	·probeStore8PC(SB), RODATA, $8
