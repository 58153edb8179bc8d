//go:build !tamago

package proc

import (
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// mountTmpfs gives e's table a VFS of four tmpfs mounts: /tmp of 64
// pages, /dev/shm, /a/b and /b without a limit.
func (e *procEnv) mountTmpfs() {
	e.t.Helper()
	v := vfs.NewVFS(pagecache.New(e.tab.MM.Frames), nil)
	for _, m := range []struct {
		dir   string
		pages uint64
	}{{"/tmp", 64}, {"/dev/shm", 0}, {"/a/b", 0}, {"/b", 0}} {
		if _, err := v.MountTmpfs(m.dir, m.pages); err != nil {
			e.t.Fatal(err)
		}
	}
	e.tab.VFS = v
}

// statfs and fstatfs give each filesystem's type and figures: a tmpfs
// its limit (no blocks without one, as shmem_statfs), proc and
// devtmpfs no blocks (which df leaves out), a pipe pipefs's type;
// what is not there is ENOENT, a bad descriptor EBADF.
func TestStatfs(t *testing.T) {
	e := newProcEnv(t, 0xa6_0000_0000)
	buf := e.mmap(4*mm.PageSize, protRW, privateAnon)
	data := buf + mm.PageSize
	e.mountTmpfs()
	if fd := e.open(buf, "/tmp/f", linux.O_CREAT|linux.O_WRONLY); fd < 0 {
		t.Fatalf("open /tmp/f = %d", fd)
	}
	u := e.tab.mem(e.p)
	statfs := func(name string, fd int64) (linux.Statfs, int64) {
		var r int64
		if name != "" {
			u.copyOut(buf, append([]byte(name), 0))
			r = e.call(sysStatfs, buf, data)
		} else {
			r = e.call(sysFstatfs, uint64(fd), data)
		}
		b := make([]byte, linux.SizeofStatfs)
		u.copyIn(data, b)
		return linux.Statfs{Type: int64(le64(b)), Bsize: int64(le64(b[8:])), Blocks: le64(b[16:]), Bfree: le64(b[24:]),
			Bavail: le64(b[32:]), Namelen: int64(le64(b[64:])), Flags: int64(le64(b[80:]))}, r
	}
	r, _ := e.pipe(0)
	for _, c := range []struct {
		name                 string
		fd                   int64
		magic                int64
		blocks, free, result int64
	}{
		{"/tmp", 0, linux.TMPFS_MAGIC, 64, 64, 0},
		{"/tmp/f", 0, linux.TMPFS_MAGIC, 64, 64, 0},
		{"/dev/shm", 0, linux.TMPFS_MAGIC, 0, 0, 0},
		{"/proc/self/stat", 0, linux.PROC_SUPER_MAGIC, 0, 0, 0},
		{"/dev", 0, linux.TMPFS_MAGIC, 0, 0, 0},
		{"/dev/null", 0, linux.TMPFS_MAGIC, 0, 0, 0},
		{"/tmp/none", 0, 0, 0, 0, errno(linux.ENOENT)},
		{"/proc/none", 0, 0, 0, 0, errno(linux.ENOENT)},
		{"", 3, linux.TMPFS_MAGIC, 64, 64, 0},
		{"", int64(r), 0x50495045, 0, 0, 0},
		{"", 99, 0, 0, 0, errno(linux.EBADF)},
	} {
		st, res := statfs(c.name, c.fd)
		if res != c.result {
			t.Errorf("statfs %q / fd %d = %d, want %d", c.name, c.fd, res, c.result)
			continue
		}
		if res != 0 {
			continue
		}
		if st.Type != c.magic || st.Blocks != uint64(c.blocks) || st.Bfree != uint64(c.free) || st.Bavail != uint64(c.free) ||
			st.Bsize != 4096 || st.Namelen != 255 || st.Flags != linux.ST_VALID|linux.ST_RELATIME {
			t.Errorf("statfs %q / fd %d: %+v", c.name, c.fd, st)
		}
	}
}
