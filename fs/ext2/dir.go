package ext2

import (
	"encoding/binary"
	"fmt"
)

// A directory is a file of blocks, each a chain of struct
// ext2_dir_entry_2 records: inode (u32), rec_len (u16), name_len (u8),
// file_type (u8, when the filetype feature is set; revision 0 file
// systems have struct ext2_dir_entry with a 16-bit name_len), then the
// name, padded to 4 bytes. Records tile their block exactly: rec_len is a
// multiple of 4, at least EXT2_DIR_REC_LEN(name_len), and never crosses
// the block's end. inode 0 marks an unused record. htree (dir_index)
// directories are read as linear ones: their index blocks look like
// unused records spanning the block.

const (
	direntHeader = 8   // inode, rec_len, name_len, file_type
	maxNameLen   = 255 // EXT2_NAME_LEN
)

// DirEntry is one name in a directory. Type comes from the record's
// file_type, or from the inode on file systems without the filetype
// feature.
type DirEntry struct {
	Name string
	Ino  uint32
	Type FileType
}

// dirent is a decoded record at byte off of its block.
type dirent struct {
	off    int
	ino    uint32
	recLen int
	name   []byte // aliases the cached block
	ftype  uint8
}

// recLenFor is EXT2_DIR_REC_LEN(nameLen).
func recLenFor(nameLen int) int { return (direntHeader + nameLen + 3) &^ 3 }

// parseDirent decodes and validates the record at off, as Linux
// ext2_check_page.
func (fs *FS) parseDirent(dir *Inode, buf []byte, off int) (dirent, error) {
	le := binary.LittleEndian
	bad := func(why string) (dirent, error) {
		return dirent{}, fmt.Errorf("%w: directory %d: record at %d: %s", ErrCorrupt, dir.num, off, why)
	}
	if off+direntHeader > len(buf) {
		return bad("header crosses the block end")
	}
	de := dirent{off: off, ino: le.Uint32(buf[off:]), recLen: int(le.Uint16(buf[off+4:]))}
	nameLen := int(buf[off+6])
	if fs.hasFiletype() {
		de.ftype = buf[off+7]
	} else {
		nameLen |= int(buf[off+7]) << 8
	}
	switch {
	case de.recLen%4 != 0 || de.recLen < recLenFor(1):
		return bad(fmt.Sprintf("rec_len %d", de.recLen))
	case off+de.recLen > len(buf):
		return bad("rec_len crosses the block end")
	case nameLen > maxNameLen || recLenFor(nameLen) > de.recLen:
		return bad(fmt.Sprintf("name_len %d for rec_len %d", nameLen, de.recLen))
	case de.ino > fs.sb.inodesCount:
		return bad(fmt.Sprintf("inode %d", de.ino))
	}
	de.name = buf[off+direntHeader : off+direntHeader+nameLen]
	return de, nil
}

func (fs *FS) hasFiletype() bool { return fs.sb.featureIncompat&incompatFiletype != 0 }

// dirBlock is one block of a directory: file block fb at disk block disk.
// walkDir calls fn for each in order until fn returns stop or an error.
func (fs *FS) walkDir(dir *Inode, fn func(fb, disk uint64, buf []byte) (stop bool, err error)) error {
	if !dir.isDir() {
		return fmt.Errorf("%w: inode %d", ErrNotDir, dir.num)
	}
	for fb := uint64(0); fb < dir.blockCount(); fb++ {
		disk, err := fs.bmap(dir, fb)
		if err != nil {
			return err
		}
		if disk == 0 {
			return fmt.Errorf("%w: directory %d has a hole at block %d", ErrCorrupt, dir.num, fb)
		}
		buf, err := fs.cache.get(disk)
		if err != nil {
			return err
		}
		if stop, err := fn(fb, disk, buf); stop || err != nil {
			return err
		}
	}
	return nil
}

// eachDirent calls fn for every record of every block (unused ones too).
func (fs *FS) eachDirent(dir *Inode, fn func(disk uint64, buf []byte, prev, de dirent) (stop bool, err error)) error {
	return fs.walkDir(dir, func(_, disk uint64, buf []byte) (bool, error) {
		prev := dirent{off: -1}
		for off := 0; off < len(buf); {
			de, err := fs.parseDirent(dir, buf, off)
			if err != nil {
				return true, err
			}
			if stop, err := fn(disk, buf, prev, de); stop || err != nil {
				return true, err
			}
			prev, off = de, off+de.recLen
		}
		return false, nil
	})
}

// lookup returns the inode number name maps to in dir.
func (fs *FS) lookup(dir *Inode, name string) (uint32, error) {
	if ino, ok := fs.names[nameKey{dir.num, name}]; ok {
		return ino, nil
	}
	var found uint32
	err := fs.eachDirent(dir, func(_ uint64, _ []byte, _, de dirent) (bool, error) {
		if de.ino != 0 && string(de.name) == name {
			found = de.ino
			return true, nil
		}
		return false, nil
	})
	if err == nil && found == 0 {
		err = fmt.Errorf("%w: %q in directory %d", ErrNotExist, name, dir.num)
	}
	if err == nil {
		if fs.names == nil || len(fs.names) >= maxNames {
			fs.names = make(map[nameKey]uint32)
		}
		fs.names[nameKey{dir.num, name}] = found
	}
	return found, err
}

