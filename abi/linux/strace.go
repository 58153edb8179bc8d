package linux

import (
	"strconv"
	"strings"
)

// FormatCall prints a system call as strace(1) does (strace 6.1, the
// host's, is the reference; strace_test.go holds its lines), so that a
// trace of a program under Pagoda can be set beside one under Linux:
//
//	mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f3c2a5f1000
//	openat(AT_FDCWD, "/tmp/x", O_RDWR|O_CREAT, 0644) = 3
//	read(3, 0x1234, 16) = -1 EFAULT (Bad address)
//	syscall_0x1f3(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)
//
// args are the six argument registers (RDI, RSI, RDX, R10, R8, R9), ret
// is RAX after the call, and str reads a NUL-terminated string at a user
// address (false if it cannot); it should return at least 33 bytes of a
// longer string, so that FormatCall can tell it was cut.
//
// What differs from strace, by design: strace also reads structures and
// buffers (a struct stat, the bytes of a read, execve's argv) where
// FormatCall prints their address; it aligns " = " at column 40 where
// FormatCall puts one space; and a system call that has a name but no
// signature (SyscallSignature) is printed with six hexadecimal
// arguments, as strace prints an unknown one.
func FormatCall(nr uint64, args [6]uint64, ret int64, str func(addr uint64) (string, bool)) string {
	var b strings.Builder
	s, ok := signatures[nr]
	switch {
	case ok && nr == SYS_CLONE:
		b.WriteString("clone(")
		formatClone(&b, args)
	case ok:
		b.WriteString(s.Name)
		b.WriteByte('(')
		for i, k := range s.Args[:argCount(nr, s, args)] {
			if i > 0 {
				b.WriteString(", ")
			}
			if nr == SYS_FCNTL && i == 2 {
				k = fcntlArg(args[1])
			}
			formatArg(&b, k, args[i], str)
		}
	default:
		if s.Name = SyscallName(nr); s.Name == "" {
			s.Name = "syscall_" + hex(nr)
		}
		b.WriteString(s.Name)
		b.WriteByte('(')
		for i, a := range args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(hex(a))
		}
	}
	b.WriteString(") = ")
	formatRet(&b, s.Ret, ret)
	return b.String()
}

// argCount is how many of s's arguments strace prints for these
// values: open's and openat's mode only with O_CREAT or O_TMPFILE,
// fcntl's argument only for the commands that take one, mremap's new
// address only with MREMAP_FIXED.
func argCount(nr uint64, s Signature, args [6]uint64) int {
	n := len(s.Args)
	switch nr {
	case SYS_OPEN, SYS_OPENAT:
		flags := args[n-2]
		if flags&O_CREAT == 0 && flags&O__TMPFILE == 0 {
			n--
		}
	case SYS_FCNTL:
		switch uint32(args[1]) {
		case F_GETFD, F_GETFL, F_GETOWN, F_GETSIG, F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS:
			n--
		}
	case SYS_MREMAP:
		if args[3]&MREMAP_FIXED == 0 {
			n--
		}
	}
	return n
}

// fcntlArg is how fcntl's third argument is printed for command cmd.
func fcntlArg(cmd uint64) ArgKind {
	switch uint32(cmd) {
	case F_SETFD:
		return ArgFdFlagsCloexec
	case F_SETFL:
		return ArgOpenFlags
	case F_DUPFD, F_DUPFD_CLOEXEC, F_SETOWN, F_SETSIG, F_SETPIPE_SZ, F_SETLEASE, F_NOTIFY:
		return ArgInt
	}
	return ArgPtr
}

