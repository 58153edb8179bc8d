package ext2

import (
	"encoding/binary"
	"fmt"
)

// i_mode file-type bits and the inode flags this package uses.
const (
	modeFmt    = 0xF000 // S_IFMT
	modeSock   = 0xC000 // S_IFSOCK
	modeLink   = 0xA000 // S_IFLNK
	modeReg    = 0x8000 // S_IFREG
	modeBlk    = 0x6000 // S_IFBLK
	modeDir    = 0x4000 // S_IFDIR
	modeChr    = 0x2000 // S_IFCHR
	modeFifo   = 0x1000 // S_IFIFO
	modePerm   = 0x0FFF // permission, setuid, setgid and sticky bits
	indexFlag  = 0x1000 // EXT2_INDEX_FL: htree-indexed directory
	nBlockPtrs = 15     // EXT2_N_BLOCKS: 12 direct, single, double, triple
	nDirect    = 12     // EXT2_NDIR_BLOCKS

	linkMax      = 32000 // EXT2_LINK_MAX
	extraIsize   = 32    // i_extra_isize of inodes created on 256-byte-inode file systems, as mke2fs
	fastLinkSize = 4 * nBlockPtrs
)

// FileType is the type of an inode, as the file_type byte of struct
// ext2_dir_entry_2 encodes it (EXT2_FT_*).
type FileType uint8

// File types (EXT2_FT_UNKNOWN ... EXT2_FT_SYMLINK).
const (
	TypeUnknown FileType = iota
	TypeRegular
	TypeDir
	TypeCharDev
	TypeBlockDev
	TypeFIFO
	TypeSocket
	TypeSymlink
)

var typeNames = [...]string{"unknown", "regular", "dir", "chardev", "blockdev", "fifo", "socket", "symlink"}

func (t FileType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("FileType(%d)", uint8(t))
}

// typeOfMode maps i_mode's S_IFMT bits to a FileType.
func typeOfMode(mode uint16) FileType {
	switch mode & modeFmt {
	case modeReg:
		return TypeRegular
	case modeDir:
		return TypeDir
	case modeChr:
		return TypeCharDev
	case modeBlk:
		return TypeBlockDev
	case modeFifo:
		return TypeFIFO
	case modeSock:
		return TypeSocket
	case modeLink:
		return TypeSymlink
	}
	return TypeUnknown
}

// Stat describes an inode. Mode is the whole i_mode (type and
// permission bits); Blocks counts 512-byte units, indirect blocks and the
// extended-attribute block included, as i_blocks.
type Stat struct {
	Ino                 uint32
	Mode                uint16
	Type                FileType
	Size                int64
	Links               uint16
	Blocks              uint64
	Uid, Gid            uint32
	Atime, Mtime, Ctime uint32
}

// Inode is an inode in use: a file, directory or symlink that is open or
// that an operation is working on. The FS's table of open inodes holds at
// most one Inode per inode number, so every opener shares its size and
// block map. Its fields are the decoded struct ext2_inode; each change is
// written at once into the cached inode-table block (writeInode), so the
// cache, not this struct, is what Sync writes back.
type Inode struct {
	fs   *FS
	num  uint32
	refs int // references (Open, Create, operations in progress); guarded by fs.mu

	mode      uint16             // i_mode
	uid, gid  uint32             // i_uid | l_i_uid_high<<16, i_gid | l_i_gid_high<<16
	size      int64              // i_size | i_size_high<<32 (regular files)
	atime     uint32             // i_atime
	ctime     uint32             // i_ctime
	mtime     uint32             // i_mtime
	dtime     uint32             // i_dtime
	links     uint16             // i_links_count
	blocks    uint64             // i_blocks, in 512-byte units
	flags     uint32             // i_flags
	block     [nBlockPtrs]uint32 // i_block
	fileACL   uint32             // i_file_acl: extended-attribute block
	bmap      *blockMap          // the loaded block map, or nil (LoadBlockMap)
	lastAlloc uint64             // last block allocated to the inode: the allocation goal (i_next_alloc_goal)
}

