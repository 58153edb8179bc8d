package proc

import (
	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/fs/vfs"
)

// Open files. An openFile is Linux's struct file: what open made, with
// its offset and flags, shared by the descriptors dup and fork make
// (refs counts them). A descriptor is a slot of a process's fdTable
// pointing at one, with its own close-on-exec flag.

// fileOps is what a kind of open file does. Offsets are the open
// file's; a kind without them (the console) ignores off.
type fileOps interface {
	read(t *Table, p *Process, buf []byte, off int64) (int, linux.Errno)
	write(t *Table, p *Process, buf []byte, off int64) (int, linux.Errno)
	// size is the file's size, for SEEK_END and O_APPEND (0 when it
	// has none).
	size() int64
	// seekable: lseek works (ESPIPE otherwise).
	seekable() bool
	release()
}

// openFile is an open file description.
type openFile struct {
	ops   fileOps
	path  string // what open was given, cleaned: for fstat and getdents
	off   int64
	flags uint64 // O_ACCMODE, O_APPEND, O_NONBLOCK, O_DIRECTORY as open(2) took them
	refs  int
	// dir is the listing getdents64 walks, made at its first call.
	dir []vfs.DirEntry
}

func (f *openFile) readable() bool { return f.flags&linux.O_ACCMODE != linux.O_WRONLY }
func (f *openFile) writable() bool { return f.flags&linux.O_ACCMODE != linux.O_RDONLY }

func (f *openFile) decRef() {
	f.refs--
	if f.refs == 0 {
		f.ops.release()
	}
}

// maxFDs is RLIMIT_NOFILE's default soft limit (Linux's INR_OPEN_CUR).
const maxFDs = 1024

type fdEntry struct {
	f       *openFile
	cloexec bool
}

// fdTable is a process's descriptors.
type fdTable struct {
	fds []fdEntry // by descriptor; f nil for a free one
}

func newFDTable() *fdTable { return &fdTable{} }

// get returns the open file of fd, or EBADF.
func (t *fdTable) get(fd uint64) (*openFile, linux.Errno) {
	if fd >= uint64(len(t.fds)) || t.fds[fd].f == nil {
		return nil, linux.EBADF
	}
	return t.fds[fd].f, 0
}

// install puts f at fd (which must be free or beyond the end), taking
// a reference.
func (t *fdTable) install(fd int, ops fileOps, cloexec bool) {
	t.put(fd, &openFile{ops: ops, flags: linux.O_RDWR}, cloexec)
}

func (t *fdTable) put(fd int, f *openFile, cloexec bool) {
	for len(t.fds) <= fd {
		t.fds = append(t.fds, fdEntry{})
	}
	f.refs++
	t.fds[fd] = fdEntry{f: f, cloexec: cloexec}
}

// alloc installs f at the lowest free descriptor at or above min:
// EMFILE when there is none below the limit.
func (t *fdTable) alloc(f *openFile, min int, cloexec bool) (int, linux.Errno) {
	for fd := min; fd < maxFDs; fd++ {
		if fd >= len(t.fds) || t.fds[fd].f == nil {
			t.put(fd, f, cloexec)
			return fd, 0
		}
	}
	return 0, linux.EMFILE
}

// close frees fd.
func (t *fdTable) close(fd uint64) linux.Errno {
	f, err := t.get(fd)
	if err != 0 {
		return err
	}
	t.fds[fd] = fdEntry{}
	f.decRef()
	return 0
}

// dup is a copy for a forked child: the same open files.
func (t *fdTable) dup() *fdTable {
	c := &fdTable{fds: make([]fdEntry, len(t.fds))}
	for i, e := range t.fds {
		if e.f != nil {
			e.f.refs++
			c.fds[i] = e
		}
	}
	return c
}

func (t *fdTable) closeOnExec() {
	for i, e := range t.fds {
		if e.f != nil && e.cloexec {
			t.close(uint64(i))
		}
	}
}

func (t *fdTable) closeAll() {
	for i, e := range t.fds {
		if e.f != nil {
			t.close(uint64(i))
		}
	}
}

// consoleFile is the console: writes go to Table.Console, reads take
// what the shell forwards from the keyboard (Table.Input). dev is the
// special file it was opened as (nil: the standard streams Spawn gives,
// which are /dev/console).
type consoleFile struct {
	t   *Table
	dev *device
}

func (c *consoleFile) stat() linux.Stat {
	if c.dev == nil {
		return lookupDevice("/dev/console").stat()
	}
	return c.dev.stat()
}

func (c *consoleFile) read(t *Table, p *Process, buf []byte, _ int64) (int, linux.Errno) {
	return t.ttyRead(p, buf, false)
}

func (c *consoleFile) write(t *Table, _ *Process, buf []byte, _ int64) (int, linux.Errno) {
	if t.Console != nil {
		t.Console.Write(buf)
	}
	return len(buf), 0
}

func (c *consoleFile) size() int64    { return 0 }
func (c *consoleFile) seekable() bool { return false }
func (c *consoleFile) release()       {}

// regularFile is a file of the VFS, read and written through its page
// cache.
type regularFile struct{ f *vfs.File }

func (r *regularFile) read(_ *Table, _ *Process, buf []byte, off int64) (int, linux.Errno) {
	n, err := r.f.ReadAt(buf, off)
	if err != nil && n == 0 {
		return 0, linux.ErrnoOf(err)
	}
	return n, 0
}

func (r *regularFile) write(_ *Table, _ *Process, buf []byte, off int64) (int, linux.Errno) {
	n, err := r.f.WriteAt(buf, off)
	if err != nil && n == 0 {
		return 0, linux.ErrnoOf(err)
	}
	return n, 0
}

func (r *regularFile) size() int64    { return r.f.PC.Size() }
func (r *regularFile) seekable() bool { return true }
func (r *regularFile) release()       { r.f.Close() }

// dirFile is an open directory: getdents64 lists it; read is EISDIR.
type dirFile struct{}

func (dirFile) read(*Table, *Process, []byte, int64) (int, linux.Errno)  { return 0, linux.EISDIR }
func (dirFile) write(*Table, *Process, []byte, int64) (int, linux.Errno) { return 0, linux.EBADF }
func (dirFile) size() int64                                              { return 0 }
func (dirFile) seekable() bool                                           { return true }
func (dirFile) release()                                                 {}