func formatArg(b *strings.Builder, k ArgKind, a uint64, str func(uint64) (string, bool)) {
	switch k {
	case ArgInt, ArgFd:
		b.WriteString(strconv.Itoa(int(int32(a))))
	case ArgLong:
		b.WriteString(strconv.FormatInt(int64(a), 10))
	case ArgUint:
		b.WriteString(strconv.FormatUint(a, 10))
	case ArgHex:
		b.WriteString(hex(a))
	case ArgPtr:
		b.WriteString(ptr(a))
	case ArgPath, ArgString:
		limit := -1
		if k == ArgString {
			limit = 32
		}
		if a == 0 {
			b.WriteString("NULL")
		} else if s, ok := str(a); ok {
			quote(b, s, limit)
		} else {
			b.WriteString(hex(a))
		}
	case ArgDirFd:
		if int32(a) == AT_FDCWD {
			b.WriteString("AT_FDCWD")
		} else {
			b.WriteString(strconv.Itoa(int(int32(a))))
		}
	case ArgMode:
		b.WriteString(octal(uint64(uint32(a))))
	case ArgProt:
		flags(b, a, protNames, "PROT_NONE")
	case ArgMapFlags:
		formatMapFlags(b, a)
	case ArgOpenFlags:
		formatOpenFlags(b, uint64(uint32(a)))
	case ArgFdFlags:
		flags(b, uint64(uint32(a)), openFlagNames, "0")
	case ArgAtFlags:
		flags(b, uint64(uint32(a)), atFlagNames, "0")
	case ArgFdFlagsCloexec:
		flags(b, uint64(uint32(a)), []named{{FD_CLOEXEC, "FD_CLOEXEC"}}, "0")
	case ArgUnlinkFlags:
		flags(b, uint64(uint32(a)), []named{{AT_REMOVEDIR, "AT_REMOVEDIR"}}, "0")
	case ArgAccessMode:
		flags(b, uint64(uint32(a)), accessNames, "F_OK")
	case ArgFcntlCmd:
		value(b, uint64(uint32(a)), fcntlNames)
	case ArgSignal:
		if s := Signal(int32(a)); s.Valid() {
			b.WriteString(s.String())
		} else {
			b.WriteString(strconv.Itoa(int(int32(a))))
		}
	case ArgSigHow:
		value(b, uint64(uint32(a)), sigHowNames)
	case ArgWhence:
		value(b, uint64(uint32(a)), whenceNames)
	case ArgClock:
		value(b, uint64(uint32(a)), clockNames)
	case ArgTimerFlags:
		flags(b, uint64(uint32(a)), []named{{TIMER_ABSTIME, "TIMER_ABSTIME"}}, "0")
	case ArgAdvice:
		value(b, uint64(uint32(a)), adviceNames)
	case ArgMsyncFlags:
		flags(b, uint64(uint32(a)), msyncNames, "0")
	case ArgMremapFlags:
		flags(b, a, mremapNames, "0")
	case ArgCloneFlags:
		formatCloneFlags(b, a)
	case ArgArchPrctl:
		value(b, uint64(uint32(a)), archPrctlNames)
	case ArgResource:
		value(b, uint64(uint32(a)), resourceNames)
	case ArgWaitOptions:
		flags(b, uint64(uint32(a)), waitNames, "0")
	case ArgGrndFlags:
		flags(b, uint64(uint32(a)), grndNames, "0")
	case ArgMfdFlags:
		flags(b, uint64(uint32(a)), mfdNames, "0")
	default:
		b.WriteString(hex(a))
	}
}

func formatRet(b *strings.Builder, k RetKind, ret int64) {
	switch {
	case k == RetNone:
		b.WriteString("?")
	case ret < 0 && ret >= -4095:
		e := Errno(-ret)
		b.WriteString("-1 ")
		if int(e) < len(errnoNames) && errnoNames[e] != "" {
			b.WriteString(e.String())
		} else {
			b.WriteString("E??? ") // strace's name for a number without one
			b.WriteString(strconv.Itoa(int(e)))
		}
		b.WriteString(" (")
		b.WriteString(e.Message())
		b.WriteString(")")
	case k == RetHex:
		b.WriteString(hex(uint64(ret)))
	case k == RetOct:
		b.WriteString(octal(uint64(ret)))
	default:
		b.WriteString(strconv.FormatInt(ret, 10))
	}
}

