package vfs

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/pagoda-os/pagoda/fs/ext2"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/swap"
	"github.com/pagoda-os/pagoda/mm/tmpfs"
)

// Disk is a block device as the kernel uses it: ext2's Device, plus a
// name, and a polled read straight into physical memory for the fault
// path (drivers/virtio/blk.Disk).
type Disk interface {
	ext2.PhysDevice
	Name() string
	Sectors() uint64
	Features() []string
}

// Errors of the file layer.
var (
	ErrNotMounted  = errors.New("no filesystem mounted there")
	ErrBusy        = errors.New("device or resource busy")
	ErrNoDevice    = errors.New("no such device")
	ErrBadPath     = errors.New("path must be absolute")
	ErrNameTooLong = errors.New("file name too long")
	// ErrCrossDevice: a rename or link between two mounts (EXDEV).
	ErrCrossDevice = errors.New("invalid cross-device link")
	// ErrLoop: more than MaxSymlinks symlinks in one path (ELOOP).
	ErrLoop = errors.New("too many levels of symbolic links")
)

// MaxSymlinks bounds the symlinks one path resolution follows: Linux's
// MAXSYMLINKS.
const MaxSymlinks = 40

// PathMax is the longest path the VFS takes, in bytes: Linux's PATH_MAX
// (4096) less its terminating NUL. A longer one is ErrNameTooLong, as
// Linux's getname gives ENAMETOOLONG; each name in it is bounded by its
// filesystem (255 bytes on ext2 and tmpfs).
const PathMax = 4095

// VFS is the mount table and the open files.
type VFS struct {
	Cache  *pagecache.Cache
	Disks  []Disk
	mounts []*Mount
	// Writebacks counts the background writeback's passes that wrote.
	Writebacks uint64
	// wbTick is the background writeback's poll (writeback.go).
	wbTick *time.Ticker
	// tmpfsSwap is where every tmpfs instance sends its pages under
	// pressure (SetTmpfsSwap); nil: nowhere yet.
	tmpfsSwap tmpfs.Swap
	// shm is the internal tmpfs instance that holds the objects of
	// shared anonymous mappings (ShmemFile), as Linux's shm_mnt: in no
	// mount table (df and mount do not show it), without a size limit
	// (the overcommit policy bounds it, as it does Linux's), but
	// swapped and unswapped with the mounted instances.
	shm *tmpfs.FS
	// Clock is the wall clock of the files' times, in nanoseconds since
	// 1970 (the kernel's CLOCK_REALTIME); nil until the kernel sets it:
	// ext2 then stamps its superblock's last write time, tmpfs 0.
	Clock func() int64
}

// now is Clock's time, or 0 without one.
func (v *VFS) now() int64 {
	if v.Clock == nil {
		return 0
	}
	return v.Clock()
}

// filesystem is a mounted filesystem as the VFS drives it. Paths are
// inside the filesystem ("/" is its root).
type filesystem interface {
	// source is df's Filesystem column: the disk, or "tmpfs".
	source() string
	// open returns the regular file at rel (abs: its path in the VFS),
	// with a reference that File.Close drops.
	open(rel, abs string) (*File, error)
	create(rel string, perm fs.FileMode) error
	// remove unlinks a file; a mapped one lives on.
	remove(rel string) error
	mkdir(rel string) error
	rmdir(rel string) error
	readDir(rel string) ([]DirEntry, error)
	lstat(rel string) (Stat, error)
	readlink(rel string) (string, error)
	// rename moves a name within the filesystem (RENAME_NOREPLACE:
	// noReplace); link makes a second name of a non-directory; symlink
	// makes a symlink; setTimes sets atime and mtime (nanoseconds since
	// 1970; nil: unchanged) and stamps ctime. None follows a final
	// symlink.
	rename(oldRel, newRel string, noReplace bool) error
	link(oldRel, newRel string) error
	symlink(target, rel string) error
	setTimes(rel string, atime, mtime *int64) error
	// chmod sets the permission, set-id and sticky bits.
	chmod(rel string, perm fs.FileMode) error
	usage() Usage
	// sync writes dirty pages and metadata back, where there is a back.
	sync() error
	// busy reports a file that is mapped (ErrBusy, or tmpfs.ErrBusy,
	// which also counts open files): no unmount then.
	busy() error
	// unmount writes back and lets go, or discards; the mount is gone
	// even when it returns an error.
	unmount() error
}

