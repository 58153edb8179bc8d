package linux

// The values of open(2), fcntl(2), the *at(2) calls and the file mode, on
// x86-64 (the generic values):
//
//	include/uapi/asm-generic/fcntl.h  O_*, F_* (0..16, 36..38), FD_CLOEXEC
//	include/uapi/linux/fcntl.h        F_LINUX_SPECIFIC_BASE.., AT_*
//	include/uapi/linux/stat.h         S_IF*, S_IS*
//	include/uapi/linux/fs.h           SEEK_*
//	include/uapi/linux/unistd.h (via glibc's <unistd.h>)  F_OK, R_OK, W_OK, X_OK
//
// Untyped, as in C. O_LARGEFILE is the kernel's 0100000, which 64-bit
// programs never need to pass: Linux sets it itself (force_o_largefile)
// and glibc defines it as 0 there.

// Open flags: the access mode in the low two bits, then one bit each.
const (
	O_ACCMODE   = 0o3
	O_RDONLY    = 0o0
	O_WRONLY    = 0o1
	O_RDWR      = 0o2
	O_CREAT     = 0o100
	O_EXCL      = 0o200
	O_NOCTTY    = 0o400
	O_TRUNC     = 0o1000
	O_APPEND    = 0o2000
	O_NONBLOCK  = 0o4000
	O_DSYNC     = 0o10000
	FASYNC      = 0o20000
	O_DIRECT    = 0o40000
	O_LARGEFILE = 0o100000
	O_DIRECTORY = 0o200000
	O_NOFOLLOW  = 0o400000
	O_NOATIME   = 0o1000000
	O_CLOEXEC   = 0o2000000
	O__SYNC     = 0o4000000 // __O_SYNC: O_SYNC without O_DSYNC
	O_SYNC      = O__SYNC | O_DSYNC
	O_PATH      = 0o10000000
	O__TMPFILE  = 0o20000000 // __O_TMPFILE
	O_TMPFILE   = O__TMPFILE | O_DIRECTORY
	O_NDELAY    = O_NONBLOCK
)

// VALID_OPEN_FLAGS is every flag open(2) knows (include/linux/fcntl.h);
// build_open_how drops the others.
const VALID_OPEN_FLAGS = O_RDONLY | O_WRONLY | O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
	O_APPEND | O_NDELAY | O_DSYNC | FASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY |
	O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O__TMPFILE | O__SYNC

// SETFL_MASK is what fcntl(F_SETFL) may change (fs/fcntl.c); the rest of
// its argument is ignored.
const SETFL_MASK = O_APPEND | O_NONBLOCK | O_NDELAY | FASYNC | O_DIRECT | O_NOATIME

// fcntl commands.
const (
	F_DUPFD         = 0
	F_GETFD         = 1
	F_SETFD         = 2
	F_GETFL         = 3
	F_SETFL         = 4
	F_GETLK         = 5
	F_SETLK         = 6
	F_SETLKW        = 7
	F_SETOWN        = 8
	F_GETOWN        = 9
	F_SETSIG        = 10
	F_GETSIG        = 11
	F_SETOWN_EX     = 15
	F_GETOWN_EX     = 16
	F_OFD_GETLK     = 36
	F_OFD_SETLK     = 37
	F_OFD_SETLKW    = 38
	F_SETLEASE      = 1024 // F_LINUX_SPECIFIC_BASE + 0
	F_GETLEASE      = 1025
	F_NOTIFY        = 1026
	F_DUPFD_CLOEXEC = 1030
	F_SETPIPE_SZ    = 1031
	F_GETPIPE_SZ    = 1032
	F_ADD_SEALS     = 1033
	F_GET_SEALS     = 1034
)

// FD_CLOEXEC is F_GETFD's and F_SETFD's only flag.
const FD_CLOEXEC = 1

// The *at calls' directory and flags.
const (
	AT_FDCWD            = -100 // the dirfd meaning "the current directory"
	AT_SYMLINK_NOFOLLOW = 0x100
	AT_EACCESS          = 0x200 // faccessat: effective ids
	AT_REMOVEDIR        = 0x200 // unlinkat: rmdir
	AT_SYMLINK_FOLLOW   = 0x400
	AT_NO_AUTOMOUNT     = 0x800
	AT_EMPTY_PATH       = 0x1000
)

// File types and mode bits (st_mode, open's and mkdir's mode).
const (
	S_IFMT    = 0o170000
	S_IFSOCK  = 0o140000
	S_IFLNK   = 0o120000
	S_IFREG   = 0o100000
	S_IFBLK   = 0o060000
	S_IFDIR   = 0o040000
	S_IFCHR   = 0o020000
	S_IFIFO   = 0o010000
	S_ISUID   = 0o4000
	S_ISGID   = 0o2000
	S_ISVTX   = 0o1000
	S_IALLUGO = S_ISUID | S_ISGID | S_ISVTX | 0o777 // include/linux/stat.h
)

// access(2)'s mode.
const (
	F_OK = 0
	X_OK = 1
	W_OK = 2
	R_OK = 4
)

