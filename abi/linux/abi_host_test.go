//go:build linux && amd64 && !tamago

package linux

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestSyscallNumbersHost: every __NR_ of the host's <asm/unistd_64.h>
// has the table's name, and the table has no number the header gives
// another name.
func TestSyscallNumbersHost(t *testing.T) {
	b, err := os.ReadFile("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
	if err != nil {
		t.Skipf("no uapi headers: %v", err)
	}
	n := 0
	for _, m := range defineNRRE.FindAllStringSubmatch(string(b), -1) {
		nr, _ := strconv.ParseUint(m[2], 10, 64)
		if got := SyscallName(nr); got != m[1] {
			t.Errorf("%d: table %q, header %q", nr, got, m[1])
		}
		n++
	}
	if n < 335+27 {
		t.Errorf("only %d numbers in the header", n)
	}
	for nr := uint64(0); nr <= 334; nr++ {
		if SyscallName(nr) == "" {
			t.Errorf("%d has no name", nr)
		}
	}
	if SyscallName(335) != "" || SyscallName(423) != "" || SyscallName(1<<40) != "" || SyscallName(SYS_MSEAL) != "mseal" {
		t.Errorf("the gap 335..423 or the end")
	}
}

// TestStrerrorHost: Message is the host C library's strerror.
func TestStrerrorHost(t *testing.T) {
	out := runC(t, `#include <stdio.h>
#include <string.h>
int main(void) { for (int i = 1; i <= 133; i++) printf("%d %s\n", i, strerror(i)); return 0; }`)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		n, msg, _ := strings.Cut(sc.Text(), " ")
		e, _ := strconv.Atoi(n)
		if got := Errno(e).Message(); got != msg {
			t.Errorf("%d: %q, strerror %q", e, got, msg)
		}
	}
}