// Mount is a mounted filesystem.
type Mount struct {
	Path string
	Dev  Disk // the disk of an ext2 mount; nil for tmpfs
	fs   filesystem
}

// Ext2 is the mount's ext2 filesystem, or nil.
func (m *Mount) Ext2() *ext2.FS {
	if e, ok := m.fs.(*ext2Mount); ok {
		return e.fs
	}
	return nil
}

// Tmpfs is the mount's tmpfs instance, or nil.
func (m *Mount) Tmpfs() *tmpfs.FS {
	if t, ok := m.fs.(*tmpfsMount); ok {
		return t.fs
	}
	return nil
}

// Usage is a filesystem's space, in bytes (statfs: f_blocks, the blocks
// used, f_bavail).
type Usage struct {
	Size, Used, Avail uint64
}

// Usage is the mount's space.
func (m *Mount) Usage() Usage { return m.fs.usage() }

// Source is what df shows as the mount's filesystem: the disk, or
// "tmpfs".
func (m *Mount) Source() string { return m.fs.source() }

// Stat describes an inode, whatever its filesystem.
type Stat struct {
	Ino    uint64
	Mode   fs.FileMode // type bits and permissions
	Links  uint32
	Size   int64
	Blocks uint64 // 512-byte blocks
	// Atime, Mtime, Ctime are in nanoseconds since 1970 (ext2 keeps
	// whole seconds).
	Atime, Mtime, Ctime int64
}

// DirEntry is a name in a directory.
type DirEntry struct {
	Name string
	Ino  uint64
	Type fs.FileMode // the type bits
}

// File is a regular file of a mounted filesystem, with its page cache.
// Read, write and truncate it through its methods (a tmpfs write must
// be charged to its size limit first); PC is for mapping it and for its
// figures.
type File struct {
	PC   *pagecache.File
	Path string
	ops  fileOps
}

// fileOps is what a File does, by filesystem.
type fileOps interface {
	readAt(p []byte, off int64) (int, error)
	writeAt(p []byte, off int64) (int, error)
	truncate(size int64) error
	writable() bool
	close()
	stat() Stat
	setTimes(atime, mtime *int64) error
	chmod(perm fs.FileMode) error
}

// ReadAt reads the file (through the page cache): the bytes below the
// end of file, without io.EOF.
func (f *File) ReadAt(p []byte, off int64) (int, error) { return f.ops.readAt(p, off) }

// WriteAt writes the file through the page cache, growing it as needed.
func (f *File) WriteAt(p []byte, off int64) (int, error) { return f.ops.writeAt(p, off) }

// Truncate sets the file's size.
func (f *File) Truncate(size int64) error { return f.ops.truncate(size) }

// Writable reports whether the file's filesystem takes writes.
func (f *File) Writable() bool { return f.ops.writable() }

// Stat describes the file's inode, whatever names it has now (fstat):
// its size is the page cache's, ahead of the inode's until writeback.
func (f *File) Stat() Stat {
	st := f.ops.stat()
	st.Size = f.PC.Size()
	return st
}

// SetTimes sets the file's atime and mtime (nanoseconds since 1970;
// nil: unchanged) and stamps its ctime (futimens).
func (f *File) SetTimes(atime, mtime *int64) error { return f.ops.setTimes(atime, mtime) }

