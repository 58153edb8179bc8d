package linux

import (
	"regexp"
	"strings"
	"testing"
)

// straceCases are calls made on the host by a C program through
// syscall(2), and the lines strace 6.1 printed for them (with its
// padding before " = " collapsed). Strings live at fake addresses
// 0x1000+i, given by straceStrings.
var straceStrings = []string{
	"/tmp/abisys/nonexistent",
	"a\"b\\c\n\t\001\0018\0017\377",
	"0123456789abcdefghijklmnopqrstuvwxyz",
	"x",
	"/nope",
	"",
}

func straceStr(addr uint64) (string, bool) {
	if i := addr - 0x1000; addr >= 0x1000 && i < uint64(len(straceStrings)) {
		return straceStrings[i], true
	}
	return "", false
}

var straceCases = []struct {
	nr   uint64
	args [6]uint64
	ret  int64
	want string
}{
	{SYS_MMAP, [6]uint64{0, 4096, 3, 0x22, 0xffffffff, 0}, 0x7f9d40557000,
		"mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f9d40557000"},
	{SYS_MMAP, [6]uint64{0x10000, 8192, 0, MAP_SHARED | MAP_FIXED | 0x200, 5, 0x2000}, -9,
		"mmap(0x10000, 8192, PROT_NONE, MAP_SHARED|MAP_FIXED|0x200, 5, 0x2000) = -1 EBADF (Bad file descriptor)"},
	{SYS_MMAP, [6]uint64{0, 4096, 0x107, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, 0xffffffff, 0}, -12,
		"mmap(NULL, 4096, PROT_READ|PROT_WRITE|PROT_EXEC|0x100, MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT, -1, 0) = -1 ENOMEM (Cannot allocate memory)"},
	{SYS_OPENAT, [6]uint64{0xffffff9c, 0x1000, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644}, 3,
		`openat(AT_FDCWD, "/tmp/abisys/nonexistent", O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC, 0644) = 3`},
	{SYS_OPENAT, [6]uint64{7, 0x1001, O_RDONLY}, -9,
		`openat(7, "a\"b\\c\n\t\1\18\0017\377", O_RDONLY) = -1 EBADF (Bad file descriptor)`},
	{SYS_OPENAT, [6]uint64{0xffffff9c, 0x1002, O_WRONLY | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW | 0x40000000}, -2,
		`openat(AT_FDCWD, "0123456789abcdefghijklmnopqrstuvwxyz", O_WRONLY|O_APPEND|O_NONBLOCK|O_NOFOLLOW|O_DIRECTORY|0x40000000) = -1 ENOENT (No such file or directory)`},
	{SYS_READ, [6]uint64{99, 0x1234, 16}, -9, "read(99, 0x1234, 16) = -1 EBADF (Bad file descriptor)"},
	{SYS_READ, [6]uint64{3, 0, 16}, 0, "read(3, NULL, 16) = 0"},
	{SYS_CLOSE, [6]uint64{0xffffffff}, -9, "close(-1) = -1 EBADF (Bad file descriptor)"},
	{SYS_MUNMAP, [6]uint64{0x10000, 8192}, 0, "munmap(0x10000, 8192) = 0"},
	{SYS_MPROTECT, [6]uint64{0x10000, 4096, 5}, -12, "mprotect(0x10000, 4096, PROT_READ|PROT_EXEC) = -1 ENOMEM (Cannot allocate memory)"},
	{SYS_MADVISE, [6]uint64{0x10000, 4096, MADV_DONTNEED}, -12, "madvise(0x10000, 4096, MADV_DONTNEED) = -1 ENOMEM (Cannot allocate memory)"},
	{SYS_MREMAP, [6]uint64{0x10000, 4096, 8192, MREMAP_MAYMOVE}, -14, "mremap(0x10000, 4096, 8192, MREMAP_MAYMOVE) = -1 EFAULT (Bad address)"},
	{SYS_MSYNC, [6]uint64{0x10000, 4096, MS_SYNC | MS_INVALIDATE}, -12, "msync(0x10000, 4096, MS_SYNC|MS_INVALIDATE) = -1 ENOMEM (Cannot allocate memory)"},
	{SYS_LSEEK, [6]uint64{99, 0xfffffffb, SEEK_END}, -9, "lseek(99, 4294967291, SEEK_END) = -1 EBADF (Bad file descriptor)"},
	{SYS_KILL, [6]uint64{0x7fffffff, 15}, -3, "kill(2147483647, SIGTERM) = -1 ESRCH (No such process)"},
	{SYS_TGKILL, [6]uint64{1, 2, 64}, -3, "tgkill(1, 2, SIGRT_32) = -1 ESRCH (No such process)"},
	{SYS_TKILL, [6]uint64{999999, 34}, -3, "tkill(999999, SIGRT_2) = -1 ESRCH (No such process)"},
	{SYS_RT_SIGPROCMASK, [6]uint64{SIG_SETMASK, 0, 0, 8}, 0, "rt_sigprocmask(SIG_SETMASK, NULL, NULL, 8) = 0"},
	{SYS_FCNTL, [6]uint64{99, F_SETFD, FD_CLOEXEC}, -9, "fcntl(99, F_SETFD, FD_CLOEXEC) = -1 EBADF (Bad file descriptor)"},
	{SYS_FCNTL, [6]uint64{99, F_GETFL}, -9, "fcntl(99, F_GETFL) = -1 EBADF (Bad file descriptor)"},
	{SYS_FCNTL, [6]uint64{99, F_DUPFD_CLOEXEC, 10}, -9, "fcntl(99, F_DUPFD_CLOEXEC, 10) = -1 EBADF (Bad file descriptor)"},
	{SYS_DUP3, [6]uint64{99, 100, O_CLOEXEC}, -9, "dup3(99, 100, O_CLOEXEC) = -1 EBADF (Bad file descriptor)"},
	{SYS_UNLINKAT, [6]uint64{0xffffff9c, 0x1000, AT_REMOVEDIR}, -2,
		`unlinkat(AT_FDCWD, "/tmp/abisys/nonexistent", AT_REMOVEDIR) = -1 ENOENT (No such file or directory)`},
	{SYS_MKDIRAT, [6]uint64{0xffffff9c, 0x1004, 0o755}, -2, `mkdirat(AT_FDCWD, "/nope", 0755) = -1 ENOENT (No such file or directory)`},
	{SYS_UMASK, [6]uint64{0o22}, 0o22, "umask(022) = 022"},
	{SYS_FACCESSAT, [6]uint64{0xffffff9c, 0x1004, R_OK | W_OK}, -2, `faccessat(AT_FDCWD, "/nope", R_OK|W_OK) = -1 ENOENT (No such file or directory)`},
	{SYS_ACCESS, [6]uint64{0x1004, F_OK}, -2, `access("/nope", F_OK) = -1 ENOENT (No such file or directory)`},
	{SYS_ARCH_PRCTL, [6]uint64{ARCH_GET_FS, 0}, -14, "arch_prctl(ARCH_GET_FS, NULL) = -1 EFAULT (Bad address)"},
	{SYS_CLOCK_GETTIME, [6]uint64{1, 0}, -14, "clock_gettime(CLOCK_MONOTONIC, NULL) = -1 EFAULT (Bad address)"},
	{SYS_PRLIMIT64, [6]uint64{0, 3, 0, 0}, 0, "prlimit64(0, RLIMIT_STACK, NULL, NULL) = 0"},
	{SYS_GETRANDOM, [6]uint64{0, 0, 1}, 0, "getrandom(NULL, 0, GRND_NONBLOCK) = 0"},
	{SYS_MEMFD_CREATE, [6]uint64{0x1003, 3}, 4, `memfd_create("x", MFD_CLOEXEC|MFD_ALLOW_SEALING) = 4`},
	{SYS_WAIT4, [6]uint64{0xffffffff, 0, 1, 0}, -10, "wait4(-1, NULL, WNOHANG, NULL) = -1 ECHILD (No child processes)"},
	{SYS_BRK, [6]uint64{0}, 0x5609e2773000, "brk(NULL) = 0x5609e2773000"},
	{SYS_FTRUNCATE, [6]uint64{99, 4096}, -9, "ftruncate(99, 4096) = -1 EBADF (Bad file descriptor)"},
	{SYS_NEWFSTATAT, [6]uint64{0xffffff9c, 0x1005, 0, AT_EMPTY_PATH}, -14, `newfstatat(AT_FDCWD, "", NULL, AT_EMPTY_PATH) = -1 EFAULT (Bad address)`},
	{SYS_PIPE2, [6]uint64{0, O_CLOEXEC | O_NONBLOCK}, -14, "pipe2(NULL, O_NONBLOCK|O_CLOEXEC) = -1 EFAULT (Bad address)"},
	{SYS_DUP2, [6]uint64{99, 1}, -9, "dup2(99, 1) = -1 EBADF (Bad file descriptor)"},
	{SYS_SCHED_YIELD, [6]uint64{}, 0, "sched_yield() = 0"},
	{SYS_GETPID, [6]uint64{}, 16240, "getpid() = 16240"},
	{SYS_NANOSLEEP, [6]uint64{}, -14, "nanosleep(NULL, NULL) = -1 EFAULT (Bad address)"},
	{SYS_CLOCK_NANOSLEEP, [6]uint64{0, 1, 0, 0}, -14, "clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, NULL, NULL) = -1 EFAULT (Bad address)"},
	{SYS_MINCORE, [6]uint64{0x10000, 4096, 0}, -12, "mincore(0x10000, 4096, NULL) = -1 ENOMEM (Cannot allocate memory)"},
	{SYS_SET_ROBUST_LIST, [6]uint64{0, 24}, 0, "set_robust_list(NULL, 24) = 0"},
	{SYS_SIGALTSTACK, [6]uint64{}, 0, "sigaltstack(NULL, NULL) = 0"},
	{SYS_RT_SIGACTION, [6]uint64{10, 0, 0, 8}, 0, "rt_sigaction(SIGUSR1, NULL, NULL, 8) = 0"},
	{SYS_GETDENTS64, [6]uint64{99, 0, 4096}, -9, "getdents64(99, NULL, 4096) = -1 EBADF (Bad file descriptor)"},
	{SYS_READLINKAT, [6]uint64{0xffffff9c, 0x1004, 0, 100}, -2, `readlinkat(AT_FDCWD, "/nope", NULL, 100) = -1 ENOENT (No such file or directory)`},
	{SYS_GETCWD, [6]uint64{0, 0}, -34, "getcwd(NULL, 0) = -1 ERANGE (Numerical result out of range)"},
	{SYS_CHDIR, [6]uint64{0x1004}, -2, `chdir("/nope") = -1 ENOENT (No such file or directory)`},
	{SYS_EXIT_GROUP, [6]uint64{3}, 0, "exit_group(3) = ?"},
	{SYS_RSEQ, [6]uint64{0x7f9d4036b060, 0x20, 0, 0x53053053}, 0, "rseq(0x7f9d4036b060, 0x20, 0, 0x53053053) = 0"},
	{SYS_SET_ROBUST_LIST, [6]uint64{0x7f9d4036aa20, 24}, 0, "set_robust_list(0x7f9d4036aa20, 24) = 0"},
	// Not from the program above: strace's documented forms.
	{499, [6]uint64{1, 2, 3, 4, 5, 6}, -38, "syscall_0x1f3(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)"},
	{SYS_CLONE, [6]uint64{CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | uint64(SIGCHLD), 0, 0, 0x7f0a10, 0}, 1234,
		"clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0a10) = 1234"},
	{SYS_MEMFD_CREATE, [6]uint64{0x1002, 0}, 3, `memfd_create("0123456789abcdefghijklmnopqrstuv"..., 0) = 3`},
	{SYS_OPEN, [6]uint64{0x5000, O_RDONLY}, -14, "open(0x5000, O_RDONLY) = -1 EFAULT (Bad address)"},
	{SYS_CACHESTAT, [6]uint64{1}, -38, "cachestat(0x1, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)"},
}

