//go:build tamago

// PVH entry: QEMU loads the ELF and jumps to its XEN_ELFNOTE_PHYS32_ENTRY
// (the linker's .note.go.pvh, pointing at _rt0_amd64_tamago, which jumps
// here through runtime/goos.CPUInit) with the CPU in 32-bit protected mode,
// paging off, and EBX holding the physical address of struct hvm_start_info
// (Xen public/arch-x86/hvm/start_info.h).
//
// This code runs before Go does: it saves EBX and the TSC, builds the boot
// page tables described in memlayout.go, enters long mode (SDM 3A 10.8.5
// "Initializing IA-32e Mode") and jumps to the Go runtime's entry with the
// stack TamaGo expects.
//
// The kernel is linked in the kernel window, at KWINDOW + physical
// (-T 0xf1010000), and loaded at its physical address: the build rewrites
// the ELF's p_paddr and PVH entry (qemu/cmd/phyself). So cpuinit runs at
// its physical address, on the identity map, until start64 jumps to the
// window's copy. The boot map has three views of physical memory:
//
//	[0, 4 GiB)               identity, 2 MiB pages (page 0 absent, MMIO
//	                         at BOOT_MMIO_START and up uncached): cpuinit
//	                         and start64 run on it; the kernel's own
//	                         table (kernel/kmap.go) drops it
//	[KWINDOW, +128 MiB)      physical [0, 128 MiB), laid over PD3's
//	                         entries 384-447 (the identity of
//	                         [3.75 GiB, 3.875 GiB) is given up: no RAM or
//	                         MMIO the kernel uses is there): the image, the
//	                         Go heap and stacks
//	DIRECT_MAP_PML4 (PML4    the same PDPT as PML4[0]: [0, 4 GiB) at
//	 entry 273)              mm.DirectMapBase + physical, for the firmware
//	                         tables, the LAPIC and the frame table, which
//	                         Go code reaches before the kernel table exists
//
// In 32-bit mode the Go assembler's encodings still decode correctly as long
// as no REX prefix and no RIP-relative operand is used: only legacy
// registers and constant addresses appear until the far return below.
// Symbol addresses are computed as "address of the next instruction +
// disp32", because a RIP-relative LEA decodes as an absolute disp32 here.

#include "textflag.h"
#include "memlayout.h"

#define MSR_EFER	0xc0000080
#define EFER_LME	(1<<8)		// SDM 3A 2.2.1: IA-32e mode enable
#define EFER_NXE	(1<<11)		// execute-disable bit enable
#define CR0_PE		(1<<0)
#define CR0_MP		(1<<1)
#define CR0_EM		(1<<2)
#define CR0_PG		(1<<31)
#define CR4_PAE		(1<<5)
#define CR4_PGE		(1<<7)
#define CR4_OSFXSR	(1<<9)		// SSE (FXSAVE/FXRSTOR) enabled by the OS
#define CR4_OSXMMEXCPT	(1<<10)
#define PTE_P		(1<<0)
#define PTE_RW		(1<<1)
#define PTE_PWT		(1<<3)
#define PTE_PCD		(1<<4)
#define PTE_PS		(1<<7)

// 64-bit GDT (SDM 3A 3.4.5): null, kernel code (L=1, P, S, exec/read),
// kernel data (P, S, read/write).
DATA	·gdt<>+0x00(SB)/8, $0x0000000000000000
DATA	·gdt<>+0x08(SB)/8, $0x00209a0000000000
DATA	·gdt<>+0x10(SB)/8, $0x0000920000000000
GLOBL	·gdt<>(SB), RODATA, $24

DATA	·gdtptr<>+0x00(SB)/2, $(3*8-1)
DATA	·gdtptr<>+0x02(SB)/8, $·gdt<>(SB)
GLOBL	·gdtptr<>(SB), RODATA, $10

// func cpuinit() — the runtime/goos.CPUInit target (build tag linkcpuinit).
TEXT cpuinit(SB),NOSPLIT|NOFRAME,$0
	CLI
	CLD				// PVH leaves EFLAGS.DF unspecified
	MOVL	BX, SI			// SI = hvm_start_info, kept until long mode
	MOVL	$BOOT_STACK_TOP, SP

	// Record the TSC at entry: uptime counts from here.
	RDTSC
	MOVL	$BOOT_SCRATCH, DI
	MOVL	AX, 0(DI)
	MOVL	DX, 4(DI)

	// Clear the boot page tables.
	XORL	AX, AX
	MOVL	$BOOT_PML4, DI
	MOVL	$(BOOT_TABLES_SIZE/4), CX
	REP;	STOSL

	// PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3 (SDM 3A 4.5, 4-level paging).
	MOVL	$BOOT_PML4, DI
	MOVL	$(BOOT_PDPT|PTE_RW|PTE_P), 0(DI)
	// PML4[DIRECT_MAP_PML4] -> the same PDPT: the direct map at
	// 0xffff888000000000 sees [0, 4 GiB) from the start (mm.DirectMap,
	// before the kernel table exists).
	MOVL	$(BOOT_PDPT|PTE_RW|PTE_P), (DIRECT_MAP_PML4*8)(DI)
	MOVL	$BOOT_PDPT, DI
	MOVL	$(BOOT_PD+0x0000|PTE_RW|PTE_P), 0(DI)
	MOVL	$(BOOT_PD+0x1000|PTE_RW|PTE_P), 8(DI)
	MOVL	$(BOOT_PD+0x2000|PTE_RW|PTE_P), 16(DI)
	MOVL	$(BOOT_PD+0x3000|PTE_RW|PTE_P), 24(DI)

	// PD entries: identity map [0, 4 GiB) with 2 MiB pages; the MMIO
	// window at the top of the 32-bit space is mapped uncached.
	MOVL	$BOOT_PD, DI
	XORL	AX, AX
