// Package amd64 is Pagoda's view of the x86-64 hardware: port I/O, the time
// stamp counter, CPUID and halting, as small assembly leaves with Go
// signatures. Later issues add the paging structures (PTE bits, CR0/2/3/4,
// EFER, INVLPG) and the trap stubs here.
//
// Everything that executes a privileged instruction is built only for the
// bare-metal target (//go:build tamago); the package itself builds on the
// host so that portable code beside it can be tested there.
//
// Missing: paging and fault handling (the paging issue).
package amd64
