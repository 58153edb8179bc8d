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
// the user range. The bulk moves by REP MOVSQ, the rest by REP MOVSB in
// copyUserBytes (Linux's copy_user_generic without ERMS: under QEMU's
// icount each iteration of a REP string instruction counts, so eight
// bytes a count rather than one). A fault in the quadwords is fixed up
// to go on byte by byte from the faulting quadword (FixupCopy: RCX
// becomes the bytes left, RCX*8 + R9), as Linux's copy_user_handle_tail,
// so that the copy stops at the exact first bad byte; a fault there makes
// copyUser return with left = RCX (SDM 2B, REP: a faulting iteration
// leaves RCX, RSI and RDI at it). NOFRAME: at the fault SP is the entry
// SP (FixupCopy's layout).
TEXT ·copyUser(SB),NOSPLIT|NOFRAME,$0-32
	MOVQ	dst+0(FP), DI
	MOVQ	src+8(FP), SI
	MOVQ	n+16(FP), CX
	MOVQ	CX, R9
	ANDQ	$7, R9			// the tail, after the quadwords
	SHRQ	$3, CX
	CMPB	·smapOn(SB), $0
	JEQ	copy
	STAC
copy:
	REP; MOVSQ		// may fault: see FixupCopy
	MOVQ	R9, CX
	JMP	·copyUserBytes(SB)

// copyUserBytes is copyUser's byte phase: RCX bytes from RSI to RDI, AC
// set where SMAP is on. Reached by a jump from copyUser (or by
// FixupCopy), never called: it shares copyUser's frame.
TEXT ·copyUserBytes(SB),NOSPLIT|NOFRAME,$0-32
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
// (FixupCopy hands back RCX: 1 here).
TEXT ·touchUser(SB),NOSPLIT|NOFRAME,$0-16
	MOVQ	addr+0(FP), DI
	MOVQ	$1, CX
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

DATA	·copyUserBytesPC+0(SB)/8, $·copyUserBytes(SB)
GLOBL	·copyUserBytesPC(SB), RODATA, $8

DATA	·copyUserPC+0(SB)/8, $·copyUser(SB)
GLOBL	·copyUserPC(SB), RODATA, $8