pd_loop:
	MOVL	AX, BX
	ORL	$(PTE_PS|PTE_RW|PTE_P), BX
	CMPL	AX, $BOOT_MMIO_START
	JB	pd_store
	ORL	$(PTE_PCD|PTE_PWT), BX
pd_store:
	MOVL	BX, 0(DI)
	ADDL	$8, DI
	ADDL	$(1<<21), AX
	JNZ	pd_loop			// AX wraps to 0 after 4 GiB

	// The first 2 MiB through a page table, so page 0 stays unmapped and a
	// nil dereference faults.
	MOVL	$BOOT_PD, DI
	MOVL	$(BOOT_PT|PTE_RW|PTE_P), 0(DI)
	MOVL	$(BOOT_PT+8), DI
	MOVL	$(1<<12), AX
pt_loop:
	MOVL	AX, BX
	ORL	$(PTE_RW|PTE_P), BX
	MOVL	BX, 0(DI)
	ADDL	$8, DI
	ADDL	$(1<<12), AX
	CMPL	AX, $(1<<21)
	JB	pt_loop

	// The kernel window: PD3[384..447] (the four PDs are contiguous, so
	// KWINDOW's entry is BOOT_PD + (KWINDOW>>21)*8) map [KWINDOW,
	// KWINDOW+KWINDOW_SIZE) onto physical [0, KWINDOW_SIZE), 2 MiB pages.
	MOVL	$(BOOT_PD+(KWINDOW>>21)*8), DI
	XORL	AX, AX
kw_loop:
	MOVL	AX, BX
	ORL	$(PTE_PS|PTE_RW|PTE_P), BX
	MOVL	BX, 0(DI)
	ADDL	$8, DI
	ADDL	$(1<<21), AX
	CMPL	AX, $KWINDOW_SIZE
	JB	kw_loop

	// CR4: PAE, global pages, SSE.
	MOVL	CR4, AX
	ORL	$(CR4_PAE|CR4_PGE|CR4_OSFXSR|CR4_OSXMMEXCPT), AX
	MOVL	AX, CR4

	MOVL	$BOOT_PML4, AX
	MOVL	AX, CR3

	MOVL	$MSR_EFER, CX
	RDMSR
	ORL	$(EFER_LME|EFER_NXE), AX
	WRMSR

	// Paging on: the CPU is now in IA-32e compatibility mode.
	MOVL	CR0, AX
	ANDL	$~CR0_EM, AX
	ORL	$(CR0_PG|CR0_MP|CR0_PE), AX
	MOVL	AX, CR0

	// LGDT: AX = address of the MOVL below, BX = &gdtptr - (AX+6).
	CALL	·eip<>(SB)
	MOVL	$·gdtptr<>(SB), BX
	ADDL	$6, AX
	ADDL	BX, AX
	LGDT	(AX)

	// Far return into 64-bit code through the new code segment (0x08).
	CALL	·eip<>(SB)
	MOVL	$·start64<>(SB), BX
	ADDL	$6, AX
	ADDL	BX, AX
	PUSHQ	$0x08			// 6a 08: push imm8 (4 bytes here)
	PUSHQ	AX			// 50: push eax
	BYTE	$0xcb			// retf (32-bit operand size)

// func eip<>() — returns the caller's return address in AX; valid in 32-bit
// and 64-bit mode alike.
TEXT ·eip<>(SB),NOSPLIT|NOFRAME,$0
	MOVL	0(SP), AX
	RET

// start64 continues cpuinit in 64-bit mode (no Go signature: it is only
// ever entered by the far return above).
TEXT ·start64<>(SB),NOSPLIT|NOFRAME,$0
	MOVW	$0x10, AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, SS
	MOVW	AX, FS			// the runtime sets FS's base (TLS) later
	MOVW	AX, GS

	// Still at the identity-mapped copy: jump to the window's, through an
	// 8-byte absolute (the assembler makes MOVQ $sym a RIP-relative LEAQ).
	MOVQ	·start64win<>(SB), AX
	JMP	AX

DATA	·start64win<>+0(SB)/8, $·start64w<>(SB)
GLOBL	·start64win<>(SB), RODATA, $8

TEXT ·start64w<>(SB),NOSPLIT|NOFRAME,$0
	MOVL	SI, SI			// zero-extend
	MOVQ	SI, ·startInfoPA(SB)
	MOVQ	$BOOT_SCRATCH, DI
	MOVQ	0(DI), AX
	MOVQ	AX, ·bootTSC(SB)
	MOVQ	AX, ·clock+0(SB)	// clock.origin: time zero is kernel entry

	// The Go runtime's initial stack, as TamaGo lays it out:
	// RamStart + RamSize - RamStackOffset.
	MOVQ	runtime∕goos·RamStart(SB), SP
	MOVQ	runtime∕goos·RamSize(SB), AX
	MOVQ	runtime∕goos·RamStackOffset(SB), BX
	ADDQ	AX, SP
	SUBQ	BX, SP

	JMP	_rt0_tamago_start(SB)