// formatClone prints x86-64's clone(flags, newsp, parent_tid,
// child_tid, tls) as strace does, naming the arguments and leaving out
// the pointers the flags do not use.
func formatClone(b *strings.Builder, a [6]uint64) {
	b.WriteString("child_stack=")
	b.WriteString(ptr(a[1]))
	b.WriteString(", flags=")
	formatCloneFlags(b, a[0])
	if a[0]&CLONE_PARENT_SETTID != 0 {
		b.WriteString(", parent_tid=")
		b.WriteString(ptr(a[2]))
	}
	if a[0]&(CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID) != 0 {
		b.WriteString(", child_tidptr=")
		b.WriteString(ptr(a[3]))
	}
	if a[0]&CLONE_SETTLS != 0 {
		b.WriteString(", tls=")
		b.WriteString(ptr(a[4]))
	}
}

func formatCloneFlags(b *strings.Builder, a uint64) {
	sig := Signal(a & CSIGNAL)
	rest := a &^ CSIGNAL
	if rest == 0 && sig == 0 {
		b.WriteString("0")
		return
	}
	if rest != 0 {
		flags(b, rest, cloneNames, "")
	}
	if sig != 0 {
		if rest != 0 {
			b.WriteByte('|')
		}
		if sig.Valid() {
			b.WriteString(sig.String())
		} else {
			b.WriteString(strconv.Itoa(int(sig)))
		}
	}
}

// formatMapFlags prints mmap's flags: the mapping type, the flags in
// order, unknown bits in hexadecimal, then with MAP_HUGETLB the huge
// page size as strace writes it (21<<MAP_HUGE_SHIFT).
func formatMapFlags(b *strings.Builder, a uint64) {
	switch a & MAP_TYPE {
	case MAP_SHARED:
		b.WriteString("MAP_SHARED")
	case MAP_PRIVATE:
		b.WriteString("MAP_PRIVATE")
	case MAP_SHARED_VALIDATE:
		b.WriteString("MAP_SHARED_VALIDATE")
	case MAP_DROPPABLE:
		b.WriteString("MAP_DROPPABLE")
	default:
		b.WriteString(hex(a & MAP_TYPE))
	}
	a &^= MAP_TYPE
	var huge uint64 // the size bits mean a size only with MAP_HUGETLB (strace's print_mmap_flags)
	if a&MAP_HUGETLB != 0 {
		huge = a >> MAP_HUGE_SHIFT & MAP_HUGE_MASK
		a &^= MAP_HUGE_MASK << MAP_HUGE_SHIFT
	}
	for _, f := range mapFlagNames {
		if a&f.v != 0 {
			b.WriteByte('|')
			b.WriteString(f.name)
			a &^= f.v
		}
	}
	if a != 0 {
		b.WriteByte('|')
		b.WriteString(hex(a))
	}
	if huge != 0 {
		b.WriteByte('|')
		b.WriteString(strconv.FormatUint(huge, 10))
		b.WriteString("<<MAP_HUGE_SHIFT")
	}
}

// formatOpenFlags prints the access mode, then the flags.
func formatOpenFlags(b *strings.Builder, a uint64) {
	b.WriteString([...]string{"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"}[a&O_ACCMODE])
	if a &^= O_ACCMODE; a != 0 {
		b.WriteByte('|')
		flags(b, a, openFlagNames, "")
	}
}

type named struct {
	v    uint64
	name string
}

// flags prints the names of a's bits in the table's order, each name
// taking all of its bits, then what is left in hexadecimal; zero for 0.
func flags(b *strings.Builder, a uint64, names []named, zero string) {
	if a == 0 {
		b.WriteString(zero)
		return
	}
	first := true
	sep := func() {
		if !first {
			b.WriteByte('|')
		}
		first = false
	}
	for _, f := range names {
		if f.v != 0 && a&f.v == f.v {
			sep()
			b.WriteString(f.name)
			a &^= f.v
		}
	}
	if a != 0 {
		sep()
		b.WriteString(hex(a))
	}
}

// value prints a's name from the table, or a in hexadecimal with
// strace's "/* ... */" left out.
func value(b *strings.Builder, a uint64, names []named) {
	for _, f := range names {
		if f.v == a {
			b.WriteString(f.name)
			return
		}
	}
	b.WriteString(hex(a))
}

func hex(a uint64) string {
	if a == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(a, 16)
}

func ptr(a uint64) string {
	if a == 0 {
		return "NULL"
	}
	return "0x" + strconv.FormatUint(a, 16)
}

