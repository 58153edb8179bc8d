package ext2

import (
	"encoding/binary"
	"fmt"
)

// mapChunkShift sizes the chunks of a loaded block map: 512 entries.
const (
	mapChunkShift = 9
	mapChunk      = 1 << mapChunkShift
)

// blockMap is an inode's whole logical→physical block map held in memory
// for the page-fault path, which may neither allocate nor do I/O. It is a
// two-level array: chunks[i][j] is the disk block of file block
// i*mapChunk+j, and a chunk that is nil or beyond len(chunks) is all
// holes, so sparse files cost memory in proportion to their mapped
// blocks. Every path that changes the inode's tree or size (bmapAlloc,
// truncateBlocks, setSize) keeps it current under fs.mu; BlockAt reads it
// without a lock, so callers serialize faults against writers of the
// same file (the kernel runs both on one CPU).
type blockMap struct {
	n      uint64     // file blocks covered: ceil(i_size / block size)
	chunks [][]uint32 // see above
}

func (m *blockMap) set(fb uint64, disk uint32) {
	c := fb >> mapChunkShift
	if c >= uint64(len(m.chunks)) {
		if disk == 0 {
			return
		}
		m.chunks = append(m.chunks, make([][]uint32, c+1-uint64(len(m.chunks)))...)
	}
	if m.chunks[c] == nil {
		if disk == 0 {
			return
		}
		m.chunks[c] = make([]uint32, mapChunk)
	}
	m.chunks[c][fb&(mapChunk-1)] = disk
}

// truncate forgets every entry at file block n and beyond and makes n the
// covered length.
func (m *blockMap) truncate(n uint64) {
	m.n = n
	c := (n + mapChunk - 1) >> mapChunkShift
	if c < uint64(len(m.chunks)) {
		clear(m.chunks[c:])
		m.chunks = m.chunks[:c]
	}
	if n&(mapChunk-1) != 0 && c > 0 && c <= uint64(len(m.chunks)) && m.chunks[c-1] != nil {
		clear(m.chunks[c-1][n&(mapChunk-1):])
	}
}

// LoadBlockMap reads the inode's whole block map (direct and 1-, 2- and
// 3-level indirect) into memory, so that BlockAt can answer without I/O.
// From then on every WriteAt and Truncate keeps it current. Loading an
// already loaded map does nothing.
func (ino *Inode) LoadBlockMap() error {
	fs := ino.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.usable(); err != nil {
		return err
	}
	if ino.bmap != nil {
		return nil
	}
	if ino.isSymlink() && ino.blocks == 0 {
		return fmt.Errorf("%w: fast symlink %d has no block map", ErrInvalid, ino.num)
	}
	m := &blockMap{n: ino.blockCount()}
	for i := 0; i < nDirect; i++ {
		if err := fs.checkPtr(ino, ino.block[i]); err != nil {
			return err
		}
		if uint64(i) < m.n {
			m.set(uint64(i), ino.block[i])
		}
	}
	base, span := uint64(nDirect), fs.ptrsPerBlock()
	for level := 1; level <= 3 && base < m.n; level++ {
		if err := fs.loadTree(ino, m, ino.block[nDirect+level-1], level, base); err != nil {
			return err
		}
		base += span
		span *= fs.ptrsPerBlock()
	}
	ino.bmap = m
	return nil
}

// loadTree records the file blocks below indirect block b (of the given
// level, mapping file blocks from base) that lie before m.n.
func (fs *FS) loadTree(ino *Inode, m *blockMap, b uint32, level int, base uint64) error {
	if err := fs.checkPtr(ino, b); err != nil || b == 0 {
		return err
	}
	buf, err := fs.cache.get(uint64(b))
	if err != nil {
		return err
	}
	span := uint64(1)
	for range level - 1 {
		span *= fs.ptrsPerBlock()
	}
	for i := 0; i < fs.bs && base < m.n; i, base = i+4, base+span {
		c := binary.LittleEndian.Uint32(buf[i:])
		if level == 1 {
			if err := fs.checkPtr(ino, c); err != nil {
				return err
			}
			m.set(base, c)
		} else if err := fs.loadTree(ino, m, c, level-1, base); err != nil {
			return err
		}
	}
	return nil
}

// BlockAt returns the disk block holding file block fileBlock (0 for a
// hole) from the map LoadBlockMap loaded. It takes no lock, allocates
// nothing and does no I/O, so the page-fault path may call it; ok is
// false if the map is not loaded or fileBlock is at or past the end of
// the file.
//
// Reading without fs.mu is safe only because no writer can run at the
// same time: every change to the map (bmapAlloc, truncateBlocks, setSize,
// under fs.mu) is made by a goroutine holding the big kernel lock, and
// the faults that call BlockAt are taken by the goroutine holding it, on
// the one CPU. Any other caller must hold the big kernel lock too.
func (ino *Inode) BlockAt(fileBlock uint64) (disk uint64, ok bool) {
	m := ino.bmap
	if m == nil || fileBlock >= m.n {
		return 0, false
	}
	c := fileBlock >> mapChunkShift
	if c >= uint64(len(m.chunks)) || m.chunks[c] == nil {
		return 0, true
	}
	return uint64(m.chunks[c][fileBlock&(mapChunk-1)]), true
}

// blockCount is the number of file blocks i_size covers.
func (ino *Inode) blockCount() uint64 {
	bs := uint64(ino.fs.bs)
	return (uint64(ino.size) + bs - 1) / bs
}
