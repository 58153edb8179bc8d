package ext2

import (
	"fmt"
	"strings"
	"sync"
)

// FS is a mounted ext2 file system.
type FS struct {
	// Now is the clock for timestamps (seconds since 1970). Mount sets it
	// to return the superblock's last write time; the kernel replaces it
	// with its own clock before the first change.
	Now func() uint32

	mu sync.Mutex // guards everything below and every Inode's fields

	dev    Device
	sb     *superblock
	bs     int    // block size in bytes
	ro     bool   // mounted read-only: nothing is written to dev
	notice string // why the mount was forced read-only, or ""
	closed bool   // Unmount succeeded; every call fails

	groups   []groupDesc // primary group descriptor table, decoded
	gdtRaw   []byte      // primary group descriptor table as on disk; writeGroups re-encodes the counts
	gdtDirty bool        // a descriptor changed since the last Sync

	freeBlocks uint64 // Σ bg_free_blocks_count; written to s_free_blocks_count by Sync
	freeInodes uint64 // Σ bg_free_inodes_count; written to s_free_inodes_count by Sync

	cache   blockCache
	scratch []byte            // one block for partial-block data I/O (scratchBlock)
	open    map[uint32]*Inode // inodes with references: at most one Inode per number
	// names caches lookups that found a name, as Linux's dcache: a
	// directory and a name to the inode number. addLink cannot make a
	// name stale (the name was not there), deleteLink forgets the name
	// it removes, Rmdir forgets everything (the directory's inode, "."
	// and ".." included, may be reused). At most maxNames entries: it
	// is emptied when full.
	names map[nameKey]uint32
}

// nameKey is a name in a directory, for FS.names.
type nameKey struct {
	dir  uint32
	name string
}

// maxNames bounds FS.names.
const maxNames = 4096

// Mount reads and validates the superblock and group descriptors of the
// ext2 file system on dev. It refuses unknown INCOMPAT features
// (ErrUnsupported) and mounts read-only, saying why in Notice, when it
// finds unknown RO_COMPAT features or when dev is read-only. (An ext3
// image whose journal needs recovery carries the RECOVER INCOMPAT bit and
// is refused; a clean one mounts, its journal left alone.)
func Mount(dev Device, readOnly bool) (*FS, error) {
	if dev.Size() < superOffset+superSize {
		return nil, fmt.Errorf("%w: device of %d bytes is too small", ErrInvalid, dev.Size())
	}
	raw := make([]byte, superSize)
	if n, err := dev.ReadAt(raw, superOffset); err != nil || n != superSize {
		return nil, fmt.Errorf("%w: reading the superblock: %v", ErrCorrupt, err)
	}
	sb := decodeSuper(raw)
	if err := sb.validate(dev.Size()); err != nil {
		return nil, err
	}
	fs := &FS{dev: dev, sb: sb, bs: sb.blockSize(), ro: readOnly, open: make(map[uint32]*Inode)}
	fs.cache = blockCache{fs: fs, blocks: make(map[uint64]*cachedBlock)}
	wtime := sb.wtime
	fs.Now = func() uint32 { return wtime }
	if unknown := sb.featureIncompat &^ incompatSupported; unknown != 0 {
		return nil, fmt.Errorf("%w: incompatible features %#x", ErrUnsupported, unknown)
	}
	var why []string
	if unknown := sb.featureRoCompat &^ roCompatSupported; unknown != 0 {
		why = append(why, fmt.Sprintf("unsupported read-only-compatible features %#x", unknown))
	}
	if dev.ReadOnly() {
		why = append(why, "the device is read-only")
	}
	if len(why) > 0 {
		fs.ro = true
		fs.notice = "mounted read-only: " + strings.Join(why, "; ")
	}
	if err := fs.loadGroups(); err != nil {
		return nil, err
	}
	root, err := fs.iget(rootIno)
	if err != nil {
		return nil, err
	}
	isDir := root.isDir()
	fs.iput(root)
	if !isDir {
		return nil, fmt.Errorf("%w: root inode is not a directory", ErrCorrupt)
	}
	return fs, nil
}

// ReadOnly reports whether the file system refuses changes.
func (fs *FS) ReadOnly() bool { return fs.ro }

// Notice is "" or why Mount forced the file system read-only.
func (fs *FS) Notice() string { return fs.notice }

// BlockSize is the file system block size in bytes.
func (fs *FS) BlockSize() int { return fs.bs }

// Statfs reports sizes and free counts, in blocks and inodes.
type Statfs struct {
	BlockSize, Blocks, FreeBlocks, Inodes, FreeInodes uint64
}

// Statfs returns the file system's counts.
func (fs *FS) Statfs() Statfs {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return Statfs{
		BlockSize: uint64(fs.bs), Blocks: uint64(fs.sb.blocksCount), FreeBlocks: fs.freeBlocks,
		Inodes: uint64(fs.sb.inodesCount), FreeInodes: fs.freeInodes,
	}
}

// Sync writes back the dirty metadata blocks (bitmaps, inode tables,
// indirect and directory blocks), the group descriptors and the
// superblock with exact free counts, then flushes the device.
func (fs *FS) Sync() error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.closed {
		return fmt.Errorf("%w: unmounted", ErrInvalid)
	}
	return fs.syncLocked()
}

func (fs *FS) syncLocked() error {
	if fs.ro {
		return nil
	}
	if err := fs.cache.flush(); err != nil {
		return err
	}
	if fs.gdtDirty {
		if err := fs.writeGroups(); err != nil {
			return err
		}
		fs.gdtDirty = false
	}
	fs.sb.freeBlocksCount = uint32(fs.freeBlocks)
	fs.sb.freeInodesCount = uint32(fs.freeInodes)
	fs.sb.wtime = fs.Now()
	if _, err := fs.dev.WriteAt(fs.sb.encode(), superOffset); err != nil {
		return err
	}
	return fs.dev.Flush()
}

// Unmount syncs and retires the file system. It fails with ErrBusy while
// an inode is still open.
func (fs *FS) Unmount() error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.closed {
		return fmt.Errorf("%w: unmounted twice", ErrInvalid)
	}
	if len(fs.open) > 0 {
		return fmt.Errorf("%w: %d inodes open", ErrBusy, len(fs.open))
	}
	if err := fs.syncLocked(); err != nil {
		return err
	}
	fs.closed = true
	fs.cache.blocks = nil
	return nil
}

// usable is checked at the start of every operation: it refuses calls
// after Unmount and bounds the metadata cache between operations.
func (fs *FS) usable() error {
	if fs.closed {
		return fmt.Errorf("%w: unmounted", ErrInvalid)
	}
	return fs.cache.trim()
}

// writable is usable plus the read-only check, for operations that change
// the file system.
func (fs *FS) writable() error {
	if fs.ro {
		return ErrReadOnly
	}
	return fs.usable()
}
