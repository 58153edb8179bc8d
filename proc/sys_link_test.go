//go:build !tamago

package proc

import (
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// withTmpfs gives the process a VFS: tmpfs at / and at /tmp, with a
// wall clock of its machine's.
func (e *procEnv) withTmpfs() {
	e.t.Helper()
	v := vfs.NewVFS(pagecache.New(e.tab.MM.Frames), nil)
	for _, d := range []string{"/", "/tmp"} {
		if _, err := v.MountTmpfs(d, 0); err != nil {
			e.t.Fatal(err)
		}
	}
	v.Clock = e.tab.Machine.Realtime
	e.tab.VFS = v
}

// str puts NUL-terminated strings in user memory and returns their
// addresses.
func (e *procEnv) strs(ss ...string) []uint64 {
	e.t.Helper()
	buf := e.mmap(mm.PageSize, protRW, privateAnon)
	u := e.tab.mem(e.p)
	var addrs []uint64
	off := uint64(0)
	for _, s := range ss {
		u.copyOut(buf+off, append([]byte(s), 0))
		addrs = append(addrs, buf+off)
		off += uint64(len(s)) + 1
	}
	return addrs
}

// rename, link and symlink: their errno values, as fs/namei.c's.
func TestSyscallRenameLink(t *testing.T) {
	e := newProcEnv(t, 0x95_0000_0000)
	e.withTmpfs()
	s := e.strs("/d", "/d/sub", "/f", "/tmp/x", "/g", "/d/f", "/nothing", "f", "/l", "/l/sub", "/d/sub/x", "/proc/self", "/dev/null", "")
	d, sub, f, tmpx, g, df, nothing, rel, l, lsub, subx, procself, devnull, empty := s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13]
	for _, c := range []struct {
		name string
		got  int64
		want linux.Errno
	}{
		{"mkdir /d", e.call(sysMkdir, d, 0o755), 0},
		{"mkdir /d/sub", e.call(sysMkdir, sub, 0o755), 0},
		{"creat /f", e.call(sysOpen, f, linux.O_CREAT|linux.O_WRONLY, 0o644) - 3, 0}, // fd 3
		{"rename across mounts", e.call(sysRename, f, tmpx), linux.EXDEV},
		{"rename a missing name across mounts", e.call(sysRename, nothing, tmpx), linux.EXDEV},
		{"rename a missing name", e.call(sysRename, nothing, g), linux.ENOENT},
		{"rename into its own subtree", e.call(sysRename, d, subx), linux.EINVAL},
		{"rename a file over a directory", e.call(sysRename, f, sub), linux.EISDIR},
		{"rename a directory over a file", e.call(sysRename, d, f), linux.ENOTDIR},
		{"renameat2 NOREPLACE over a name", e.call(sysRenameat2, atFDCWD, f, atFDCWD, d, renameNoreplace), linux.EEXIST},
		{"renameat2 EXCHANGE", e.call(sysRenameat2, atFDCWD, f, atFDCWD, d, renameExchange), linux.EINVAL},
		{"renameat2 bad flags", e.call(sysRenameat2, atFDCWD, f, atFDCWD, g, 8), linux.EINVAL},
		{"rename out of /proc", e.call(sysRename, procself, g), linux.EXDEV},
		{"rename an empty name", e.call(sysRename, empty, g), linux.ENOENT},
		{"rename /f /d/f", e.call(sysRenameat, atFDCWD, f, atFDCWD, df), 0},
		{"link /d/f /g", e.call(sysLink, df, g), 0},
		{"link over a name", e.call(sysLink, df, g), linux.EEXIST},
		{"link a directory", e.call(sysLink, d, nothing), linux.EPERM},
		{"link across mounts", e.call(sysLink, g, tmpx), linux.EXDEV},
		{"link /dev/null", e.call(sysLinkat, atFDCWD, devnull, atFDCWD, nothing, 0), linux.EXDEV},
		{"linkat bad flags", e.call(sysLinkat, atFDCWD, g, atFDCWD, nothing, 1), linux.EINVAL},
		{"symlink d /l", e.call(sysSymlink, d+1, l), 0}, // "d", relative to /
		{"symlink over a name", e.call(sysSymlink, rel, g), linux.EEXIST},
		{"symlink of an empty target", e.call(sysSymlink, empty, nothing), linux.ENOENT},
		{"rmdir through a link", e.call(sysRmdir, lsub), 0},
	} {
		if c.got != errno(c.want) {
			t.Errorf("%s = %d, want %v", c.name, c.got, c.want)
		}
	}
	st := make([]byte, linux.SizeofStat)
	stat := func(nr, path uint64) linux.Stat {
		t.Helper()
		buf := e.mmap(mm.PageSize, protRW, privateAnon)
		if got := e.call(nr, path, buf); got != 0 {
			t.Fatalf("stat: %v", linux.Errno(-got))
		}
		e.tab.mem(e.p).copyIn(buf, st)
		return linux.Stat{Ino: le64(st[8:]), Nlink: le64(st[16:]), Mode: uint32(le64(st[24:])), Size: int64(le64(st[48:])),
			Mtime: linux.Timespec{Sec: int64(le64(st[88:])), Nsec: int64(le64(st[96:]))}}
	}
	if a, b := stat(sysStat, g), stat(sysStat, df); a.Ino != b.Ino || a.Nlink != 2 {
		t.Errorf("/g and /d/f: inodes %d and %d, %d links", a.Ino, b.Ino, a.Nlink)
	}
	if st := stat(sysLstat, l); st.Mode&linux.S_IFMT != linux.S_IFLNK || st.Size != 1 {
		t.Errorf("lstat of the link: mode %#o size %d", st.Mode, st.Size)
	}
	if st := stat(sysStat, l); st.Mode&linux.S_IFMT != linux.S_IFDIR {
		t.Errorf("stat through the link: mode %#o", st.Mode)
	}
	if _, err := e.tab.VFS.Lstat("/d/sub"); err == nil {
		t.Errorf("rmdir through a link left /d/sub")
	}
	// A link to /dev/null leads to the device, not to a file of that
	// name on the disk.
	n := e.strs("/n")[0]
	if got := e.call(sysSymlink, devnull, n); got != 0 {
		t.Fatalf("symlink /dev/null /n = %d", got)
	}
	if fd := e.call(sysOpen, n, linux.O_WRONLY|linux.O_CREAT, 0o644); fd < 0 || e.call(sysWrite, uint64(fd), n, 2) != 2 {
		t.Errorf("open and write through /n: fd %d", fd)
	}
	if st := stat(sysStat, n); st.Mode&linux.S_IFMT != linux.S_IFCHR {
		t.Errorf("stat through /n: mode %#o", st.Mode)
	}
	if _, err := e.tab.VFS.Lstat("/dev/null"); err == nil {
		t.Errorf("open through a link to /dev/null made a file")
	}

	// utimensat: a time given, UTIME_OMIT, UTIME_NOW, and futimens.
	ts := e.mmap(mm.PageSize, protRW, privateAnon)
	u := e.tab.mem(e.p)
	const utimeNow, utimeOmit = 1<<30 - 1, 1<<30 - 2
	for i, v := range []uint64{0, utimeOmit, 1234, 5} {
		u.store64(ts+8*uint64(i), v)
	}
	if got := e.call(sysUtimensat, atFDCWD, g, ts, 0); got != 0 {
		t.Fatalf("utimensat = %d", got)
	}
	if st := stat(sysStat, g); st.Mtime != (linux.Timespec{Sec: 1234, Nsec: 5}) {
		t.Errorf("mtime after utimensat: %+v", st.Mtime)
	}
	u.store64(ts+8, 1e9)
	if got := e.call(sysUtimensat, atFDCWD, g, ts, 0); got != errno(linux.EINVAL) {
		t.Errorf("utimensat with tv_nsec 1e9 = %d", got)
	}
	fd := e.call(sysOpen, g, linux.O_RDWR, 0)
	u.store64(ts+8, utimeOmit)
	u.store64(ts+24, utimeNow)
	if got := e.call(sysUtimensat, uint64(fd), 0, ts, 0); got != 0 {
		t.Fatalf("futimens = %d", got)
	}
	if st, now := stat(sysStat, g), e.tab.realtime(); st.Mtime.Sec < now/1e9-1 {
		t.Errorf("mtime after UTIME_NOW: %+v, now %d", st.Mtime, now)
	}
	if got := e.call(sysUtimensat, atFDCWD, nothing, 0, 0); got != errno(linux.ENOENT) {
		t.Errorf("utimensat of a missing file = %d", got)
	}

	// chmod keeps the bits; chown only to root.
	if got := e.call(sysChmod, g, 0o4751); got != 0 {
		t.Fatalf("chmod = %d", got)
	}
	if st := stat(sysStat, g); st.Mode != linux.S_IFREG|0o4751 {
		t.Errorf("mode after chmod %#o", st.Mode)
	}
	if got := e.call(sysFchmod, uint64(fd), 0o600); got != 0 || stat(sysStat, g).Mode != linux.S_IFREG|0o600 {
		t.Errorf("fchmod = %d, mode %#o", got, stat(sysStat, g).Mode)
	}
	for _, c := range []struct {
		name string
		got  int64
		want linux.Errno
	}{
		{"chown to root", e.call(sysChown, g, 0, 0), 0},
		{"fchown unchanged", e.call(sysFchown, uint64(fd), ^uint64(0), ^uint64(0)), 0},
		{"lchown to a user", e.call(sysLchown, l, 1000, 0), linux.EPERM},
		{"chown a missing file", e.call(sysChown, nothing, 0, 0), linux.ENOENT},
		{"chmod a missing file", e.call(sysChmod, nothing, 0o644), linux.ENOENT},
	} {
		if c.got != errno(c.want) {
			t.Errorf("%s = %d, want %v", c.name, c.got, c.want)
		}
	}
}