// inodeLocation is the inode-table block holding inode num and the byte
// offset of the inode inside it.
func (fs *FS) inodeLocation(num uint32) (uint64, int, error) {
	if num == 0 || num > fs.sb.inodesCount {
		return 0, 0, fmt.Errorf("%w: inode number %d out of range", ErrCorrupt, num)
	}
	g, idx := (num-1)/fs.sb.inodesPerGroup, (num-1)%fs.sb.inodesPerGroup
	off := uint64(idx) * uint64(fs.sb.inodeSize)
	return uint64(fs.groups[g].inodeTable) + off/uint64(fs.bs), int(off % uint64(fs.bs)), nil
}

// iget returns inode num with one more reference, reading and checking
// it unless it is already in the table of open inodes.
func (fs *FS) iget(num uint32) (*Inode, error) {
	if ino, ok := fs.open[num]; ok {
		ino.refs++
		return ino, nil
	}
	blk, off, err := fs.inodeLocation(num)
	if err != nil {
		return nil, err
	}
	buf, err := fs.cache.get(blk)
	if err != nil {
		return nil, err
	}
	ino := &Inode{fs: fs, num: num, refs: 1}
	ino.decode(buf[off : off+goodOldInodeSize])
	if ino.links == 0 || ino.mode == 0 {
		return nil, fmt.Errorf("%w: inode %d is not in use", ErrCorrupt, num)
	}
	if err := ino.check(); err != nil {
		return nil, err
	}
	fs.open[num] = ino
	return ino, nil
}

// iput drops a reference. The last reference to an inode with no links
// left (unlinked while open: an orphan) frees its blocks and the inode,
// as Linux ext2_evict_inode.
func (fs *FS) iput(ino *Inode) error {
	if ino.refs <= 0 {
		panic("ext2.iput: reference count underflow")
	}
	ino.refs--
	if ino.refs > 0 {
		return nil
	}
	delete(fs.open, ino.num)
	if ino.links == 0 && !fs.ro && ino.mode != 0 {
		return fs.freeInode(ino)
	}
	return nil
}

func (ino *Inode) decode(b []byte) {
	le := binary.LittleEndian
	ino.mode = le.Uint16(b[0:])
	ino.uid = uint32(le.Uint16(b[2:])) | uint32(le.Uint16(b[120:]))<<16
	ino.size = int64(le.Uint32(b[4:]))
	ino.atime = le.Uint32(b[8:])
	ino.ctime = le.Uint32(b[12:])
	ino.mtime = le.Uint32(b[16:])
	ino.dtime = le.Uint32(b[20:])
	ino.gid = uint32(le.Uint16(b[24:])) | uint32(le.Uint16(b[122:]))<<16
	ino.links = le.Uint16(b[26:])
	ino.blocks = uint64(le.Uint32(b[28:]))
	ino.flags = le.Uint32(b[32:])
	for i := range ino.block {
		ino.block[i] = le.Uint32(b[40+4*i:])
	}
	ino.fileACL = le.Uint32(b[104:])
	if ino.mode&modeFmt == modeReg && ino.fs.sb.revLevel >= dynamicRev {
		ino.size |= int64(le.Uint32(b[108:])) << 32
	}
}

// check validates what later code relies on: sizes inside the file
// system's reach and the extended-attribute block in range. Block
// pointers are checked where they are followed.
func (ino *Inode) check() error {
	fs := ino.fs
	if ino.size < 0 || ino.size > fs.maxFileSize() {
		return fmt.Errorf("%w: inode %d: size %d", ErrCorrupt, ino.num, ino.size)
	}
	if ino.fileACL != 0 && !fs.validBlock(uint64(ino.fileACL)) {
		return fmt.Errorf("%w: inode %d: attribute block %d", ErrCorrupt, ino.num, ino.fileACL)
	}
	switch ino.mode & modeFmt {
	case modeDir:
		if ino.size%int64(fs.bs) != 0 || ino.size > int64(fs.sb.blocksCount)*int64(fs.bs) {
			return fmt.Errorf("%w: directory %d: size %d", ErrCorrupt, ino.num, ino.size)
		}
	case modeLink:
		if ino.size >= int64(fs.bs) {
			return fmt.Errorf("%w: symlink %d: length %d", ErrCorrupt, ino.num, ino.size)
		}
	}
	return nil
}

