package ext2

import (
	"encoding/binary"
	"fmt"
)

// Extended attributes (ext_attr) are not interpreted: the only duty is
// not to leak or wrongly free an inode's attribute block (i_file_acl)
// when the inode goes. The block starts with struct ext2_xattr_header,
// whose h_refcount counts the inodes sharing it.
const xattrMagic = 0xEA020000 // EXT2_XATTR_MAGIC

// releaseAttrBlock drops ino's reference to its attribute block, freeing
// the block with the last reference, as Linux ext2_xattr_delete_inode. A
// block without the magic is left alone (the file system is corrupt and
// the block's ownership unknown).
func (fs *FS) releaseAttrBlock(ino *Inode) error {
	b := uint64(ino.fileACL)
	if b == 0 {
		return nil
	}
	if !fs.validBlock(b) {
		return fmt.Errorf("%w: inode %d: attribute block %d", ErrCorrupt, ino.num, b)
	}
	buf, err := fs.cache.get(b)
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	if le.Uint32(buf[0:]) != xattrMagic {
		return fmt.Errorf("%w: inode %d: attribute block %d has no header", ErrCorrupt, ino.num, b)
	}
	if refs := le.Uint32(buf[4:]); refs > 1 {
		le.PutUint32(buf[4:], refs-1)
		fs.cache.dirty(b)
	} else if err := fs.freeBlock(b); err != nil {
		return err
	}
	ino.fileACL = 0
	ino.blocks -= min(ino.blocks, uint64(fs.bs/sectorSize))
	return nil
}
