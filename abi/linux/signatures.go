package linux

// The signatures of the system calls Pagoda implements, for strace-style
// traces (FormatCall): each argument's kind, how strace(1) prints it, and
// the result's. The argument order and C types are the SYSCALL_DEFINE
// lines of Linux and the man pages; the printing is strace 6's.

// ArgKind is how an argument is printed.
type ArgKind uint8

const (
	ArgInt            ArgKind = iota // int: signed decimal of the low 32 bits
	ArgLong                          // long, off_t: signed decimal
	ArgUint                          // size_t, unsigned long: unsigned decimal
	ArgHex                           // hexadecimal, 0 as "0"
	ArgPtr                           // an address: NULL, or hexadecimal
	ArgPath                          // a file name: a quoted C string, whole
	ArgString                        // another C string: quoted, at most 32 bytes then "..."
	ArgFd                            // a file descriptor (int)
	ArgDirFd                         // an *at directory: AT_FDCWD or a descriptor
	ArgMode                          // mode_t: octal, as 0644
	ArgProt                          // PROT_*
	ArgMapFlags                      // MAP_* with mmap's type first
	ArgOpenFlags                     // open's access mode and O_* flags
	ArgFdFlags                       // O_CLOEXEC, O_NONBLOCK (pipe2, dup3), 0 as "0"
	ArgAtFlags                       // AT_* of newfstatat and friends
	ArgUnlinkFlags                   // unlinkat's: AT_REMOVEDIR
	ArgAccessMode                    // access's: F_OK or R_OK|W_OK|X_OK
	ArgFcntlCmd                      // F_*
	ArgSignal                        // SIG*
	ArgSigHow                        // SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK
	ArgWhence                        // SEEK_*
	ArgClock                         // CLOCK_*
	ArgTimerFlags                    // clock_nanosleep's: TIMER_ABSTIME
	ArgAdvice                        // MADV_*
	ArgMsyncFlags                    // MS_*
	ArgMremapFlags                   // MREMAP_*
	ArgCloneFlags                    // CLONE_* and the exit signal
	ArgArchPrctl                     // ARCH_*
	ArgResource                      // RLIMIT_*
	ArgWaitOptions                   // WNOHANG...
	ArgGrndFlags                     // GRND_*
	ArgMfdFlags                      // MFD_*
	ArgFdFlagsCloexec                // FD_CLOEXEC (fcntl's F_SETFD)
)

// RetKind is how the result is printed when it is not an error.
type RetKind uint8

const (
	RetInt  RetKind = iota // signed decimal
	RetHex                 // an address: hexadecimal (mmap, brk, mremap)
	RetOct                 // octal (umask)
	RetNone                // the call does not return: "?" (exit, exit_group)
)

// Signature is a system call's name, arguments and result.
type Signature struct {
	Name string
	Args []ArgKind
	Ret  RetKind
}

// SyscallSignature is nr's signature, for the system calls Pagoda
// implements; false for the others, which FormatCall prints with six
// hexadecimal arguments.
func SyscallSignature(nr uint64) (Signature, bool) {
	s, ok := signatures[nr]
	return s, ok
}

func sig(name string, ret RetKind, args ...ArgKind) Signature {
	return Signature{Name: name, Args: args, Ret: ret}
}

