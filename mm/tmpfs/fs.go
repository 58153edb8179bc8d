package tmpfs

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// Errors. The texts are Linux's, after "tmpfs: ".
var (
	ErrNotExist    = errors.New("tmpfs: no such file or directory")
	ErrExist       = errors.New("tmpfs: file exists")
	ErrNotDir      = errors.New("tmpfs: not a directory")
	ErrIsDir       = errors.New("tmpfs: is a directory")
	ErrNotEmpty    = errors.New("tmpfs: directory not empty")
	ErrNameTooLong = errors.New("tmpfs: file name too long")
	ErrInvalid     = errors.New("tmpfs: invalid argument")
	ErrBusy        = errors.New("tmpfs: device or resource busy")
	// ErrNoSpace: the size limit is reached (ENOSPC).
	ErrNoSpace = errors.New("tmpfs: no space left on device")
	// ErrNoMemory: no frame for a page (ENOMEM).
	ErrNoMemory = errors.New("tmpfs: cannot allocate memory")
	// ErrNoSwap: WritePage without a Swap; the page stays in memory.
	ErrNoSwap = errors.New("tmpfs: no swap")
)

// maxNameLen is NAME_MAX.
const maxNameLen = 255

// Options are an instance's mount options.
type Options struct {
	// Pages bounds the pages the filesystem holds, in memory or in swap
	// (size=, in pages). 0: no limit, as Linux's size=0.
	Pages uint64
	// Mountpoint prefixes the names of the files' page caches, which
	// maps and messages show ("/tmp").
	Mountpoint string
}

// FS is one tmpfs instance.
type FS struct {
	// Now is the clock of the inodes' times, in nanoseconds since 1970.
	// New sets one that always says 0; the VFS replaces it with the
	// kernel's wall clock before the first change.
	Now func() int64

	cache *pagecache.Cache
	// swap is where pages go under pressure; nil: nowhere. Changed only
	// while no page is in swap (SetSwap).
	swap Swap
	// limit is Options.Pages; used counts the pages charged to it:
	// every page of every live file that is not a hole. The fault path
	// reads and increments used (charge).
	limit, used uint64
	// swapped counts the pages in state inSwap.
	swapped    uint64
	mountpoint string
	root       *inode // nil once unmounted
	nextIno    uint64
	// files are the regular files whose data live: linked, open or
	// mapped. A file leaves at discard.
	files map[*File]struct{}
}

// New makes an empty tmpfs whose files are cached in cache.
func New(cache *pagecache.Cache, o Options) *FS {
	fsys := &FS{Now: func() int64 { return 0 }, cache: cache, limit: o.Pages, mountpoint: strings.TrimSuffix(o.Mountpoint, "/"), nextIno: 1, files: map[*File]struct{}{}}
	fsys.root = fsys.newInode(fs.ModeDir | fs.ModeSticky | 0o777) // as /tmp
	fsys.root.parent = fsys.root
	return fsys
}

// SetSwap sets where pages go under pressure (nil: nowhere). The
// kernel's swap layer sets it once; it cannot change while pages are in
// the old one (ErrBusy: Unswap them first).
func (fsys *FS) SetSwap(s Swap) error {
	if fsys.swapped > 0 && s != fsys.swap {
		return fmt.Errorf("%w: %d pages are in swap", ErrBusy, fsys.swapped)
	}
	fsys.swap = s
	return nil
}

// Statfs are an instance's figures, in pages.
type Statfs struct {
	Limit   uint64 // the size limit (0: none)
	Used    uint64 // pages held, in memory or in swap
	Swapped uint64 // of which in swap
	Files   int    // regular files whose data live (unlinked ones included)
}

// Statfs returns the instance's figures.
func (fsys *FS) Statfs() Statfs {
	return Statfs{Limit: fsys.limit, Used: fsys.used, Swapped: fsys.swapped, Files: len(fsys.files)}
}

// room reports whether n more pages fit under the limit. No allocation.
func (fsys *FS) room(n uint64) bool {
	return fsys.limit == 0 || fsys.used+n <= fsys.limit
}

// Unmount discards every file, and the instance with them. It is
// refused (ErrBusy, nothing changed) while a file is mapped or open.
func (fsys *FS) Unmount() error {
	if err := fsys.Busy(); err != nil {
		return err
	}
	for f := range fsys.files {
		f.discard()
	}
	fsys.root = nil
	return nil
}

// Busy reports (ErrBusy) a file that is mapped or open: Unmount would
// be refused.
func (fsys *FS) Busy() error {
	if err := fsys.usable(); err != nil {
		return err
	}
	for _, f := range fsys.liveFiles() {
		if f.pc.Mapped() || f.opens > 0 {
			return fmt.Errorf("%w: %s is in use", ErrBusy, f.pc.Name)
		}
	}
	return nil
}

func (fsys *FS) usable() error {
	if fsys.root == nil {
		return fmt.Errorf("%w: unmounted", ErrInvalid)
	}
	return nil
}

// liveFiles lists the files whose data live, by inode number.
func (fsys *FS) liveFiles() []*File {
	list := make([]*File, 0, len(fsys.files))
	for f := range fsys.files {
		list = append(list, f)
	}
	slices.SortFunc(list, func(a, b *File) int { return cmp.Compare(a.in.ino, b.in.ino) })
	return list
}
