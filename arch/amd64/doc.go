// Package amd64 is Pagoda's view of the x86-64 hardware: port I/O, the time
// stamp counter, CPUID and halting, as small assembly leaves with Go
// signatures. Later issues add the paging structures (PTE bits, CR0/2/3/4,
// EFER, INVLPG) and the trap stubs here.
//
// Everything that executes a privileged instruction is built only for the
// bare-metal target (//go:build tamago); the package itself builds on the
// host so that portable code beside it can be tested there.
//
// External interrupts (vectors 32-254) are taken by a small assembly stub
// that only records the vector and wakes one service goroutine, ServeIRQs,
// which runs the Go handlers (irq_tamago.go); apic.go and apic_tamago.go
// program the local APIC and the IOAPICs.
package amd64
