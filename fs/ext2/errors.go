package ext2

import "errors"

// Sentinel errors. Every error this package returns wraps one of them
// (fmt.Errorf("%w: ...")), so callers test with errors.Is.
var (
	ErrNotExist    = errors.New("ext2: no such file or directory")
	ErrExist       = errors.New("ext2: file exists")
	ErrNotDir      = errors.New("ext2: not a directory")
	ErrIsDir       = errors.New("ext2: is a directory")
	ErrNotEmpty    = errors.New("ext2: directory not empty")
	ErrNoSpace     = errors.New("ext2: no space left on device")
	ErrReadOnly    = errors.New("ext2: read-only file system")
	ErrCorrupt     = errors.New("ext2: corrupt file system")
	ErrUnsupported = errors.New("ext2: unsupported feature")
	ErrNameTooLong = errors.New("ext2: file name too long")
	ErrInvalid     = errors.New("ext2: invalid argument")
	ErrBusy        = errors.New("ext2: busy")
	ErrLoop        = errors.New("ext2: too many levels of symbolic links")
)
