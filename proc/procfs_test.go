//go:build !tamago

package proc

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
)

// readAll reads fd to its end through the system call, chunk bytes at a
// time, into data (a user buffer).
func (e *procEnv) readAll(fd int64, data uint64, chunk uint64) []byte {
	e.t.Helper()
	var out []byte
	got := make([]byte, chunk)
	for {
		n := e.call(sysRead, uint64(fd), data, chunk)
		if n < 0 {
			e.t.Fatalf("read of fd %d = %d", fd, n)
		}
		if n == 0 {
			return out
		}
		e.tab.mem(e.p).copyIn(data, got[:n])
		out = append(out, got[:n]...)
	}
}

// readProc opens name and reads it all.
func (e *procEnv) readProc(buf, data uint64, name string) []byte {
	e.t.Helper()
	fd := e.open(buf, name, linux.O_RDONLY)
	if fd < 0 {
		e.t.Fatalf("open %s = %d", name, fd)
	}
	defer e.call(sysClose, uint64(fd))
	return e.readAll(fd, data, 4096)
}

// dirNames lists the directory name with getdents64.
func (e *procEnv) dirNames(buf, data uint64, name string) []string {
	e.t.Helper()
	fd := e.open(buf, name, linux.O_RDONLY|linux.O_DIRECTORY)
	if fd < 0 {
		e.t.Fatalf("open %s = %d", name, fd)
	}
	defer e.call(sysClose, uint64(fd))
	var names []string
	raw := make([]byte, 4096)
	for {
		n := e.call(sysGetdents64, uint64(fd), data, 4096)
		if n < 0 {
			e.t.Fatalf("getdents64 of %s = %d", name, n)
		}
		if n == 0 {
			return names
		}
		e.tab.mem(e.p).copyIn(data, raw[:n])
		for off := 0; off < int(n); {
			reclen := int(raw[off+16]) | int(raw[off+17])<<8
			nm := raw[off+19 : off+reclen]
			names = append(names, string(nm[:bytes.IndexByte(nm, 0)]))
			off += reclen
		}
	}
}

