package ext2

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// On-disk constants of struct ext2_super_block (Linux
// include/linux/ext2_fs.h, fs/ext2/ext2.h).
const (
	superOffset = 1024   // the primary superblock is at byte 1024
	superSize   = 1024   // and is 1024 bytes long
	superMagic  = 0xEF53 // s_magic

	goodOldRev       = 0   // EXT2_GOOD_OLD_REV: 128-byte inodes, first ino 11
	dynamicRev       = 1   // EXT2_DYNAMIC_REV
	goodOldInodeSize = 128 // EXT2_GOOD_OLD_INODE_SIZE
	goodOldFirstIno  = 11  // EXT2_GOOD_OLD_FIRST_INO
	rootIno          = 2   // EXT2_ROOT_INO

	maxLogBlockSize = 2 // 1 KiB << 2 = 4 KiB, the largest block size mounted
)

// Feature bits (s_feature_compat, s_feature_incompat, s_feature_ro_compat).
const (
	incompatFiletype = 0x0002 // EXT2_FEATURE_INCOMPAT_FILETYPE

	roCompatSparseSuper = 0x0001 // EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER
	roCompatLargeFile   = 0x0002 // EXT2_FEATURE_RO_COMPAT_LARGE_FILE

	// Features this package implements; any other INCOMPAT bit refuses the
	// mount, any other RO_COMPAT bit forces it read-only. COMPAT bits are
	// by definition safe to ignore (resize_inode, dir_index, ext_attr,
	// has_journal are handled by leaving their structures alone).
	incompatSupported = incompatFiletype
	roCompatSupported = roCompatSparseSuper | roCompatLargeFile
)

// superblock is the part of ext2_super_block this package reads or keeps
// current. raw is the primary copy as read; encode writes the mutable
// fields back into it so that fields this package does not model survive.
type superblock struct {
	raw [superSize]byte

	inodesCount     uint32 // s_inodes_count
	blocksCount     uint32 // s_blocks_count
	freeBlocksCount uint32 // s_free_blocks_count
	freeInodesCount uint32 // s_free_inodes_count
	firstDataBlock  uint32 // s_first_data_block
	logBlockSize    uint32 // s_log_block_size
	blocksPerGroup  uint32 // s_blocks_per_group
	inodesPerGroup  uint32 // s_inodes_per_group
	mtime           uint32 // s_mtime
	wtime           uint32 // s_wtime
	magic           uint16 // s_magic
	revLevel        uint32 // s_rev_level
	firstIno        uint32 // s_first_ino (rev 1)
	inodeSize       uint16 // s_inode_size (rev 1)
	featureCompat   uint32 // s_feature_compat
	featureIncompat uint32 // s_feature_incompat
	featureRoCompat uint32 // s_feature_ro_compat
	mkfsTime        uint32 // s_mkfs_time
}

func decodeSuper(b []byte) *superblock {
	le := binary.LittleEndian
	s := &superblock{}
	copy(s.raw[:], b)
	s.inodesCount = le.Uint32(b[0:])
	s.blocksCount = le.Uint32(b[4:])
	s.freeBlocksCount = le.Uint32(b[12:])
	s.freeInodesCount = le.Uint32(b[16:])
	s.firstDataBlock = le.Uint32(b[20:])
	s.logBlockSize = le.Uint32(b[24:])
	s.blocksPerGroup = le.Uint32(b[32:])
	s.inodesPerGroup = le.Uint32(b[40:])
	s.mtime = le.Uint32(b[44:])
	s.wtime = le.Uint32(b[48:])
	s.magic = le.Uint16(b[56:])
	s.revLevel = le.Uint32(b[76:])
	s.firstIno = goodOldFirstIno
	s.inodeSize = goodOldInodeSize
	if s.revLevel >= dynamicRev {
		s.firstIno = le.Uint32(b[84:])
		s.inodeSize = le.Uint16(b[88:])
		s.featureCompat = le.Uint32(b[92:])
		s.featureIncompat = le.Uint32(b[96:])
		s.featureRoCompat = le.Uint32(b[100:])
	}
	s.mkfsTime = le.Uint32(b[0x108:])
	return s
}

