// Package proc is the process layer: today the address spaces the kernel
// runs its workloads in, which of them is current, and the dispatch of
// the mapping window's faults to it; user processes (their threads of
// control, file descriptors, signals) will live here.
//
// Spaces (spaces.go) is the table of address spaces. One is current: its
// PML4 is in CR3, and the window's faults go to it through Resolve,
// which runs on the fault path (no allocation, no lock, no blocking) and
// maps vm's result to the trap's reason. The OOM killer (mm/vm oom.go)
// marks its victims in the fault; ReapKilled, in goroutine context after
// each command, frees them as a killed process would exit. Trace
// (trace.go) records the last window faults, on the fault path.
//
// Machine and WindowMemory (machine.go) are what the layer needs of the
// hardware: a clock, and real loads and stores in the window (the kernel
// gives the machine's, host tests the simulator's).
//
// User processes (process.go) run as goroutines that enter ring 3;
// init.go makes one of them PID 1, init, as Linux's kernel_init, and
// cputime.go measures their CPU time at each crossing.
//
// User processes see two synthetic filesystems, found by name before the
// VFS is asked: /dev's special files (dev.go) and /proc (procfs.go),
// whose files are the shell's texts (mm/vm proctext.go) and the process
// table's, made when a file is opened.
//
// Locking: every method but Resolve runs under the big kernel lock
// (lock.Kernel); Resolve runs in a fault taken by the goroutine that
// holds it.
package proc
