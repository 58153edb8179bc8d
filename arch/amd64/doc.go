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
// the boot CPU runs today; PerCPU's doc says where SMP and ring 3 plug in.
package amd64
