//go:build !tamago

package proc

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pagoda-os/pagoda/abi/linux"
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// readlink is readlink(2) of name, or its -errno as a string.
func (e *procEnv) readlink(buf, data uint64, name string) string {
	e.t.Helper()
	u := e.tab.mem(e.p)
	u.copyOut(buf, append([]byte(name), 0))
	n := e.call(sysReadlink, buf, data, 256)
	if n < 0 {
		return linux.Errno(-n).String()
	}
	b := make([]byte, n)
	u.copyIn(data, b)
	return string(b)
}

// statMode is the st_mode stat(2) of name gives, or its -errno.
func (e *procEnv) statMode(buf, data uint64, name string) int64 {
	u := e.tab.mem(e.p)
	u.copyOut(buf, append([]byte(name), 0))
	if r := e.call(sysStat, buf, data); r != 0 {
		return r
	}
	st := make([]byte, linux.SizeofStat)
	u.copyIn(data, st)
	return int64(uint32(le64(st[24:])))
}

// /proc/PID/fd is a directory of links to what the descriptors hold:
// the console the kernel gave, a device, a /proc file, a pipe (by its
// inode) and a memfd; stat follows each to its open file, open follows
// a path and refuses a pipe; cwd is a link to the working directory;
// environ is execve's environment.
func TestProcFDLinks(t *testing.T) {
	e := newProcEnv(t, 0xa0_0000_0000)
	e.p.env = []string{"PATH=/bin", "HOME=/"}
	buf := e.mmap(4*mm.PageSize, protRW, privateAnon)
	data := buf + mm.PageSize
	null := e.open(buf, "/dev/null", linux.O_WRONLY)
	mi := e.open(buf, "/proc/meminfo", linux.O_RDONLY)
	r, w := e.pipe(0)
	if null != 3 || mi != 4 || r != 5 || w != 6 {
		t.Fatalf("descriptors %d %d %d %d", null, mi, r, w)
	}
	ino := e.p.files.fds[r].f.ops.(*pipeEnd).p.ino
	for fd, want := range map[int]string{0: "/dev/console", 2: "/dev/console", 3: "/dev/null", 4: "/proc/meminfo",
		5: fmt.Sprintf("pipe:[%d]", ino), 6: fmt.Sprintf("pipe:[%d]", ino), 7: "ENOENT"} {
		if got := e.readlink(buf, data, fmt.Sprintf("/proc/self/fd/%d", fd)); got != want {
			t.Errorf("readlink /proc/self/fd/%d = %q, want %q", fd, got, want)
		}
	}
	if got := e.dirNames(buf, data, "/proc/1/fd"); !slices.Equal(got, []string{".", "..", "0", "1", "2", "3", "4", "5", "6", "7"}) {
		t.Errorf("/proc/1/fd lists %q", got)
	}
	for name, want := range map[string]int64{
		"/proc/self/fd/5": linux.S_IFIFO | 0o600, "/proc/self/fd/3": linux.S_IFCHR | 0o666,
		"/proc/self/fd/4": linux.S_IFREG | 0o444, "/proc/self/fd": linux.S_IFDIR | 0o555,
		"/proc/self/fd/0/x": errno(linux.ENOTDIR), "/proc/self/fd/01": errno(linux.ENOENT),
	} {
		if got := e.statMode(buf, data, name); got != want {
			t.Errorf("stat %s: %#o, want %#o", name, got, want)
		}
	}
	// lstat of a descriptor's link: its access mode, as Linux's.
	u := e.tab.mem(e.p)
	for fd, want := range map[int]uint32{0: linux.S_IFLNK | 0o700, 3: linux.S_IFLNK | 0o300, 4: linux.S_IFLNK | 0o500} {
		u.copyOut(buf, fmt.Appendf(nil, "/proc/self/fd/%d\x00", fd))
		st := make([]byte, linux.SizeofStat)
		if r := e.call(sysLstat, buf, data); r != 0 {
			t.Fatalf("lstat of fd %d's link = %d", fd, r)
		}
		u.copyIn(data, st)
		if mode, size := uint32(le64(st[24:])), le64(st[48:]); mode != want || size != 64 {
			t.Errorf("lstat of fd %d's link: mode %#o size %d, want %#o 64", fd, mode, size, want)
		}
	}
	if fd := e.open(buf, "/proc/self/fd/3", linux.O_WRONLY); fd < 0 {
		t.Errorf("open /proc/self/fd/3 (/dev/null) = %d", fd)
	} else if got := e.readlink(buf, data, fmt.Sprintf("/proc/self/fd/%d", fd)); got != "/dev/null" {
		t.Errorf("the reopened /dev/null's link: %q", got)
	}
	if got := e.open(buf, "/proc/self/fd/5", linux.O_RDONLY); got != errno(linux.ENXIO) {
		t.Errorf("open of a pipe's link = %d, want ENXIO", got)
	}
	if got := e.readlink(buf, data, "/proc/self/cwd"); got != "/" {
		t.Errorf("readlink /proc/self/cwd = %q", got)
	}
	if got := string(e.readProc(buf, data, "/proc/self/environ")); got != "PATH=/bin\x00HOME=/\x00" {
		t.Errorf("environ %q", got)
	}
	names := e.dirNames(buf, data, "/proc/self")
	for _, n := range []string{"cwd", "fd", "environ", "mounts", "exe"} {
		if !slices.Contains(names, n) {
			t.Errorf("/proc/self lacks %s: %q", n, names)
		}
	}
}