// /proc through the system calls: meminfo is the shell's text, read
// whole or in small pieces, at offsets and after lseek; self is a link
// to the caller; PID directories are listed and hold cmdline, status,
// stat and maps; the sysctls read and write; what is not there is
// ENOENT, what cannot be written EACCES.
func TestProcfs(t *testing.T) {
	e := newProcEnv(t, 0x98_0000_0000)
	e.tab.MemTotal = 64 << 20
	e.p.Name, e.p.argv, e.p.exe = "prog", []string{"/bin/prog", "-x", "arg"}, "/bin/prog"
	e.p.brkStart, e.p.brk = 0x60_0000, 0x60_2000
	buf := e.mmap(4*mm.PageSize, protRW, privateAnon)
	data := buf + mm.PageSize
	u := e.tab.mem(e.p)
	u.copyOut(buf, make([]byte, 2*mm.PageSize)) // faulted in before meminfo is taken

	// meminfo: one formatter with the shell's (MeminfoLine lines), the
	// same bytes in 7-byte reads.
	mi := e.tab.MM.Meminfo(e.tab.MemTotal, nil)
	var want bytes.Buffer
	mi.WriteTo(&want)
	if got := e.readProc(buf, data, "/proc/meminfo"); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("/proc/meminfo:\n%s\nwant\n%s", got, want.Bytes())
	}
	if !strings.HasPrefix(want.String(), "MemTotal:          65536 kB\n") {
		t.Errorf("meminfo starts %q", want.String()[:40])
	}
	fd := e.open(buf, "/proc/meminfo", linux.O_RDONLY)
	if got := e.readAll(fd, data, 7); !bytes.Equal(got, want.Bytes()) {
		t.Errorf("/proc/meminfo in 7-byte reads differs:\n%s", got)
	}
	if got := e.call(sysLseek, uint64(fd), 17, 0); got != 17 {
		t.Errorf("lseek = %d", got)
	}
	if got := e.call(sysRead, uint64(fd), data, 8); got != 8 {
		t.Errorf("read after lseek = %d", got)
	}
	got := make([]byte, 8)
	u.copyIn(data, got)
	if string(got) != string(want.Bytes()[17:25]) {
		t.Errorf("read after lseek: %q, want %q", got, want.Bytes()[17:25])
	}
	if got := e.call(sysPread64, uint64(fd), data, 8, 3); got != 8 {
		t.Errorf("pread = %d", got)
	}
	u.copyIn(data, got)
	if string(got) != "Total:  " {
		t.Errorf("pread at 3: %q", got)
	}
	if got := e.call(sysLseek, uint64(fd), 0, 2); got != int64(want.Len()) {
		t.Errorf("lseek SEEK_END = %d, want %d", got, want.Len())
	}
	// fstat: a regular file of size 0, read-only, on proc's device.
	if got := e.call(sysFstat, uint64(fd), data); got != 0 {
		t.Fatalf("fstat = %d", got)
	}
	st := make([]byte, linux.SizeofStat)
	u.copyIn(data, st)
	if mode, size := uint32(le64(st[24:])), le64(st[48:]); mode != linux.S_IFREG|0o444 || size != 0 {
		t.Errorf("fstat of /proc/meminfo: mode %#o size %d", mode, size)
	}
	e.call(sysClose, uint64(fd))

	// vmstat: "name value" lines, pgfault first.
	if got := string(e.readProc(buf, data, "/proc/vmstat")); !strings.HasPrefix(got, "pgfault ") {
		t.Errorf("/proc/vmstat starts %q", got[:min(len(got), 40)])
	}

	if got := string(e.readProc(buf, data, "/proc/buddyinfo")); !strings.HasPrefix(got, "Node 0, zone   Normal ") {
		t.Errorf("/proc/buddyinfo: %q", got)
	}
	if got := string(e.readProc(buf, data, "/proc/zoneinfo")); !strings.Contains(got, "\n  pages free     ") {
		t.Errorf("/proc/zoneinfo: %q", got)
	}

	// self: a link to "1", followed by stat and by paths under it.
	u.copyOut(buf, []byte("/proc/self\x00"))
	if got := e.call(sysReadlink, buf, data, 64); got != 1 {
		t.Errorf("readlink /proc/self = %d, want 1", got)
	}
	u.copyIn(data, got[:1])
	if got[0] != '1' {
		t.Errorf("readlink /proc/self: %q", got[:1])
	}
	e.call(sysLstat, buf, data)
	u.copyIn(data, st)
	if mode := uint32(le64(st[24:])); mode != linux.S_IFLNK|0o777 {
		t.Errorf("lstat /proc/self: mode %#o", mode)
	}
	e.call(sysStat, buf, data)
	u.copyIn(data, st)
	if mode := uint32(le64(st[24:])); mode != linux.S_IFDIR|0o555 {
		t.Errorf("stat /proc/self: mode %#o", mode)
	}
	u.copyOut(buf, []byte("/proc/self/\x00"))
	e.call(sysLstat, buf, data)
	u.copyIn(data, st)
	if mode := uint32(le64(st[24:])); mode != linux.S_IFDIR|0o555 {
		t.Errorf("lstat /proc/self/: mode %#o", mode)
	}
	u.copyOut(buf, []byte("/proc/self/exe\x00"))
	if n := e.call(sysReadlink, buf, data, 64); n != int64(len("/bin/prog")) {
		t.Errorf("readlink /proc/self/exe = %d", n)
	}

	// The directories.
	names := e.dirNames(buf, data, "/proc")
	for _, n := range []string{".", "..", "meminfo", "vmstat", "uptime", "loadavg", "stat", "swaps", "zoneinfo", "buddyinfo", "self", "sys", "1"} {
		if !slices.Contains(names, n) {
			t.Errorf("/proc lacks %s: %q", n, names)
		}
	}
	names = e.dirNames(buf, data, "/proc/self")
	for _, n := range []string{"cmdline", "stat", "status", "maps", "smaps", "oom_score", "oom_score_adj", "exe"} {
		if !slices.Contains(names, n) {
			t.Errorf("/proc/self lacks %s: %q", n, names)
		}
	}
	if got := e.dirNames(buf, data, "/proc/sys/vm"); !slices.Equal(got, []string{".", "..", "overcommit_memory", "overcommit_ratio", "swappiness", "drop_caches"}) {
		t.Errorf("/proc/sys/vm: %q", got)
	}

	// The process's files.
	if got := string(e.readProc(buf, data, "/proc/1/cmdline")); got != "/bin/prog\x00-x\x00arg\x00" {
		t.Errorf("cmdline %q", got)
	}
	status := string(e.readProc(buf, data, "/proc/self/status"))
	for _, l := range []string{"Name:\tprog\n", "State:\tR (running)\n", "Pid:\t1\n", "PPid:\t0\n", "Uid:\t0\t0\t0\t0\n",
		"VmSize:\t      16 kB\n", "VmSwap:\t       0 kB\n", "Threads:\t1\n"} {
		if !strings.Contains(status, l) {
			t.Errorf("status lacks %q:\n%s", l, status)
		}
	}
	if got, want := string(e.readProc(buf, data, "/proc/self/oom_score")), fmt.Sprintf("%d\n", e.p.AS.OOMScore()); got != want || want == "0\n" {
		t.Errorf("oom_score %q, want %q (not 0: the process maps pages)", got, want)
	}
	if got := string(e.readProc(buf, data, "/proc/self/oom_score_adj")); got != "0\n" {
		t.Errorf("oom_score_adj %q", got)
	}
	if want := fmt.Sprintf("VmPTE:\t%8d kB\n", e.p.AS.TablePages()*4); !strings.Contains(status, want) || e.p.AS.TablePages() == 0 {
		t.Errorf("status lacks %q:\n%s", want, status)
	}
	stat := strings.Fields(string(e.readProc(buf, data, "/proc/self/stat")))
	if len(stat) != 52 || stat[0] != "1" || stat[1] != "(prog)" || stat[2] != "R" || stat[22] != "16384" {
		t.Errorf("stat: %d fields %q", len(stat), stat)
	}
	var maps bytes.Buffer
	e.p.AS.WriteMaps(&maps, e.p.MapsLabels())
	if got := e.readProc(buf, data, "/proc/self/maps"); !bytes.Equal(got, maps.Bytes()) || len(got) == 0 {
		t.Errorf("/proc/self/maps:\n%s\nwant\n%s", got, maps.Bytes())
	}
	if got := string(e.readProc(buf, data, "/proc/1/smaps")); !strings.Contains(got, "Rss:                   8 kB\n") {
		t.Errorf("smaps:\n%s", got)
	}

	// The sysctls: written as text, read back; a bad value is EINVAL.
	fd = e.open(buf, "/proc/sys/vm/swappiness", linux.O_WRONLY|linux.O_TRUNC)
	u.copyOut(data, []byte("30\n"))
	if got := e.call(sysWrite, uint64(fd), data, 3); got != 3 {
		t.Errorf("write of swappiness = %d", got)
	}
	u.copyOut(data, []byte("300\n"))
	if got := e.call(sysWrite, uint64(fd), data, 4); got != errno(linux.EINVAL) {
		t.Errorf("write of swappiness 300 = %d, want EINVAL", got)
	}
	e.call(sysClose, uint64(fd))
	if got := string(e.readProc(buf, data, "/proc/sys/vm/swappiness")); got != "30\n" || e.tab.MM.Swappiness() != 30 {
		t.Errorf("swappiness reads %q, MM has %d", got, e.tab.MM.Swappiness())
	}
	fd = e.open(buf, "/proc/sys/vm/overcommit_memory", linux.O_WRONLY)
	u.copyOut(data, []byte("2"))
	e.call(sysWrite, uint64(fd), data, 1)
	e.call(sysClose, uint64(fd))
	if got := string(e.readProc(buf, data, "/proc/sys/vm/overcommit_memory")); got != "2\n" {
		t.Errorf("overcommit_memory reads %q", got)
	}

	// sysinfo, which busybox free reads beside /proc/meminfo: bytes,
	// mem_unit 1.
	if got := e.call(sysSysinfo, data); got != 0 {
		t.Fatalf("sysinfo = %d", got)
	}
	si := make([]byte, 112)
	u.copyIn(data, si)
	if total, unit := le64(si[32:]), uint32(le64(si[104:])); total != 64<<20 || unit != 1 || le64(si[40:]) == 0 {
		t.Errorf("sysinfo: totalram %d freeram %d mem_unit %d", total, le64(si[40:]), unit)
	}

	// What is not there, and what cannot be done.
	for _, c := range []struct {
		name  string
		flags uint64
		want  linux.Errno
	}{
		{"/proc/nothing", linux.O_RDONLY, linux.ENOENT},
		{"/proc/2/status", linux.O_RDONLY, linux.ENOENT},
		{"/proc/01/status", linux.O_RDONLY, linux.ENOENT},
		{"/proc/meminfo/x", linux.O_RDONLY, linux.ENOTDIR},
		{"/proc/meminfo", linux.O_WRONLY, linux.EACCES},
		{"/proc/meminfo", linux.O_RDONLY | linux.O_DIRECTORY, linux.ENOTDIR},
		{"/proc", linux.O_RDWR, linux.EISDIR},
	} {
		if got := e.open(buf, c.name, c.flags); got != errno(c.want) {
			t.Errorf("open %s (%#x) = %d, want %v", c.name, c.flags, got, c.want)
		}
	}
}

