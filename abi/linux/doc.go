// Package linux is Linux's ABI in one place: the numbers a program
// compiled for Linux on x86-64 passes to the kernel and gets back, and
// their translation to and from Pagoda's own types.
//
// Why a package. Pagoda's memory subsystem already follows Linux's
// semantics (mm/vm cites do_anonymous_page, do_wp_page, msync...), but it
// speaks Go: vm.Prot, vm.Flags, vm.Advice, sentinel errors. User processes
// on Linux's system call ABI come next, and their system calls arrive as
// registers holding PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, and
// leave as -ENOMEM in RAX. Until then the shell's parsers are the users:
// they accept the same names and numbers a student reads in mmap(2). One
// package holds the numbers, the rules Linux applies to them, and the
// way back from Pagoda's errors to an errno, so that neither mm/ nor the
// system call layer grows a second copy.
//
// Where each value comes from (x86-64 uses the generic values, except
// MAP_32BIT):
//
//	mman.go   PROT_*, MAP_*, MADV_*, MS_*: include/uapi/asm-generic/mman-common.h
//	          and mman.h; MAP_32BIT: arch/x86/include/uapi/asm/mman.h;
//	          MAP_SHARED..MAP_SHARED_VALIDATE, MAP_HUGE_*, MREMAP_*:
//	          include/uapi/linux/mman.h; LEGACY_MAP_MASK: include/linux/mman.h
//	errno.go  include/uapi/asm-generic/errno-base.h (1..34), errno.h (35..133)
//	strerror.go  glibc's strerror texts, which strace prints
//
// The system call layer (for package proc; pure functions on registers
// and []byte, little-endian, nothing of TamaGo or unsafe):
//
//	syscalls.go    SYS_* numbers and SyscallName (syscall_64.tbl, 0..334, 424..462)
//	signatures.go  argument kinds of the calls Pagoda implements
//	strace.go      FormatCall: a call as strace(1) prints it
//	fcntl.go       O_*, F_*, AT_*, S_IF*; DecodeOpenFlags (build_open_flags)
//	stat.go, time.go, uname.go, rlimit.go, dirent.go  structures copied out
//	iovec.go       DecodeIovecs (iovec_from_user, __import_iovec)
//	signal.go      signals, default actions, Sigset, Sigaction, sigaltstack
//	siginfo.go     siginfo_t by siginfo_layout; wait.go: wait4's status word
//	sigframe.go    BuildSigframe and ParseSigreturn (arch/x86/kernel/signal*.c)
//	clone.go, archprctl.go, memfd.go  CLONE_*, ARCH_*, MFD_*, GRND_*
//
// Every decoder of user memory or of a user register returns an Errno
// (EINVAL, EFAULT for a buffer shorter than its structure, ...) and never
// panics; each has a fuzz target (abi_fuzz_test.go). abi_host_test.go
// checks the structures' offsets with offsetof in C against the uapi
// headers, a real Linux signal frame byte for byte, and open flags
// against the host's F_GETFL.
//
// The tests check every value against a table, and on a Linux/amd64 host
// against Go's syscall package and the host's uapi headers (host_test.go).
//
// The translations (mmap.go) take a register as the system call
// receives it (uint64) and apply the C type of the argument: mmap's prot
// and flags and mremap's flags are unsigned long, madvise's advice and
// msync's flags are int, so their upper 32 bits are ignored, as Linux's
// SYSCALL_DEFINE wrappers ignore them. Each follows the Linux function
// that checks the argument (do_mmap, ksys_mmap_pgoff, do_mprotect_pkey,
// madvise_behavior_valid, msync, mremap) and says what Linux does with a
// flag Pagoda lacks and what Pagoda does instead: ignore it where Linux
// ignores it or where ignoring it changes nothing a program can see,
// otherwise fail with the error Linux gives in the nearest situation
// (a kernel built without the feature, or one older than it), so that a
// program takes the fallback it already has for that kernel.
//
// Errors (errno_of.go): ErrnoOf maps each sentinel error of mm/ and fs/
// to the errno Linux returns for the same failure; a test parses those
// packages and fails when a sentinel has no mapping.
//
// Layering: abi/linux imports mm/* and fs/*; nothing under mm/ or fs/
// imports it. It imports nothing of TamaGo and builds on the host.
package linux