// Chmod sets the file's permission, set-id and sticky bits (fchmod).
func (f *File) Chmod(perm fs.FileMode) error { return f.ops.chmod(perm) }

// Close drops the reference Open took. A mapping made meanwhile keeps
// the file.
func (f *File) Close() { f.ops.close() }

// NewVFS makes the file layer over the disks, and the internal tmpfs of
// shared anonymous memory.
func NewVFS(cache *pagecache.Cache, disks []Disk) *VFS {
	return &VFS{Cache: cache, Disks: disks, shm: tmpfs.New(cache, tmpfs.Options{Mountpoint: ""})}
}

// ShmemFile makes the object of a shared anonymous mapping of size
// bytes (vm.MM.Shmem): an unnamed file of the internal tmpfs, as Linux
// shmem_zero_setup's shmem_kernel_file_setup("dev/zero") on shm_mnt.
// The caller maps it at once; its last unmap discards it.
func (v *VFS) ShmemFile(size int64) (*pagecache.File, error) {
	f, err := v.shm.NewUnlinked("dev/zero", size)
	if err != nil {
		return nil, err
	}
	return f.PageCache(), nil
}

// Shm is the internal tmpfs instance of shared anonymous memory, for
// its figures.
func (v *VFS) Shm() *tmpfs.FS { return v.shm }

// Disk finds a disk by name ("vda").
func (v *VFS) Disk(name string) (Disk, error) {
	for _, d := range v.Disks {
		if d.Name() == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNoDevice, name)
}

// Mounts lists the mounted filesystems, innermost first.
func (v *VFS) Mounts() []*Mount { return slices.Clone(v.mounts) }

// MountOf is the mount of a disk, or nil.
func (v *VFS) MountOf(d Disk) *Mount {
	for _, m := range v.mounts {
		if m.Dev == d {
			return m
		}
	}
	return nil
}

// cleanPath checks that p is absolute and not too long, and makes it
// lexically clean: "//" and "/./" are one "/", and ".." takes back the
// name before it ("/.." is "/"). With no symbolic links to follow on the
// way (ext2's are read with readlink, never followed), this is what
// Linux's path walk gives: ".." out of a mount point leads to the
// directory the mount covers, in the filesystem above.
func cleanPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w: %q", ErrBadPath, p)
	}
	if len(p) > PathMax {
		return "", fmt.Errorf("%w: %d bytes (at most %d)", ErrNameTooLong, len(p), PathMax)
	}
	return path.Clean(p), nil
}

// Mount mounts the ext2 filesystem of disk dev at dir.
func (v *VFS) Mount(dev string, dir string, readOnly bool) (*Mount, error) {
	d, err := v.Disk(dev)
	if err != nil {
		return nil, err
	}
	dir, err = v.freeMountPoint(dir)
	if err != nil {
		return nil, err
	}
	if m := v.MountOf(d); m != nil {
		return nil, fmt.Errorf("%w: %s is mounted at %s", ErrBusy, dev, m.Path)
	}
	fsys, err := ext2.Mount(d, readOnly)
	if err != nil {
		return nil, err
	}
	wtime := fsys.Now
	fsys.Now = func() uint32 {
		if v.Clock == nil {
			return wtime()
		}
		return uint32(v.now() / 1e9)
	}
	return v.add(&Mount{Path: dir, Dev: d, fs: newExt2Mount(v, dir, d, fsys)}), nil
}

// MountTmpfs mounts a new, empty tmpfs at dir, holding at most pages
// pages (0: no limit; DefaultTmpfsPages is Linux's default).
func (v *VFS) MountTmpfs(dir string, pages uint64) (*Mount, error) {
	dir, err := v.freeMountPoint(dir)
	if err != nil {
		return nil, err
	}
	t := tmpfs.New(v.Cache, tmpfs.Options{Pages: pages, Mountpoint: dir})
	t.Now = v.now
	if err := t.SetSwap(v.tmpfsSwap); err != nil {
		return nil, err
	}
	return v.add(&Mount{Path: dir, fs: &tmpfsMount{fs: t}}), nil
}

