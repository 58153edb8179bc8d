package linux

import "encoding/binary"

// struct statfs as x86-64's statfs(2) and fstatfs(2) fill it
// (include/uapi/asm-generic/statfs.h with 64-bit longs; filled by
// do_statfs_native in fs/statfs.c), 120 bytes:
//
//	 0 f_type     i64        56 f_fsid      i32 x 2
//	 8 f_bsize    i64        64 f_namelen   i64
//	16 f_blocks   u64        72 f_frsize    i64
//	24 f_bfree    u64        80 f_flags     i64
//	32 f_bavail   u64        88 f_spare     i64 x 4
//	40 f_files    u64
//	48 f_ffree    u64
const SizeofStatfs = 120

// Filesystem magic numbers, statfs's f_type (include/uapi/linux/magic.h).
const (
	EXT2_SUPER_MAGIC = 0xef53
	TMPFS_MAGIC      = 0x01021994 // devtmpfs's too
	PROC_SUPER_MAGIC = 0x9fa0
)

// Mount flags of statfs's f_flags (ST_* of include/linux/statfs.h).
const (
	ST_RDONLY   = 0x0001
	ST_NOSUID   = 0x0002
	ST_NODEV    = 0x0004
	ST_NOEXEC   = 0x0008
	ST_VALID    = 0x0020 // f_flags is filled in (the kernel's; not in the C headers)
	ST_RELATIME = 0x1000
)

// Statfs is struct statfs's fields.
type Statfs struct {
	Type, Bsize                         int64
	Blocks, Bfree, Bavail, Files, Ffree uint64
	Fsid                                [2]int32
	Namelen, Frsize, Flags              int64
}

// Append appends s's 120 bytes, f_spare zero.
func (s *Statfs) Append(b []byte) []byte {
	le := binary.LittleEndian
	b = le.AppendUint64(b, uint64(s.Type))
	b = le.AppendUint64(b, uint64(s.Bsize))
	for _, v := range []uint64{s.Blocks, s.Bfree, s.Bavail, s.Files, s.Ffree} {
		b = le.AppendUint64(b, v)
	}
	b = le.AppendUint32(b, uint32(s.Fsid[0]))
	b = le.AppendUint32(b, uint32(s.Fsid[1]))
	b = le.AppendUint64(b, uint64(s.Namelen))
	b = le.AppendUint64(b, uint64(s.Frsize))
	b = le.AppendUint64(b, uint64(s.Flags))
	return append(b, make([]byte, 32)...)
}