// /proc/mounts lists the root, /dev and /proc, then the tmpfs mounts,
// parents first, in Linux's format (a size only with a limit).
func TestProcMounts(t *testing.T) {
	e := newProcEnv(t, 0xa2_0000_0000)
	buf := e.mmap(4*mm.PageSize, protRW, privateAnon)
	data := buf + mm.PageSize
	if got := string(e.readProc(buf, data, "/proc/mounts")); got != "devtmpfs /dev devtmpfs rw,relatime,mode=755 0 0\nproc /proc proc rw,relatime 0 0\n" {
		t.Errorf("/proc/mounts without a VFS:\n%s", got)
	}
	e.mountTmpfs()
	want := "devtmpfs /dev devtmpfs rw,relatime,mode=755 0 0\nproc /proc proc rw,relatime 0 0\n" +
		"tmpfs /b tmpfs rw,relatime 0 0\ntmpfs /tmp tmpfs rw,relatime,size=256k 0 0\n" +
		"tmpfs /a/b tmpfs rw,relatime 0 0\ntmpfs /dev/shm tmpfs rw,relatime 0 0\n"
	for _, f := range []string{"/proc/mounts", "/proc/self/mounts"} {
		if got := string(e.readProc(buf, data, f)); got != want {
			t.Errorf("%s:\n%s\nwant\n%s", f, got, want)
		}
	}
}

// fakeCPUID answers as a Skylake server under a hypervisor would, in
// the registers cpuinfo reads.
func fakeCPUID(leaf, sub uint32) (a, b, c, d uint32) {
	word := func(s string) uint32 { return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24 }
	brand := fmt.Sprintf("%-48s", "  Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz")
	switch {
	case leaf == 0:
		return 0xd, word("Genu"), word("ntel"), word("ineI")
	case leaf == 1:
		// family 6, extended model 5, model 5, stepping 4; CLFLUSH 8
		// quadwords, APIC ID 0; fpu tsc pae cx8 sse sse2; sse3 avx
		// hypervisor.
		return 0x50654, 8 << 8, 1 | 1<<28 | 1<<31, 1 | 1<<4 | 1<<6 | 1<<8 | 1<<25 | 1<<26
	case leaf == 7 && sub == 0:
		return 0, 1<<5 | 1<<16, 0, 0 // avx2 avx512f
	case leaf == 0xd && sub == 1:
		return 1, 0, 0, 0 // xsaveopt
	case leaf == 0x80000000:
		return 0x80000008, 0, 0, 0
	case leaf == 0x80000001:
		return 0, 0, 1, 1<<11 | 1<<20 | 1<<29 // lahf_lm; syscall nx lm
	case leaf >= 0x80000002 && leaf <= 0x80000004:
		s := brand[16*(leaf-0x80000002):]
		return word(s), word(s[4:]), word(s[8:]), word(s[12:])
	case leaf == 0x80000006:
		return 0, 0, 1024 << 16, 0
	case leaf == 0x80000008:
		return 46 | 48<<8, 0, 0, 0
	}
	return 0, 0, 0, 0
}

