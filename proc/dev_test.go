//go:build !tamago

package proc

import (
	"bytes"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/tmpfs"
)

// open opens name (a path in user memory at buf) with flags.
func (e *procEnv) open(buf uint64, name string, flags uint64) int64 {
	e.tab.mem(e.p).copyOut(buf, append([]byte(name), 0))
	return e.call(sysOpenat, atFDCWD, buf, flags, 0)
}

// The special files: null reads end of file and takes every write, zero
// reads zeros, full refuses writes with ENOSPC, urandom reads the
// generator; stat and access find them without a VFS; a mapping of
// /dev/zero is anonymous memory, private or shared, and a mapping of
// /dev/null ENODEV.
func TestDevices(t *testing.T) {
	e := newProcEnv(t, 0x96_0000_0000)
	shm := tmpfs.New(pagecache.New(e.tab.MM.Frames), tmpfs.Options{})
	e.tab.MM.Shmem = func(size int64) (*pagecache.File, error) {
		f, err := shm.NewUnlinked("dev/zero", size)
		if err != nil {
			return nil, err
		}
		return f.PageCache(), nil
	}
	buf := e.mmap(4*mm.PageSize, protRW, privateAnon)
	u := e.tab.mem(e.p)
	data := buf + 2*mm.PageSize
	u.copyOut(data, bytes.Repeat([]byte{0xff}, 64))

	null := e.open(buf, "/dev/null", linux.O_RDWR)
	zero := e.open(buf, "/dev/zero", linux.O_RDONLY)
	full := e.open(buf, "/dev/full", linux.O_WRONLY)
	urandom := e.open(buf, "/dev/urandom", linux.O_RDONLY)
	if null < 0 || zero < 0 || full < 0 || urandom < 0 {
		t.Fatalf("open: null %d zero %d full %d urandom %d", null, zero, full, urandom)
	}
	if got := e.call(sysWrite, uint64(null), data, 64); got != 64 {
		t.Errorf("write to /dev/null = %d", got)
	}
	if got := e.call(sysRead, uint64(null), data, 64); got != 0 {
		t.Errorf("read of /dev/null = %d, want 0", got)
	}
	if got := e.call(sysWrite, uint64(full), data, 64); got != errno(linux.ENOSPC) {
		t.Errorf("write to /dev/full = %d, want ENOSPC", got)
	}
	if got := e.call(sysRead, uint64(zero), data, 64); got != 64 {
		t.Errorf("read of /dev/zero = %d", got)
	}
	got := make([]byte, 64)
	u.copyIn(data, got)
	if !bytes.Equal(got, make([]byte, 64)) {
		t.Errorf("/dev/zero read %x", got)
	}
	if got := e.call(sysRead, uint64(urandom), data, 64); got != 64 {
		t.Errorf("read of /dev/urandom = %d", got)
	}
	u.copyIn(data, got)
	if bytes.Equal(got, make([]byte, 64)) {
		t.Error("/dev/urandom read zeros")
	}
	if got := e.open(buf, "/dev/nothing", linux.O_RDONLY); got != errno(linux.ENOENT) {
		t.Errorf("open /dev/nothing = %d, want ENOENT", got)
	}
	if got := e.open(buf, "/dev/null", linux.O_RDONLY|linux.O_DIRECTORY); got != errno(linux.ENOTDIR) {
		t.Errorf("open /dev/null O_DIRECTORY = %d, want ENOTDIR", got)
	}

	// stat: a character device with its number.
	u.copyOut(buf, []byte("/dev/null\x00"))
	if got := e.call(sysStat, buf, data); got != 0 {
		t.Fatalf("stat /dev/null = %d", got)
	}
	st := make([]byte, linux.SizeofStat)
	u.copyIn(data, st)
	if mode, rdev := uint32(le64(st[24:])), le64(st[40:]); mode != linux.S_IFCHR|0o666 || rdev != linux.Makedev(1, 3) {
		t.Errorf("stat /dev/null: mode %#o rdev %#x", mode, rdev)
	}
	if got := e.call(sysAccess, buf, 6); got != 0 {
		t.Errorf("access /dev/null = %d", got)
	}
	if got := e.call(sysReadlink, buf, data, 64); got != errno(linux.EINVAL) {
		t.Errorf("readlink /dev/null = %d, want EINVAL (not a symlink)", got)
	}
	if got := e.call(sysChdir, buf); got != errno(linux.ENOTDIR) {
		t.Errorf("chdir /dev/null = %d, want ENOTDIR", got)
	}

	// mmap of /dev/zero: private anonymous memory (written, it stays
	// the process's) and shared anonymous memory.
	for _, flags := range []uint64{linux.MAP_PRIVATE, linux.MAP_SHARED} {
		zrw := e.open(buf, "/dev/zero", linux.O_RDWR)
		va := e.call(sysMmap, 0, 2*mm.PageSize, protRW, flags, uint64(zrw), 0)
		if va < 0 {
			t.Fatalf("mmap of /dev/zero (flags %#x) = %d", flags, va)
		}
		if err := u.store64(uint64(va)+mm.PageSize, 42); err != 0 {
			t.Fatalf("store to the mapping of /dev/zero: %v", err)
		}
		if v, _ := u.load64(uint64(va) + mm.PageSize); v != 42 {
			t.Errorf("mapping of /dev/zero reads %d", v)
		}
		if v, _ := u.load64(uint64(va)); v != 0 {
			t.Errorf("untouched page of the mapping of /dev/zero reads %d", v)
		}
		for _, v := range e.p.AS.VMAs() {
			if uint64(v.Start) == uint64(va) && (v.File() != nil) != (flags == linux.MAP_SHARED) {
				t.Errorf("mapping of /dev/zero (flags %#x): file %v, want one for MAP_SHARED only", flags, v.File())
			}
		}
		e.call(sysMunmap, uint64(va), 2*mm.PageSize)
	}
	if got := e.call(sysMmap, 0, mm.PageSize, protRW, linux.MAP_PRIVATE, uint64(null), 0); got != errno(linux.ENODEV) {
		t.Errorf("mmap of /dev/null = %d, want ENODEV", got)
	}
}