// FuzzProcPath looks up any name under /proc: no panic, and what is
// found is consistent (a file has its text, a directory its listing, a
// link its target) and opens or is refused with an errno.
func FuzzProcPath(f *testing.F) {
	for _, s := range []string{"meminfo", "self/maps", "1/status", "self", "sys/vm/swappiness", "sys/../1", "01", "1/exe",
		"99999999999999999999", "-1", "self/self", "meminfo/x", "sys/vm/x/y", "", "self/fd", "1/fd/0", "1/fd/0/x", "self/cwd", "1/environ", "mounts", "cpuinfo"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := newProcEnv(t, 0x9a_0000_0000)
		e.p.argv, e.p.exe = []string{"x"}, "/bin/x"
		name := path.Clean("/proc/" + s)
		if !isProcPath(name) {
			return
		}
		for _, lookup := range []func(*Process, string) (procNode, linux.Errno){e.tab.lookupProc, e.tab.lookupProcFollow} {
			n, errno := lookup(e.p, name)
			if errno != 0 {
				continue
			}
			switch n.kind {
			case procIsFile:
				n.file.text(e.tab, n.q)
			case procIsDir:
				if ents := e.tab.procEntries(&n); len(ents) < 2 {
					t.Fatalf("%s: listing %v", name, ents)
				}
			case procIsLink:
				if n.link == "" || n.follow == "" && n.fd == nil {
					t.Fatalf("%s: link %q -> %q", name, n.link, n.follow)
				}
			default:
				t.Fatalf("%s: kind %d", name, n.kind)
			}
		}
		buf := e.mmap(mm.PageSize, protRW, privateAnon)
		if len(name) < 4000 {
			if fd := e.open(buf, name, linux.O_RDONLY); fd >= 0 {
				e.call(sysClose, uint64(fd))
			}
		}
	})
}
