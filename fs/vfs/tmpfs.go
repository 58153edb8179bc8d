package vfs

import (
	"io/fs"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/tmpfs"
)

// tmpfsMount is a tmpfs instance as the VFS drives it. Its files hold
// their data (swap-backed page-cache files), so there is nothing to
// write back: sync does nothing, and unmount discards everything.
type tmpfsMount struct {
	fs *tmpfs.FS
}

// tmpfsFile is a tmpfs File's operations: tmpfs's own, which charge
// writes to the size limit.
type tmpfsFile struct{ f *tmpfs.File }

func (t tmpfsFile) readAt(p []byte, off int64) (int, error)  { return t.f.ReadAt(p, off) }
func (t tmpfsFile) writeAt(p []byte, off int64) (int, error) { return t.f.WriteAt(p, off) }
func (t tmpfsFile) truncate(size int64) error                { return t.f.Truncate(size) }
func (t tmpfsFile) writable() bool                           { return true }
func (t tmpfsFile) close()                                   { t.f.Close() }
func (t tmpfsFile) stat() Stat                               { return tmpfsStat(t.f.Stat()) }
func (t tmpfsFile) setTimes(atime, mtime *int64) error       { return t.f.SetTimes(atime, mtime) }
func (t tmpfsFile) chmod(perm fs.FileMode) error             { return t.f.Chmod(perm) }

func tmpfsStat(st tmpfs.Stat) Stat {
	return Stat{Ino: st.Ino, Mode: st.Mode, Links: st.Links, Size: st.Size, Blocks: st.Blocks,
		Atime: st.Atime, Mtime: st.Mtime, Ctime: st.Ctime}
}

func (m *tmpfsMount) source() string { return "tmpfs" }

func (m *tmpfsMount) open(rel, abs string) (*File, error) {
	f, err := m.fs.Open(rel)
	if err != nil {
		return nil, err
	}
	return &File{PC: f.PageCache(), Path: abs, ops: tmpfsFile{f}}, nil
}

func (m *tmpfsMount) create(rel string, perm fs.FileMode) error {
	return m.fs.Create(rel, perm)
}
func (m *tmpfsMount) remove(rel string) error { return m.fs.Unlink(rel) }
func (m *tmpfsMount) mkdir(rel string) error  { return m.fs.Mkdir(rel, 0o755) }
func (m *tmpfsMount) rmdir(rel string) error  { return m.fs.Rmdir(rel) }

func (m *tmpfsMount) readDir(rel string) ([]DirEntry, error) {
	ents, err := m.fs.ReadDir(rel)
	list := make([]DirEntry, len(ents))
	for i, e := range ents {
		list[i] = DirEntry{Name: e.Name, Ino: e.Ino, Type: e.Type}
	}
	return list, err
}

func (m *tmpfsMount) lstat(rel string) (Stat, error) {
	st, err := m.fs.Lstat(rel)
	return tmpfsStat(st), err
}

func (m *tmpfsMount) readlink(rel string) (string, error) { return m.fs.Readlink(rel) }

func (m *tmpfsMount) rename(oldRel, newRel string, noReplace bool) error {
	return m.fs.Rename(oldRel, newRel, noReplace)
}
func (m *tmpfsMount) link(oldRel, newRel string) error { return m.fs.Link(oldRel, newRel) }
func (m *tmpfsMount) symlink(target, rel string) error { return m.fs.Symlink(target, rel) }
func (m *tmpfsMount) setTimes(rel string, atime, mtime *int64) error {
	return m.fs.SetTimes(rel, atime, mtime)
}

func (m *tmpfsMount) usage() Usage {
	st := m.fs.Statfs()
	u := Usage{Size: st.Limit * mm.PageSize, Used: st.Used * mm.PageSize}
	if st.Limit > st.Used {
		u.Avail = (st.Limit - st.Used) * mm.PageSize
	}
	return u
}

func (m *tmpfsMount) sync() error { return nil }

func (m *tmpfsMount) busy() error { return m.fs.Busy() }

func (m *tmpfsMount) unmount() error { return m.fs.Unmount() }

func (m *tmpfsMount) chmod(rel string, perm fs.FileMode) error { return m.fs.Chmod(rel, perm) }
