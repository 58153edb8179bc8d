// Package amd64 is Pagoda's view of the x86-64 hardware: port I/O, the time
// stamp counter, CPUID, CR0/2/3, INVLPG and halting, as small assembly
// leaves with Go signatures; the trap and interrupt entry; the local APIC
// and IOAPICs; the probe accessors and their exception table; page
// zeroing; instruction decoding and page-fault error codes.
//
// Everything that executes a privileged instruction is built only for the
// bare-metal target (//go:build tamago); the package itself builds on the
// host so that portable code beside it can be tested there.
//
// Entry. Every IDT gate (one IDT, shared by all CPUs) points into
// generated code (vectors_tamago.s, from mkvectors.go): exceptions
// (vectors 0-31) into a stub each, which pushes the vector and jumps to
// trapCommon (trap_tamago.s), which saves the full register state and
// calls the handler InitTraps installed (the kernel's policy, package
// trap) on the system stack; external interrupts (vectors 32-255) into a
// table of 5-byte CALLs to irqEntry (irq_tamago.s), which only records
// the vector for one service goroutine, ServeIRQs, that runs the Go
// handlers (irq_tamago.go).
//
// Per-CPU state. Each CPU's GDT, TSS, IST stacks and the trap being
// dispatched live in its PerCPU (percpu_tamago.go), which the CPU finds
// through its GS base: the stubs read it with no global variable. Only
// the boot CPU runs today; PerCPU's doc says where SMP plugs in.
//
// Ring 3 (user.go, user_tamago.go, user_tamago.s). A user thread is a
// goroutine that calls Switch(regs): it enters ring 3 with the registers
// of a UserRegs and returns when ring 3 traps back, with the registers
// saved there, the kind of exit as its result and the rest in
// UserRegs.Exit (ExitSyscall; ExitException with vector, error code and
// CR2; ExitInterrupt with the vector). The pieces:
//
//   - segments: the GDT holds user data 0x2b and user code 0x33, Linux's
//     selectors, at the offsets SYSRET takes from IA32_STAR (kernel CS
//     0x08, SS 0x10); no 32-bit user segment, so no compatibility mode;
//     DS, ES, FS and GS hold the null selector in the kernel;
//   - the way in: SYSRETQ after a system call (RCX = RIP and R11 =
//     RFLAGS, no TF), IRETQ otherwise, SWAPGS just before either; the
//     checks of what ring 3 may be entered with run unless the
//     registers are exactly as a SYSCALL saved them (UserRegs.sysret;
//     code that edits them calls Changed);
//   - the ways back: SYSCALL (IA32_LSTAR, syscallEntry); an exception or
//     an interrupt whose frame has CS.RPL 3, sent by trapCommon and
//     irqEntry to userTrap and userInterrupt before the kernel path, so
//     the trap policy sees only the kernel's own traps. All the gates keep
//     their IST stacks: a trap from ring 3 lands on the same IST stack as
//     one from ring 0 and leaves it at once; TSS.RSP0 is never used;
//   - GS: SWAPGS at every crossing, the PerCPU in IA32_KERNEL_GS_BASE
//     while ring 3 runs; ring 3's GS base is 0 (CR4.FSGSBASE off);
//   - FS: the runtime's base (g at -8(FS)) is swapped for the user's on
//     the way in, and back on the way out before any Go code runs (the
//     user's read back only for a non-null FS selector);
//   - FPU: FXRSTOR64 of the user's area in, FXSAVE64 out, then FNINIT and
//     MXCSR 0x1f80, the control words Go's code assumes;
//   - interrupts: irqEntry counts and acknowledges an interrupt from ring
//     3 as any other, then returns it from Switch rather than to ring 3;
//     the caller lets the scheduler run. Preemption builds on this.
//   - SMEP and SMAP are on where the CPU has them: the kernel cannot run
//     or touch user pages (it touches none today).
//
// Missing: an NMI or machine check in the few instructions between a
// crossing and its SWAPGS would find the other side's GS (Linux's
// paranoid entry reads IA32_GS_BASE; microvm delivers no NMI); one CPU.
package amd64
