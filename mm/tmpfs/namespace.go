package tmpfs

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
)

// The namespace: directories of names, in memory only. Paths are
// absolute within the filesystem (a missing leading "/" means the
// same); "." and ".." are understood, and ".." of the root is the root.

// inode is a directory, a regular file or a symlink.
type inode struct {
	ino   uint64
	mode  fs.FileMode // type bits and permissions
	links uint32      // names (a directory: 2 + its subdirectories)
	// The times, in nanoseconds since 1970 (FS.Now): atime is set at
	// creation and by SetTimes only (noatime); mtime changes with the
	// data or the entries; ctime with the data, the entries, the links
	// or the times.
	atime, mtime, ctime int64
	// Directories: the parent (the root's is itself) and the entries.
	parent  *inode
	entries map[string]*inode
	// Regular files: the data.
	file *File
	// Symlinks: the target.
	target string
}

func (fsys *FS) newInode(mode fs.FileMode) *inode {
	now := fsys.Now()
	in := &inode{ino: fsys.nextIno, mode: mode, atime: now, mtime: now, ctime: now}
	fsys.nextIno++
	if mode.IsDir() {
		in.links = 2
		in.entries = map[string]*inode{}
	} else {
		in.links = 1
	}
	return in
}

// direntSize is what a directory's size counts per entry, "." and ".."
// included (Linux's BOGO_DIRENT_SIZE).
const direntSize = 20

// Stat describes an inode.
type Stat struct {
	Ino    uint64
	Mode   fs.FileMode // type bits and permissions
	Links  uint32
	Size   int64
	Blocks uint64 // 512-byte blocks: the pages held, in memory or in swap
	// Atime, Mtime, Ctime are in nanoseconds since 1970.
	Atime, Mtime, Ctime int64
}

func (in *inode) stat() Stat {
	st := Stat{Ino: in.ino, Mode: in.mode, Links: in.links, Atime: in.atime, Mtime: in.mtime, Ctime: in.ctime}
	switch {
	case in.file != nil:
		st.Size = in.file.pc.Size()
		st.Blocks = in.file.b.pages * (pageBytes / 512)
	case in.mode&fs.ModeSymlink != 0:
		st.Size = int64(len(in.target))
	default:
		st.Size = int64(len(in.entries)+2) * direntSize
	}
	return st
}

// DirEntry is a name in a directory.
type DirEntry struct {
	Name string
	Ino  uint64
	Type fs.FileMode // the type bits
}

// walk returns the inode path names.
func (fsys *FS) walk(path string) (*inode, error) {
	if err := fsys.usable(); err != nil {
		return nil, err
	}
	cur := fsys.root
	for _, name := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' }) {
		if !cur.mode.IsDir() {
			return nil, fmt.Errorf("%w: %q in %q", ErrNotDir, name, path)
		}
		switch name {
		case ".":
		case "..":
			cur = cur.parent
		default:
			next, ok := cur.entries[name]
			if !ok {
				if len(name) > maxNameLen {
					return nil, fmt.Errorf("%w: %q", ErrNameTooLong, name)
				}
				return nil, fmt.Errorf("%w: %q", ErrNotExist, path)
			}
			cur = next
		}
	}
	return cur, nil
}

// walkParent returns the directory that holds (or is to hold) the last
// component of path, and that component, which is an ordinary name.
func (fsys *FS) walkParent(path string) (*inode, string, error) {
	path = strings.TrimRight(path, "/")
	i := strings.LastIndexByte(path, '/')
	name := path[i+1:]
	switch {
	case name == "" || name == "." || name == "..":
		return nil, "", fmt.Errorf("%w: %q", ErrInvalid, path)
	case len(name) > maxNameLen:
		return nil, "", fmt.Errorf("%w: %q", ErrNameTooLong, name)
	}
	dir, err := fsys.walk(path[:i+1])
	if err != nil {
		return nil, "", err
	}
	if !dir.mode.IsDir() {
		return nil, "", fmt.Errorf("%w: parent of %q", ErrNotDir, path)
	}
	return dir, name, nil
}

// link makes a new inode of mode under path's name, in directory dir.
func (fsys *FS) link(path string, mode fs.FileMode) (dir, in *inode, err error) {
	dir, name, err := fsys.walkParent(path)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := dir.entries[name]; ok {
		return nil, nil, fmt.Errorf("%w: %q", ErrExist, path)
	}
	in = fsys.newInode(mode)
	dir.entries[name] = in
	fsys.changed(dir)
	return dir, in, nil
}

// changed stamps an inode whose data or entries changed: mtime and
// ctime, as Linux's inode_set_mtime_to_ts(inode_set_ctime_current()).
func (fsys *FS) changed(in *inode) {
	in.mtime = fsys.Now()
	in.ctime = in.mtime
}

