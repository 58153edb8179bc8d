package kernel

import (
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/pagoda-os/pagoda/fs/ext2"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// The kernel's file layer: disks, the mount table, and the files the
// shell and the mappings use. Every file that is read, written or mapped
// gets one pagecache.File, shared by all of them, for as long as its
// filesystem is mounted (or until it is removed).

// Disk is a block device as the kernel uses it: ext2's Device, plus a
// name, and a polled read straight into physical memory for the fault
// path (drivers/virtio/blk.Disk).
type Disk interface {
	ext2.Device
	Name() string
	Sectors() uint64
	Features() []string
	// ReadPhys reads n bytes (a multiple of 512) from sector into
	// physical memory at pa, polling: it may run in a page fault and
	// must then neither allocate nor block.
	ReadPhys(sector uint64, pa mm.PhysAddr, n int) error
}

// Errors of the file layer.
var (
	ErrNotMounted = errors.New("no filesystem mounted there")
	ErrBusy       = errors.New("device or resource busy")
	ErrNoDevice   = errors.New("no such device")
	ErrBadPath    = errors.New("path must be absolute")
)

// VFS is the mount table and the open files.
type VFS struct {
	Cache  *pagecache.Cache
	Disks  []Disk
	mounts []*Mount
	// Lock is the big kernel lock: the shell holds it while a command
	// runs, the writeback goroutine while it writes. Page tables, VMAs,
	// the page cache and ext2 are changed under it (faults excepted:
	// they come from the goroutine that holds it).
	Lock sync.Mutex
	// Writebacks counts the background writeback's passes that wrote.
	Writebacks uint64
}

// Mount is a mounted filesystem.
type Mount struct {
	Path  string
	Dev   Disk
	FS    *ext2.FS
	files map[uint32]*File
}

// File is a file of a mounted filesystem, with its page cache.
type File struct {
	m    *Mount
	ino  *ext2.Inode
	PC   *pagecache.File
	Path string
	// removed: unlinked while mapped; ext2 frees it at the last close.
	removed bool
}

// Writable reports whether the file's filesystem takes writes.
func (f *File) Writable() bool { return !f.m.FS.ReadOnly() }

// NewVFS makes the file layer over the disks.
func NewVFS(cache *pagecache.Cache, disks []Disk) *VFS {
	return &VFS{Cache: cache, Disks: disks}
}

// Disk finds a disk by name ("vda").
func (v *VFS) Disk(name string) (Disk, error) {
	for _, d := range v.Disks {
		if d.Name() == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNoDevice, name)
}

// Mounts lists the mounted filesystems.
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

func cleanPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%w: %q", ErrBadPath, p)
	}
	return path.Clean(p), nil
}

// Mount mounts the ext2 filesystem of disk dev at dir.
func (v *VFS) Mount(dev string, dir string, readOnly bool) (*Mount, error) {
	d, err := v.Disk(dev)
	if err != nil {
		return nil, err
	}
	dir, err = cleanPath(dir)
	if err != nil {
		return nil, err
	}
	for _, m := range v.mounts {
		if m.Dev == d {
			return nil, fmt.Errorf("%w: %s is mounted at %s", ErrBusy, dev, m.Path)
		}
		if m.Path == dir {
			return nil, fmt.Errorf("%w: %s is a mount point already", ErrBusy, dir)
		}
	}
	fs, err := ext2.Mount(d, readOnly)
	if err != nil {
		return nil, err
	}
	m := &Mount{Path: dir, Dev: d, FS: fs, files: map[uint32]*File{}}
	v.mounts = append(v.mounts, m)
	// Longest path first, so that lookups find the innermost mount.
	slices.SortFunc(v.mounts, func(a, b *Mount) int { return len(b.Path) - len(a.Path) })
	return m, nil
}

// Unmount writes everything back and unmounts the filesystem at dir.
// A file of it that is still mapped makes it busy.
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
	for _, f := range m.files {
		if f.PC.Mapped() {
			return fmt.Errorf("%w: %s is mapped", ErrBusy, f.Path)
		}
	}
	var first error
	for n, f := range m.files {
		if err := f.PC.Release(); err != nil && first == nil {
			first = fmt.Errorf("%s: %w", f.Path, err)
		}
		f.ino.Close()
		delete(m.files, n)
	}
	if err := m.FS.Unmount(); err != nil && first == nil {
		first = err
	}
	v.mounts = slices.Delete(v.mounts, i, i+1)
	return first
}