// lseek(2)'s whence.
const (
	SEEK_SET  = 0
	SEEK_CUR  = 1
	SEEK_END  = 2
	SEEK_DATA = 3
	SEEK_HOLE = 4
)

// OpenFlags is open(2)'s flags and mode as Linux's build_open_how and
// build_open_flags (fs/open.c) read them for open and openat.
type OpenFlags struct {
	// Access is flags&O_ACCMODE: O_RDONLY, O_WRONLY, O_RDWR, or 3,
	// which Linux accepts and which opens for neither reading nor
	// writing (see Readable).
	Access uint8

	Create, Excl, Trunc, Append, CloExec, Directory, NoFollow, NonBlock bool

	// Path is O_PATH: a descriptor only for the *at calls, fstat and
	// close. With it Linux keeps only O_DIRECTORY, O_NOFOLLOW and
	// O_CLOEXEC, and so does OpenFlags.
	Path bool

	// Mode is the file's mode with O_CREAT: mode & S_IALLUGO, before the
	// umask, which is the caller's. 0 without O_CREAT, as build_open_how
	// clears it.
	Mode uint32

	// Status is the flags F_GETFL reports (the f_flags of do_dentry_open):
	// the flags after O_PATH's mask, without O_CREAT, O_EXCL, O_NOCTTY,
	// O_TRUNC and O_CLOEXEC (a descriptor's, not the file's). Checked
	// against the host's Linux in host_test.go.
	Status uint32
}

// DecodeOpenFlags is open's and openat's flags and mode, in the order
// Linux's do_sys_open, build_open_how and build_open_flags (fs/open.c)
// take them:
//   - flags is an int: the upper 32 bits of the register are ignored; so
//     is every bit outside VALID_OPEN_FLAGS (open and openat do not
//     check them; only openat2 does);
//   - O_LARGEFILE is added (force_o_largefile), then O_PATH keeps only
//     O_DIRECTORY, O_NOFOLLOW and O_CLOEXEC besides itself;
//   - O_DIRECTORY with O_CREAT: EINVAL (Linux 6.4);
//   - O_TMPFILE without O_DIRECTORY's bit, with O_CREAT, or read-only:
//     EINVAL; otherwise EOPNOTSUPP, what Linux returns on a filesystem
//     without ->tmpfile (Pagoda has none);
//   - O_SYNC, O_DSYNC, O_DIRECT, O_NOATIME, O_NOCTTY, FASYNC are
//     accepted and mean nothing to Pagoda (no write-back ordering or
//     access times to give up), but stay in Status.
func DecodeOpenFlags(flags, mode uint64) (OpenFlags, error) {
	f := uint32(flags)&VALID_OPEN_FLAGS | O_LARGEFILE
	if f&O_PATH != 0 {
		f &= O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC
	}
	if f&(O_DIRECTORY|O_CREAT) == O_DIRECTORY|O_CREAT {
		return OpenFlags{}, EINVAL
	}
	if f&O__TMPFILE != 0 {
		if f&(O_TMPFILE|O_CREAT) != O_TMPFILE || f&O_ACCMODE == O_RDONLY {
			return OpenFlags{}, EINVAL
		}
		return OpenFlags{}, EOPNOTSUPP
	}
	o := OpenFlags{
		Access:    uint8(f & O_ACCMODE),
		Create:    f&O_CREAT != 0,
		Excl:      f&O_EXCL != 0,
		Trunc:     f&O_TRUNC != 0,
		Append:    f&O_APPEND != 0,
		CloExec:   f&O_CLOEXEC != 0,
		Directory: f&O_DIRECTORY != 0,
		NoFollow:  f&O_NOFOLLOW != 0,
		NonBlock:  f&O_NONBLOCK != 0,
		Path:      f&O_PATH != 0,
		Status:    f &^ (O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC),
	}
	if o.Create {
		o.Mode = uint32(mode) & S_IALLUGO
	}
	return o, nil
}

// Readable reports whether the file is open for reading: OPEN_FMODE's
// FMODE_READ, O_RDONLY or O_RDWR (not O_PATH's descriptor, and not
// access mode 3).
func (o OpenFlags) Readable() bool {
	return !o.Path && (o.Access == O_RDONLY || o.Access == O_RDWR)
}

// Writable reports whether the file is open for writing: O_WRONLY or
// O_RDWR, not O_PATH.
func (o OpenFlags) Writable() bool {
	return !o.Path && (o.Access == O_WRONLY || o.Access == O_RDWR)
}

// SetStatusFlags is fcntl(F_SETFL, arg) on a file whose flags are
// status: the bits of SETFL_MASK come from arg, the rest stay (setfl in
// fs/fcntl.c; O_DIRECT and FASYNC are the filesystem's and device's to
// refuse, which the caller decides). arg is an int.
func SetStatusFlags(status uint32, arg uint64) uint32 {
	return status&^SETFL_MASK | uint32(arg)&SETFL_MASK
}