var stracePad = regexp.MustCompile(` +=( |$)`)

func TestFormatCall(t *testing.T) {
	for _, c := range straceCases {
		want := stracePad.ReplaceAllString(c.want, " =$1")
		if got := FormatCall(c.nr, c.args, c.ret, straceStr); got != want {
			t.Errorf("FormatCall(%s):\n got %s\nwant %s", SyscallName(c.nr), got, want)
		}
	}
}

// TestSignaturesNamed: each signature is its number's name, and every
// system call the brief lists has one.
func TestSignaturesNamed(t *testing.T) {
	for nr, s := range signatures {
		if SyscallName(nr) != s.Name {
			t.Errorf("signature %q for %d, which is %q", s.Name, nr, SyscallName(nr))
		}
	}
	for _, name := range strings.Fields(`mmap munmap mprotect madvise mincore mremap msync brk memfd_create
		openat open close read write readv writev pread64 pwrite64 lseek fstat newfstatat stat lstat ftruncate
		unlinkat unlink mkdirat mkdir getdents64 dup dup2 dup3 fcntl fork vfork clone execve exit exit_group
		wait4 getpid getppid gettid kill tgkill tkill rt_sigaction rt_sigprocmask rt_sigreturn sigaltstack
		arch_prctl set_tid_address set_robust_list rseq prlimit64 getrandom uname clock_gettime gettimeofday
		nanosleep clock_nanosleep sched_yield ioctl getuid geteuid getgid getegid readlink readlinkat access
		faccessat pipe pipe2 getcwd chdir umask`) {
		found := false
		for _, s := range signatures {
			found = found || s.Name == name
		}
		if !found {
			t.Errorf("%s has no signature", name)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, c := range []struct {
		s     string
		limit int
		want  string
	}{
		{"", -1, `""`},
		{"a\x00b", -1, `"a"`},
		{"\x1b[0m", -1, `"\33[0m"`},
		{"\x1b7", -1, `"\0337"`},
		{"\x80", -1, `"\200"`},
		{"\r\f\v", -1, `"\r\f\v"`},
		{"abcdef", 3, `"abc"...`},
		{"abc", 3, `"abc"`},
	} {
		var b strings.Builder
		quote(&b, c.s, c.limit)
		if b.String() != c.want {
			t.Errorf("quote(%q, %d) = %s, want %s", c.s, c.limit, b.String(), c.want)
		}
	}
}
