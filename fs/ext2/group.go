package ext2

import (
	"encoding/binary"
	"fmt"
)

// groupDescSize is sizeof(struct ext2_group_desc).
const groupDescSize = 32

// groupDesc is struct ext2_group_desc: where a block group keeps its
// bitmaps and inode table, and its free counts. The descriptors live in
// memory from Mount on; Sync writes the primary table back (as Linux
// ext2, the backup copies in other groups are left as mke2fs wrote them).
type groupDesc struct {
	blockBitmap     uint32 // bg_block_bitmap
	inodeBitmap     uint32 // bg_inode_bitmap
	inodeTable      uint32 // bg_inode_table
	freeBlocksCount uint16 // bg_free_blocks_count
	freeInodesCount uint16 // bg_free_inodes_count
	usedDirsCount   uint16 // bg_used_dirs_count
}

// gdtBlock is the first block of the primary group descriptor table: the
// block after the one holding the superblock.
func (fs *FS) gdtBlock() uint64 { return uint64(fs.sb.firstDataBlock) + 1 }

// loadGroups reads and validates the primary group descriptor table.
func (fs *FS) loadGroups() error {
	n := fs.sb.groupCount()
	nblocks := (uint64(n)*groupDescSize + uint64(fs.bs) - 1) / uint64(fs.bs)
	if fs.gdtBlock()+nblocks > uint64(fs.sb.blocksCount) {
		return fmt.Errorf("%w: group descriptor table of %d blocks past the end", ErrCorrupt, nblocks)
	}
	fs.gdtRaw = make([]byte, nblocks*uint64(fs.bs))
	if err := fs.devRead(fs.gdtRaw, fs.gdtBlock()); err != nil {
		return err
	}
	fs.groups = make([]groupDesc, n)
	itBlocks := fs.inodeTableBlocks()
	le := binary.LittleEndian
	for g := range fs.groups {
		b := fs.gdtRaw[g*groupDescSize:]
		d := groupDesc{
			blockBitmap:     le.Uint32(b[0:]),
			inodeBitmap:     le.Uint32(b[4:]),
			inodeTable:      le.Uint32(b[8:]),
			freeBlocksCount: le.Uint16(b[12:]),
			freeInodesCount: le.Uint16(b[14:]),
			usedDirsCount:   le.Uint16(b[16:]),
		}
		if !fs.validBlock(uint64(d.blockBitmap)) || !fs.validBlock(uint64(d.inodeBitmap)) ||
			!fs.validBlock(uint64(d.inodeTable)) || !fs.validBlock(uint64(d.inodeTable)+itBlocks-1) {
			return fmt.Errorf("%w: group %d: bitmaps at %d, %d or inode table at %d outside the file system",
				ErrCorrupt, g, d.blockBitmap, d.inodeBitmap, d.inodeTable)
		}
		if uint32(d.freeBlocksCount) > fs.groupBlocks(uint32(g)) || uint32(d.freeInodesCount) > fs.sb.inodesPerGroup ||
			uint32(d.usedDirsCount) > fs.sb.inodesPerGroup {
			return fmt.Errorf("%w: group %d: counts out of range", ErrCorrupt, g)
		}
		fs.groups[g] = d
		fs.freeBlocks += uint64(d.freeBlocksCount)
		fs.freeInodes += uint64(d.freeInodesCount)
	}
	return nil
}

// writeGroups encodes the descriptors into the raw table and writes it.
func (fs *FS) writeGroups() error {
	le := binary.LittleEndian
	for g, d := range fs.groups {
		b := fs.gdtRaw[g*groupDescSize:]
		le.PutUint16(b[12:], d.freeBlocksCount)
		le.PutUint16(b[14:], d.freeInodesCount)
		le.PutUint16(b[16:], d.usedDirsCount)
	}
	return fs.devWrite(fs.gdtRaw, fs.gdtBlock())
}

// inodeTableBlocks is the length of each group's inode table in blocks.
func (fs *FS) inodeTableBlocks() uint64 {
	return (uint64(fs.sb.inodesPerGroup)*uint64(fs.sb.inodeSize) + uint64(fs.bs) - 1) / uint64(fs.bs)
}

// groupFirst is the first block of group g.
func (fs *FS) groupFirst(g uint32) uint64 {
	return uint64(fs.sb.firstDataBlock) + uint64(g)*uint64(fs.sb.blocksPerGroup)
}

// groupBlocks is the number of blocks in group g (the last may be short).
func (fs *FS) groupBlocks(g uint32) uint32 {
	first := fs.groupFirst(g)
	if rest := uint64(fs.sb.blocksCount) - first; rest < uint64(fs.sb.blocksPerGroup) {
		return uint32(rest)
	}
	return fs.sb.blocksPerGroup
}

// groupOf is the group holding block b.
func (fs *FS) groupOf(b uint64) uint32 {
	return uint32((b - uint64(fs.sb.firstDataBlock)) / uint64(fs.sb.blocksPerGroup))
}

// validBlock reports whether b may be a data or metadata block: inside
// [s_first_data_block, s_blocks_count).
func (fs *FS) validBlock(b uint64) bool {
	return b >= uint64(fs.sb.firstDataBlock) && b < uint64(fs.sb.blocksCount)
}

// isMetadata reports whether b is one of the fixed metadata blocks the
// allocator must never hand out even if a corrupt bitmap says it is free:
// the primary superblock and descriptor table, and the bitmaps and inode
// table of b's own group.
func (fs *FS) isMetadata(b uint64) bool {
	if b < fs.gdtBlock()+uint64(len(fs.gdtRaw)/fs.bs) {
		return true
	}
	d := &fs.groups[fs.groupOf(b)]
	return b == uint64(d.blockBitmap) || b == uint64(d.inodeBitmap) ||
		(b >= uint64(d.inodeTable) && b < uint64(d.inodeTable)+fs.inodeTableBlocks())
}
