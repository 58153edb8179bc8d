//go:build tamago

#include "textflag.h"

// External interrupts, vectors 32-255. Every IDT entry 32..255 points into
// irqTable, a jump table of 5-byte CALLs to irqEntry (as TamaGo's
// irqHandler): the return address the CALL pushes tells irqEntry which
// entry, hence which vector, the CPU took. The CPU has switched to IST4
// (istIRQ, trap_tamago.go) with IF clear (interrupt gate). Stack in
// irqEntry after its four pushes:
//
//	+0x48  SS                  pushed by the CPU
//	+0x40  RSP (interrupted)
//	+0x38  RFLAGS
//	+0x30  CS
//	+0x28  RIP
//	+0x20  return address      pushed by the CALL in irqTable
//	+0x18  AX
//	+0x10  BX
//	+0x08  CX
//	+0x00  DX                  the registers runtime·WakeG clobbers
//
// irqEntry does only this, touching no Go stack, no g and no FPU state:
//   - counts the vector (irqCounts) and sets its bit in irqPending, with
//     LOCK-prefixed read-modify-writes;
//   - sends the local APIC an EOI (SDM 3A 11.8.5);
//   - calls runtime·WakeG on the service goroutine (ServeIRQs), which
//     makes its time.Sleep expire at once; AX = 0 if it was asleep;
//   - restores the four registers and returns with IRETQ, which restores
//     RFLAGS (and so IF) too.
// Vector 255, the local APIC's spurious vector, returns at once, without
// EOI (SDM 3A 11.9).

