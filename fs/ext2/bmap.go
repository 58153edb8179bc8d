package ext2

import (
	"encoding/binary"
	"fmt"
)

// The block map of an inode is the classic ext2 tree (struct ext2_inode
// i_block[EXT2_N_BLOCKS]): twelve direct pointers, then one single, one
// double and one triple indirect block, each indirect block an array of
// blockSize/4 little-endian block numbers. A zero pointer is a hole.
// Every pointer followed is checked to lie in [s_first_data_block,
// s_blocks_count); the depth is fixed by the file block number, so a
// corrupt tree cannot make a walk recurse further than three levels.

// ptrsPerBlock is the fan-out of an indirect block.
func (fs *FS) ptrsPerBlock() uint64 { return uint64(fs.bs / 4) }

// mapBlocks is the number of file blocks the tree can address.
func (fs *FS) mapBlocks() uint64 {
	p := fs.ptrsPerBlock()
	return nDirect + p + p*p + p*p*p
}

// maxFileSize is the largest i_size the block map can back: sizes above
// it are corrupt.
func (fs *FS) maxFileSize() int64 { return int64(fs.mapBlocks()) * int64(fs.bs) }

// maxWriteSize is the largest size WriteAt and Truncate produce: 2 GiB-1
// on revision 0 (no i_size_high), otherwise the map's reach capped at
// 1 TiB so that i_blocks (32 bits of 512-byte units) cannot overflow.
func (fs *FS) maxWriteSize() int64 {
	if fs.sb.revLevel < dynamicRev {
		return 1<<31 - 1
	}
	return min(fs.maxFileSize(), 1<<40)
}

// blockPath locates file block fb in the tree: the i_block slot, the
// number of indirect levels below it, and the index at each level.
func (fs *FS) blockPath(fb uint64) (slot, depth int, idx [3]uint64, err error) {
	p := fs.ptrsPerBlock()
	switch {
	case fb < nDirect:
		return int(fb), 0, idx, nil
	case fb-nDirect < p:
		fb -= nDirect
		return nDirect, 1, [3]uint64{fb}, nil
	case fb-nDirect-p < p*p:
		fb -= nDirect + p
		return nDirect + 1, 2, [3]uint64{fb / p, fb % p}, nil
	case fb-nDirect-p-p*p < p*p*p:
		fb -= nDirect + p + p*p
		return nDirect + 2, 3, [3]uint64{fb / (p * p), fb / p % p, fb % p}, nil
	}
	return 0, 0, idx, fmt.Errorf("%w: file block %d beyond the block map", ErrInvalid, fb)
}

// checkPtr validates a block pointer read from an inode or indirect block.
func (fs *FS) checkPtr(ino *Inode, b uint32) error {
	if b != 0 && !fs.validBlock(uint64(b)) {
		return fmt.Errorf("%w: inode %d: block pointer %d out of range", ErrCorrupt, ino.num, b)
	}
	return nil
}

// bmap returns the disk block of file block fb, 0 for a hole.
func (fs *FS) bmap(ino *Inode, fb uint64) (uint64, error) {
	slot, depth, idx, err := fs.blockPath(fb)
	if err != nil {
		return 0, err
	}
	b := ino.block[slot]
	for level := 0; ; level++ {
		if err := fs.checkPtr(ino, b); err != nil || b == 0 || level == depth {
			return uint64(b), err
		}
		buf, err := fs.cache.get(uint64(b))
		if err != nil {
			return 0, err
		}
		b = binary.LittleEndian.Uint32(buf[4*idx[level]:])
	}
}

// bmapAlloc returns the disk block of file block fb, allocating it and any
// missing indirect blocks when it is a hole (fresh reports that: the
// caller must then write the whole block). Allocation happens before any
// pointer is linked, so ErrNoSpace leaves the tree unchanged, as Linux
// ext2_get_block (ext2_alloc_branch before ext2_splice_branch).
func (fs *FS) bmapAlloc(ino *Inode, fb uint64) (disk uint64, fresh bool, err error) {
	slot, depth, idx, err := fs.blockPath(fb)
	if err != nil {
		return 0, false, err
	}
	// Walk down as far as the tree exists. parent is the indirect block
	// holding the next pointer (0: the inode), at index pi.
	var parent, pi uint64
	b := ino.block[slot]
	level := 0
	for ; ; level++ {
		if err := fs.checkPtr(ino, b); err != nil {
			return 0, false, err
		}
		if b == 0 {
			break
		}
		if level == depth {
			return uint64(b), false, nil
		}
		buf, err := fs.cache.get(uint64(b))
		if err != nil {
			return 0, false, err
		}
		parent, pi = uint64(b), idx[level]
		b = binary.LittleEndian.Uint32(buf[4*pi:])
	}
	// Levels level..depth are missing: depth-level indirect blocks and the
	// data block.
	var fresh4 [4]uint64
	newBlocks := fresh4[:depth-level+1]
	goal := fs.allocGoal(ino)
	for i := range newBlocks {
		nb, err := fs.allocBlock(goal)
		if err != nil {
			for _, done := range newBlocks[:i] {
				fs.freeBlock(done)
			}
			return 0, false, err
		}
		newBlocks[i], goal = nb, nb+1
	}
	ino.lastAlloc = newBlocks[len(newBlocks)-1]
	for i, nb := range newBlocks[:len(newBlocks)-1] {
		buf := fs.cache.zero(nb)
		binary.LittleEndian.PutUint32(buf[4*idx[level+i]:], uint32(newBlocks[i+1]))
	}
	if parent == 0 {
		ino.block[slot] = uint32(newBlocks[0])
	} else {
		buf, err := fs.cache.get(parent)
		if err != nil {
			return 0, false, err
		}
		binary.LittleEndian.PutUint32(buf[4*pi:], uint32(newBlocks[0]))
		fs.cache.dirty(parent)
	}
	ino.blocks += uint64(len(newBlocks)) * uint64(fs.bs/sectorSize)
	if ino.bmap != nil {
		ino.bmap.set(fb, uint32(ino.lastAlloc))
	}
	return ino.lastAlloc, true, fs.writeInode(ino)
}

