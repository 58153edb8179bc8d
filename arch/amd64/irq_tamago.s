//go:build tamago

#include "textflag.h"

// External interrupts, vectors 32-255. IDT entry v (32..255) points at
// entry v-32 of vectorTable (vectors_tamago.s), a 5-byte CALL to irqEntry
// (as TamaGo's irqHandler): the return address the CALL pushes tells
// irqEntry which entry, hence which vector, the CPU took. The CPU has
// switched to IST4 (istIRQ, in this CPU's TSS) with IF clear (interrupt
// gate). Stack in irqEntry after its four pushes:
//
//	+0x48  SS                  pushed by the CPU
//	+0x40  RSP (interrupted)
//	+0x38  RFLAGS
//	+0x30  CS
//	+0x28  RIP
//	+0x20  return address      pushed by the CALL in vectorTable
//	+0x18  AX
//	+0x10  BX
//	+0x08  CX
//	+0x00  DX                  the registers irqEntry uses
//
// irqEntry does only this, touching no Go stack, no g and no FPU state:
//   - counts the vector (irqCounts) and sets its bit in irqPending, with
//     LOCK-prefixed read-modify-writes;
//   - sends the local APIC an EOI (SDM 3A 11.8.5);
//   - restores the four registers and returns with IRETQ, which restores
//     RFLAGS (and so IF) too; or, when the interrupt came from ring 3
//     (CS.RPL = 3 in the frame), jumps to userInterrupt (user_tamago.s),
//     which hands it back to the Switch that entered ring 3 as an
//     ExitInterrupt: the kernel gets the CPU back at every interrupt.
// Vector 255, the local APIC's spurious vector, returns at once, without
// EOI (SDM 3A 11.9).

TEXT ·irqEntry(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	BX
	PUSHQ	CX
	PUSHQ	DX

	// vector = (return address - vectorTable)/5 + 31
	MOVQ	0x20(SP), AX
	MOVQ	$·vectorTable(SB), BX
	SUBQ	BX, AX
	XORL	DX, DX
	MOVL	$5, CX
	DIVQ	CX
	ADDQ	$31, AX
	CMPQ	AX, $255
	JEQ	restore

	MOVQ	$·irqCounts(SB), BX
	LOCK
	INCQ	(BX)(AX*8)

	MOVQ	AX, CX
	ANDL	$63, CX
	MOVL	$1, DX
	SHLQ	CX, DX			// DX = 1 << (vector % 64)
	SHRQ	$6, AX			// AX = vector / 64
	MOVQ	$·irqPending(SB), BX
	LOCK
	ORQ	DX, (BX)(AX*8)

	MOVQ	·lapicEOIAddr(SB), AX	// DirectMapBase + LAPICBase + lapicEOI
	MOVL	$0, (AX)

	// No runtime·WakeG here: the interrupt may land while the runtime is
	// changing its timer heap, and WakeG changes it too ("fatal error:
	// timer data corruption" under heavy disk interrupts). WakeService
	// wakes the service goroutine from the scheduler's idle hook.

restore:
	TESTB	$3, 0x30(SP)		// the frame's CS: RPL 3 is ring 3
	JNZ	user
	POPQ	DX
	POPQ	CX
	POPQ	BX
	POPQ	AX
	ADDQ	$8, SP			// the return address into vectorTable
	IRETQ

user:
	JMP	·userInterrupt(SB)

DATA	·irqEntryPC+0(SB)/8, $·irqEntry(SB)
GLOBL	·irqEntryPC(SB), RODATA, $8

// func sti()
TEXT ·sti(SB),NOSPLIT,$0-0
	STI
	RET

// func cli()
TEXT ·cli(SB),NOSPLIT,$0-0
	CLI
	RET

// func rflags() uint64
TEXT ·rflags(SB),NOSPLIT,$0-8
	PUSHFQ
	POPQ	AX
	MOVQ	AX, ret+0(FP)
	RET