// TestCStructsHost compares every offset the package writes with the
// uapi headers' structs, through offsetof in a C program.
func TestCStructsHost(t *testing.T) {
	out := runC(t, `#define _GNU_SOURCE
#include <stdio.h>
#include <stddef.h>
#include <asm/signal.h>
#include <asm/sigcontext.h>
#include <asm/ucontext.h>
#include <asm/siginfo.h>
#include <asm/stat.h>
#include <linux/uio.h>
#include <linux/time_types.h>
#include <linux/utsname.h>
#include <linux/resource.h>
#include <asm/statfs.h>
#include <linux/magic.h>
#include <sys/statvfs.h>
#define P(s, f) printf("%s.%s %zu\n", #s, #f, offsetof(struct s, f))
#define T(t, f) printf("%s.%s %zu\n", #t, #f, offsetof(t, f))
#define S(s) printf("sizeof %s %zu\n", #s, sizeof(struct s))
int main(void) {
	S(sigcontext); S(ucontext); S(stat); S(_fpstate_64); S(iovec); S(__kernel_timespec); S(new_utsname); S(rlimit64); S(statfs);
	printf("sizeof siginfo_t %zu\nsizeof stack_t %zu\n", sizeof(siginfo_t), sizeof(stack_t));
	P(sigcontext, r8); P(sigcontext, r15); P(sigcontext, rdi); P(sigcontext, rsi); P(sigcontext, rbp); P(sigcontext, rbx);
	P(sigcontext, rdx); P(sigcontext, rax); P(sigcontext, rcx); P(sigcontext, rsp); P(sigcontext, rip); P(sigcontext, eflags);
	P(sigcontext, cs); P(sigcontext, gs); P(sigcontext, fs); P(sigcontext, ss); P(sigcontext, err); P(sigcontext, trapno);
	P(sigcontext, oldmask); P(sigcontext, cr2); P(sigcontext, fpstate);
	P(ucontext, uc_flags); P(ucontext, uc_link); P(ucontext, uc_stack); P(ucontext, uc_mcontext); P(ucontext, uc_sigmask);
	T(stack_t, ss_sp); T(stack_t, ss_flags); T(stack_t, ss_size);
	T(siginfo_t, si_signo); T(siginfo_t, si_errno); T(siginfo_t, si_code); T(siginfo_t, si_pid); T(siginfo_t, si_uid);
	T(siginfo_t, si_status); T(siginfo_t, si_utime); T(siginfo_t, si_stime); T(siginfo_t, si_value); T(siginfo_t, si_addr);
	T(siginfo_t, si_band); T(siginfo_t, si_fd); T(siginfo_t, si_tid); T(siginfo_t, si_overrun); T(siginfo_t, si_call_addr);
	T(siginfo_t, si_syscall); T(siginfo_t, si_arch);
	P(stat, st_dev); P(stat, st_ino); P(stat, st_nlink); P(stat, st_mode); P(stat, st_uid); P(stat, st_gid); P(stat, st_rdev);
	P(stat, st_size); P(stat, st_blksize); P(stat, st_blocks); P(stat, st_atime); P(stat, st_atime_nsec); P(stat, st_mtime);
	P(stat, st_mtime_nsec); P(stat, st_ctime); P(stat, st_ctime_nsec);
	P(_fpstate_64, mxcsr); P(_fpstate_64, sw_reserved); P(iovec, iov_len); P(new_utsname, machine); P(rlimit64, rlim_max);
	P(statfs, f_type); P(statfs, f_bsize); P(statfs, f_blocks); P(statfs, f_bfree); P(statfs, f_bavail); P(statfs, f_files);
	P(statfs, f_ffree); P(statfs, f_fsid); P(statfs, f_namelen); P(statfs, f_frsize); P(statfs, f_flags);
	printf("EXT2_SUPER_MAGIC %d\nTMPFS_MAGIC %d\nPROC_SUPER_MAGIC %d\n", EXT2_SUPER_MAGIC, TMPFS_MAGIC, PROC_SUPER_MAGIC);
	printf("ST_RDONLY %d\nST_NOSUID %d\nST_NODEV %d\nST_NOEXEC %d\nST_RELATIME %d\n", ST_RDONLY, ST_NOSUID, ST_NODEV, ST_NOEXEC, ST_RELATIME);
	return 0;
}`)
	want := map[string]int{
		"sizeof sigcontext": SizeofSigcontext, "sizeof ucontext": SizeofUcontext, "sizeof stat": SizeofStat,
		"sizeof _fpstate_64": SizeofFXSave, "sizeof siginfo_t": SizeofSiginfo, "sizeof stack_t": SizeofStack,
		"sizeof iovec": SizeofIovec, "sizeof __kernel_timespec": SizeofTimespec, "sizeof new_utsname": SizeofUtsname,
		"sizeof rlimit64": SizeofRlimit, "sizeof statfs": SizeofStatfs,
		// Statfs.Append, and its constants.
		"statfs.f_type": 0, "statfs.f_bsize": 8, "statfs.f_blocks": 16, "statfs.f_bfree": 24, "statfs.f_bavail": 32,
		"statfs.f_files": 40, "statfs.f_ffree": 48, "statfs.f_fsid": 56, "statfs.f_namelen": 64, "statfs.f_frsize": 72,
		"statfs.f_flags": 80, "EXT2_SUPER_MAGIC": EXT2_SUPER_MAGIC, "TMPFS_MAGIC": TMPFS_MAGIC,
		"PROC_SUPER_MAGIC": PROC_SUPER_MAGIC, "ST_RDONLY": ST_RDONLY, "ST_NOSUID": ST_NOSUID, "ST_NODEV": ST_NODEV,
		"ST_NOEXEC": ST_NOEXEC, "ST_RELATIME": ST_RELATIME, // ST_VALID is the kernel's own

		// putSigcontext and ParseSigreturn: eighteen registers of 8 bytes in this order.
		"sigcontext.r8": 0, "sigcontext.r15": 56, "sigcontext.rdi": 64, "sigcontext.rsi": 72, "sigcontext.rbp": 80,
		"sigcontext.rbx": 88, "sigcontext.rdx": 96, "sigcontext.rax": 104, "sigcontext.rcx": 112, "sigcontext.rsp": 120,
		"sigcontext.rip": 128, "sigcontext.eflags": 136, "sigcontext.cs": 144, "sigcontext.gs": 146, "sigcontext.fs": 148,
		"sigcontext.ss": 150, "sigcontext.err": 152, "sigcontext.trapno": 160, "sigcontext.oldmask": 168,
		"sigcontext.cr2": 176, "sigcontext.fpstate": fpstatePtr - mcontextOff,
		"ucontext.uc_flags": 0, "ucontext.uc_link": 8, "ucontext.uc_stack": ucStackOff - ucOff,
		"ucontext.uc_mcontext": mcontextOff - ucOff, "ucontext.uc_sigmask": ucSigmaskOff - ucOff,
		"stack_t.ss_sp": 0, "stack_t.ss_flags": 8, "stack_t.ss_size": 16,
		// Siginfo.Append.
		"siginfo_t.si_signo": 0, "siginfo_t.si_errno": 4, "siginfo_t.si_code": 8, "siginfo_t.si_pid": 16,
		"siginfo_t.si_uid": 20, "siginfo_t.si_status": 24, "siginfo_t.si_utime": 32, "siginfo_t.si_stime": 40,
		"siginfo_t.si_value": 24, "siginfo_t.si_addr": 16, "siginfo_t.si_band": 16, "siginfo_t.si_fd": 24,
		"siginfo_t.si_tid": 16, "siginfo_t.si_overrun": 20, "siginfo_t.si_call_addr": 16, "siginfo_t.si_syscall": 24,
		"siginfo_t.si_arch": 28,
		// Stat.Append.
		"stat.st_dev": 0, "stat.st_ino": 8, "stat.st_nlink": 16, "stat.st_mode": 24, "stat.st_uid": 28, "stat.st_gid": 32,
		"stat.st_rdev": 40, "stat.st_size": 48, "stat.st_blksize": 56, "stat.st_blocks": 64, "stat.st_atime": 72,
		"stat.st_atime_nsec": 80, "stat.st_mtime": 88, "stat.st_mtime_nsec": 96, "stat.st_ctime": 104, "stat.st_ctime_nsec": 112,
		"_fpstate_64.mxcsr": fxMXCSR, "_fpstate_64.sw_reserved": fxSWReserved, "iovec.iov_len": 8,
		"new_utsname.machine": 4 * UtsFieldLen, "rlimit64.rlim_max": 8,
	}
	seen := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		i := strings.LastIndexByte(sc.Text(), ' ')
		name, v := sc.Text()[:i], sc.Text()[i+1:]
		n, _ := strconv.Atoi(v)
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: not expected", name)
			continue
		}
		seen++
		if n != w {
			t.Errorf("%s: C %d, Go %d", name, n, w)
		}
	}
	if seen != len(want) {
		t.Errorf("%d of %d offsets printed", seen, len(want))
	}
	if ucOff+SizeofUcontext != infoOff || infoOff+SizeofSiginfo != SizeofRtSigframe {
		t.Errorf("rt_sigframe: uc at %d, info at %d, size %d", ucOff, infoOff, SizeofRtSigframe)
	}
}