// encode writes the fields this package changes back into raw.
func (s *superblock) encode() []byte {
	le := binary.LittleEndian
	b := s.raw[:]
	le.PutUint32(b[12:], s.freeBlocksCount)
	le.PutUint32(b[16:], s.freeInodesCount)
	le.PutUint32(b[44:], s.mtime)
	le.PutUint32(b[48:], s.wtime)
	if s.revLevel >= dynamicRev {
		le.PutUint32(b[100:], s.featureRoCompat)
	}
	return b
}

// validate checks the superblock against itself and the device size, so
// that every later computation (group count, inode location, block
// ranges) stays inside the device. It does not look at features.
func (s *superblock) validate(devSize int64) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: superblock: "+format, append([]any{ErrCorrupt}, args...)...)
	}
	if s.magic != superMagic {
		return bad("bad magic %#x", s.magic)
	}
	if s.revLevel > dynamicRev {
		return fmt.Errorf("%w: revision %d", ErrUnsupported, s.revLevel)
	}
	if s.logBlockSize > maxLogBlockSize {
		return fmt.Errorf("%w: block size 1024<<%d", ErrUnsupported, s.logBlockSize)
	}
	bs := uint32(1024) << s.logBlockSize
	wantFirst := uint32(0)
	if bs == 1024 {
		wantFirst = 1
	}
	if s.firstDataBlock != wantFirst {
		return bad("first data block %d with %d-byte blocks", s.firstDataBlock, bs)
	}
	if s.blocksPerGroup < 8 || s.blocksPerGroup > 8*bs || s.blocksPerGroup%8 != 0 {
		return bad("%d blocks per group", s.blocksPerGroup)
	}
	if s.inodesPerGroup == 0 || s.inodesPerGroup > 8*bs {
		return bad("%d inodes per group", s.inodesPerGroup)
	}
	if s.blocksCount <= s.firstDataBlock+1 {
		return bad("%d blocks", s.blocksCount)
	}
	if int64(s.blocksCount)*int64(bs) > devSize {
		return bad("%d blocks of %d bytes exceed the %d-byte device", s.blocksCount, bs, devSize)
	}
	if s.inodeSize < goodOldInodeSize || uint32(s.inodeSize) > bs || s.inodeSize&(s.inodeSize-1) != 0 {
		return bad("inode size %d", s.inodeSize)
	}
	groups := s.groupCount()
	if s.inodesCount == 0 || uint64(s.inodesCount) > uint64(groups)*uint64(s.inodesPerGroup) {
		return bad("%d inodes in %d groups of %d", s.inodesCount, groups, s.inodesPerGroup)
	}
	if s.firstIno < goodOldFirstIno || s.firstIno > s.inodesCount {
		return bad("first inode %d", s.firstIno)
	}
	if s.inodesCount < rootIno {
		return bad("no root inode")
	}
	return nil
}

// blockSize is 1024 << s_log_block_size.
func (s *superblock) blockSize() int { return 1024 << s.logBlockSize }

// groupCount is the number of block groups: the blocks after the first
// data block, divided into groups of s_blocks_per_group (the last one may
// be short).
func (s *superblock) groupCount() uint32 {
	return (s.blocksCount - s.firstDataBlock + s.blocksPerGroup - 1) / s.blocksPerGroup
}

// RootLabel is the volume label of a disk the kernel mounts at / by
// itself at boot (README, "Files and disks"); `make user` makes one.
const RootLabel = "pagoda-root"

// Label reads the volume label of the ext2 filesystem on dev
// (s_volume_name, 16 bytes at offset 120 of the superblock, NUL-padded),
// or fails with ErrInvalid when dev holds no ext2 superblock.
func Label(dev Device) (string, error) {
	raw := make([]byte, superSize)
	if dev.Size() < superOffset+superSize {
		return "", fmt.Errorf("%w: device of %d bytes is too small", ErrInvalid, dev.Size())
	}
	if n, err := dev.ReadAt(raw, superOffset); err != nil || n != superSize {
		return "", fmt.Errorf("%w: reading the superblock: %v", ErrCorrupt, err)
	}
	if decodeSuper(raw).magic != superMagic {
		return "", fmt.Errorf("%w: no ext2 superblock", ErrInvalid)
	}
	name := raw[120:136]
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	return string(name), nil
}