// Create makes an empty regular file (as creat with O_EXCL).
func (fsys *FS) Create(path string, perm fs.FileMode) error {
	_, in, err := fsys.link(path, perm&fs.ModePerm)
	if err != nil {
		return err
	}
	fsys.newFile(in, fsys.mountpoint+"/"+strings.Trim(path, "/"))
	return nil
}

// NewUnlinked makes a regular file that has no name from birth, of size
// bytes of holes (nothing is charged until a page is touched), as Linux
// shmem_kernel_file_setup: the object of a shared anonymous mapping
// (shmem_zero_setup names it "dev/zero", which maps then shows as
// "/dev/zero (deleted)"). Its inode has no link and the file no Open
// reference, so its data live only while it is mapped: the page
// cache's unmap hook discards them with the last mapping, as it does
// for any unlinked tmpfs file.
//
// The caller must map the file at once (AddMapper on its page cache):
// until then nothing holds it, and nothing would ever discard it. It
// counts in Statfs.Files while its data live, and Unswap covers it.
// ErrInvalid for a negative size or an unmounted instance.
func (fsys *FS) NewUnlinked(name string, size int64) (*File, error) {
	if err := fsys.usable(); err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, fmt.Errorf("%w: size %d", ErrInvalid, size)
	}
	in := fsys.newInode(0o777) // S_IRWXUGO, as shmem_kernel_file_setup's
	in.links = 0               // clear_nlink: unlinked from birth
	fsys.newFile(in, fsys.mountpoint+"/"+strings.Trim(name, "/"))
	// Growing is sparse: the page cache's index and the backing's table
	// are made now, holes throughout, so that a fault finds its slots.
	if err := in.file.pc.Truncate(size); err != nil {
		in.file.discard()
		return nil, err
	}
	return in.file, nil
}

// Mkdir makes an empty directory.
func (fsys *FS) Mkdir(path string, perm fs.FileMode) error {
	dir, in, err := fsys.link(path, fs.ModeDir|perm&fs.ModePerm)
	if err != nil {
		return err
	}
	in.parent = dir
	dir.links++
	return nil
}

// Rmdir removes an empty directory.
func (fsys *FS) Rmdir(path string) error {
	dir, name, err := fsys.walkParent(path)
	if err != nil {
		return err
	}
	in, ok := dir.entries[name]
	switch {
	case !ok:
		return fmt.Errorf("%w: %q", ErrNotExist, path)
	case !in.mode.IsDir():
		return fmt.Errorf("%w: %q", ErrNotDir, path)
	case len(in.entries) > 0:
		return fmt.Errorf("%w: %q", ErrNotEmpty, path)
	}
	delete(dir.entries, name)
	dir.links--
	in.links = 0
	fsys.changed(dir)
	in.ctime = dir.ctime
	return nil
}

// Unlink removes a name of a regular file or a symlink. Its data go with the name,
// or, while the file is open or mapped, with the last Close or unmap.
func (fsys *FS) Unlink(path string) error {
	dir, name, err := fsys.walkParent(path)
	if err != nil {
		return err
	}
	in, ok := dir.entries[name]
	switch {
	case !ok:
		return fmt.Errorf("%w: %q", ErrNotExist, path)
	case in.mode.IsDir():
		return fmt.Errorf("%w: %q", ErrIsDir, path)
	}
	delete(dir.entries, name)
	in.links--
	fsys.changed(dir)
	in.ctime = dir.ctime
	if in.file != nil {
		in.file.discardIfUnused()
	}
	return nil
}

// ReadDir lists a directory: ".", "..", then the names in order.
func (fsys *FS) ReadDir(path string) ([]DirEntry, error) {
	dir, err := fsys.walk(path)
	if err != nil {
		return nil, err
	}
	if !dir.mode.IsDir() {
		return nil, fmt.Errorf("%w: %q", ErrNotDir, path)
	}
	list := []DirEntry{{".", dir.ino, fs.ModeDir}, {"..", dir.parent.ino, fs.ModeDir}}
	for _, name := range slices.Sorted(maps.Keys(dir.entries)) {
		in := dir.entries[name]
		list = append(list, DirEntry{Name: name, Ino: in.ino, Type: in.mode.Type()})
	}
	return list, nil
}

// Lstat describes what path names.
func (fsys *FS) Lstat(path string) (Stat, error) {
	in, err := fsys.walk(path)
	if err != nil {
		return Stat{}, err
	}
	return in.stat(), nil
}

// Open returns the regular file path names, with a reference that Close
// drops: its data live at least as long.
func (fsys *FS) Open(path string) (*File, error) {
	in, err := fsys.walk(path)
	if err != nil {
		return nil, err
	}
	if in.file == nil {
		if in.mode&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%w: %q is a symlink", ErrInvalid, path)
		}
		return nil, fmt.Errorf("%w: %q", ErrIsDir, path)
	}
	in.file.opens++
	return in.file, nil
}
