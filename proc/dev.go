package proc

import (
	"io/fs"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/fs/vfs"
)

// Special files: /dev's character devices, found by name before the VFS
// is asked (open, stat, access, readlink and chdir look here first), as
// devtmpfs would have them on Linux. They are the kernel's, not the root disk's: they
// work whether or not the disk has a /dev, and getdents64 of a /dev the
// disk has lists them after its own entries.
//
//	null     reads end of file, writes vanish          (1, 3; drivers/char/mem.c)
//	zero     reads zeros, writes vanish; mmap of it is
//	         anonymous memory, private or shared        (1, 5)
//	full     reads zeros, writes ENOSPC                 (1, 7)
//	random   the Table's generator (not for keys)       (1, 8)
//	urandom  the same                                   (1, 9)
//	tty      the console, with its terminal (tty.go)    (5, 0)
//	console  the console                                (5, 1)

// device is one special file: its name under /dev, its number, and
// what opening it makes.
type device struct {
	name         string
	major, minor uint32
	open         func(t *Table, d *device) fileOps
}

// devDir is where the special files are.
const devDir = "/dev"

// devices are /dev's files, in getdents64's order.
var devices = []*device{
	{"null", 1, 3, func(_ *Table, d *device) fileOps { return &memDev{dev: d, kind: devNull} }},
	{"zero", 1, 5, func(_ *Table, d *device) fileOps { return &memDev{dev: d, kind: devZero} }},
	{"full", 1, 7, func(_ *Table, d *device) fileOps { return &memDev{dev: d, kind: devFull} }},
	{"random", 1, 8, func(t *Table, d *device) fileOps { return &memDev{dev: d, kind: devRandom, t: t} }},
	{"urandom", 1, 9, func(t *Table, d *device) fileOps { return &memDev{dev: d, kind: devRandom, t: t} }},
	{"tty", 5, 0, func(t *Table, d *device) fileOps { return &consoleFile{t: t, dev: d} }},
	{"console", 5, 1, func(t *Table, d *device) fileOps { return &consoleFile{t: t, dev: d} }},
}

// lookupDevice returns the special file at the absolute, cleaned path
// name, or nil.
func lookupDevice(name string) *device {
	if len(name) <= len(devDir)+1 || name[:len(devDir)+1] != devDir+"/" {
		return nil
	}
	for _, d := range devices {
		if name[len(devDir)+1:] == d.name {
			return d
		}
	}
	return nil
}

// devIno is a special file's inode number: its index, past the root
// inode (devtmpfs numbers its own).
func (d *device) ino() uint64 {
	for i, x := range devices {
		if x == d {
			return uint64(i) + 3
		}
	}
	return 0
}

// stat is the device's struct stat: crw-rw-rw- (the tty and console
// crw--w----), on devtmpfs's st_dev.
func (d *device) stat() linux.Stat {
	mode := uint32(linux.S_IFCHR | 0o666)
	if d.major == 5 {
		mode = linux.S_IFCHR | 0o620
	}
	return linux.Stat{Dev: 5, Ino: d.ino(), Nlink: 1, Mode: mode,
		Rdev: linux.Makedev(d.major, d.minor), Blksize: 4096}
}

// devEntries are the special files as getdents64 lists them.
func devEntries() []vfs.DirEntry {
	out := make([]vfs.DirEntry, 0, len(devices))
	for _, d := range devices {
		out = append(out, vfs.DirEntry{Name: d.name, Ino: d.ino(), Type: fs.ModeDevice | fs.ModeCharDevice})
	}
	return out
}

// openDevice is openat of a special file: O_DIRECTORY is ENOTDIR,
// O_CREAT|O_EXCL EEXIST; O_TRUNC does nothing.
func (t *Table) openDevice(p *Process, d *device, name string, flags uint64) (uint64, linux.Errno) {
	switch {
	case flags&linux.O_DIRECTORY != 0:
		return 0, linux.ENOTDIR
	case flags&linux.O_CREAT != 0 && flags&linux.O_EXCL != 0:
		return 0, linux.EEXIST
	}
	of := &openFile{ops: d.open(t, d), path: name, flags: flags &^ (linux.O_CREAT | linux.O_EXCL | linux.O_TRUNC)}
	fd, e := p.files.alloc(of, 0, flags&linux.O_CLOEXEC != 0)
	return uint64(fd), e
}

// memKind is which of drivers/char/mem.c's devices a memDev is.
type memKind uint8

const (
	devNull memKind = iota + 1
	devZero
	devFull
	devRandom
)

// memDev is null, zero, full, random or urandom.
type memDev struct {
	dev  *device
	kind memKind
	t    *Table // the generator's, for random
}

func (m *memDev) read(t *Table, _ *Process, buf []byte, _ int64) (int, linux.Errno) {
	switch m.kind {
	case devNull:
		return 0, 0
	case devRandom:
		var w [8]byte
		for i := 0; i < len(buf); i += 8 {
			put64(w[:], t.random())
			copy(buf[i:], w[:])
		}
		return len(buf), 0
	}
	clear(buf) // zero, full
	return len(buf), 0
}

func (m *memDev) write(_ *Table, _ *Process, buf []byte, _ int64) (int, linux.Errno) {
	if m.kind == devFull {
		return 0, linux.ENOSPC
	}
	return len(buf), 0
}

// size is 0; the offset moves as on Linux (lseek of null and zero
// succeeds and means nothing).
func (m *memDev) size() int64      { return 0 }
func (m *memDev) seekable() bool   { return true }
func (m *memDev) release()         {}
func (m *memDev) stat() linux.Stat { return m.dev.stat() }

// anonymous reports whether a mapping of the file is anonymous memory
// (/dev/zero: MAP_PRIVATE is private anonymous memory, MAP_SHARED
// shared anonymous memory, as Linux's mmap_zero and shmem_zero_setup).
func (m *memDev) anonymous() bool { return m.kind == devZero }