// DefaultTmpfsPages is a tmpfs's size limit when none is given: half of
// the memory the frame allocator manages (Linux's default, half of RAM).
func (v *VFS) DefaultTmpfsPages() uint64 {
	return v.Cache.Frames.Stats().ManagedPages / 2
}

// freeMountPoint cleans dir and checks that nothing is mounted there.
func (v *VFS) freeMountPoint(dir string) (string, error) {
	dir, err := cleanPath(dir)
	if err != nil {
		return "", err
	}
	for _, m := range v.mounts {
		if m.Path == dir {
			return "", fmt.Errorf("%w: %s is a mount point already", ErrBusy, dir)
		}
	}
	return dir, nil
}

// add puts m in the table, longest path first, so that lookups find the
// innermost mount.
func (v *VFS) add(m *Mount) *Mount {
	v.mounts = append(v.mounts, m)
	slices.SortStableFunc(v.mounts, func(a, b *Mount) int { return len(b.Path) - len(a.Path) })
	return m
}

// Unmount unmounts the filesystem at dir: an ext2 one is written back
// first, a tmpfs is discarded. A file of it that is still mapped makes
// it busy.
func (v *VFS) Unmount(dir string) error {
	dir, err := cleanPath(dir)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(v.mounts, func(m *Mount) bool { return m.Path == dir })
	if i < 0 {
		return fmt.Errorf("%w: %s", ErrNotMounted, dir)
	}
	m := v.mounts[i]
	if err := m.fs.busy(); err != nil {
		return err
	}
	v.mounts = slices.Delete(v.mounts, i, i+1)
	return m.fs.unmount()
}

// Sync writes back every dirty page and every filesystem's metadata. It
// returns the first error, after trying everything.
func (v *VFS) Sync() error {
	var first error
	for _, m := range v.mounts {
		if err := m.fs.sync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// SetTmpfsSwap is the seam where the kernel's swap layer plugs in: s
// becomes where every tmpfs instance, mounted now or later, and the
// internal one of shared anonymous memory, sends its pages under
// pressure (nil until then: tmpfs pages stay in memory). It fails while
// an instance has pages in another swap.
func (v *VFS) SetTmpfsSwap(s tmpfs.Swap) error {
	if err := v.shm.SetSwap(s); err != nil {
		return fmt.Errorf("shared anonymous memory: %w", err)
	}
	for _, m := range v.mounts {
		if t := m.Tmpfs(); t != nil {
			if err := t.SetSwap(s); err != nil {
				return fmt.Errorf("%s: %w", m.Path, err)
			}
		}
	}
	v.tmpfsSwap = s
	return nil
}

// UnswapTmpfs brings every tmpfs page whose swap entry is in a swap
// area going away (area(entry)) back into memory: swapoff's part in
// tmpfs (tmpfs.FS.Unswap), shared anonymous memory included. It stops
// at the first failure (no memory, a read error), losing nothing, and
// returns the pages it brought back.
func (v *VFS) UnswapTmpfs(area func(swap.Entry) bool) (int, error) {
	n, err := v.shm.Unswap(area)
	if err != nil {
		return n, fmt.Errorf("shared anonymous memory: %w", err)
	}
	for _, m := range v.mounts {
		if t := m.Tmpfs(); t != nil {
			k, err := t.Unswap(area)
			n += k
			if err != nil {
				return n, fmt.Errorf("%s: %w", m.Path, err)
			}
		}
	}
	return n, nil
}

// resolve finds the mount holding p and p's path inside it.
func (v *VFS) resolve(p string) (*Mount, string, error) {
	p, err := cleanPath(p)
	if err != nil {
		return nil, "", err
	}
	for _, m := range v.mounts {
		switch {
		case m.Path == "/":
			return m, p, nil
		case p == m.Path:
			return m, "/", nil
		case strings.HasPrefix(p, m.Path+"/"):
			return m, p[len(m.Path):], nil
		}
	}
	return nil, "", fmt.Errorf("%w: %s", ErrNotMounted, p)
}

// MountFor is the mount holding p (the innermost one) and p's path
// inside it: statfs(2)'s filesystem.
func (v *VFS) MountFor(p string) (*Mount, string, error) { return v.resolve(p) }

// Open returns the regular file at p, following symlinks, with its
// page cache, and a reference that Close drops.
func (v *VFS) Open(p string) (*File, error) {
	p, err := v.Resolve(p, true)
	if err != nil {
		return nil, err
	}
	m, rel, err := v.resolve(p)
	if err != nil {
		return nil, err
	}
	return m.fs.open(rel, p)
}

// OpenCreate opens the file at p, making it empty first if it does not
// exist.
func (v *VFS) OpenCreate(p string) (*File, error) {
	f, err := v.Open(p)
	if isNotExist(err) {
		if err = v.Create(p); err == nil {
			f, err = v.Open(p)
		}
	}
	return f, err
}

// isNotExist reports whether err says that a name does not exist.
func isNotExist(err error) bool {
	return errors.Is(err, ext2.ErrNotExist) || errors.Is(err, tmpfs.ErrNotExist)
}

// Create makes an empty regular file at p.
func (v *VFS) Create(p string) error { return v.CreateMode(p, 0o644) }

// CreateMode makes an empty regular file at p with permission bits perm
// (open(2)'s mode after the umask).
func (v *VFS) CreateMode(p string, perm fs.FileMode) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	return m.fs.create(rel, perm&fs.ModePerm)
}

// Remove unlinks the file at p. A mapped file lives on, unnamed (as
// Linux keeps an open unlinked inode): on ext2 until the unmount, on
// tmpfs until its last mapping goes.
func (v *VFS) Remove(p string) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	return m.fs.remove(rel)
}