// select: readiness of a pipe's ends, EBADF, EINVAL, the timeout
// written back.
func TestSyscallSelect(t *testing.T) {
	e := newProcEnv(t, 0x96_0000_0000)
	buf := e.mmap(mm.PageSize, protRW, privateAnon)
	u := e.tab.mem(e.p)
	if got := e.call(sysPipe2, buf, 0); got != 0 {
		t.Fatalf("pipe2 = %d", got)
	}
	fds, _ := u.load64(buf)
	r, w := fds&0xffffffff, fds>>32
	rset, wset, tv := buf+64, buf+128, buf+192
	set := func(addr uint64, fds ...uint64) {
		v := uint64(0)
		for _, fd := range fds {
			v |= 1 << fd
		}
		u.store64(addr, v)
	}
	// Empty pipe: only the write end is ready; a zero timeout polls.
	set(rset, r)
	set(wset, w)
	u.store64(tv, 0)
	u.store64(tv+8, 0)
	if got := e.call(sysSelect, w+1, rset, wset, 0, tv); got != 1 {
		t.Fatalf("select on an empty pipe = %d", got)
	}
	if v, _ := u.load64(rset); v != 0 {
		t.Errorf("read set %#x, want empty", v)
	}
	if v, _ := u.load64(wset); v != 1<<w {
		t.Errorf("write set %#x, want fd %d", v, w)
	}
	// A byte in the pipe: both ready, pselect6 with a timespec.
	e.call(sysWrite, w, buf, 1)
	set(rset, r)
	set(wset, w)
	u.store64(tv, 5)
	if got := e.call(sysPselect6, w+1, rset, wset, 0, tv, 0); got != 2 {
		t.Errorf("pselect6 with a byte in the pipe = %d", got)
	}
	if sec, _ := u.load64(tv); sec > 5 || sec < 4 {
		t.Errorf("the timeout left: %d s", sec)
	}
	// A short timeout with nothing ready passes, returning 0 and the
	// timeout at zero.
	e.call(sysRead, r, buf+256, 1)
	set(rset, r)
	u.store64(tv, 0)
	u.store64(tv+8, 1000) // 1 ms
	if got := e.call(sysSelect, r+1, rset, 0, 0, tv); got != 0 {
		t.Errorf("select timing out = %d", got)
	}
	if s, _ := u.load64(tv); s != 0 {
		t.Errorf("timeout left after expiry: %d", s)
	}
	if got, _ := u.load64(tv + 8); got != 0 {
		t.Errorf("timeout left after expiry: %d us", got)
	}
	set(rset, 9)
	if got := e.call(sysSelect, 10, rset, 0, 0, 0); got != errno(linux.EBADF) {
		t.Errorf("select on a closed fd = %d", got)
	}
	if got := e.call(sysSelect, ^uint64(0), rset, 0, 0, 0); got != errno(linux.EINVAL) {
		t.Errorf("select with nfds -1 = %d", got)
	}
	u.store64(tv+8, 1e6)
	if got := e.call(sysSelect, 1, 0, 0, 0, tv); got != errno(linux.EINVAL) {
		t.Errorf("select with tv_usec 1e6 = %d", got)
	}
}
