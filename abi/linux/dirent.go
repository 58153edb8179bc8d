package linux

import "encoding/binary"

// struct linux_dirent64, one record of getdents64(2) (fs/readdir.c,
// filldir64; include/linux/dirent.h):
//
//	 0 d_ino     u64   inode number
//	 8 d_off     s64   the position after this entry, for lseek
//	16 d_reclen  u16   this record's length
//	18 d_type    u8    DT_*
//	19 d_name    NUL-terminated name
//
// padded with zeros to a multiple of 8 bytes, so that the next record's
// d_ino is aligned.

// Directory entry types: a file type's S_IFMT bits shifted down by 12
// (fs_umode_to_dtype).
const (
	DT_UNKNOWN = 0
	DT_FIFO    = 1
	DT_CHR     = 2
	DT_DIR     = 4
	DT_BLK     = 6
	DT_REG     = 8
	DT_LNK     = 10
	DT_SOCK    = 12
	DT_WHT     = 14
)

const direntNameOff = 19 // offsetof(struct linux_dirent64, d_name)

// Dirent64Len is the d_reclen of a record for a name of n bytes:
// ALIGN(offsetof(d_name) + n + 1, 8), as filldir64 computes it.
func Dirent64Len(n int) int {
	return (direntNameOff + n + 1 + 7) &^ 7
}

// DirentType is the d_type of a file of mode (S_IFMT bits; 0 is
// DT_UNKNOWN).
func DirentType(mode uint32) uint8 {
	return uint8(mode & S_IFMT >> 12)
}

// AppendDirent64 appends one record. The caller checks first that
// Dirent64Len(len(name)) bytes fit in what is left of getdents64's
// buffer: filldir64 stops there, with EINVAL when not even the first
// record fits. A name with a NUL is the caller's bug (no filesystem
// holds one); it would end the name early for the reader.
func AppendDirent64(b []byte, ino uint64, off int64, typ uint8, name string) []byte {
	n := Dirent64Len(len(name))
	b = binary.LittleEndian.AppendUint64(b, ino)
	b = binary.LittleEndian.AppendUint64(b, uint64(off))
	b = binary.LittleEndian.AppendUint16(b, uint16(n))
	b = append(b, typ)
	b = append(b, name...)
	return append(b, make([]byte, n-direntNameOff-len(name))...)
}