// Sync writes back every dirty page and every filesystem's metadata. It
// returns the first error, after trying everything.
func (v *VFS) Sync() error {
	var first error
	for _, m := range v.mounts {
		for _, f := range m.files {
			if err := f.PC.Sync(); err != nil && first == nil {
				first = fmt.Errorf("%s: %w", f.Path, err)
			}
		}
		if m.FS.ReadOnly() {
			continue
		}
		if err := m.FS.Sync(); err != nil && first == nil {
			first = fmt.Errorf("%s: %w", m.Path, err)
		}
	}
	return first
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

// Open returns the file at p, with its page cache (made on first use).
func (v *VFS) Open(p string) (*File, error) {
	m, rel, err := v.resolve(p)
	if err != nil {
		return nil, err
	}
	ino, err := m.FS.Open(rel)
	if err != nil {
		return nil, err
	}
	if f, ok := m.files[ino.Num()]; ok {
		ino.Close() // the table's reference is enough
		return f, nil
	}
	st := ino.Stat()
	if st.Type != ext2.TypeRegular {
		ino.Close()
		return nil, fmt.Errorf("%w: %s", ext2.ErrIsDir, p)
	}
	if err := ino.LoadBlockMap(); err != nil {
		ino.Close()
		return nil, err
	}
	f := &File{m: m, ino: ino, Path: path.Clean(p)}
	f.PC = v.Cache.NewFile(&inodeBacking{dev: m.Dev, fs: m.FS, ino: ino}, f.Path, ino.Size())
	m.files[ino.Num()] = f
	return f, nil
}

// OpenCreate opens the file at p, making it empty first if it does not
// exist.
func (v *VFS) OpenCreate(p string) (*File, error) {
	f, err := v.Open(p)
	if errors.Is(err, ext2.ErrNotExist) {
		if err = v.Create(p); err == nil {
			f, err = v.Open(p)
		}
	}
	return f, err
}

// Create makes an empty regular file at p.
func (v *VFS) Create(p string) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	ino, err := m.FS.Create(rel, 0o644)
	if err != nil {
		return err
	}
	return ino.Close()
}

// Remove unlinks the file at p. A mapped file lives on, unnamed, until
// its filesystem is unmounted (as Linux keeps an open unlinked inode).
func (v *VFS) Remove(p string) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	st, err := m.FS.Lstat(rel)
	if err != nil {
		return err
	}
	if err := m.FS.Unlink(rel); err != nil {
		return err
	}
	f, ok := m.files[st.Ino]
	if !ok || st.Links > 1 {
		return nil
	}
	if f.PC.Mapped() {
		f.removed = true
		m.files[^st.Ino] = f // keep it (released at unmount), off the lookup key
		delete(m.files, st.Ino)
		return nil
	}
	delete(m.files, st.Ino)
	// Its pages are not worth writing: the file is gone.
	f.PC.Truncate(0)
	f.PC.Release()
	return f.ino.Close()
}

// Mkdir, Rmdir, ReadDir, Lstat and Readlink go to the filesystem.
func (v *VFS) Mkdir(p string) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	return m.FS.Mkdir(rel, 0o755)
}

func (v *VFS) Rmdir(p string) error {
	m, rel, err := v.resolve(p)
	if err != nil {
		return err
	}
	return m.FS.Rmdir(rel)
}

func (v *VFS) ReadDir(p string) ([]ext2.DirEntry, error) {
	m, rel, err := v.resolve(p)
	if err != nil {
		return nil, err
	}
	return m.FS.ReadDir(rel)
}

func (v *VFS) Lstat(p string) (ext2.Stat, error) {
	m, rel, err := v.resolve(p)
	if err != nil {
		return ext2.Stat{}, err
	}
	return m.FS.Lstat(rel)
}

func (v *VFS) Readlink(p string) (string, error) {
	m, rel, err := v.resolve(p)
	if err != nil {
		return "", err
	}
	return m.FS.Readlink(rel)
}

// inodeBacking is a page cache's backing store: an ext2 inode on a disk.
type inodeBacking struct {
	dev Disk
	fs  *ext2.FS
	ino *ext2.Inode
}

func frameBytes(pa mm.PhysAddr, n int) []byte {
	return unsafe.Slice((*byte)(mm.DirectMap(pa, mm.PageSize)), n)
}

// ErrFaultRead is a disk read that failed while a page fault filled a
// file page: the access gets a bus error, and msync reports this.
var ErrFaultRead = errors.New("I/O error reading a file page in a fault")

// errFaultMap is returned in a fault when the inode's block map is not in
// memory (it always is: Open loads it); made once, as the fault path may
// not allocate.
var errFaultMap = errors.New("ext2: block map not loaded")

// ReadPage reads a page. In a fault it walks the inode's in-memory block
// map and reads each run of contiguous blocks straight into the frame
// with polled I/O; holes are zeroed. Outside faults it reads through
// ext2.
func (b *inodeBacking) ReadPage(idx uint64, pa mm.PhysAddr, n int, fault bool) error {
	if !fault {
		got, err := b.ino.ReadAt(frameBytes(pa, n), int64(idx)*mm.PageSize)
		if err == io.EOF && got == n {
			err = nil
		}
		return err
	}
	bs := b.fs.BlockSize()
	per := mm.PageSize / bs
	first := idx * uint64(per)
	nblocks := (n + bs - 1) / bs
	for i := 0; i < nblocks; {
		disk, ok := b.ino.BlockAt(first + uint64(i))
		if !ok {
			return errFaultMap
		}
		if disk == 0 { // a hole
			clear(frameBytes(pa, (i+1)*bs)[i*bs:])
			i++
			continue
		}
		run := 1
		for i+run < nblocks {
			next, ok := b.ino.BlockAt(first + uint64(i+run))
			if !ok || next != disk+uint64(run) {
				break
			}
			run++
		}
		sector := disk * uint64(bs) / 512
		if b.dev.ReadPhys(sector, pa+mm.PhysAddr(i*bs), run*bs) != nil {
			// The driver's error lives in its fault slot, reused by the
			// next fault: the page cache keeps this one instead.
			return ErrFaultRead
		}
		i += run
	}
	return nil
}

func (b *inodeBacking) WritePage(idx uint64, pa mm.PhysAddr, n int) error {
	_, err := b.ino.WriteAt(frameBytes(pa, n), int64(idx)*mm.PageSize)
	return err
}

func (b *inodeBacking) Truncate(size int64) error { return b.ino.Truncate(size) }
