package ext2

import (
	"errors"
	"fmt"
)

// Namespace operations: each resolves the parent directory, checks the
// last component, then changes directory entries, link counts and the
// inode bitmap in that order, undoing its allocations if a later step
// fails, so that an error (ErrNoSpace above all) leaves a consistent file
// system.

// newInode allocates and initializes an inode of the given mode near
// parent and enters it in the open table with one reference and one link.
func (fs *FS) newInode(parent *Inode, mode uint16) (*Inode, error) {
	num, err := fs.allocInode(parent, mode&modeFmt == modeDir)
	if err != nil {
		return nil, err
	}
	if err := fs.initInode(num); err != nil {
		return nil, err
	}
	now := fs.Now()
	ino := &Inode{fs: fs, num: num, refs: 1, mode: mode, links: 1, atime: now, ctime: now, mtime: now}
	fs.open[num] = ino
	return ino, fs.writeInode(ino)
}

// discard undoes newInode after a later step failed: the inode has no
// links, so dropping the reference frees it and its blocks.
func (fs *FS) discard(ino *Inode, cause error) error {
	ino.links = 0
	return errors.Join(cause, fs.iput(ino))
}

// prepareCreate resolves the parent of path and checks that its last
// component is a new, valid name.
func (fs *FS) prepareCreate(path string) (*Inode, string, error) {
	if err := fs.writable(); err != nil {
		return nil, "", err
	}
	dir, name, err := fs.resolveParent(path)
	if err != nil {
		return nil, "", err
	}
	if name == "" || name == "." || name == ".." {
		fs.iput(dir)
		return nil, "", fmt.Errorf("%w: %q", ErrExist, path)
	}
	if _, err := fs.lookup(dir, name); err == nil {
		fs.iput(dir)
		return nil, "", fmt.Errorf("%w: %q", ErrExist, path)
	} else if !errors.Is(err, ErrNotExist) {
		fs.iput(dir)
		return nil, "", err
	}
	return dir, name, nil
}

// Create makes a regular file with permission bits perm and returns it
// open. It fails with ErrExist if path exists.
func (fs *FS) Create(path string, perm uint16) (*Inode, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, name, err := fs.prepareCreate(path)
	if err != nil {
		return nil, err
	}
	defer fs.iput(dir)
	ino, err := fs.newInode(dir, modeReg|perm&modePerm)
	if err != nil {
		return nil, err
	}
	if err := fs.addLink(dir, name, ino.num, TypeRegular); err != nil {
		return nil, fs.discard(ino, err)
	}
	return ino, nil
}

// Mkdir makes a directory holding "." and "..", raising the parent's link
// count and the group's bg_used_dirs_count, as Linux ext2_mkdir.
func (fs *FS) Mkdir(path string, perm uint16) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, name, err := fs.prepareCreate(path)
	if err != nil {
		return err
	}
	defer fs.iput(dir)
	if dir.links >= linkMax {
		return fmt.Errorf("%w: directory %d has too many links", ErrNoSpace, dir.num)
	}
	ino, err := fs.newInode(dir, modeDir|perm&modePerm)
	if err != nil {
		return err
	}
	ino.links = 2
	if err := fs.initDir(ino, dir.num); err != nil {
		return fs.discard(ino, err)
	}
	if err := fs.addLink(dir, name, ino.num, TypeDir); err != nil {
		return fs.discard(ino, err)
	}
	dir.links++
	return errors.Join(fs.writeInode(dir), fs.iput(ino))
}

