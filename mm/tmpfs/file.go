package tmpfs

import (
	"errors"
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// File is a regular file's data: a swap-backed page-cache file over its
// backing. Read, write and truncate it here, never through the
// pagecache.File (PageCache is for mmap): a write must charge its new
// pages to the size limit first, and a read of a hole must not make
// pages.
type File struct {
	fsys *FS
	in   *inode
	pc   *pagecache.File
	b    *backing
	// opens counts Open references not yet Closed.
	opens int
	// discarded: the data are gone (no name, no reference, no mapping
	// was left, or the instance was unmounted).
	discarded bool
}

func (fsys *FS) newFile(in *inode, name string) {
	f := &File{fsys: fsys, in: in, b: &backing{fsys: fsys}}
	f.pc = fsys.cache.NewSwapBackedFile(f.b, name, 0)
	f.pc.SetUnmapHook(f.discardIfUnused)
	in.file = f
	fsys.files[f] = struct{}{}
}

// PageCache is the file's page cache, for mapping it.
func (f *File) PageCache() *pagecache.File { return f.pc }

// Size is the file's size.
func (f *File) Size() int64 { return f.pc.Size() }

// Stat describes the file's inode.
func (f *File) Stat() Stat { return f.in.stat() }

// Hold takes a reference as Open does, on a file had another way: an
// unlinked file NewUnlinked made, that a descriptor keeps (memfd_create).
// Close drops it.
func (f *File) Hold() { f.opens++ }

// Close drops the reference Open took.
func (f *File) Close() {
	if f.opens <= 0 {
		panic("tmpfs.Close: file not open")
	}
	f.opens--
	f.discardIfUnused()
}

// discardIfUnused discards the data once nothing holds the file: no
// name, no Open reference, no mapping.
func (f *File) discardIfUnused() {
	if f.in.links == 0 && f.opens == 0 && !f.pc.Mapped() && !f.discarded {
		f.discard()
	}
}

// discard frees the file's pages and swap entries, and uncharges them.
func (f *File) discard() {
	f.pc.Truncate(0) // the backing forgets every page
	f.pc.Release()
	delete(f.fsys.files, f)
	f.discarded = true
}

func (f *File) usable() error {
	if f.discarded {
		return fmt.Errorf("%w: file discarded", ErrInvalid)
	}
	return nil
}

// ReadAt reads the file through the page cache, io.EOF-free as
// pagecache.File.ReadAt: the bytes below the end of file. A hole reads
// as zeros without becoming a page (as Linux shmem_file_read_iter).
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if err := f.usable(); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, fmt.Errorf("%w: offset %d", ErrInvalid, off)
	}
	size := f.pc.Size()
	done := 0
	for done < len(p) && off < size {
		idx := uint64(off / mm.PageSize)
		n := int(min(int64(len(p)-done), mm.PageSize-off%mm.PageSize, size-off))
		if f.b.state(idx) == hole {
			clear(p[done : done+n])
		} else if _, err := f.pc.ReadAt(p[done:done+n], off); err != nil {
			return done, err
		}
		done += n
		off += int64(n)
	}
	return done, nil
}

// WriteAt writes through the page cache: the pages are dirtied, and go
// to swap only if the reclaimer sends them. The holes it fills are
// charged first: when they do not fit under the size limit, the write
// fails with ErrNoSpace and nothing changes (Linux writes the pages
// that fit, then fails).
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if err := f.usable(); err != nil {
		return 0, err
	}
	if off < 0 || off+int64(len(p)) < off {
		return 0, fmt.Errorf("%w: offset %d", ErrInvalid, off)
	}
	if len(p) == 0 {
		return 0, nil
	}
	first := uint64(off / mm.PageSize)
	end := uint64((off + int64(len(p)) + mm.PageSize - 1) / mm.PageSize)
	f.b.grow(end)
	var holes []uint64
	for idx := first; idx < end; idx++ {
		if f.b.slots[idx].state == hole {
			holes = append(holes, idx)
		}
	}
	if !f.fsys.room(uint64(len(holes))) {
		f.b.shrinkTo(pagesFor(f.pc.Size()))
		return 0, fmt.Errorf("%w: %d pages more, %d of %d used", ErrNoSpace, len(holes), f.fsys.used, f.fsys.limit)
	}
	for _, idx := range holes {
		f.b.charge(idx)
	}
	n, err := f.pc.WriteAt(p, off)
	if n > 0 {
		f.fsys.changed(f.in) // as file_update_time
	}
	if err != nil {
		// The charged pages the cache did not make are holes again.
		for _, idx := range holes {
			if _, ok := f.pc.Lookup(idx); !ok && idx < uint64(len(f.b.slots)) {
				f.b.forget(idx)
			}
		}
		f.b.shrinkTo(pagesFor(f.pc.Size()))
		if errors.Is(err, pagecache.ErrNoMemory) {
			err = fmt.Errorf("%w: %v", ErrNoMemory, err)
		}
	}
	return n, err
}

// Truncate sets the file's size: shrinking unmaps the pages past the
// end from every address space and frees them, in memory and in swap;
// growing is sparse.
func (f *File) Truncate(size int64) error {
	if err := f.usable(); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("%w: size %d", ErrInvalid, size)
	}
	if err := f.pc.Truncate(size); err != nil {
		return err
	}
	f.fsys.changed(f.in) // do_truncate's ATTR_MTIME|ATTR_CTIME
	return nil
}

// SwappedPages counts the file's pages in swap.
func (f *File) SwappedPages() uint64 {
	n := uint64(0)
	for _, s := range f.b.slots {
		if s.state == inSwap {
			n++
		}
	}
	return n
}

func pagesFor(size int64) uint64 { return uint64(size+mm.PageSize-1) / mm.PageSize }