// TestSigframeHost takes a signal on the host and checks Linux's frame
// against the rules BuildSigframe follows: the handler's RSP, &info and
// &uc; the frame just below fpstate; and ParseSigreturn reading the
// interrupted RSP and RIP back from Linux's own bytes.
func TestSigframeHost(t *testing.T) {
	out := runC(t, `#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <ucontext.h>
#include <unistd.h>
static void h(int sig, siginfo_t *si, void *ucv) {
	ucontext_t *uc = ucv;
	unsigned char *f = (unsigned char *)ucv - 8;
	printf("%lx %lx %lx %lx %lx %lx %lx %x %x\n", (unsigned long)f, (unsigned long)si, (unsigned long)uc,
		(unsigned long)uc->uc_mcontext.fpregs, (unsigned long)uc->uc_mcontext.gregs[REG_RSP],
		(unsigned long)uc->uc_mcontext.gregs[REG_RIP], (unsigned long)uc->uc_flags, getpid(), getuid());
	for (int i = 0; i < 440; i++) printf("%02x", f[i]);
	printf("\n");
}
int main(void) {
	struct sigaction sa; memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = h; sa.sa_flags = SA_SIGINFO; sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGUSR1, &sa, 0);
	sigset_t m; sigemptyset(&m); sigaddset(&m, SIGHUP); sigprocmask(SIG_BLOCK, &m, 0);
	raise(SIGUSR1);
	return 0;
}`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("output %q", out)
	}
	var v [9]uint64
	for i, f := range strings.Fields(lines[0]) {
		v[i], _ = strconv.ParseUint(f, 16, 64)
	}
	frame, info, uc, fp, rsp, rip, ucFlags, pid, uid := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]
	if info != frame+infoOff || uc != frame+ucOff || (frame+8)%16 != 0 {
		t.Errorf("frame %#x: info %#x, uc %#x", frame, info, uc)
	}
	if frame != ((fp-SizeofRtSigframe)&^15)-8 || fp%64 != 0 || fp >= rsp-RedZone {
		t.Errorf("frame %#x, fpstate %#x, rsp %#x: not get_sigframe's placement", frame, fp, rsp)
	}
	if ucFlags&^UC_FP_XSTATE != UC_SIGCONTEXT_SS|UC_STRICT_RESTORE_SS {
		t.Errorf("uc_flags %#x", ucFlags)
	}
	b := make([]byte, SizeofRtSigframe)
	for i := range b {
		x, _ := strconv.ParseUint(lines[1][2*i:2*i+2], 16, 8)
		b[i] = byte(x)
	}
	sr, err := ParseSigreturn(b)
	if err != nil || sr.Regs.RSP != rsp || sr.Regs.RIP != rip || sr.FPState != fp {
		t.Errorf("ParseSigreturn of Linux's frame: %+v, %v", sr, err)
	}
	// The mask to restore is the one before delivery: SIGHUP, not the
	// handler's SIGTERM or SIGUSR1.
	if sr.Mask != SigsetOf(SIGHUP) || sr.Regs.Oldmask != uint64(SigsetOf(SIGHUP)) {
		t.Errorf("mask %#x oldmask %#x", sr.Mask, sr.Regs.Oldmask)
	}
	if st := sr.Stack; st != (Stack{}) {
		t.Errorf("uc_stack without sigaltstack %+v", st)
	}
	// And a frame built from the same registers is Linux's, byte for
	// byte, but for uc_flags' UC_FP_XSTATE (the host has XSAVE), the
	// fpstate pointer, and what Linux leaves unwritten: stack_t's
	// padding and sigcontext's reserved1[8].
	act := Sigaction{Handler: 1, Flags: SA_SIGINFO | SA_RESTORER, Restorer: leU64(b), Mask: SigsetOf(SIGTERM)}
	in := Siginfo{Signo: SIGUSR1, Code: SI_TKILL, Pid: int32(pid), UID: uint32(uid)}
	regs := sr.Regs
	regs.EFLAGS = leU64(b[mcontextOff+136:])
	fr, err := BuildSigframe(regs, make([]byte, SizeofFXSave), SigsetOf(SIGHUP), in, act, Stack{})
	if err != nil {
		t.Fatal(err)
	}
	got := fr.Bytes[:SizeofRtSigframe]
	copy(got[ucOff:ucOff+8], b[ucOff:ucOff+8])
	copy(got[fpstatePtr:fpstatePtr+8], b[fpstatePtr:fpstatePtr+8])
	copy(got[ucStackOff+12:ucStackOff+16], b[ucStackOff+12:ucStackOff+16])
	copy(got[fpstatePtr+8:ucSigmaskOff], b[fpstatePtr+8:ucSigmaskOff])
	for i := range got {
		if got[i] != b[i] {
			t.Errorf("byte %d: built %#x, Linux %#x", i, got[i], b[i])
		}
	}
}

