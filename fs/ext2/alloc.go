package ext2

import "fmt"

// Block and inode allocation over the per-group bitmaps. Each bitmap is
// one block in the metadata cache; a set bit is in use. The free counts
// in the group descriptors (bg_free_blocks_count, bg_free_inodes_count,
// bg_used_dirs_count) and the FS totals change in the same function that
// flips the bit, so they stay exact: Sync writes the totals into
// s_free_blocks_count and s_free_inodes_count.

// findZero returns the first clear bit of bm in [from, limit), else the
// first in [0, from).
func findZero(bm []byte, from, limit uint32) (uint32, bool) {
	scan := func(lo, hi uint32) (uint32, bool) {
		for i := lo; i < hi; {
			if i%8 == 0 && i+8 <= hi && bm[i/8] == 0xFF {
				i += 8
				continue
			}
			if bm[i/8]&(1<<(i%8)) == 0 {
				return i, true
			}
			i++
		}
		return 0, false
	}
	if i, ok := scan(from, limit); ok {
		return i, true
	}
	return scan(0, min(from, limit))
}

// allocBlock allocates one block, the free block at or after goal in
// goal's group if there is one, else the first free block of the next
// group that has any, as Linux ext2_new_blocks (without reservation
// windows).
func (fs *FS) allocBlock(goal uint64) (uint64, error) {
	if fs.freeBlocks == 0 {
		return 0, fmt.Errorf("%w: no free blocks", ErrNoSpace)
	}
	if !fs.validBlock(goal) {
		goal = uint64(fs.sb.firstDataBlock)
	}
	n := uint32(len(fs.groups))
	g0 := fs.groupOf(goal)
	for i := uint32(0); i <= n; i++ {
		g := (g0 + i) % n
		d := &fs.groups[g]
		if d.freeBlocksCount == 0 {
			continue
		}
		from := uint32(0)
		if i == 0 {
			from = uint32(goal - fs.groupFirst(g))
		}
		bm, err := fs.cache.get(uint64(d.blockBitmap))
		if err != nil {
			return 0, err
		}
		bit, ok := findZero(bm, from, fs.groupBlocks(g))
		if !ok {
			return 0, fmt.Errorf("%w: group %d: %d free blocks counted, none in the bitmap", ErrCorrupt, g, d.freeBlocksCount)
		}
		b := fs.groupFirst(g) + uint64(bit)
		if fs.isMetadata(b) {
			return 0, fmt.Errorf("%w: block bitmap of group %d marks metadata block %d free", ErrCorrupt, g, b)
		}
		bm[bit/8] |= 1 << (bit % 8)
		fs.cache.dirty(uint64(d.blockBitmap))
		d.freeBlocksCount--
		fs.freeBlocks--
		fs.gdtDirty = true
		return b, nil
	}
	return 0, fmt.Errorf("%w: free block count %d but no group has one", ErrCorrupt, fs.freeBlocks)
}

// freeBlock returns block b to its group's bitmap and drops it from the
// metadata cache (its next owner may be file data, which bypasses it).
func (fs *FS) freeBlock(b uint64) error {
	if !fs.validBlock(b) || fs.isMetadata(b) {
		return fmt.Errorf("%w: freeing block %d", ErrCorrupt, b)
	}
	g := fs.groupOf(b)
	d := &fs.groups[g]
	bm, err := fs.cache.get(uint64(d.blockBitmap))
	if err != nil {
		return err
	}
	bit := uint32(b - fs.groupFirst(g))
	if bm[bit/8]&(1<<(bit%8)) == 0 {
		return fmt.Errorf("%w: block %d freed twice", ErrCorrupt, b)
	}
	bm[bit/8] &^= 1 << (bit % 8)
	fs.cache.dirty(uint64(d.blockBitmap))
	d.freeBlocksCount++
	fs.freeBlocks++
	fs.gdtDirty = true
	fs.cache.forget(b)
	return nil
}