TEXT ·irqEntry(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	BX
	PUSHQ	CX
	PUSHQ	DX

	// vector = 32 + (return address - irqTable)/5 - 1
	MOVQ	0x20(SP), AX
	MOVQ	$·irqTable(SB), BX
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

	MOVQ	$0xfee000b0, AX		// LAPICBase + lapicEOI
	MOVL	$0, (AX)

	// No runtime·WakeG here: the interrupt may land while the runtime is
	// changing its timer heap, and WakeG changes it too ("fatal error:
	// timer data corruption" under heavy disk interrupts). WakeService
	// wakes the service goroutine from the scheduler's idle hook.

restore:
	POPQ	DX
	POPQ	CX
	POPQ	BX
	POPQ	AX
	ADDQ	$8, SP			// the return address into irqTable
	IRETQ

// irqTable: entry n (vector 32+n) at irqTable + 5n. InitTraps checks the
// encoding (E8 rel32 to irqEntry) before it points the IDT here.
TEXT ·irqTable(SB),NOSPLIT|NOFRAME,$0
	CALL	·irqEntry(SB)	// 32
	CALL	·irqEntry(SB)	// 33
	CALL	·irqEntry(SB)	// 34
	CALL	·irqEntry(SB)	// 35
	CALL	·irqEntry(SB)	// 36
	CALL	·irqEntry(SB)	// 37
	CALL	·irqEntry(SB)	// 38
	CALL	·irqEntry(SB)	// 39
	CALL	·irqEntry(SB)	// 40
	CALL	·irqEntry(SB)	// 41
	CALL	·irqEntry(SB)	// 42
	CALL	·irqEntry(SB)	// 43
	CALL	·irqEntry(SB)	// 44
	CALL	·irqEntry(SB)	// 45
	CALL	·irqEntry(SB)	// 46
	CALL	·irqEntry(SB)	// 47
	CALL	·irqEntry(SB)	// 48
	CALL	·irqEntry(SB)	// 49
	CALL	·irqEntry(SB)	// 50
	CALL	·irqEntry(SB)	// 51
	CALL	·irqEntry(SB)	// 52
	CALL	·irqEntry(SB)	// 53
	CALL	·irqEntry(SB)	// 54
	CALL	·irqEntry(SB)	// 55
	CALL	·irqEntry(SB)	// 56
	CALL	·irqEntry(SB)	// 57
	CALL	·irqEntry(SB)	// 58
	CALL	·irqEntry(SB)	// 59
	CALL	·irqEntry(SB)	// 60
	CALL	·irqEntry(SB)	// 61
	CALL	·irqEntry(SB)	// 62
	CALL	·irqEntry(SB)	// 63
	CALL	·irqEntry(SB)	// 64
	CALL	·irqEntry(SB)	// 65
	CALL	·irqEntry(SB)	// 66
	CALL	·irqEntry(SB)	// 67
	CALL	·irqEntry(SB)	// 68
	CALL	·irqEntry(SB)	// 69
	CALL	·irqEntry(SB)	// 70
	CALL	·irqEntry(SB)	// 71
	CALL	·irqEntry(SB)	// 72
	CALL	·irqEntry(SB)	// 73
	CALL	·irqEntry(SB)	// 74
	CALL	·irqEntry(SB)	// 75
	CALL	·irqEntry(SB)	// 76
	CALL	·irqEntry(SB)	// 77
	CALL	·irqEntry(SB)	// 78
	CALL	·irqEntry(SB)	// 79
	CALL	·irqEntry(SB)	// 80
	CALL	·irqEntry(SB)	// 81
	CALL	·irqEntry(SB)	// 82
	CALL	·irqEntry(SB)	// 83
	CALL	·irqEntry(SB)	// 84
	CALL	·irqEntry(SB)	// 85
	CALL	·irqEntry(SB)	// 86
	CALL	·irqEntry(SB)	// 87
	CALL	·irqEntry(SB)	// 88
	CALL	·irqEntry(SB)	// 89
	CALL	·irqEntry(SB)	// 90
	CALL	·irqEntry(SB)	// 91
	CALL	·irqEntry(SB)	// 92
	CALL	·irqEntry(SB)	// 93
	CALL	·irqEntry(SB)	// 94
	CALL	·irqEntry(SB)	// 95
	CALL	·irqEntry(SB)	// 96
	CALL	·irqEntry(SB)	// 97
	CALL	·irqEntry(SB)	// 98
	CALL	·irqEntry(SB)	// 99
	CALL	·irqEntry(SB)	// 100
	CALL	·irqEntry(SB)	// 101
	CALL	·irqEntry(SB)	// 102
	CALL	·irqEntry(SB)	// 103
	CALL	·irqEntry(SB)	// 104
	CALL	·irqEntry(SB)	// 105
	CALL	·irqEntry(SB)	// 106
	CALL	·irqEntry(SB)	// 107
	CALL	·irqEntry(SB)	// 108
	CALL	·irqEntry(SB)	// 109
	CALL	·irqEntry(SB)	// 110
	CALL	·irqEntry(SB)	// 111
	CALL	·irqEntry(SB)	// 112
	CALL	·irqEntry(SB)	// 113
	CALL	·irqEntry(SB)	// 114
	CALL	·irqEntry(SB)	// 115
	CALL	·irqEntry(SB)	// 116
	CALL	·irqEntry(SB)	// 117
	CALL	·irqEntry(SB)	// 118
	CALL	·irqEntry(SB)	// 119
	CALL	·irqEntry(SB)	// 120
	CALL	·irqEntry(SB)	// 121
	CALL	·irqEntry(SB)	// 122
	CALL	·irqEntry(SB)	// 123
	CALL	·irqEntry(SB)	// 124
	CALL	·irqEntry(SB)	// 125
	CALL	·irqEntry(SB)	// 126
	CALL	·irqEntry(SB)	// 127
	CALL	·irqEntry(SB)	// 128
	CALL	·irqEntry(SB)	// 129
	CALL	·irqEntry(SB)	// 130
	CALL	·irqEntry(SB)	// 131
	CALL	·irqEntry(SB)	// 132
	CALL	·irqEntry(SB)	// 133
	CALL	·irqEntry(SB)	// 134
	CALL	·irqEntry(SB)	// 135
	CALL	·irqEntry(SB)	// 136
	CALL	·irqEntry(SB)	// 137
	CALL	·irqEntry(SB)	// 138
	CALL	·irqEntry(SB)	// 139
	CALL	·irqEntry(SB)	// 140
	CALL	·irqEntry(SB)	// 141
	CALL	·irqEntry(SB)	// 142
	CALL	·irqEntry(SB)	// 143
	CALL	·irqEntry(SB)	// 144
	CALL	·irqEntry(SB)	// 145
	CALL	·irqEntry(SB)	// 146
	CALL	·irqEntry(SB)	// 147
	CALL	·irqEntry(SB)	// 148
	CALL	·irqEntry(SB)	// 149
	CALL	·irqEntry(SB)	// 150
	CALL	·irqEntry(SB)	// 151
	CALL	·irqEntry(SB)	// 152
	CALL	·irqEntry(SB)	// 153
	CALL	·irqEntry(SB)	// 154
	CALL	·irqEntry(SB)	// 155
	CALL	·irqEntry(SB)	// 156
	CALL	·irqEntry(SB)	// 157
	CALL	·irqEntry(SB)	// 158
	CALL	·irqEntry(SB)	// 159
	CALL	·irqEntry(SB)	// 160
	CALL	·irqEntry(SB)	// 161
	CALL	·irqEntry(SB)	// 162
	CALL	·irqEntry(SB)	// 163
	CALL	·irqEntry(SB)	// 164
	CALL	·irqEntry(SB)	// 165
	CALL	·irqEntry(SB)	// 166
	CALL	·irqEntry(SB)	// 167
	CALL	·irqEntry(SB)	// 168
	CALL	·irqEntry(SB)	// 169
	CALL	·irqEntry(SB)	// 170
	CALL	·irqEntry(SB)	// 171
	CALL	·irqEntry(SB)	// 172
	CALL	·irqEntry(SB)	// 173
	CALL	·irqEntry(SB)	// 174
	CALL	·irqEntry(SB)	// 175
	CALL	·irqEntry(SB)	// 176
	CALL	·irqEntry(SB)	// 177
	CALL	·irqEntry(SB)	// 178
	CALL	·irqEntry(SB)	// 179
	CALL	·irqEntry(SB)	// 180
	CALL	·irqEntry(SB)	// 181
	CALL	·irqEntry(SB)	// 182
	CALL	·irqEntry(SB)	// 183
	CALL	·irqEntry(SB)	// 184
	CALL	·irqEntry(SB)	// 185
	CALL	·irqEntry(SB)	// 186
	CALL	·irqEntry(SB)	// 187
	CALL	·irqEntry(SB)	// 188
	CALL	·irqEntry(SB)	// 189
	CALL	·irqEntry(SB)	// 190
	CALL	·irqEntry(SB)	// 191
	CALL	·irqEntry(SB)	// 192
	CALL	·irqEntry(SB)	// 193
	CALL	·irqEntry(SB)	// 194
	CALL	·irqEntry(SB)	// 195
	CALL	·irqEntry(SB)	// 196
	CALL	·irqEntry(SB)	// 197
	CALL	·irqEntry(SB)	// 198
	CALL	·irqEntry(SB)	// 199
	CALL	·irqEntry(SB)	// 200
	CALL	·irqEntry(SB)	// 201
	CALL	·irqEntry(SB)	// 202
	CALL	·irqEntry(SB)	// 203
	CALL	·irqEntry(SB)	// 204
	CALL	·irqEntry(SB)	// 205
	CALL	·irqEntry(SB)	// 206
	CALL	·irqEntry(SB)	// 207
	CALL	·irqEntry(SB)	// 208
	CALL	·irqEntry(SB)	// 209
	CALL	·irqEntry(SB)	// 210
	CALL	·irqEntry(SB)	// 211
	CALL	·irqEntry(SB)	// 212
	CALL	·irqEntry(SB)	// 213
	CALL	·irqEntry(SB)	// 214
	CALL	·irqEntry(SB)	// 215
	CALL	·irqEntry(SB)	// 216
	CALL	·irqEntry(SB)	// 217
	CALL	·irqEntry(SB)	// 218
	CALL	·irqEntry(SB)	// 219
	CALL	·irqEntry(SB)	// 220
	CALL	·irqEntry(SB)	// 221
	CALL	·irqEntry(SB)	// 222
	CALL	·irqEntry(SB)	// 223
	CALL	·irqEntry(SB)	// 224
	CALL	·irqEntry(SB)	// 225
	CALL	·irqEntry(SB)	// 226
	CALL	·irqEntry(SB)	// 227
	CALL	·irqEntry(SB)	// 228
	CALL	·irqEntry(SB)	// 229
	CALL	·irqEntry(SB)	// 230
	CALL	·irqEntry(SB)	// 231
	CALL	·irqEntry(SB)	// 232
	CALL	·irqEntry(SB)	// 233
	CALL	·irqEntry(SB)	// 234
	CALL	·irqEntry(SB)	// 235
	CALL	·irqEntry(SB)	// 236
	CALL	·irqEntry(SB)	// 237
	CALL	·irqEntry(SB)	// 238
	CALL	·irqEntry(SB)	// 239
	CALL	·irqEntry(SB)	// 240
	CALL	·irqEntry(SB)	// 241
	CALL	·irqEntry(SB)	// 242
	CALL	·irqEntry(SB)	// 243
	CALL	·irqEntry(SB)	// 244
	CALL	·irqEntry(SB)	// 245
	CALL	·irqEntry(SB)	// 246
	CALL	·irqEntry(SB)	// 247
	CALL	·irqEntry(SB)	// 248
	CALL	·irqEntry(SB)	// 249
	CALL	·irqEntry(SB)	// 250
	CALL	·irqEntry(SB)	// 251
	CALL	·irqEntry(SB)	// 252
	CALL	·irqEntry(SB)	// 253
	CALL	·irqEntry(SB)	// 254
	CALL	·irqEntry(SB)	// 255

DATA	·irqTablePC+0(SB)/8, $·irqTable(SB)
GLOBL	·irqTablePC(SB), RODATA, $8
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