// Mkdir, Rmdir, ReadDir, Lstat and Readlink go to the filesystem.
func (v *VFS) Mkdir(p string) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	return m.fs.mkdir(rel)
}

func (v *VFS) Rmdir(p string) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	return m.fs.rmdir(rel)
}

func (v *VFS) ReadDir(p string) ([]DirEntry, error) {
	m, rel, err := v.resolve(p)
	if err != nil {
		return nil, err
	}
	return m.fs.readDir(rel)
}

func (v *VFS) Lstat(p string) (Stat, error) {
	m, rel, err := v.resolve(p)
	if err != nil {
		return Stat{}, err
	}
	return m.fs.lstat(rel)
}

func (v *VFS) Readlink(p string) (string, error) {
	m, rel, err := v.resolve(p)
	if err != nil {
		return "", err
	}
	return m.fs.readlink(rel)
}

// Resolve follows the symlinks of p, in every component but the last,
// and in the last too if follow is set, across mounts, and returns the
// path they lead to: absolute, clean, with no symlink before its last
// component (none at all with follow), as Linux's link_path_walk. A
// target is read relative to the directory holding the link, and its
// ".." components leave the directory the link led to; but p is cleaned
// lexically first (cleanPath), so a ".." of p itself takes back the
// name before it even if that name is a link (Linux would leave the
// link's target). A missing last component
// is no error (the caller may create it); a missing directory on the
// way is not either: Resolve stops there and returns the path unresolved
// from there on, for the call that takes it to fail on it with its
// own error. More than MaxSymlinks links is ErrLoop.
//
// The filesystems never follow a symlink themselves: every VFS call
// below takes a path Resolve made (the system calls resolve first).
func (v *VFS) Resolve(p string, follow bool) (string, error) {
	p, err := cleanPath(p)
	if err != nil {
		return "", err
	}
	done, rest, links := "/", p[1:], 0
	for rest != "" {
		var name string
		name, rest, _ = strings.Cut(rest, "/")
		switch name {
		case "", ".":
			continue
		case "..":
			done = path.Dir(done)
			continue
		}
		next := path.Join(done, name)
		if rest == "" && !follow {
			return next, nil
		}
		m, rel, err := v.resolve(next)
		var st Stat
		if err == nil {
			st, err = m.fs.lstat(rel)
		}
		if err != nil {
			// Missing or not a directory: the call on this path
			// fails the same way, naming the whole path.
			return path.Join(next, rest), nil
		}
		if st.Mode&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		if links++; links > MaxSymlinks {
			return "", fmt.Errorf("%w: %s", ErrLoop, p)
		}
		target, err := m.fs.readlink(rel)
		if err != nil {
			return "", err
		}
		if target == "" {
			return "", fmt.Errorf("%w: empty symlink %s", ext2.ErrNotExist, next)
		}
		if strings.HasPrefix(target, "/") {
			done = "/"
		}
		if len(target)+len(rest)+1 > PathMax {
			return "", fmt.Errorf("%w: %s", ErrNameTooLong, p)
		}
		rest = strings.TrimPrefix(target, "/") + "/" + rest
	}
	return done, nil
}