// allocInode allocates an inode number near parent: a file in parent's
// group if it has free inodes and blocks, a directory in the group after
// it with at least the average number of free inodes and the most free
// blocks among those (a cheap cousin of Linux find_group_orlov, which
// spreads directories), falling back to any group with a free inode.
func (fs *FS) allocInode(parent *Inode, dir bool) (uint32, error) {
	if fs.freeInodes == 0 {
		return 0, fmt.Errorf("%w: no free inodes", ErrNoSpace)
	}
	n := uint32(len(fs.groups))
	pg := (parent.num - 1) / fs.sb.inodesPerGroup
	order := make([]uint32, 0, n+1)
	if dir {
		avg, best, bestFree := fs.freeInodes/uint64(n), n, -1
		for i := uint32(1); i <= n; i++ {
			g := (pg + i) % n
			d := &fs.groups[g]
			if uint64(d.freeInodesCount) >= max(avg, 1) && int(d.freeBlocksCount) > bestFree {
				best, bestFree = g, int(d.freeBlocksCount)
			}
		}
		if best < n {
			order = append(order, best)
		}
	} else if d := &fs.groups[pg]; d.freeInodesCount > 0 && d.freeBlocksCount > 0 {
		order = append(order, pg)
	}
	for i := uint32(0); i < n; i++ {
		order = append(order, (pg+i)%n)
	}
	for _, g := range order {
		d := &fs.groups[g]
		if d.freeInodesCount == 0 {
			continue
		}
		first := uint64(g) * uint64(fs.sb.inodesPerGroup) // inode number of bit 0, minus 1
		if first >= uint64(fs.sb.inodesCount) {
			continue
		}
		limit := uint32(min(uint64(fs.sb.inodesPerGroup), uint64(fs.sb.inodesCount)-first))
		from := uint32(0)
		if reserved := uint64(fs.sb.firstIno - 1); first < reserved {
			from = uint32(reserved - first)
		}
		if from >= limit {
			continue
		}
		bm, err := fs.cache.get(uint64(d.inodeBitmap))
		if err != nil {
			return 0, err
		}
		bit, ok := findZero(bm, from, limit)
		if !ok || bit < from {
			continue
		}
		bm[bit/8] |= 1 << (bit % 8)
		fs.cache.dirty(uint64(d.inodeBitmap))
		d.freeInodesCount--
		fs.freeInodes--
		if dir {
			d.usedDirsCount++
		}
		fs.gdtDirty = true
		return uint32(first) + bit + 1, nil
	}
	return 0, fmt.Errorf("%w: no group has a free inode", ErrNoSpace)
}

// freeInodeNum clears inode num's bit and fixes the counts.
func (fs *FS) freeInodeNum(num uint32, dir bool) error {
	g, bit := (num-1)/fs.sb.inodesPerGroup, (num-1)%fs.sb.inodesPerGroup
	d := &fs.groups[g]
	bm, err := fs.cache.get(uint64(d.inodeBitmap))
	if err != nil {
		return err
	}
	if bm[bit/8]&(1<<(bit%8)) == 0 {
		return fmt.Errorf("%w: inode %d freed twice", ErrCorrupt, num)
	}
	bm[bit/8] &^= 1 << (bit % 8)
	fs.cache.dirty(uint64(d.inodeBitmap))
	d.freeInodesCount++
	fs.freeInodes++
	if dir && d.usedDirsCount > 0 {
		d.usedDirsCount--
	}
	fs.gdtDirty = true
	return nil
}

// hasBlockTree reports whether i_block holds block pointers: regular
// files, directories and slow symlinks do; fast symlinks keep their
// target there and device, FIFO and socket inodes their device number.
func (ino *Inode) hasBlockTree() bool {
	switch ino.mode & modeFmt {
	case modeReg, modeDir:
		return true
	case modeLink:
		return !ino.fastSymlink()
	}
	return false
}

// freeInode releases an inode with no links and no references: its
// blocks, its share of an extended-attribute block, and its number, as
// Linux ext2_evict_inode + ext2_free_inode. i_dtime records the deletion;
// when the clock is below s_inodes_count (e2fsck would read such a dtime
// as an orphan-list link) the mode is cleared instead so that e2fsck sees
// an unused inode.
func (fs *FS) freeInode(ino *Inode) error {
	dir := ino.isDir()
	if ino.hasBlockTree() {
		if err := fs.truncateBlocks(ino, 0); err != nil {
			return err
		}
	}
	if err := fs.releaseAttrBlock(ino); err != nil {
		return err
	}
	ino.block = [nBlockPtrs]uint32{}
	ino.size, ino.blocks, ino.links = 0, 0, 0
	ino.dtime = fs.Now()
	if ino.dtime < fs.sb.inodesCount {
		ino.dtime, ino.mode = 0, 0
	}
	if err := fs.writeInode(ino); err != nil {
		return err
	}
	return fs.freeInodeNum(ino.num, dir)
}
