package vfs

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/pagoda-os/pagoda/fs/ext2"
)

// ext2Mount is an ext2 filesystem on a disk, as the VFS drives it. Its
// files table holds a File per inode in use, from first open to the
// unmount (or the removal): the kernel has no file descriptors yet, so
// the table stands in for them.
type ext2Mount struct {
	v     *VFS
	path  string // the mount point, for messages
	dev   Disk
	fs    *ext2.FS
	files map[uint32]*File
}

func newExt2Mount(v *VFS, path string, dev Disk, fsys *ext2.FS) *ext2Mount {
	return &ext2Mount{v: v, path: path, dev: dev, fs: fsys, files: map[uint32]*File{}}
}

// ext2File is an ext2 File's operations: straight to the page cache,
// whose backing is the inode.
type ext2File struct {
	m   *ext2Mount
	f   *File
	ino *ext2.Inode
}

func (e *ext2File) readAt(p []byte, off int64) (int, error) { return e.f.PC.ReadAt(p, off) }
func (e *ext2File) writeAt(p []byte, off int64) (int, error) {
	n, err := e.f.PC.WriteAt(p, off)
	if n > 0 {
		// The inode sees the data at writeback; the times are now's.
		err = errors.Join(err, e.ino.Touch())
	}
	return n, err
}
func (e *ext2File) truncate(size int64) error { return e.f.PC.Truncate(size) }
func (e *ext2File) writable() bool            { return !e.m.fs.ReadOnly() }
func (e *ext2File) close()                    {} // the table keeps it
func (e *ext2File) stat() Stat                { return ext2Stat(e.ino.Stat()) }
func (e *ext2File) setTimes(atime, mtime *int64) error {
	return e.ino.SetTimes(ext2Seconds(atime), ext2Seconds(mtime))
}

func (e *ext2File) chmod(perm fs.FileMode) error { return e.ino.Chmod(ext2Perm(perm)) }

// ext2Perm is io/fs permission, set-id and sticky bits as i_mode's.
func ext2Perm(perm fs.FileMode) uint16 {
	p := uint16(perm.Perm())
	for _, b := range []struct {
		bit  uint16
		mode fs.FileMode
	}{{0o4000, fs.ModeSetuid}, {0o2000, fs.ModeSetgid}, {0o1000, fs.ModeSticky}} {
		if perm&b.mode != 0 {
			p |= b.bit
		}
	}
	return p
}

// ext2Seconds is a time in nanoseconds as ext2 keeps it, whole seconds
// (nil stays nil).
func ext2Seconds(ns *int64) *uint32 {
	if ns == nil {
		return nil
	}
	s := uint32(*ns / 1e9)
	return &s
}

func (m *ext2Mount) source() string { return m.dev.Name() }

func (m *ext2Mount) open(rel, abs string) (*File, error) {
	ino, err := m.fs.Open(rel)
	if err != nil {
		return nil, err
	}
	if f, ok := m.files[ino.Num()]; ok {
		ino.Close() // the table's reference is enough
		return f, nil
	}
	st := ino.Stat()
	if st.Type != ext2.TypeRegular {
		ino.Close()
		return nil, fmt.Errorf("%w: %s", ext2.ErrIsDir, abs)
	}
	if err := ino.LoadBlockMap(); err != nil {
		ino.Close()
		return nil, err
	}
	f := &File{Path: abs}
	f.ops = &ext2File{m: m, f: f, ino: ino}
	f.PC = m.v.Cache.NewFile(ext2.NewBacking(m.dev, ino), abs, ino.Size())
	m.files[ino.Num()] = f
	return f, nil
}

func (m *ext2Mount) create(rel string, perm fs.FileMode) error {
	ino, err := m.fs.Create(rel, uint16(perm.Perm()))
	if err != nil {
		return err
	}
	return ino.Close()
}

func (m *ext2Mount) remove(rel string) error {
	st, err := m.fs.Lstat(rel)
	if err != nil {
		return err
	}
	if err := m.fs.Unlink(rel); err != nil {
		return err
	}
	return m.forget(st.Ino)
}

// forget lets go of the table's File of inode ino once the inode has
// lost its last name: a mapped one is kept until the unmount, the
// others are dropped at once.
func (m *ext2Mount) forget(ino uint32) error {
	f, ok := m.files[ino]
	if !ok || f.ops.(*ext2File).ino.Stat().Links > 0 {
		return nil
	}
	if f.PC.Mapped() {
		m.files[^ino] = f // kept (released at unmount), off the lookup key
		delete(m.files, ino)
		return nil
	}
	delete(m.files, ino)
	// Its pages are not worth writing: the file is gone.
	f.PC.Truncate(0)
	f.PC.Release()
	return f.ops.(*ext2File).ino.Close()
}

