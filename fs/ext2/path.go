package ext2

import (
	"fmt"
	"strings"
)

// maxSymlinks bounds the symlinks one path walk follows: Linux's
// MAXSYMLINKS (40); one more is ErrLoop (ELOOP).
const maxSymlinks = 40

// walker resolves paths. Paths are absolute within the file system (a
// missing leading "/" means the same); "." and ".." are directory entries
// like any other, and ".." of the root is the root. Symlinks in
// intermediate components are always followed, the final one only when
// asked.
type walker struct {
	fs    *FS
	links int // symlinks followed so far
}

// splitPath breaks a path into its non-empty components.
func splitPath(path string) []string {
	return strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
}

// walk resolves path relative to directory start and returns the inode it
// names with a reference.
func (w *walker) walk(start uint32, path string, follow bool) (*Inode, error) {
	fs := w.fs
	if strings.HasPrefix(path, "/") {
		start = rootIno
	}
	cur, err := fs.iget(start)
	if err != nil {
		return nil, err
	}
	comps := splitPath(path)
	for i, name := range comps {
		if !cur.isDir() {
			fs.iput(cur)
			return nil, fmt.Errorf("%w: %q in %q", ErrNotDir, name, path)
		}
		if len(name) > maxNameLen {
			fs.iput(cur)
			return nil, fmt.Errorf("%w: %q", ErrNameTooLong, name)
		}
		num, err := fs.lookup(cur, name)
		if err != nil {
			fs.iput(cur)
			return nil, err
		}
		next, err := fs.iget(num)
		if err != nil {
			fs.iput(cur)
			return nil, err
		}
		if next.isSymlink() && (follow || i < len(comps)-1) {
			next, err = w.follow(cur, next)
			if err != nil {
				fs.iput(cur)
				return nil, err
			}
		}
		fs.iput(cur)
		cur = next
	}
	return cur, nil
}

// follow replaces symlink link (in directory dir) by what it points to.
// It consumes the reference to link.
func (w *walker) follow(dir, link *Inode) (*Inode, error) {
	fs := w.fs
	target, err := fs.readlink(link)
	fs.iput(link)
	if err != nil {
		return nil, err
	}
	if w.links++; w.links > maxSymlinks {
		return nil, fmt.Errorf("%w: more than %d symlinks", ErrLoop, maxSymlinks)
	}
	if target == "" {
		return nil, fmt.Errorf("%w: empty symlink %d", ErrNotExist, link.num)
	}
	return w.walk(dir.num, target, true)
}

// resolve returns the inode path names, following a final symlink if
// follow is set.
func (fs *FS) resolve(path string, follow bool) (*Inode, error) {
	w := walker{fs: fs}
	return w.walk(rootIno, path, follow)
}

// resolveParent returns the directory that is to hold the last component
// of path, with a reference, and that component. The name is checked for
// length but may be "", "." or "..", which callers refuse as they see fit.
func (fs *FS) resolveParent(path string) (*Inode, string, error) {
	comps := splitPath(path)
	name := ""
	if len(comps) > 0 {
		name = comps[len(comps)-1]
		comps = comps[:len(comps)-1]
	}
	if len(name) > maxNameLen {
		return nil, "", fmt.Errorf("%w: %q", ErrNameTooLong, name)
	}
	dir, err := fs.resolve("/"+strings.Join(comps, "/"), true)
	if err != nil {
		return nil, "", err
	}
	if !dir.isDir() {
		fs.iput(dir)
		return nil, "", fmt.Errorf("%w: parent of %q", ErrNotDir, path)
	}
	return dir, name, nil
}

// Open returns the inode path names, following a final symlink, with a
// reference that Close releases. Opening an inode that is already open
// returns the same *Inode.
func (fs *FS) Open(path string) (*Inode, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.usable(); err != nil {
		return nil, err
	}
	return fs.resolve(path, true)
}

// Lstat describes what path names without following a final symlink.
func (fs *FS) Lstat(path string) (Stat, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.usable(); err != nil {
		return Stat{}, err
	}
	ino, err := fs.resolve(path, false)
	if err != nil {
		return Stat{}, err
	}
	st := ino.stat()
	return st, fs.iput(ino)
}

// ReadDir lists a directory, "." and ".." included, in on-disk order.
func (fs *FS) ReadDir(path string) ([]DirEntry, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.usable(); err != nil {
		return nil, err
	}
	dir, err := fs.resolve(path, true)
	if err != nil {
		return nil, err
	}
	ents, err := fs.readDir(dir)
	fs.iput(dir)
	return ents, err
}

// Readlink returns the target of the symlink path names.
func (fs *FS) Readlink(path string) (string, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.usable(); err != nil {
		return "", err
	}
	ino, err := fs.resolve(path, false)
	if err != nil {
		return "", err
	}
	defer fs.iput(ino)
	if !ino.isSymlink() {
		return "", fmt.Errorf("%w: %q is not a symlink", ErrInvalid, path)
	}
	return fs.readlink(ino)
}

// fastSymlink reports whether the target is stored in i_block: no data
// block besides a possible attribute block, as Linux
// ext2_inode_is_fast_symlink.
func (ino *Inode) fastSymlink() bool {
	attr := uint64(0)
	if ino.fileACL != 0 {
		attr = uint64(ino.fs.bs / sectorSize)
	}
	return ino.blocks <= attr
}

// readlink reads a symlink's target from i_block (fast) or its first
// block (slow).
func (fs *FS) readlink(ino *Inode) (string, error) {
	if ino.fastSymlink() {
		if ino.size >= fastLinkSize {
			return "", fmt.Errorf("%w: fast symlink %d of length %d", ErrCorrupt, ino.num, ino.size)
		}
		var b [fastLinkSize]byte
		for i, p := range ino.block {
			b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(p), byte(p>>8), byte(p>>16), byte(p>>24)
		}
		return string(b[:ino.size]), nil
	}
	disk, err := fs.bmap(ino, 0)
	if err != nil {
		return "", err
	}
	if disk == 0 {
		return "", fmt.Errorf("%w: slow symlink %d without a block", ErrCorrupt, ino.num)
	}
	buf, err := fs.cache.get(disk)
	if err != nil {
		return "", err
	}
	return string(buf[:ino.size]), nil
}