func leU64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// TestOpenFlagsHost opens files with the host's Linux and compares
// F_GETFL with DecodeOpenFlags's Status.
func TestOpenFlagsHost(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, flags := range []uint64{O_RDONLY, O_RDWR | O_CLOEXEC, O_WRONLY | O_APPEND | O_TRUNC, O_RDONLY | O_SYNC,
		O_PATH | O_CREAT | O_NONBLOCK, 3, O_RDONLY | O_NOATIME | O_NOCTTY, O_RDWR | 1<<30} {
		want, err := DecodeOpenFlags(flags, 0o644)
		if err != nil {
			t.Fatalf("%#o: %v", flags, err)
		}
		fd, err := syscall.Open(p, int(flags), 0o644)
		if err != nil {
			t.Logf("%#o: host open: %v", flags, err)
			continue
		}
		got, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
		syscall.Close(fd)
		if errno != 0 || uint32(got) != want.Status {
			t.Errorf("%#o: F_GETFL %#o, Status %#o", flags, got, want.Status)
		}
	}
}

// runC compiles and runs a C program, skipping the test without gcc.
func runC(t *testing.T, src string) string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc is absent: the C comparison is skipped")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.c"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "t")
	if out, err := exec.Command(cc, "-O0", "-o", bin, filepath.Join(dir, "t.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return string(out)
}

var defineNRRE = regexp.MustCompile(`(?m)^#define __NR_(\w+)\s+(\d+)`)

// TestConstantsSyscallPackage compares the new constants with Go's
// syscall package, generated from the headers.
func TestConstantsSyscallPackage(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"O_CREAT", O_CREAT, syscall.O_CREAT}, {"O_EXCL", O_EXCL, syscall.O_EXCL}, {"O_NOCTTY", O_NOCTTY, syscall.O_NOCTTY},
		{"O_TRUNC", O_TRUNC, syscall.O_TRUNC}, {"O_APPEND", O_APPEND, syscall.O_APPEND}, {"O_NONBLOCK", O_NONBLOCK, syscall.O_NONBLOCK},
		{"O_DSYNC", O_DSYNC, syscall.O_DSYNC}, {"O_ASYNC", FASYNC, syscall.O_ASYNC}, {"O_DIRECT", O_DIRECT, syscall.O_DIRECT},
		{"O_LARGEFILE", O_LARGEFILE, 0o100000}, {"O_DIRECTORY", O_DIRECTORY, syscall.O_DIRECTORY},
		{"O_NOFOLLOW", O_NOFOLLOW, syscall.O_NOFOLLOW}, {"O_NOATIME", O_NOATIME, syscall.O_NOATIME},
		{"O_CLOEXEC", O_CLOEXEC, syscall.O_CLOEXEC}, {"O_SYNC", O_SYNC, syscall.O_SYNC},
		{"F_DUPFD_CLOEXEC", F_DUPFD_CLOEXEC, syscall.F_DUPFD_CLOEXEC}, {"F_SETFL", F_SETFL, syscall.F_SETFL},
		{"F_GETLK", F_GETLK, syscall.F_GETLK}, {"F_SETPIPE_SZ", F_SETPIPE_SZ, 1031}, {"F_NOTIFY", F_NOTIFY, syscall.F_NOTIFY},
		{"AT_FDCWD", AT_FDCWD, -100}, {"AT_REMOVEDIR", AT_REMOVEDIR, 0x200},
		{"AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW, 0x100}, {"AT_EMPTY_PATH", AT_EMPTY_PATH, 0x1000},
		{"S_IFMT", S_IFMT, syscall.S_IFMT}, {"S_IFLNK", S_IFLNK, syscall.S_IFLNK}, {"S_IFSOCK", S_IFSOCK, syscall.S_IFSOCK},
		{"S_IFIFO", S_IFIFO, syscall.S_IFIFO}, {"S_IFBLK", S_IFBLK, syscall.S_IFBLK}, {"S_ISVTX", S_ISVTX, syscall.S_ISVTX},
		{"DT_LNK", DT_LNK, syscall.DT_LNK}, {"DT_SOCK", DT_SOCK, syscall.DT_SOCK}, {"DT_WHT", DT_WHT, syscall.DT_WHT},
		{"SIGSTKFLT", int64(SIGSTKFLT), int64(syscall.SIGSTKFLT)}, {"SIGPWR", int64(SIGPWR), int64(syscall.SIGPWR)},
		{"SIGSYS", int64(SIGSYS), int64(syscall.SIGSYS)}, {"SIGCHLD", int64(SIGCHLD), int64(syscall.SIGCHLD)},
		{"SIGURG", int64(SIGURG), int64(syscall.SIGURG)}, {"SIGIO", int64(SIGIO), int64(syscall.SIGIO)},
		{"CLONE_VM", CLONE_VM, syscall.CLONE_VM}, {"CLONE_SETTLS", CLONE_SETTLS, syscall.CLONE_SETTLS},
		{"CLONE_CHILD_SETTID", CLONE_CHILD_SETTID, syscall.CLONE_CHILD_SETTID}, {"CLONE_IO", CLONE_IO, syscall.CLONE_IO},
		{"CLONE_NEWNET", CLONE_NEWNET, syscall.CLONE_NEWNET}, {"CLONE_VFORK", CLONE_VFORK, syscall.CLONE_VFORK},
		{"WNOHANG", WNOHANG, syscall.WNOHANG}, {"WCONTINUED", WCONTINUED, syscall.WCONTINUED}, {"WALL", WALL, syscall.WALL},
		{"WCLONE", WCLONE, syscall.WCLONE}, {"WNOTHREAD", WNOTHREAD, syscall.WNOTHREAD},
		{"RLIMIT_NOFILE", RLIMIT_NOFILE, syscall.RLIMIT_NOFILE}, {"RLIMIT_AS", RLIMIT_AS, syscall.RLIMIT_AS},
		{"RLIMIT_STACK", RLIMIT_STACK, syscall.RLIMIT_STACK}, {"RLIMIT_RTTIME", RLIMIT_RTTIME, 15},
		{"ARCH_SET_FS", ARCH_SET_FS, 0x1002}, {"SYS_RT_SIGRETURN", SYS_RT_SIGRETURN, syscall.SYS_RT_SIGRETURN},
		{"SYS_ARCH_PRCTL", SYS_ARCH_PRCTL, syscall.SYS_ARCH_PRCTL}, {"SYS_EXIT_GROUP", SYS_EXIT_GROUP, syscall.SYS_EXIT_GROUP},
		{"SEEK_END", SEEK_END, 2}, {"SIG_SETMASK", SIG_SETMASK, 2}, {"SIG_UNBLOCK", SIG_UNBLOCK, 1},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, syscall %#x", c.name, c.got, c.want)
		}
	}
}