// octal is a in C's octal with at least three digits: 0644, 022, 000.
func octal(a uint64) string {
	s := strconv.FormatUint(a, 8)
	for len(s) < 2 {
		s = "0" + s
	}
	return "0" + s
}

// quote writes s as strace's string_quote: in double quotes, with \" \\
// \f \n \r \t \v escaped, other bytes outside ' '..'~' in octal (three
// digits when an octal digit follows, else as few as needed), cut at
// limit bytes (limit < 0: never) and followed by "..." when cut. A NUL
// ends the string.
func quote(b *strings.Builder, s string, limit int) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	cut := limit >= 0 && len(s) > limit
	if cut {
		s = s[:limit]
	}
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\v':
			b.WriteString(`\v`)
		default:
			if c >= ' ' && c <= '~' {
				b.WriteByte(c)
				continue
			}
			b.WriteByte('\\')
			if i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7' {
				b.WriteByte('0' + c>>6)
				b.WriteByte('0' + c>>3&7)
			} else if c>>3 != 0 {
				if c>>6 != 0 {
					b.WriteByte('0' + c>>6)
				}
				b.WriteByte('0' + c>>3&7)
			}
			b.WriteByte('0' + c&7)
		}
	}
	b.WriteByte('"')
	if cut {
		b.WriteString("...")
	}
}

