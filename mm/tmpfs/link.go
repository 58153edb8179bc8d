package tmpfs

import (
	"fmt"
	"io/fs"
	"strings"
)

// Links and names: hard links, symlinks, rename and the times, as
// Linux's shmem_link, shmem_symlink, shmem_rename2 and simple_setattr.

// maxSymlinkLen is the longest symlink target: PATH_MAX less its NUL.
const maxSymlinkLen = 4095

// Link makes newPath another name of the non-directory oldPath (a final
// symlink is linked itself, as link(2) does).
func (fsys *FS) Link(oldPath, newPath string) error {
	in, err := fsys.walk(oldPath)
	if err != nil {
		return err
	}
	if in.mode.IsDir() {
		return fmt.Errorf("%w: %q", ErrIsDir, oldPath)
	}
	dir, name, err := fsys.walkParent(newPath)
	if err != nil {
		return err
	}
	if _, ok := dir.entries[name]; ok {
		return fmt.Errorf("%w: %q", ErrExist, newPath)
	}
	dir.entries[name] = in
	in.links++
	fsys.changed(dir)
	in.ctime = dir.ctime
	return nil
}

// Symlink makes a symlink at path whose target is target.
func (fsys *FS) Symlink(target, path string) error {
	if target == "" || len(target) > maxSymlinkLen {
		return fmt.Errorf("%w: symlink target of %d bytes", ErrInvalid, len(target))
	}
	_, in, err := fsys.link(path, fs.ModeSymlink|0o777)
	if err != nil {
		return err
	}
	in.target = target
	return nil
}

// Readlink returns the target of the symlink path names (ErrInvalid for
// anything else, readlink(2)'s EINVAL).
func (fsys *FS) Readlink(path string) (string, error) {
	in, err := fsys.walk(path)
	if err != nil {
		return "", err
	}
	if in.mode&fs.ModeSymlink == 0 {
		return "", fmt.Errorf("%w: %q is not a symlink", ErrInvalid, path)
	}
	return in.target, nil
}

// Rename moves the name oldPath to newPath, with vfs_rename's rules: an
// existing newPath is replaced (a non-directory by a non-directory,
// ErrIsDir otherwise; a directory by a directory over an empty one only,
// ErrNotDir, ErrNotEmpty), or with noReplace is ErrExist; a directory
// cannot go into its own subtree (ErrInvalid); "." and ".." at either
// end are ErrBusy; two names of one inode: nothing happens.
func (fsys *FS) Rename(oldPath, newPath string, noReplace bool) error {
	for _, p := range []string{oldPath, newPath} {
		p = strings.TrimRight(p, "/")
		if name := p[strings.LastIndexByte(p, '/')+1:]; name == "" || name == "." || name == ".." {
			return fmt.Errorf("%w: rename of %q to %q", ErrBusy, oldPath, newPath)
		}
	}
	oldDir, oldName, err := fsys.walkParent(oldPath)
	if err != nil {
		return err
	}
	newDir, newName, err := fsys.walkParent(newPath)
	if err != nil {
		return err
	}
	in, ok := oldDir.entries[oldName]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNotExist, oldPath)
	}
	target, exists := newDir.entries[newName]
	switch {
	case exists && noReplace:
		return fmt.Errorf("%w: %q", ErrExist, newPath)
	case exists && target == in:
		return nil
	case in.mode.IsDir() && exists && !target.mode.IsDir():
		return fmt.Errorf("%w: %q", ErrNotDir, newPath)
	case !in.mode.IsDir() && exists && target.mode.IsDir():
		return fmt.Errorf("%w: %q", ErrIsDir, newPath)
	case exists && target.mode.IsDir() && len(target.entries) > 0:
		return fmt.Errorf("%w: %q", ErrNotEmpty, newPath)
	}
	if in.mode.IsDir() {
		for d := newDir; ; d = d.parent {
			if d == in {
				return fmt.Errorf("%w: %q into its own subtree %q", ErrInvalid, oldPath, newPath)
			}
			if d == fsys.root {
				break
			}
		}
	}
	if exists {
		if target.mode.IsDir() {
			target.links = 0
			newDir.links--
		} else {
			target.links--
		}
		target.ctime = fsys.Now()
		if target.file != nil {
			defer target.file.discardIfUnused()
		}
	}
	delete(oldDir.entries, oldName)
	newDir.entries[newName] = in
	if in.mode.IsDir() {
		oldDir.links--
		newDir.links++
		in.parent = newDir
	}
	fsys.changed(oldDir)
	fsys.changed(newDir)
	in.ctime = newDir.ctime
	return nil
}

// SetTimes sets what path names' access and modification times
// (nanoseconds since 1970; nil leaves one as it is), and its ctime to
// now, as utimensat.
func (fsys *FS) SetTimes(path string, atime, mtime *int64) error {
	in, err := fsys.walk(path)
	if err != nil {
		return err
	}
	if atime != nil {
		in.atime = *atime
	}
	if mtime != nil {
		in.mtime = *mtime
	}
	in.ctime = fsys.Now()
	return nil
}

// SetTimes is FS.SetTimes of an open file (futimens).
func (f *File) SetTimes(atime, mtime *int64) error {
	if atime != nil {
		f.in.atime = *atime
	}
	if mtime != nil {
		f.in.mtime = *mtime
	}
	f.in.ctime = f.fsys.Now()
	return nil
}

// Chmod sets the permission, set-id and sticky bits of what path names
// and stamps its ctime.
func (fsys *FS) Chmod(path string, perm fs.FileMode) error {
	in, err := fsys.walk(path)
	if err != nil {
		return err
	}
	fsys.chmod(in, perm)
	return nil
}

// Chmod is FS.Chmod of an open file (fchmod).
func (f *File) Chmod(perm fs.FileMode) error {
	f.fsys.chmod(f.in, perm)
	return nil
}

func (fsys *FS) chmod(in *inode, perm fs.FileMode) {
	const bits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky
	in.mode = in.mode&^bits | perm&bits
	in.ctime = fsys.Now()
}
