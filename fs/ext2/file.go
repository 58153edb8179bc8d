package ext2

import (
	"errors"
	"fmt"
	"io"
)

// File data goes between the caller's buffer and the device block by
// block; it bypasses the metadata cache except where the block is cached
// (directories and slow symlinks keep theirs there), so both views agree.
//
// Invariant: the bytes of a file's last block past i_size are zero on
// disk. WriteAt writes whole fresh blocks, Truncate zeroes the tail it
// cuts, and growing a file zeroes the old tail first (images from
// elsewhere may break the invariant), so holes and extensions read as
// zeros.

// ReadAt reads len(p) bytes at off. It returns io.EOF with fewer bytes at
// the end of the file; holes read as zeros.
func (ino *Inode) ReadAt(p []byte, off int64) (int, error) {
	fs := ino.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.usable(); err != nil {
		return 0, err
	}
	if off < 0 || ino.refs <= 0 {
		return 0, fmt.Errorf("%w: read at %d of inode %d (refs %d)", ErrInvalid, off, ino.num, ino.refs)
	}
	if !ino.hasBlockTree() {
		return 0, fmt.Errorf("%w: inode %d has no data blocks", ErrInvalid, ino.num)
	}
	if off >= ino.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), ino.size-off))
	bs := int64(fs.bs)
	for done := 0; done < n; {
		pos := off + int64(done)
		boff := int(pos % bs)
		chunk := min(fs.bs-boff, n-done)
		dst := p[done : done+chunk]
		disk, err := fs.bmap(ino, uint64(pos/bs))
		if err != nil {
			return done, err
		}
		if err := fs.readData(disk, boff, dst); err != nil {
			return done, err
		}
		done += chunk
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// readData copies bytes [boff, boff+len(dst)) of disk block disk (0: a
// hole) into dst.
func (fs *FS) readData(disk uint64, boff int, dst []byte) error {
	switch {
	case disk == 0:
		clear(dst)
	case fs.cache.peek(disk) != nil:
		copy(dst, fs.cache.peek(disk)[boff:])
	case len(dst) == fs.bs:
		return fs.devRead(dst, disk)
	default:
		buf := fs.scratchBlock()
		if err := fs.devRead(buf, disk); err != nil {
			return err
		}
		copy(dst, buf[boff:])
	}
	return nil
}

// writeData writes src at byte boff of disk block disk. A fresh block
// (just allocated) is written whole, zero-padded; an old one partially
// written is read first.
func (fs *FS) writeData(disk uint64, boff int, src []byte, fresh bool) error {
	if cached := fs.cache.peek(disk); cached != nil {
		if fresh {
			clear(cached)
		}
		copy(cached[boff:], src)
		fs.cache.dirty(disk)
		return nil
	}
	if len(src) == fs.bs {
		return fs.devWrite(src, disk)
	}
	buf := fs.scratchBlock()
	if fresh {
		clear(buf)
	} else if err := fs.devRead(buf, disk); err != nil {
		return err
	}
	copy(buf[boff:], src)
	return fs.devWrite(buf, disk)
}

// scratchBlock is a block-sized buffer for partial-block I/O, valid until
// the next call; guarded by fs.mu.
func (fs *FS) scratchBlock() []byte {
	if fs.scratch == nil {
		fs.scratch = make([]byte, fs.bs)
	}
	return fs.scratch
}

// WriteAt writes p at off, allocating blocks for holes and for growth
// (indirect blocks too) and growing the size. On ErrNoSpace it returns
// the bytes written before the failure, with the size covering them.
// A write stamps mtime and ctime.
func (ino *Inode) WriteAt(p []byte, off int64) (int, error) { return ino.write(p, off, true) }

// write is WriteAt; stamp false is the page cache's writeback (Backing),
// whose write is the data of an earlier write(2), already stamped: a
// later utimensat must not be undone by it.
func (ino *Inode) write(p []byte, off int64, stamp bool) (int, error) {
	fs := ino.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := ino.checkWrite(); err != nil {
		return 0, err
	}
	if off < 0 || off > fs.maxWriteSize()-int64(len(p)) {
		return 0, fmt.Errorf("%w: write of %d bytes at %d: file too large", ErrInvalid, len(p), off)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if off > ino.size {
		if err := fs.zeroTail(ino, ino.size); err != nil {
			return 0, err
		}
	}
	bs := int64(fs.bs)
	done := 0
	var err error
	for done < len(p) {
		pos := off + int64(done)
		boff := int(pos % bs)
		chunk := min(fs.bs-boff, len(p)-done)
		var disk uint64
		var fresh bool
		if disk, fresh, err = fs.bmapAlloc(ino, uint64(pos/bs)); err != nil {
			break
		}
		if err = fs.writeData(disk, boff, p[done:done+chunk], fresh); err != nil {
			break
		}
		done += chunk
	}
	if end := off + int64(done); end > ino.size {
		fs.setSize(ino, end)
	}
	if done > 0 && stamp {
		ino.mtime, ino.ctime = fs.Now(), fs.Now()
	}
	if werr := fs.writeInode(ino); err == nil {
		err = werr
	}
	return done, err
}

// checkWrite refuses changes to a read-only file system and to anything
// but regular files.
func (ino *Inode) checkWrite() error {
	if err := ino.fs.writable(); err != nil {
		return err
	}
	if ino.isDir() {
		return fmt.Errorf("%w: inode %d", ErrIsDir, ino.num)
	}
	if !ino.isReg() {
		return fmt.Errorf("%w: inode %d is not a regular file", ErrInvalid, ino.num)
	}
	if ino.refs <= 0 {
		return fmt.Errorf("%w: inode %d is closed", ErrInvalid, ino.num)
	}
	return nil
}

// setSize sets i_size, keeps a loaded block map's length current, and
// turns on the large_file feature the first time a file reaches 2 GiB,
// as Linux ext2 does.
func (fs *FS) setSize(ino *Inode, size int64) {
	ino.size = size
	if ino.bmap != nil {
		ino.bmap.truncate(ino.blockCount())
	}
	if size > 1<<31-1 && fs.sb.featureRoCompat&roCompatLargeFile == 0 {
		fs.sb.featureRoCompat |= roCompatLargeFile
	}
}

// zeroTail zeroes the bytes of from's block past from, if that block is
// mapped.
func (fs *FS) zeroTail(ino *Inode, from int64) error {
	boff := int(from % int64(fs.bs))
	if boff == 0 {
		return nil
	}
	disk, err := fs.bmap(ino, uint64(from/int64(fs.bs)))
	if err != nil || disk == 0 {
		return err
	}
	zeros := make([]byte, fs.bs-boff)
	return fs.writeData(disk, boff, zeros, false)
}

// Truncate sets the file size. Shrinking frees the blocks past the new
// end (and indirect blocks left empty) and zeroes the rest of the new
// last block on disk; growing only sets the size, leaving a hole.
func (ino *Inode) Truncate(size int64) error {
	fs := ino.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := ino.checkWrite(); err != nil {
		return err
	}
	if size < 0 || size > fs.maxWriteSize() {
		return fmt.Errorf("%w: truncate to %d", ErrInvalid, size)
	}
	var err error
	switch {
	case size < ino.size:
		bs := int64(fs.bs)
		if err = fs.truncateBlocks(ino, uint64((size+bs-1)/bs)); err == nil {
			err = fs.zeroTail(ino, size)
		}
	case size > ino.size:
		err = fs.zeroTail(ino, ino.size)
	}
	if err != nil {
		return err
	}
	fs.setSize(ino, size)
	ino.mtime, ino.ctime = fs.Now(), fs.Now()
	return fs.writeInode(ino)
}

// Touch stamps mtime and ctime with now, as a write(2) through the page
// cache does (file_update_time): the data reach the inode later, at
// writeback, which stamps nothing.
func (ino *Inode) Touch() error {
	fs := ino.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.writable(); err != nil {
		return err
	}
	ino.mtime, ino.ctime = fs.Now(), fs.Now()
	return fs.writeInode(ino)
}

// SetTimes sets the access and modification times (seconds since 1970;
// nil leaves one as it is) of what path names, without following a
// final symlink, and stamps its ctime, as Linux's utimensat through
// ext2_setattr.
func (fs *FS) SetTimes(path string, atime, mtime *uint32) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.writable(); err != nil {
		return err
	}
	ino, err := fs.resolve(path, false)
	if err != nil {
		return err
	}
	return errors.Join(fs.setTimes(ino, atime, mtime), fs.iput(ino))
}

// SetTimes is FS.SetTimes of an open inode (futimens).
func (ino *Inode) SetTimes(atime, mtime *uint32) error {
	fs := ino.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.writable(); err != nil {
		return err
	}
	return fs.setTimes(ino, atime, mtime)
}

func (fs *FS) setTimes(ino *Inode, atime, mtime *uint32) error {
	if atime != nil {
		ino.atime = *atime
	}
	if mtime != nil {
		ino.mtime = *mtime
	}
	ino.ctime = fs.Now()
	return fs.writeInode(ino)
}

// Chmod sets the permission, set-id and sticky bits (perm & 07777) of
// what path names, without following a final symlink, and stamps its
// ctime, as Linux's chmod through ext2_setattr.
func (fs *FS) Chmod(path string, perm uint16) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.writable(); err != nil {
		return err
	}
	ino, err := fs.resolve(path, false)
	if err != nil {
		return err
	}
	return errors.Join(fs.chmod(ino, perm), fs.iput(ino))
}

// Chmod is FS.Chmod of an open inode (fchmod).
func (ino *Inode) Chmod(perm uint16) error {
	fs := ino.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.writable(); err != nil {
		return err
	}
	return fs.chmod(ino, perm)
}

func (fs *FS) chmod(ino *Inode, perm uint16) error {
	ino.mode = ino.mode&modeFmt | perm&modePerm
	ino.ctime = fs.Now()
	return fs.writeInode(ino)
}
