package linux

import "encoding/binary"

// struct stat as x86-64's stat(2), fstat(2), lstat(2) and newfstatat(2)
// fill it (arch/x86/include/uapi/asm/stat.h, the __x86_64__ branch;
// filled by cp_new_stat in fs/stat.c), 144 bytes:
//
//	 0 st_dev      u64        72 st_atime       i64
//	 8 st_ino      u64        80 st_atime_nsec  u64
//	16 st_nlink    u64        88 st_mtime       i64
//	24 st_mode     u32        96 st_mtime_nsec  u64
//	28 st_uid      u32       104 st_ctime       i64
//	32 st_gid      u32       112 st_ctime_nsec  u64
//	36 __pad0      u32       120 __unused[3]    i64 x 3
//	40 st_rdev     u64
//	48 st_size     i64
//	56 st_blksize  i64
//	64 st_blocks   i64       (512-byte units, whatever st_blksize is)
//
// Note st_nlink before st_mode: x86-64's order, not the generic one.
const SizeofStat = 144

// Stat is struct stat's fields.
type Stat struct {
	Dev, Ino, Nlink     uint64
	Mode, UID, GID      uint32
	Rdev                uint64
	Size, Blksize       int64
	Blocks              int64
	Atime, Mtime, Ctime Timespec
}

// Append appends s's 144 bytes, padding zero.
func (s *Stat) Append(b []byte) []byte {
	le := binary.LittleEndian
	b = le.AppendUint64(b, s.Dev)
	b = le.AppendUint64(b, s.Ino)
	b = le.AppendUint64(b, s.Nlink)
	b = le.AppendUint32(b, s.Mode)
	b = le.AppendUint32(b, s.UID)
	b = le.AppendUint32(b, s.GID)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint64(b, s.Rdev)
	b = le.AppendUint64(b, uint64(s.Size))
	b = le.AppendUint64(b, uint64(s.Blksize))
	b = le.AppendUint64(b, uint64(s.Blocks))
	b = s.Atime.Append(b)
	b = s.Mtime.Append(b)
	b = s.Ctime.Append(b)
	return append(b, make([]byte, 24)...)
}

// Makedev is a device number as Linux's new_encode_dev writes st_dev and
// st_rdev (include/linux/kdev_t.h): minor's low 8 bits, then 12 bits of
// major, then the rest of minor.
func Makedev(major, minor uint32) uint64 {
	return uint64(minor&0xff) | uint64(major&0xfff)<<8 | uint64(minor&^0xff)<<12
}
