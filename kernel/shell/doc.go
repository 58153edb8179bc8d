// Package shell is Pagoda's command interpreter on the serial console:
// the commands a user types, the in-kernel benchmarks, and the host
// tests that drive them against the simulator.
//
// The shell is a line editor (lineedit.go) over the console's byte
// stream, a dispatcher (shell.go) and one table of commands
// (commands.go, with the address-space commands in vmcmds.go, the file
// commands in fscmds.go, swap in swap.go, the process commands in
// proccmds.go, and init.go's exec, which the kernel's init= also
// uses: the console goes to a program as PID 1 for good). A command is a name, a usage
// line, a one-line help text and a handler; the dispatcher checks the
// argument count against the usage, runs the handler and prints its
// error as a single "error: " line. Numeric arguments all go through
// mm.ParseSize, so every command accepts decimal, 0x hex and K/M/G
// suffixes alike. fill, check and touch take their page order from
// mm/workload (order=, accesses=), the same runs the host lab scores.
//
// Nothing a user types may crash the kernel: handlers return errors for
// bad input, and the dispatcher recovers a panicking handler and reports
// it as an internal error.
//
// Everything the shell acts on comes in its Config, wired by kernel/:
// the frame allocator, the address spaces (proc.Spaces), the VFS, the
// machine (proc.Machine), the window's real loads and stores, the
// self-tests. It imports no bare-metal code but arch/amd64's types and
// boot's Cmdline, so it is tested on the host against a fake Machine
// and the simulator.
//
// Locking: the dispatcher holds the big kernel lock (Config.Lock) while a
// command runs, so that a command sees the memory and file state
// unchanged by the flusher and kswapd; a few commands that only wait or
// print are marked Unlocked. halt takes it to sync.
package shell