// writeInode encodes ino into its cached inode-table block.
func (fs *FS) writeInode(ino *Inode) error {
	blk, off, err := fs.inodeLocation(ino.num)
	if err != nil {
		return err
	}
	buf, err := fs.cache.get(blk)
	if err != nil {
		return err
	}
	b := buf[off:]
	le := binary.LittleEndian
	le.PutUint16(b[0:], ino.mode)
	le.PutUint16(b[2:], uint16(ino.uid))
	le.PutUint32(b[4:], uint32(ino.size))
	le.PutUint32(b[8:], ino.atime)
	le.PutUint32(b[12:], ino.ctime)
	le.PutUint32(b[16:], ino.mtime)
	le.PutUint32(b[20:], ino.dtime)
	le.PutUint16(b[24:], uint16(ino.gid))
	le.PutUint16(b[26:], ino.links)
	le.PutUint32(b[28:], uint32(ino.blocks))
	le.PutUint32(b[32:], ino.flags)
	for i, p := range ino.block {
		le.PutUint32(b[40+4*i:], p)
	}
	le.PutUint32(b[104:], ino.fileACL)
	if ino.mode&modeFmt == modeReg && fs.sb.revLevel >= dynamicRev {
		le.PutUint32(b[108:], uint32(ino.size>>32))
	}
	le.PutUint16(b[120:], uint16(ino.uid>>16))
	le.PutUint16(b[122:], uint16(ino.gid>>16))
	fs.cache.dirty(blk)
	return nil
}

// initInode clears a newly allocated inode's on-disk slot (all of
// s_inode_size bytes) and sets i_extra_isize as mke2fs does.
func (fs *FS) initInode(num uint32) error {
	blk, off, err := fs.inodeLocation(num)
	if err != nil {
		return err
	}
	buf, err := fs.cache.get(blk)
	if err != nil {
		return err
	}
	clear(buf[off : off+int(fs.sb.inodeSize)])
	if fs.sb.inodeSize >= goodOldInodeSize+extraIsize {
		binary.LittleEndian.PutUint16(buf[off+goodOldInodeSize:], extraIsize)
	}
	fs.cache.dirty(blk)
	return nil
}

func (ino *Inode) isDir() bool     { return ino.mode&modeFmt == modeDir }
func (ino *Inode) isReg() bool     { return ino.mode&modeFmt == modeReg }
func (ino *Inode) isSymlink() bool { return ino.mode&modeFmt == modeLink }

// stat fills a Stat from the decoded inode.
func (ino *Inode) stat() Stat {
	return Stat{
		Ino: ino.num, Mode: ino.mode, Type: typeOfMode(ino.mode), Size: ino.size,
		Links: ino.links, Blocks: ino.blocks, Uid: ino.uid, Gid: ino.gid,
		Atime: ino.atime, Mtime: ino.mtime, Ctime: ino.ctime,
	}
}

// Stat returns the inode's attributes.
func (ino *Inode) Stat() Stat {
	ino.fs.mu.Lock()
	defer ino.fs.mu.Unlock()
	return ino.stat()
}

// Num is the inode number.
func (ino *Inode) Num() uint32 { return ino.num }

// Size is the file size in bytes. Like BlockAt it takes no lock and does
// no I/O: callers serialize against writers to the same inode.
func (ino *Inode) Size() int64 { return ino.size }

// Close releases the reference Open or Create returned. The last Close of
// an unlinked inode frees it.
func (ino *Inode) Close() error {
	fs := ino.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if ino.refs <= 0 {
		return fmt.Errorf("%w: inode %d closed twice", ErrInvalid, ino.num)
	}
	return fs.iput(ino)
}