// The names strace prints, in its order.
var (
	protNames = []named{{PROT_READ, "PROT_READ"}, {PROT_WRITE, "PROT_WRITE"}, {PROT_EXEC, "PROT_EXEC"},
		{PROT_SEM, "PROT_SEM"}, {PROT_GROWSDOWN, "PROT_GROWSDOWN"}, {PROT_GROWSUP, "PROT_GROWSUP"}}
	mapFlagNames = []named{{MAP_FIXED, "MAP_FIXED"}, {MAP_ANONYMOUS, "MAP_ANONYMOUS"}, {MAP_32BIT, "MAP_32BIT"},
		{MAP_GROWSDOWN, "MAP_GROWSDOWN"}, {MAP_DENYWRITE, "MAP_DENYWRITE"}, {MAP_EXECUTABLE, "MAP_EXECUTABLE"},
		{MAP_LOCKED, "MAP_LOCKED"}, {MAP_NORESERVE, "MAP_NORESERVE"}, {MAP_POPULATE, "MAP_POPULATE"},
		{MAP_NONBLOCK, "MAP_NONBLOCK"}, {MAP_STACK, "MAP_STACK"}, {MAP_HUGETLB, "MAP_HUGETLB"},
		{MAP_SYNC, "MAP_SYNC"}, {MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"}, {MAP_UNINITIALIZED, "MAP_UNINITIALIZED"}}
	openFlagNames = []named{{O_CREAT, "O_CREAT"}, {O_EXCL, "O_EXCL"}, {O_NOCTTY, "O_NOCTTY"}, {O_TRUNC, "O_TRUNC"},
		{O_APPEND, "O_APPEND"}, {O_NONBLOCK, "O_NONBLOCK"}, {O_SYNC, "O_SYNC"}, {O_DSYNC, "O_DSYNC"},
		{FASYNC, "O_ASYNC"}, {O_DIRECT, "O_DIRECT"}, {O_LARGEFILE, "O_LARGEFILE"}, {O_NOFOLLOW, "O_NOFOLLOW"},
		{O_TMPFILE, "O_TMPFILE"}, {O_DIRECTORY, "O_DIRECTORY"}, {O_NOATIME, "O_NOATIME"},
		{O_CLOEXEC, "O_CLOEXEC"}, {O_PATH, "O_PATH"}}
	atFlagNames = []named{{AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"},
		{AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"}, {AT_EMPTY_PATH, "AT_EMPTY_PATH"}}
	accessNames = []named{{R_OK, "R_OK"}, {W_OK, "W_OK"}, {X_OK, "X_OK"}}
	fcntlNames  = []named{{F_DUPFD, "F_DUPFD"}, {F_GETFD, "F_GETFD"}, {F_SETFD, "F_SETFD"}, {F_GETFL, "F_GETFL"},
		{F_SETFL, "F_SETFL"}, {F_GETLK, "F_GETLK"}, {F_SETLK, "F_SETLK"}, {F_SETLKW, "F_SETLKW"},
		{F_SETOWN, "F_SETOWN"}, {F_GETOWN, "F_GETOWN"}, {F_SETSIG, "F_SETSIG"}, {F_GETSIG, "F_GETSIG"},
		{F_SETOWN_EX, "F_SETOWN_EX"}, {F_GETOWN_EX, "F_GETOWN_EX"}, {F_OFD_GETLK, "F_OFD_GETLK"},
		{F_OFD_SETLK, "F_OFD_SETLK"}, {F_OFD_SETLKW, "F_OFD_SETLKW"}, {F_SETLEASE, "F_SETLEASE"},
		{F_GETLEASE, "F_GETLEASE"}, {F_NOTIFY, "F_NOTIFY"}, {F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"},
		{F_SETPIPE_SZ, "F_SETPIPE_SZ"}, {F_GETPIPE_SZ, "F_GETPIPE_SZ"}, {F_ADD_SEALS, "F_ADD_SEALS"},
		{F_GET_SEALS, "F_GET_SEALS"}}
	sigHowNames = []named{{SIG_BLOCK, "SIG_BLOCK"}, {SIG_UNBLOCK, "SIG_UNBLOCK"}, {SIG_SETMASK, "SIG_SETMASK"}}
	whenceNames = []named{{SEEK_SET, "SEEK_SET"}, {SEEK_CUR, "SEEK_CUR"}, {SEEK_END, "SEEK_END"},
		{SEEK_DATA, "SEEK_DATA"}, {SEEK_HOLE, "SEEK_HOLE"}}
	clockNames = []named{{CLOCK_REALTIME, "CLOCK_REALTIME"}, {CLOCK_MONOTONIC, "CLOCK_MONOTONIC"},
		{CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID"}, {CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID"},
		{CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"}, {CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE"},
		{CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE"}, {CLOCK_BOOTTIME, "CLOCK_BOOTTIME"},
		{CLOCK_REALTIME_ALARM, "CLOCK_REALTIME_ALARM"}, {CLOCK_BOOTTIME_ALARM, "CLOCK_BOOTTIME_ALARM"},
		{CLOCK_TAI, "CLOCK_TAI"}}
	adviceNames = []named{{MADV_NORMAL, "MADV_NORMAL"}, {MADV_RANDOM, "MADV_RANDOM"},
		{MADV_SEQUENTIAL, "MADV_SEQUENTIAL"}, {MADV_WILLNEED, "MADV_WILLNEED"}, {MADV_DONTNEED, "MADV_DONTNEED"},
		{MADV_FREE, "MADV_FREE"}, {MADV_REMOVE, "MADV_REMOVE"}, {MADV_DONTFORK, "MADV_DONTFORK"},
		{MADV_DOFORK, "MADV_DOFORK"}, {MADV_MERGEABLE, "MADV_MERGEABLE"}, {MADV_UNMERGEABLE, "MADV_UNMERGEABLE"},
		{MADV_HUGEPAGE, "MADV_HUGEPAGE"}, {MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE"}, {MADV_DONTDUMP, "MADV_DONTDUMP"},
		{MADV_DODUMP, "MADV_DODUMP"}, {MADV_WIPEONFORK, "MADV_WIPEONFORK"}, {MADV_KEEPONFORK, "MADV_KEEPONFORK"},
		{MADV_COLD, "MADV_COLD"}, {MADV_PAGEOUT, "MADV_PAGEOUT"}, {MADV_POPULATE_READ, "MADV_POPULATE_READ"},
		{MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE"}, {MADV_DONTNEED_LOCKED, "MADV_DONTNEED_LOCKED"},
		{MADV_COLLAPSE, "MADV_COLLAPSE"}, {MADV_HWPOISON, "MADV_HWPOISON"}, {MADV_SOFT_OFFLINE, "MADV_SOFT_OFFLINE"},
		{MADV_GUARD_INSTALL, "MADV_GUARD_INSTALL"}, {MADV_GUARD_REMOVE, "MADV_GUARD_REMOVE"}}
	msyncNames  = []named{{MS_ASYNC, "MS_ASYNC"}, {MS_SYNC, "MS_SYNC"}, {MS_INVALIDATE, "MS_INVALIDATE"}}
	mremapNames = []named{{MREMAP_MAYMOVE, "MREMAP_MAYMOVE"}, {MREMAP_FIXED, "MREMAP_FIXED"},
		{MREMAP_DONTUNMAP, "MREMAP_DONTUNMAP"}}
	cloneNames = []named{{CLONE_VM, "CLONE_VM"}, {CLONE_FS, "CLONE_FS"}, {CLONE_FILES, "CLONE_FILES"},
		{CLONE_SIGHAND, "CLONE_SIGHAND"}, {CLONE_PIDFD, "CLONE_PIDFD"}, {CLONE_PTRACE, "CLONE_PTRACE"},
		{CLONE_VFORK, "CLONE_VFORK"}, {CLONE_PARENT, "CLONE_PARENT"}, {CLONE_THREAD, "CLONE_THREAD"},
		{CLONE_NEWNS, "CLONE_NEWNS"}, {CLONE_SYSVSEM, "CLONE_SYSVSEM"}, {CLONE_SETTLS, "CLONE_SETTLS"},
		{CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"}, {CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"},
		{CLONE_DETACHED, "CLONE_DETACHED"}, {CLONE_UNTRACED, "CLONE_UNTRACED"},
		{CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"}, {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
		{CLONE_NEWUTS, "CLONE_NEWUTS"}, {CLONE_NEWIPC, "CLONE_NEWIPC"}, {CLONE_NEWUSER, "CLONE_NEWUSER"},
		{CLONE_NEWPID, "CLONE_NEWPID"}, {CLONE_NEWNET, "CLONE_NEWNET"}, {CLONE_IO, "CLONE_IO"}}
	archPrctlNames = []named{{ARCH_SET_GS, "ARCH_SET_GS"}, {ARCH_SET_FS, "ARCH_SET_FS"},
		{ARCH_GET_FS, "ARCH_GET_FS"}, {ARCH_GET_GS, "ARCH_GET_GS"}, {ARCH_GET_CPUID, "ARCH_GET_CPUID"},
		{ARCH_SET_CPUID, "ARCH_SET_CPUID"}}
	resourceNames = []named{{RLIMIT_CPU, "RLIMIT_CPU"}, {RLIMIT_FSIZE, "RLIMIT_FSIZE"}, {RLIMIT_DATA, "RLIMIT_DATA"},
		{RLIMIT_STACK, "RLIMIT_STACK"}, {RLIMIT_CORE, "RLIMIT_CORE"}, {RLIMIT_RSS, "RLIMIT_RSS"},
		{RLIMIT_NPROC, "RLIMIT_NPROC"}, {RLIMIT_NOFILE, "RLIMIT_NOFILE"}, {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},
		{RLIMIT_AS, "RLIMIT_AS"}, {RLIMIT_LOCKS, "RLIMIT_LOCKS"}, {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
		{RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"}, {RLIMIT_NICE, "RLIMIT_NICE"}, {RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},
		{RLIMIT_RTTIME, "RLIMIT_RTTIME"}}
	waitNames = []named{{WNOHANG, "WNOHANG"}, {WUNTRACED, "WUNTRACED"}, {WCONTINUED, "WCONTINUED"},
		{WNOTHREAD, "__WNOTHREAD"}, {WALL, "__WALL"}, {WCLONE, "__WCLONE"}}
	grndNames = []named{{GRND_NONBLOCK, "GRND_NONBLOCK"}, {GRND_RANDOM, "GRND_RANDOM"}, {GRND_INSECURE, "GRND_INSECURE"}}
	mfdNames  = []named{{MFD_CLOEXEC, "MFD_CLOEXEC"}, {MFD_ALLOW_SEALING, "MFD_ALLOW_SEALING"},
		{MFD_HUGETLB, "MFD_HUGETLB"}, {MFD_NOEXEC_SEAL, "MFD_NOEXEC_SEAL"}, {MFD_EXEC, "MFD_EXEC"}}
)