func (m *ext2Mount) mkdir(rel string) error { return m.fs.Mkdir(rel, 0o755) }
func (m *ext2Mount) rmdir(rel string) error { return m.fs.Rmdir(rel) }

func (m *ext2Mount) readDir(rel string) ([]DirEntry, error) {
	ents, err := m.fs.ReadDir(rel)
	list := make([]DirEntry, len(ents))
	for i, e := range ents {
		list[i] = DirEntry{Name: e.Name, Ino: uint64(e.Ino), Type: ext2Type(e.Type)}
	}
	return list, err
}

func (m *ext2Mount) lstat(rel string) (Stat, error) {
	st, err := m.fs.Lstat(rel)
	if err != nil {
		return Stat{}, err
	}
	s := ext2Stat(st)
	if f, ok := m.files[st.Ino]; ok {
		s.Size = f.PC.Size() // ahead of the inode's until writeback
	}
	return s, nil
}

// ext2Stat is an ext2 Stat as the VFS's.
func ext2Stat(st ext2.Stat) Stat {
	mode := ext2Type(st.Type) | fs.FileMode(st.Mode)&fs.ModePerm
	for _, b := range []struct {
		bit  uint16
		mode fs.FileMode
	}{{0o4000, fs.ModeSetuid}, {0o2000, fs.ModeSetgid}, {0o1000, fs.ModeSticky}} {
		if st.Mode&b.bit != 0 {
			mode |= b.mode
		}
	}
	return Stat{Ino: uint64(st.Ino), Mode: mode, Links: uint32(st.Links), Size: st.Size, Blocks: st.Blocks,
		Atime: int64(st.Atime) * 1e9, Mtime: int64(st.Mtime) * 1e9, Ctime: int64(st.Ctime) * 1e9}
}

// ext2Type is an ext2 file type as io/fs type bits.
func ext2Type(t ext2.FileType) fs.FileMode {
	switch t {
	case ext2.TypeRegular:
		return 0
	case ext2.TypeDir:
		return fs.ModeDir
	case ext2.TypeSymlink:
		return fs.ModeSymlink
	case ext2.TypeCharDev:
		return fs.ModeDevice | fs.ModeCharDevice
	case ext2.TypeBlockDev:
		return fs.ModeDevice
	case ext2.TypeFIFO:
		return fs.ModeNamedPipe
	case ext2.TypeSocket:
		return fs.ModeSocket
	}
	return fs.ModeIrregular
}

func (m *ext2Mount) readlink(rel string) (string, error) { return m.fs.Readlink(rel) }

func (m *ext2Mount) rename(oldRel, newRel string, noReplace bool) error {
	target, err := m.fs.Lstat(newRel)
	if err := m.fs.Rename(oldRel, newRel, noReplace); err != nil {
		return err
	}
	if err == nil {
		return m.forget(target.Ino) // replaced: it may have lost its last name
	}
	return nil
}

func (m *ext2Mount) link(oldRel, newRel string) error { return m.fs.Link(oldRel, newRel) }

func (m *ext2Mount) symlink(target, rel string) error { return m.fs.Symlink(target, rel) }

func (m *ext2Mount) setTimes(rel string, atime, mtime *int64) error {
	return m.fs.SetTimes(rel, ext2Seconds(atime), ext2Seconds(mtime))
}

func (m *ext2Mount) usage() Usage {
	st := m.fs.Statfs()
	return Usage{Size: st.Blocks * st.BlockSize, Used: (st.Blocks - st.FreeBlocks) * st.BlockSize, Avail: st.FreeBlocks * st.BlockSize}
}

func (m *ext2Mount) sync() error {
	var first error
	for _, f := range m.files {
		if err := f.PC.Sync(); err != nil && first == nil {
			first = fmt.Errorf("%s: %w", f.Path, err)
		}
	}
	if m.fs.ReadOnly() {
		return first
	}
	if err := m.fs.Sync(); err != nil && first == nil {
		first = fmt.Errorf("%s: %w", m.path, err)
	}
	return first
}

func (m *ext2Mount) busy() error {
	for _, f := range m.files {
		if f.PC.Mapped() {
			return fmt.Errorf("%w: %s is mapped", ErrBusy, f.Path)
		}
	}
	return nil
}

func (m *ext2Mount) unmount() error {
	var first error
	for n, f := range m.files {
		if err := f.PC.Release(); err != nil && first == nil {
			first = fmt.Errorf("%s: %w", f.Path, err)
		}
		f.ops.(*ext2File).ino.Close()
		delete(m.files, n)
	}
	if err := m.fs.Unmount(); err != nil && first == nil {
		first = err
	}
	return first
}

func (m *ext2Mount) chmod(rel string, perm fs.FileMode) error {
	return m.fs.Chmod(rel, ext2Perm(perm))
}
