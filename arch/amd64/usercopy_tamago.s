//go:build tamago

#include "textflag.h"

// STAC and CLAC (SDM 2B): RFLAGS.AC on and off, lifting SMAP for the copy
// alone. They are #UD on a CPU without SMAP, so they run only when it is
// on (smapOn, set by initUserEntry).
#define STAC	BYTE $0x0f; BYTE $0x01; BYTE $0xcb
#define CLAC	BYTE $0x0f; BYTE $0x01; BYTE $0xca

// func copyUser(dst, src, n uintptr) (left uintptr)
//
// One of dst and src is a user address, checked by the caller to lie in
// the user range. The bulk moves by REP MOVSQ, the last n%8 bytes by REP
// MOVSB (Linux's copy_user_generic without ERMS: under QEMU's icount
// each iteration of a REP string instruction counts, so eight bytes a
// count rather than one). Either may fault on a user page: FixupCopy
// then makes this return with left = RCX*R8 + R9, the bytes the copy had
// still to move (SDM 2B, REP: a faulting iteration leaves RCX, RSI and
// RDI at it), where R8 is the size of the current iteration and R9 the
// bytes after it. NOFRAME: at the fault SP is the entry SP (FixupCopy's
// layout).
TEXT ·copyUser(SB),NOSPLIT|NOFRAME,$0-32
	MOVQ	dst+0(FP), DI
	MOVQ	src+8(FP), SI
	MOVQ	n+16(FP), CX
	MOVQ	CX, R9
	ANDQ	$7, R9			// the tail, after the quadwords
	SHRQ	$3, CX
	MOVQ	$8, R8
	CMPB	·smapOn(SB), $0
	JEQ	copy
	STAC
copy:
	REP; MOVSQ		// may fault: see FixupCopy
	MOVQ	R9, CX
	MOVQ	$1, R8
	XORL	R9, R9
	REP; MOVSB		// may fault: see FixupCopy
	CMPB	·smapOn(SB), $0
	JEQ	done
	CLAC
done:
	MOVQ	CX, left+24(FP)
	RET

// func touchUser(addr uintptr) (left uintptr)
//
// Adds 0 to the byte at user address addr with LOCK: a write access that
// changes nothing, even against another writer (read's check that its
// buffer is writable, faulting it in). left is 0, or 1 if it faulted
// (FixupCopy hands back RCX*R8+R9: 1 here).
TEXT ·touchUser(SB),NOSPLIT|NOFRAME,$0-16
	MOVQ	addr+0(FP), DI
	MOVQ	$1, CX
	MOVQ	$1, R8
	XORL	R9, R9
	CMPB	·smapOn(SB), $0
	JEQ	touch
	STAC
touch:
	LOCK; ADDB	$0, (DI)	// may fault: see FixupCopy
	CMPB	·smapOn(SB), $0
	JEQ	done
	CLAC
done:
	MOVQ	$0, left+8(FP)
	RET

DATA	·touchUserPC+0(SB)/8, $·touchUser(SB)
GLOBL	·touchUserPC(SB), RODATA, $8

DATA	·copyUserPC+0(SB)/8, $·copyUser(SB)
GLOBL	·copyUserPC(SB), RODATA, $8