// Symlink makes a symlink at path pointing to target: a fast symlink
// (target in i_block) below 60 bytes, else a slow one with one block.
func (fs *FS) Symlink(target, path string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if target == "" || len(target) >= fs.bs {
		return fmt.Errorf("%w: symlink target of %d bytes", ErrInvalid, len(target))
	}
	dir, name, err := fs.prepareCreate(path)
	if err != nil {
		return err
	}
	defer fs.iput(dir)
	ino, err := fs.newInode(dir, modeLink|0o777)
	if err != nil {
		return err
	}
	if len(target) < fastLinkSize {
		var b [fastLinkSize]byte
		copy(b[:], target)
		for i := range ino.block {
			ino.block[i] = uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24
		}
	} else {
		disk, _, err := fs.bmapAlloc(ino, 0)
		if err != nil {
			return fs.discard(ino, err)
		}
		copy(fs.cache.zero(disk), target)
	}
	ino.size = int64(len(target))
	if err := fs.writeInode(ino); err != nil {
		return fs.discard(ino, err)
	}
	if err := fs.addLink(dir, name, ino.num, TypeSymlink); err != nil {
		return fs.discard(ino, err)
	}
	return fs.iput(ino)
}

// Link makes newPath another name for the non-directory oldPath.
func (fs *FS) Link(oldPath, newPath string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.writable(); err != nil {
		return err
	}
	ino, err := fs.resolve(oldPath, false)
	if err != nil {
		return err
	}
	defer fs.iput(ino)
	if ino.isDir() {
		return fmt.Errorf("%w: %q", ErrIsDir, oldPath)
	}
	if ino.links >= linkMax {
		return fmt.Errorf("%w: inode %d has too many links", ErrNoSpace, ino.num)
	}
	dir, name, err := fs.prepareCreate(newPath)
	if err != nil {
		return err
	}
	defer fs.iput(dir)
	if err := fs.addLink(dir, name, ino.num, typeOfMode(ino.mode)); err != nil {
		return err
	}
	ino.links++
	ino.ctime = fs.Now()
	return fs.writeInode(ino)
}

// prepareRemove resolves the parent of path and the inode its last
// component names, both with a reference.
func (fs *FS) prepareRemove(path string, dotErr error) (dir, ino *Inode, name string, err error) {
	if err := fs.writable(); err != nil {
		return nil, nil, "", err
	}
	dir, name, err = fs.resolveParent(path)
	if err != nil {
		return nil, nil, "", err
	}
	if name == "" || name == "." || name == ".." {
		fs.iput(dir)
		return nil, nil, "", fmt.Errorf("%w: %q", dotErr, path)
	}
	num, err := fs.lookup(dir, name)
	if err == nil {
		ino, err = fs.iget(num)
	}
	if err != nil {
		fs.iput(dir)
		return nil, nil, "", err
	}
	return dir, ino, name, nil
}

// Unlink removes a name of a non-directory. The inode goes with its last
// link, or, if it is still open, at its last Close (an orphan, as Linux).
func (fs *FS) Unlink(path string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, ino, name, err := fs.prepareRemove(path, ErrIsDir)
	if err != nil {
		return err
	}
	defer fs.iput(dir)
	if ino.isDir() {
		fs.iput(ino)
		return fmt.Errorf("%w: %q", ErrIsDir, path)
	}
	if _, err := fs.deleteLink(dir, name); err != nil {
		fs.iput(ino)
		return err
	}
	ino.links--
	ino.ctime = fs.Now()
	return errors.Join(fs.writeInode(ino), fs.iput(ino))
}

// Rmdir removes an empty directory, dropping the parent's link count and
// the group's bg_used_dirs_count, as Linux ext2_rmdir.
func (fs *FS) Rmdir(path string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	dir, ino, name, err := fs.prepareRemove(path, ErrInvalid)
	if err != nil {
		return err
	}
	defer fs.iput(dir)
	if !ino.isDir() {
		fs.iput(ino)
		return fmt.Errorf("%w: %q", ErrNotDir, path)
	}
	if empty, err := fs.isEmptyDir(ino); err != nil || !empty {
		fs.iput(ino)
		if err == nil {
			err = fmt.Errorf("%w: %q", ErrNotEmpty, path)
		}
		return err
	}
	if _, err := fs.deleteLink(dir, name); err != nil {
		fs.iput(ino)
		return err
	}
	ino.links = 0
	ino.ctime = fs.Now()
	if dir.links > 0 {
		dir.links--
	}
	clear(fs.names) // the directory's number may come back as another's
	return errors.Join(fs.writeInode(ino), fs.writeInode(dir), fs.iput(ino))
}