// readDir lists dir's used records in on-disk order.
func (fs *FS) readDir(dir *Inode) ([]DirEntry, error) {
	var out []DirEntry
	err := fs.eachDirent(dir, func(_ uint64, _ []byte, _, de dirent) (bool, error) {
		if de.ino == 0 {
			return false, nil
		}
		t := FileType(de.ftype)
		if !fs.hasFiletype() {
			t = fs.typeOfInode(de.ino)
		}
		out = append(out, DirEntry{Name: string(de.name), Ino: de.ino, Type: t})
		return false, nil
	})
	return out, err
}

// typeOfInode reads inode num's type without opening it.
func (fs *FS) typeOfInode(num uint32) FileType {
	if ino, ok := fs.open[num]; ok {
		return typeOfMode(ino.mode)
	}
	blk, off, err := fs.inodeLocation(num)
	if err != nil {
		return TypeUnknown
	}
	buf, err := fs.cache.get(blk)
	if err != nil {
		return TypeUnknown
	}
	return typeOfMode(binary.LittleEndian.Uint16(buf[off:]))
}

// putDirent writes a record header and name at off.
func (fs *FS) putDirent(buf []byte, off int, ino uint32, recLen int, name string, t FileType) {
	le := binary.LittleEndian
	le.PutUint32(buf[off:], ino)
	le.PutUint16(buf[off+4:], uint16(recLen))
	buf[off+6] = uint8(len(name))
	buf[off+7] = 0
	if fs.hasFiletype() {
		buf[off+7] = uint8(t)
	}
	copy(buf[off+direntHeader:], name)
}

// addLink adds name → ino to dir: into the first unused record or the
// slack after a used one that fits it, else into a new block appended to
// the directory, as Linux ext2_add_link.
//
// Preconditions: name is valid and not yet in dir.
func (fs *FS) addLink(dir *Inode, name string, ino uint32, t FileType) error {
	need := recLenFor(len(name))
	done := false
	err := fs.eachDirent(dir, func(disk uint64, buf []byte, _, de dirent) (bool, error) {
		switch used := recLenFor(len(de.name)); {
		case de.ino == 0 && de.recLen >= need:
			fs.putDirent(buf, de.off, ino, de.recLen, name, t)
		case de.ino != 0 && de.recLen >= used+need:
			binary.LittleEndian.PutUint16(buf[de.off+4:], uint16(used))
			fs.putDirent(buf, de.off+used, ino, de.recLen-used, name, t)
		default:
			return false, nil
		}
		fs.cache.dirty(disk)
		done = true
		return true, nil
	})
	if err != nil {
		return err
	}
	if !done {
		if dir.size+int64(fs.bs) > fs.maxWriteSize() {
			return fmt.Errorf("%w: directory %d too large", ErrNoSpace, dir.num)
		}
		disk, _, err := fs.bmapAlloc(dir, dir.blockCount())
		if err != nil {
			return err
		}
		buf := fs.cache.zero(disk)
		fs.putDirent(buf, 0, ino, fs.bs, name, t)
		dir.size += int64(fs.bs)
		if dir.bmap != nil {
			dir.bmap.n = dir.blockCount()
		}
	}
	return fs.dirChanged(dir)
}

// deleteLink removes name from dir and returns the inode it named: the
// record merges into its predecessor in the block, or if it is the first
// becomes unused, as Linux ext2_delete_entry.
func (fs *FS) deleteLink(dir *Inode, name string) (uint32, error) {
	var found uint32
	err := fs.eachDirent(dir, func(disk uint64, buf []byte, prev, de dirent) (bool, error) {
		if de.ino == 0 || string(de.name) != name {
			return false, nil
		}
		found = de.ino
		if prev.off >= 0 {
			binary.LittleEndian.PutUint16(buf[prev.off+4:], uint16(prev.recLen+de.recLen))
		} else {
			binary.LittleEndian.PutUint32(buf[de.off:], 0)
		}
		fs.cache.dirty(disk)
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	if found == 0 {
		return 0, fmt.Errorf("%w: %q in directory %d", ErrNotExist, name, dir.num)
	}
	delete(fs.names, nameKey{dir.num, name})
	return found, fs.dirChanged(dir)
}

// dirChanged stamps a modified directory and drops EXT2_INDEX_FL: its
// htree, if it had one, no longer indexes every name, and e2fsck would
// say so. (Linux ext2 never sets the flag; ext3/4 rebuild the index.)
func (fs *FS) dirChanged(dir *Inode) error {
	dir.flags &^= indexFlag
	dir.mtime, dir.ctime = fs.Now(), fs.Now()
	return fs.writeInode(dir)
}

// isEmptyDir reports whether dir holds nothing but "." and "..", as Linux
// ext2_empty_dir.
func (fs *FS) isEmptyDir(dir *Inode) (bool, error) {
	empty := true
	err := fs.eachDirent(dir, func(_ uint64, _ []byte, _, de dirent) (bool, error) {
		if de.ino != 0 && string(de.name) != "." && string(de.name) != ".." {
			empty = false
			return true, nil
		}
		return false, nil
	})
	return empty, err
}

// initDir writes the first block of a new directory: "." and "..".
func (fs *FS) initDir(dir *Inode, parent uint32) error {
	disk, _, err := fs.bmapAlloc(dir, 0)
	if err != nil {
		return err
	}
	buf := fs.cache.zero(disk)
	dot := recLenFor(1)
	fs.putDirent(buf, 0, dir.num, dot, ".", TypeDir)
	fs.putDirent(buf, dot, parent, fs.bs-dot, "..", TypeDir)
	dir.size = int64(fs.bs)
	return fs.writeInode(dir)
}
