package ext2

import (
	"fmt"
	"slices"
)

// cacheLimit is the number of metadata blocks kept before trim writes the
// dirty ones back and drops them all.
const cacheLimit = 4096

// cachedBlock is one metadata block: bitmaps, inode-table blocks,
// indirect blocks and directory blocks.
type cachedBlock struct {
	data  []byte
	dirty bool // written since last flush; Sync writes it back
}

// blockCache is a write-back cache of metadata blocks. A buffer returned
// by get stays valid (the same slice as the cache's) until the next trim,
// which runs only at the start of a public operation, never while an
// operation holds buffers. Data blocks of regular files bypass it.
type blockCache struct {
	fs     *FS
	blocks map[uint64]*cachedBlock
}

// get returns the cached contents of block b, reading it on a miss.
func (c *blockCache) get(b uint64) ([]byte, error) {
	if cb, ok := c.blocks[b]; ok {
		return cb.data, nil
	}
	data := make([]byte, c.fs.bs)
	if err := c.fs.devRead(data, b); err != nil {
		return nil, err
	}
	c.blocks[b] = &cachedBlock{data: data}
	return data, nil
}

// zero returns block b's buffer cleared and dirty, without reading it:
// for a block just allocated as metadata.
func (c *blockCache) zero(b uint64) []byte {
	cb, ok := c.blocks[b]
	if !ok {
		cb = &cachedBlock{data: make([]byte, c.fs.bs)}
		c.blocks[b] = cb
	}
	clear(cb.data)
	cb.dirty = true
	return cb.data
}

// peek returns block b's buffer if cached, without I/O.
func (c *blockCache) peek(b uint64) []byte {
	if cb, ok := c.blocks[b]; ok {
		return cb.data
	}
	return nil
}

// dirty marks cached block b for write-back. Callers got b from get or
// zero in the same operation; the one way it can have left the cache
// since is a corrupt block tree with a cycle, where an indirect block was
// freed (forgotten) while being edited. Its edits are then dropped, which
// is right for a freed block.
func (c *blockCache) dirty(b uint64) {
	if cb, ok := c.blocks[b]; ok {
		cb.dirty = true
	}
}

// forget drops block b without writing it: the block was freed, and its
// next owner may be a file whose data bypasses the cache.
func (c *blockCache) forget(b uint64) { delete(c.blocks, b) }

// flush writes every dirty block back, in block order.
func (c *blockCache) flush() error {
	var dirty []uint64
	for b, cb := range c.blocks {
		if cb.dirty {
			dirty = append(dirty, b)
		}
	}
	slices.Sort(dirty)
	for _, b := range dirty {
		cb := c.blocks[b]
		if err := c.fs.devWrite(cb.data, b); err != nil {
			return err
		}
		cb.dirty = false
	}
	return nil
}

// trim bounds the cache: past cacheLimit blocks it flushes and empties.
func (c *blockCache) trim() error {
	if len(c.blocks) <= cacheLimit {
		return nil
	}
	if err := c.flush(); err != nil {
		return err
	}
	clear(c.blocks)
	return nil
}

// devRead reads len(p) bytes (whole blocks) starting at block b. It is
// the only read path to the device, and refuses anything outside
// [0, s_blocks_count).
func (fs *FS) devRead(p []byte, b uint64) error {
	if err := fs.checkRange(len(p), b); err != nil {
		return err
	}
	n, err := fs.dev.ReadAt(p, int64(b)*int64(fs.bs))
	if err == nil && n < len(p) {
		err = fmt.Errorf("%w: short read at block %d", ErrCorrupt, b)
	}
	return err
}

// devWrite writes len(p) bytes (whole blocks) starting at block b; with
// devRead it is the only path to the device.
func (fs *FS) devWrite(p []byte, b uint64) error {
	if fs.ro {
		return ErrReadOnly
	}
	if err := fs.checkRange(len(p), b); err != nil {
		return err
	}
	n, err := fs.dev.WriteAt(p, int64(b)*int64(fs.bs))
	if err == nil && n < len(p) {
		err = fmt.Errorf("%w: short write at block %d", ErrNoSpace, b)
	}
	return err
}

func (fs *FS) checkRange(n int, b uint64) error {
	if n%fs.bs != 0 || b >= uint64(fs.sb.blocksCount) || uint64(n/fs.bs) > uint64(fs.sb.blocksCount)-b {
		return fmt.Errorf("%w: I/O of %d bytes at block %d outside the file system", ErrCorrupt, n, b)
	}
	return nil
}