// signatures is each implemented system call's signature. Arguments
// that exist only for some values of another (open's mode, fcntl's arg,
// mremap's new address, clone's pointers) are listed, and FormatCall
// leaves them out as strace does.
var signatures = map[uint64]Signature{
	SYS_READ:            sig("read", RetInt, ArgFd, ArgPtr, ArgUint),
	SYS_WRITE:           sig("write", RetInt, ArgFd, ArgPtr, ArgUint),
	SYS_OPEN:            sig("open", RetInt, ArgPath, ArgOpenFlags, ArgMode),
	SYS_CLOSE:           sig("close", RetInt, ArgFd),
	SYS_STAT:            sig("stat", RetInt, ArgPath, ArgPtr),
	SYS_FSTAT:           sig("fstat", RetInt, ArgFd, ArgPtr),
	SYS_LSTAT:           sig("lstat", RetInt, ArgPath, ArgPtr),
	SYS_LSEEK:           sig("lseek", RetInt, ArgFd, ArgLong, ArgWhence),
	SYS_MMAP:            sig("mmap", RetHex, ArgPtr, ArgUint, ArgProt, ArgMapFlags, ArgFd, ArgHex),
	SYS_MPROTECT:        sig("mprotect", RetInt, ArgPtr, ArgUint, ArgProt),
	SYS_MUNMAP:          sig("munmap", RetInt, ArgPtr, ArgUint),
	SYS_BRK:             sig("brk", RetHex, ArgPtr),
	SYS_RT_SIGACTION:    sig("rt_sigaction", RetInt, ArgSignal, ArgPtr, ArgPtr, ArgUint),
	SYS_RT_SIGPROCMASK:  sig("rt_sigprocmask", RetInt, ArgSigHow, ArgPtr, ArgPtr, ArgUint),
	SYS_RT_SIGRETURN:    sig("rt_sigreturn", RetInt),
	SYS_IOCTL:           sig("ioctl", RetInt, ArgFd, ArgHex, ArgHex),
	SYS_PREAD64:         sig("pread64", RetInt, ArgFd, ArgPtr, ArgUint, ArgLong),
	SYS_PWRITE64:        sig("pwrite64", RetInt, ArgFd, ArgPtr, ArgUint, ArgLong),
	SYS_READV:           sig("readv", RetInt, ArgFd, ArgPtr, ArgInt),
	SYS_WRITEV:          sig("writev", RetInt, ArgFd, ArgPtr, ArgInt),
	SYS_ACCESS:          sig("access", RetInt, ArgPath, ArgAccessMode),
	SYS_PIPE:            sig("pipe", RetInt, ArgPtr),
	SYS_SCHED_YIELD:     sig("sched_yield", RetInt),
	SYS_MREMAP:          sig("mremap", RetHex, ArgPtr, ArgUint, ArgUint, ArgMremapFlags, ArgPtr),
	SYS_MSYNC:           sig("msync", RetInt, ArgPtr, ArgUint, ArgMsyncFlags),
	SYS_MINCORE:         sig("mincore", RetInt, ArgPtr, ArgUint, ArgPtr),
	SYS_MADVISE:         sig("madvise", RetInt, ArgPtr, ArgUint, ArgAdvice),
	SYS_DUP:             sig("dup", RetInt, ArgFd),
	SYS_DUP2:            sig("dup2", RetInt, ArgFd, ArgFd),
	SYS_NANOSLEEP:       sig("nanosleep", RetInt, ArgPtr, ArgPtr),
	SYS_GETPID:          sig("getpid", RetInt),
	SYS_CLONE:           sig("clone", RetInt, ArgCloneFlags, ArgPtr, ArgPtr, ArgPtr, ArgPtr),
	SYS_FORK:            sig("fork", RetInt),
	SYS_VFORK:           sig("vfork", RetInt),
	SYS_EXECVE:          sig("execve", RetInt, ArgPath, ArgPtr, ArgPtr),
	SYS_EXIT:            sig("exit", RetNone, ArgInt),
	SYS_WAIT4:           sig("wait4", RetInt, ArgInt, ArgPtr, ArgWaitOptions, ArgPtr),
	SYS_KILL:            sig("kill", RetInt, ArgInt, ArgSignal),
	SYS_UNAME:           sig("uname", RetInt, ArgPtr),
	SYS_FCNTL:           sig("fcntl", RetInt, ArgFd, ArgFcntlCmd, ArgHex),
	SYS_FTRUNCATE:       sig("ftruncate", RetInt, ArgFd, ArgLong),
	SYS_GETCWD:          sig("getcwd", RetInt, ArgPtr, ArgUint),
	SYS_CHDIR:           sig("chdir", RetInt, ArgPath),
	SYS_MKDIR:           sig("mkdir", RetInt, ArgPath, ArgMode),
	SYS_UNLINK:          sig("unlink", RetInt, ArgPath),
	SYS_READLINK:        sig("readlink", RetInt, ArgPath, ArgPtr, ArgUint),
	SYS_UMASK:           sig("umask", RetOct, ArgMode),
	SYS_GETTIMEOFDAY:    sig("gettimeofday", RetInt, ArgPtr, ArgPtr),
	SYS_GETUID:          sig("getuid", RetInt),
	SYS_GETGID:          sig("getgid", RetInt),
	SYS_GETEUID:         sig("geteuid", RetInt),
	SYS_GETEGID:         sig("getegid", RetInt),
	SYS_GETPPID:         sig("getppid", RetInt),
	SYS_SIGALTSTACK:     sig("sigaltstack", RetInt, ArgPtr, ArgPtr),
	SYS_STATFS:          sig("statfs", RetInt, ArgPath, ArgPtr),
	SYS_FSTATFS:         sig("fstatfs", RetInt, ArgFd, ArgPtr),
	SYS_ARCH_PRCTL:      sig("arch_prctl", RetInt, ArgArchPrctl, ArgPtr),
	SYS_GETTID:          sig("gettid", RetInt),
	SYS_TKILL:           sig("tkill", RetInt, ArgInt, ArgSignal),
	SYS_SET_TID_ADDRESS: sig("set_tid_address", RetInt, ArgPtr),
	SYS_CLOCK_GETTIME:   sig("clock_gettime", RetInt, ArgClock, ArgPtr),
	SYS_CLOCK_NANOSLEEP: sig("clock_nanosleep", RetInt, ArgClock, ArgTimerFlags, ArgPtr, ArgPtr),
	SYS_EXIT_GROUP:      sig("exit_group", RetNone, ArgInt),
	SYS_TGKILL:          sig("tgkill", RetInt, ArgInt, ArgInt, ArgSignal),
	SYS_OPENAT:          sig("openat", RetInt, ArgDirFd, ArgPath, ArgOpenFlags, ArgMode),
	SYS_MKDIRAT:         sig("mkdirat", RetInt, ArgDirFd, ArgPath, ArgMode),
	SYS_NEWFSTATAT:      sig("newfstatat", RetInt, ArgDirFd, ArgPath, ArgPtr, ArgAtFlags),
	SYS_UNLINKAT:        sig("unlinkat", RetInt, ArgDirFd, ArgPath, ArgUnlinkFlags),
	SYS_READLINKAT:      sig("readlinkat", RetInt, ArgDirFd, ArgPath, ArgPtr, ArgUint),
	SYS_FACCESSAT:       sig("faccessat", RetInt, ArgDirFd, ArgPath, ArgAccessMode),
	SYS_SET_ROBUST_LIST: sig("set_robust_list", RetInt, ArgPtr, ArgUint),
	SYS_PIPE2:           sig("pipe2", RetInt, ArgPtr, ArgFdFlags),
	SYS_DUP3:            sig("dup3", RetInt, ArgFd, ArgFd, ArgFdFlags),
	SYS_PRLIMIT64:       sig("prlimit64", RetInt, ArgInt, ArgResource, ArgPtr, ArgPtr),
	SYS_GETRANDOM:       sig("getrandom", RetInt, ArgPtr, ArgUint, ArgGrndFlags),
	SYS_MEMFD_CREATE:    sig("memfd_create", RetInt, ArgString, ArgMfdFlags),
	SYS_RSEQ:            sig("rseq", RetInt, ArgPtr, ArgHex, ArgInt, ArgHex),
	SYS_GETDENTS64:      sig("getdents64", RetInt, ArgFd, ArgPtr, ArgUint),
	SYS_SENDFILE:        sig("sendfile", RetInt, ArgFd, ArgFd, ArgPtr, ArgUint),
	SYS_PRCTL:           sig("prctl", RetInt, ArgInt, ArgHex, ArgHex, ArgHex, ArgHex),
	SYS_SETPGID:         sig("setpgid", RetInt, ArgInt, ArgInt),
	SYS_GETPGID:         sig("getpgid", RetInt, ArgInt),
	SYS_GETPGRP:         sig("getpgrp", RetInt),
	SYS_SETSID:          sig("setsid", RetInt),
	SYS_GETSID:          sig("getsid", RetInt, ArgInt),
	SYS_POLL:            sig("poll", RetInt, ArgPtr, ArgUint, ArgInt),
	SYS_SYNC:            sig("sync", RetInt),
	SYS_SYNCFS:          sig("syncfs", RetInt, ArgFd),
	SYS_FSYNC:           sig("fsync", RetInt, ArgFd),
	SYS_FDATASYNC:       sig("fdatasync", RetInt, ArgFd),
	SYS_TIME:            sig("time", RetInt, ArgPtr),
	SYS_RT_SIGSUSPEND:   sig("rt_sigsuspend", RetInt, ArgPtr, ArgUint),
	SYS_GETGROUPS:       sig("getgroups", RetInt, ArgInt, ArgPtr),
	SYS_UTIMENSAT:       sig("utimensat", RetInt, ArgDirFd, ArgPath, ArgPtr, ArgAtFlags),
	SYS_PPOLL:           sig("ppoll", RetInt, ArgPtr, ArgUint, ArgPtr, ArgPtr, ArgUint),
}
