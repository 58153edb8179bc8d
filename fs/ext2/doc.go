// Package ext2 reads and writes the second extended file system, the
// disk format of the files Pagoda maps: mke2fs images on a virtio-blk
// device, or in memory for host tests. It is plain Go over a Device
// interface, with no TamaGo or unsafe import, so the same code runs in
// the kernel and under go test.
//
// Object model. Mount reads the superblock (struct ext2_super_block) and
// the primary group descriptor table (struct ext2_group_desc) and returns
// an FS. Metadata blocks (bitmaps, inode-table blocks, indirect blocks,
// directory blocks) go through a write-back block cache; regular-file
// data goes straight between the caller and the device. An Inode is the
// decoded struct ext2_inode of an inode in use, kept in the FS's table of
// open inodes: opening an inode twice yields the same *Inode, so every
// user shares one size and one block map. Paths are resolved one
// ext2_dir_entry_2 record at a time (htree directories are read as linear
// ones), following symlinks (at most 40 per walk, as Linux, then ErrLoop). Files are the classic tree of 12 direct, one
// single, one double and one triple indirect pointer; LoadBlockMap copies
// the whole tree into memory for BlockAt, which the page-fault path calls
// without allocating, locking or doing I/O.
//
// Files:
//
//	super.go    ext2_super_block: decode, validate, feature policy
//	group.go    ext2_group_desc: the descriptor table, group geometry
//	cache.go    the metadata block cache and the only device I/O paths
//	inode.go    ext2_inode: Inode, the open table (iget/iput), Stat
//	bmap.go     the indirect-block tree: lookup, allocation, truncation
//	blockmap.go the in-memory block map: LoadBlockMap, BlockAt
//	alloc.go    block and inode bitmaps, free counts, freeing inodes
//	xattr.go    releasing an inode's extended-attribute block
//	dir.go      ext2_dir_entry_2 records: lookup, list, add, delete
//	path.go     path resolution, symlinks, Open, Lstat, ReadDir, Readlink
//	namei.go    Create, Mkdir, Symlink, Link, Unlink, Rmdir
//	rename.go   Rename: replacing a target, moving a directory
//	file.go     ReadAt, WriteAt, Truncate
//	fs.go       FS, Mount, Sync, Unmount, Statfs
//
// Invariants:
//   - every device access goes through devRead or devWrite, which refuse
//     blocks outside [0, s_blocks_count); Mount has checked that range
//     against the device size, so nothing is read or written beyond the
//     file system, whatever the image says;
//   - every block pointer, inode number and directory record taken from
//     disk is validated before use; a bad one is ErrCorrupt, never a
//     panic, and a write that would store one is refused;
//   - a bit flips in a bitmap only together with its group's
//     bg_free_*_count and the FS totals, which Sync writes into
//     s_free_blocks_count and s_free_inodes_count, so the counts e2fsck
//     checks are exact after every operation;
//   - i_blocks counts every block an inode owns, indirect and attribute
//     blocks included, in 512-byte units;
//   - at most one Inode exists per inode number while it has references;
//     an inode whose last link goes while it is referenced (an orphan) is
//     freed, blocks and all, when its last reference is dropped, as Linux
//     ext2_evict_inode;
//   - bytes past i_size in a file's last block are zero on disk;
//   - allocation happens before linking: an operation that runs out of
//     space frees what it allocated and leaves the file system consistent.
//
// Formats and features. Block sizes of 1, 2 and 4 KiB; revision 0
// (128-byte inodes, first inode 11, no features) and 1. Supported:
// filetype, sparse_super, large_file (turned on when a file first reaches
// 2 GiB, as Linux does), and the COMPAT features mke2fs enables for ext2
// (resize_inode, whose inode and reserved GDT blocks are left alone;
// dir_index, whose index a modified directory loses with EXT2_INDEX_FL;
// ext_attr, whose blocks are reference-counted on delete). Any other
// INCOMPAT bit refuses the mount; any other RO_COMPAT bit mounts
// read-only with a Notice.
//
// Locking: one mutex, FS.mu, guards the FS, the cache and every Inode;
// each exported method takes it for its whole duration, and every
// unexported function runs with it held (the package's one convention,
// which is why none is suffixed Locked). Its callers hold the big kernel
// lock (lock.Kernel) around it; inside it, only the Device's own locks
// are taken, by its I/O (mm/doc.go draws the whole order):
//
//	lock.Kernel
//	  FS.mu
//	    the Device's (virtio-blk: a request slot, the ring's lock.Spin)
//
// Inode.BlockAt and Inode.Size take no lock: the kernel serializes page
// faults on a file against writes to it (one CPU, faults run to
// completion).
//
// Missing: device nodes, FIFOs and sockets cannot be created
// (they are read and listed); atime is never updated (noatime); the
// reserved-blocks limit (s_r_blocks_count) is not enforced, as for root;
// backup superblocks and descriptor tables are not updated (as Linux
// ext2); htree indexes are dropped, not maintained; no orphan list on
// disk, so an orphan still open at a crash is found by e2fsck as an
// unattached inode; block sizes above 4 KiB; the metadata cache is
// bounded only crudely (flushed and emptied past 4096 blocks between
// operations).
package ext2