// Stat describes what p names, following symlinks.
func (v *VFS) Stat(p string) (Stat, error) {
	p, err := v.Resolve(p, true)
	if err != nil {
		return Stat{}, err
	}
	return v.Lstat(p)
}

// resolvePair finds the one mount holding both a and b
// (ErrCrossDevice if they are on two).
func (v *VFS) resolvePair(a, b string) (*Mount, string, string, error) {
	ma, ra, err := v.resolve(a)
	if err != nil {
		return nil, "", "", err
	}
	mb, rb, err := v.resolve(b)
	if err != nil {
		return nil, "", "", err
	}
	if ma != mb {
		return nil, "", "", fmt.Errorf("%w: %s and %s", ErrCrossDevice, a, b)
	}
	return ma, ra, rb, nil
}

// Rename moves the name oldPath to newPath (noReplace:
// RENAME_NOREPLACE), inside one mount (ErrCrossDevice otherwise, as
// Linux's EXDEV between two mounts). A mount point cannot move
// (ErrBusy). Replacing a file still open or mapped leaves it alive,
// nameless, as Remove does.
func (v *VFS) Rename(oldPath, newPath string, noReplace bool) error {
	for _, p := range []string{oldPath, newPath} {
		c, err := cleanPath(p)
		if err != nil {
			return err
		}
		for _, m := range v.mounts {
			if m.Path == c {
				return fmt.Errorf("%w: %s is a mount point", ErrBusy, c)
			}
		}
	}
	m, oldRel, newRel, err := v.resolvePair(oldPath, newPath)
	if err != nil {
		return err
	}
	return m.fs.rename(oldRel, newRel, noReplace)
}

// Link makes newPath a second name of the non-directory oldPath, inside
// one mount (ErrCrossDevice otherwise).
func (v *VFS) Link(oldPath, newPath string) error {
	m, oldRel, newRel, err := v.resolvePair(oldPath, newPath)
	if err != nil {
		return err
	}
	return m.fs.link(oldRel, newRel)
}

// Symlink makes a symlink at p whose target is target.
func (v *VFS) Symlink(target, p string) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	return m.fs.symlink(target, rel)
}

// SetTimes sets p's atime and mtime (nanoseconds since 1970; nil:
// unchanged) and stamps its ctime, without following a final symlink.
func (v *VFS) SetTimes(p string, atime, mtime *int64) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	return m.fs.setTimes(rel, atime, mtime)
}

// Chmod sets p's permission, set-id and sticky bits (io/fs bits),
// without following a final symlink, and stamps its ctime.
func (v *VFS) Chmod(p string, perm fs.FileMode) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	return m.fs.chmod(rel, perm)
}