// /proc/cpuinfo is made from CPUID as Linux's show_cpuinfo: the
// extended model folded in, the brand string trimmed, the flags by
// Linux's names in its word order, the address sizes.
func TestCpuinfo(t *testing.T) {
	got := string(cpuinfoText(fakeCPUID, 2_400_000_000))
	for _, l := range []string{
		"processor\t: 0\n", "vendor_id\t: GenuineIntel\n", "cpu family\t: 6\n", "model\t\t: 85\n",
		"model name\t: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz\n", "stepping\t: 4\n", "cpu MHz\t\t: 2400.000\n",
		"cache size\t: 1024 KB\n", "cpuid level\t: 13\n",
		"flags\t\t: fpu tsc pae cx8 sse sse2 syscall nx lm pni avx hypervisor lahf_lm avx2 avx512f xsaveopt\n",
		"bogomips\t: 4800.00\n", "clflush size\t: 64\n", "address sizes\t: 46 bits physical, 48 bits virtual\n",
	} {
		if !strings.Contains(got, l) {
			t.Errorf("cpuinfo lacks %q:\n%s", l, got)
		}
	}
	if !strings.HasSuffix(got, "power management:\n\n") {
		t.Errorf("cpuinfo does not end as Linux's block:\n%s", got)
	}
}

// A timer tick that finds a process in ring 3 is user time (it comes
// back with the timer's vector), one that finds it holding the CPU
// otherwise system time, and the ticks while it sleeps or yields are
// not its: a program whose tick counts are scripted gets 1 user and 5
// system ticks, not the 5 of its sched_yield; /proc/PID/stat shows them
// and the start time in clock ticks, and /proc/stat adds them up after
// its exit.
func TestCPUTime(t *testing.T) {
	e := newProcEnv(t, 0xa4_0000_0000)
	e.tab.TickLen, e.tab.TickVector = 10*time.Millisecond, 0xf1
	other := e.sibling(2)
	other.start, other.cpu.user, other.cpu.onCPU = 42, 150, 175
	buf := e.mmap(4*mm.PageSize, protRW, privateAnon)
	stat := strings.Fields(string(e.readProc(buf, buf+mm.PageSize, "/proc/2/stat")))
	if stat[13] != "150" || stat[14] != "25" || stat[21] != "42" {
		t.Errorf("utime %s stime %s starttime %s, want 150 25 42", stat[13], stat[14], stat[21])
	}
	other.AS, other.cpu = nil, cpuTime{} // e.p's, which its exit destroys

	// The tick count at each read: when the process takes the CPU and
	// when it lets go.
	script := []uint64{0, 1, 1, 4, 9, 9, 9, 11}
	reads := 0
	e.tab.Ticks = func() uint64 {
		n := script[min(reads, len(script)-1)]
		reads++
		return n
	}
	step := 0
	e.tab.Enter = func(_ *vm.AddressSpace, regs *arch.UserRegs) arch.ExitKind {
		step++
		switch step {
		case 1:
			regs.Exit = arch.Exit{Kind: arch.ExitInterrupt, Vector: 0xf1} // the tick, in ring 3
			return regs.Exit.Kind
		case 2:
			regs.RAX = sysGetpid
		case 3:
			regs.RAX = sysSchedYield
		case 4:
			regs.Exit = arch.Exit{Kind: arch.ExitInterrupt, Vector: 0x30} // a disk's
			return regs.Exit.Kind
		default:
			regs.RAX, regs.RDI = sysExitGroup, 0
		}
		regs.Exit = arch.Exit{Kind: arch.ExitSyscall}
		return regs.Exit.Kind
	}
	e.p.done = make(chan struct{})
	e.tab.Lock.Unlock()
	go e.tab.run(e.p)
	<-e.p.done
	e.tab.Lock.Lock()
	if user, system := e.tab.times(e.p); user != 1 || system != 5 || reads != len(script) {
		t.Errorf("user %d system %d ticks after %d reads, want 1 and 5 after %d", user, system, reads, len(script))
	}
	if user, system := e.tab.cpuTotal(); user != 10*time.Millisecond || system != 50*time.Millisecond {
		t.Errorf("cpuTotal after the exit: %v %v, want 10ms 50ms", user, system)
	}
}