// allocGoal is where the next block of ino should go: right after the
// last one allocated to it, else the start of its inode's group, as Linux
// ext2_find_goal.
func (fs *FS) allocGoal(ino *Inode) uint64 {
	if ino.lastAlloc != 0 && fs.validBlock(ino.lastAlloc+1) {
		return ino.lastAlloc + 1
	}
	return fs.groupFirst((ino.num - 1) / fs.sb.inodesPerGroup)
}

// truncateBlocks frees every data block at file block keep or beyond and
// every indirect block left without pointers, as Linux ext2_truncate_blocks.
func (fs *FS) truncateBlocks(ino *Inode, keep uint64) error {
	per := fs.ptrsPerBlock()
	for i := keep; i < nDirect; i++ {
		if b := ino.block[i]; b != 0 {
			if err := fs.freeData(ino, b); err != nil {
				return err
			}
			ino.block[i] = 0
		}
	}
	base, span := uint64(nDirect), per
	for level := 1; level <= 3; level++ {
		slot := nDirect + level - 1
		if b := ino.block[slot]; b != 0 && keep < base+span {
			empty := true
			var err error
			if keep <= base {
				err = fs.freeTree(ino, b, level)
			} else {
				empty, err = fs.truncTree(ino, b, level, base, keep)
			}
			if err != nil {
				return err
			}
			if empty {
				if keep > base {
					if err := fs.freeData(ino, b); err != nil {
						return err
					}
				}
				ino.block[slot] = 0
			}
		}
		base += span
		span *= per
	}
	if ino.bmap != nil {
		ino.bmap.truncate(keep)
	}
	return fs.writeInode(ino)
}

// freeData frees one block of ino's tree and uncharges it from i_blocks.
func (fs *FS) freeData(ino *Inode, b uint32) error {
	if err := fs.checkPtr(ino, b); err != nil {
		return err
	}
	if err := fs.freeBlock(uint64(b)); err != nil {
		return err
	}
	ino.blocks -= min(ino.blocks, uint64(fs.bs/sectorSize))
	return nil
}

// freeTree frees the indirect block b of the given level (1: single) with
// everything below it.
func (fs *FS) freeTree(ino *Inode, b uint32, level int) error {
	if err := fs.checkPtr(ino, b); err != nil {
		return err
	}
	buf, err := fs.cache.get(uint64(b))
	if err != nil {
		return err
	}
	for i := 0; i < fs.bs; i += 4 {
		c := binary.LittleEndian.Uint32(buf[i:])
		if c == 0 {
			continue
		}
		if level > 1 {
			err = fs.freeTree(ino, c, level-1)
		} else {
			err = fs.freeData(ino, c)
		}
		if err != nil {
			return err
		}
	}
	return fs.freeData(ino, b)
}

// truncTree frees the part of indirect block b (of the given level,
// mapping file blocks from base) at file block keep and beyond, and
// reports whether b is left without pointers. The caller frees b then.
func (fs *FS) truncTree(ino *Inode, b uint32, level int, base, keep uint64) (empty bool, err error) {
	if err := fs.checkPtr(ino, b); err != nil {
		return false, err
	}
	buf, err := fs.cache.get(uint64(b))
	if err != nil {
		return false, err
	}
	span := uint64(1)
	for range level - 1 {
		span *= fs.ptrsPerBlock()
	}
	empty = true
	for i := 0; i < fs.bs; i += 4 {
		c := binary.LittleEndian.Uint32(buf[i:])
		if c == 0 {
			continue
		}
		cbase := base + uint64(i/4)*span
		free, cempty := false, false
		switch {
		case cbase+span <= keep:
		case cbase >= keep:
			free = true
			if level > 1 {
				err = fs.freeTree(ino, c, level-1)
			} else {
				err = fs.freeData(ino, c)
			}
		default:
			cempty, err = fs.truncTree(ino, c, level-1, cbase, keep)
			if err == nil && cempty {
				free, err = true, fs.freeData(ino, c)
			}
		}
		if err != nil {
			return false, err
		}
		if free {
			binary.LittleEndian.PutUint32(buf[i:], 0)
			fs.cache.dirty(uint64(b))
		} else {
			empty = false
		}
	}
	return empty, nil
}
