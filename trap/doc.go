// Package trap is the kernel's trap policy: what happens after a CPU
// exception has entered through arch/amd64's stubs and reached Go on the
// system stack. System-call dispatch will join it here, on the same entry.
//
// Every exception reaches the handler with interrupts off, on the system
// stack of the CPU that took it. In order:
//
//  1. a fault inside a probe accessor (the shell's peek and poke) is fixed
//     up through arch's exception table, as Linux's copy_from_user is: the
//     accessor returns failure, and ProbeFault says what the fault was;
//  2. a page fault in the mapping window, taken by a goroutine, goes to
//     this CPU's window resolver (its current address space's HandleFault,
//     or a self-test's): resolved, the instruction is retried;
//     unresolvable, the goroutine panics with a *amd64.FaultError, entered
//     as Go's sigpanic is;
//  3. anything else is a kernel bug: a report (vector, error code, CR2,
//     registers) printed on the system stack without allocating, then the
//     rest (symbol, instruction, goroutine stack) from the faulting
//     goroutine, then the machine stops with the panic status.
//
// Rules of this path, the resolver's included: no Go heap allocation, no
// blocking, no sleeping lock (lock.Spin only), no fmt, no defer.
//
// Per-CPU state: the window resolver and the last probe fault belong to
// one CPU, as its CR3 does, so they live in an array of arch's MaxCPUs
// entries indexed by the CPU's number (amd64.PerCPU.Index, found through
// GS), as Linux's DEFINE_PER_CPU variables are found through the per-CPU
// base. A goroutine that sets this CPU's resolver (with the address space
// it loads into CR3) must stay on the CPU while it works; with one CPU it
// cannot move. The window's bounds and the kernel's page table are the
// same on every CPU.
//
// The package imports arch/amd64, boot and mm, never kernel: kernel wires
// it (Init, SetKernelTable, SetWindowResolver).
//
// User mode never reaches this policy: a trap or interrupt taken in ring
// 3 leaves arch's stubs before any Go code runs and comes back as the
// return of amd64.Switch, in the goroutine that entered ring 3 (see
// arch/amd64's package doc). Missing: what that goroutine does with it;
// a user page fault will go to the same resolver, in ordinary Go
// context, and a system call to a dispatch table beside it.
package trap
