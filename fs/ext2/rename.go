package ext2

import (
	"errors"
	"fmt"
)

// Rename moves the name oldPath to newPath, as Linux ext2_rename under
// vfs_rename's checks (fs/namei.c):
//
//   - a name "", "." or ".." at either end is ErrBusy (EBUSY);
//   - an existing newPath is replaced, atomically for the names: a
//     non-directory by a non-directory (ErrIsDir over a directory), a
//     directory by a directory over an empty one only (ErrNotDir,
//     ErrNotEmpty); with noReplace it is ErrExist instead;
//   - a directory cannot move into its own subtree (ErrInvalid);
//   - two names of one inode: nothing happens, successfully;
//   - a directory that changes parent gets its ".." rewritten, and the
//     two parents' link counts follow.
//
// The new entry is made (or repointed) before the old one goes, so a
// failure to grow the new directory (ErrNoSpace) changes nothing. The
// name cache (FS.names) is emptied: the moved directory's "..", the
// repointed name and the names of a replaced directory are all stale.
func (fs *FS) Rename(oldPath, newPath string, noReplace bool) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.writable(); err != nil {
		return err
	}
	oldDir, oldName, err := fs.resolveParent(oldPath)
	if err != nil {
		return err
	}
	defer fs.iput(oldDir)
	newDir, newName, err := fs.resolveParent(newPath)
	if err != nil {
		return err
	}
	defer fs.iput(newDir)
	for _, n := range []string{oldName, newName} {
		if n == "" || n == "." || n == ".." {
			return fmt.Errorf("%w: rename of %q to %q", ErrBusy, oldPath, newPath)
		}
	}
	num, err := fs.lookup(oldDir, oldName)
	if err != nil {
		return err
	}
	ino, err := fs.iget(num)
	if err != nil {
		return err
	}
	defer fs.iput(ino)

	var target *Inode
	switch tnum, err := fs.lookup(newDir, newName); {
	case err == nil:
		if noReplace {
			return fmt.Errorf("%w: %q", ErrExist, newPath)
		}
		if tnum == num {
			return nil // two links of one inode: rename does nothing
		}
		if target, err = fs.iget(tnum); err != nil {
			return err
		}
		defer fs.iput(target)
	case !errors.Is(err, ErrNotExist):
		return err
	}

	if ino.isDir() {
		if target != nil && !target.isDir() {
			return fmt.Errorf("%w: %q", ErrNotDir, newPath)
		}
		if err := fs.checkNotAncestor(ino, newDir); err != nil {
			return fmt.Errorf("%w: %q into %q", err, oldPath, newPath)
		}
	}
	if target != nil {
		if target.isDir() {
			if !ino.isDir() {
				return fmt.Errorf("%w: %q", ErrIsDir, newPath)
			}
			if empty, err := fs.isEmptyDir(target); err != nil {
				return err
			} else if !empty {
				return fmt.Errorf("%w: %q", ErrNotEmpty, newPath)
			}
		}
	} else if ino.isDir() && newDir != oldDir && newDir.links >= linkMax {
		return fmt.Errorf("%w: directory %d has too many links", ErrNoSpace, newDir.num)
	}

	clear(fs.names)
	now := fs.Now()
	t := typeOfMode(ino.mode)
	if target != nil {
		if err := fs.setLink(newDir, newName, num, t); err != nil {
			return err
		}
		target.ctime = now
		if target.isDir() {
			target.links = 0 // its "." and its name; its ".." goes below
			newDir.links--
		} else {
			target.links--
		}
		if err := fs.writeInode(target); err != nil {
			return err
		}
	} else if err := fs.addLink(newDir, newName, num, t); err != nil {
		return err
	}
	if _, err := fs.deleteLink(oldDir, oldName); err != nil {
		return err
	}
	ino.ctime = now // as Linux ext2_rename's mark_inode_dirty
	if ino.isDir() && oldDir != newDir {
		if err := fs.setLink(ino, "..", newDir.num, TypeDir); err != nil {
			return err
		}
		oldDir.links--
		newDir.links++
	}
	clear(fs.names)
	return errors.Join(fs.writeInode(ino), fs.writeInode(oldDir), fs.writeInode(newDir))
}

// checkNotAncestor fails with ErrInvalid if dir is ino or below it: the
// walk up the ".." entries from dir to the root meets ino, as Linux's
// lock_rename finds the trap.
func (fs *FS) checkNotAncestor(ino, dir *Inode) error {
	cur := dir.num
	for range linkMax {
		if cur == ino.num {
			return ErrInvalid
		}
		if cur == rootIno {
			return nil
		}
		d, err := fs.iget(cur)
		if err != nil {
			return err
		}
		parent, err := fs.lookup(d, "..")
		fs.iput(d)
		if err != nil {
			return err
		}
		cur = parent
	}
	return fmt.Errorf("%w: a \"..\" chain from directory %d does not reach the root", ErrCorrupt, dir.num)
}

// setLink points dir's existing entry name at inode num of type t, as
// Linux ext2_set_link.
func (fs *FS) setLink(dir *Inode, name string, num uint32, t FileType) error {
	found := false
	err := fs.eachDirent(dir, func(disk uint64, buf []byte, _, de dirent) (bool, error) {
		if de.ino == 0 || string(de.name) != name {
			return false, nil
		}
		fs.putDirent(buf, de.off, num, de.recLen, name, t)
		fs.cache.dirty(disk)
		found = true
		return true, nil
	})
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: %q in directory %d", ErrNotExist, name, dir.num)
	}
	delete(fs.names, nameKey{dir.num, name})
	return fs.dirChanged(dir)
}
