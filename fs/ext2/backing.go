package ext2

import (
	"errors"
	"io"

	"github.com/pagoda-os/pagoda/mm"
)

// Backing is a page cache's backing store (pagecache.Backing): an ext2
// inode on a disk. Outside faults it reads and writes through the inode;
// in a fault it walks the inode's in-memory block map (LoadBlockMap)
// without allocating and moves whole runs of blocks between the disk and
// the frame with polled I/O (PhysDevice).
type Backing struct {
	dev PhysDevice
	fs  *FS
	ino *Inode
}

// PhysDevice is a Device that also moves bytes between the disk and
// physical memory, polling: the fault path's I/O
// (drivers/virtio/blk.Disk).
type PhysDevice interface {
	Device
	// ReadPhys reads n bytes (a multiple of 512) from sector into
	// physical memory at pa, polling: it may run in a page fault and
	// must then neither allocate nor block.
	ReadPhys(sector uint64, pa mm.PhysAddr, n int) error
	// WritePhys writes n bytes (a multiple of 512) from physical memory
	// at pa to sector, polling, under the same rules.
	WritePhys(sector uint64, pa mm.PhysAddr, n int) error
}

// NewBacking is the backing store of ino's page cache, on dev (the
// device ino's filesystem is mounted from). The inode's block map must
// be loaded (LoadBlockMap) for faults to read or write it.
func NewBacking(dev PhysDevice, ino *Inode) *Backing {
	return &Backing{dev: dev, fs: ino.fs, ino: ino}
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
// with polled I/O; holes are zeroed. Outside faults it reads through the
// inode.
func (b *Backing) ReadPage(idx uint64, pa mm.PhysAddr, n int, fault bool) error {
	if !fault {
		got, err := b.ino.ReadAt(mm.PhysBytes(pa, n), int64(idx)*mm.PageSize)
		if err == io.EOF && got == n {
			err = nil
		}
		return err
	}
	bs := b.fs.BlockSize()
	return b.eachRun(idx, (n+bs-1)/bs, func(at, bytes int, disk uint64) error {
		if disk == 0 { // a hole
			clear(mm.PhysBytes(pa, at+bytes)[at:])
			return nil
		}
		if b.dev.ReadPhys(disk*uint64(bs)/512, pa+mm.PhysAddr(at), bytes) != nil {
			// The driver's error lives in its fault slot, reused by the
			// next fault: the page cache keeps this one instead.
			return ErrFaultRead
		}
		return nil
	})
}

// eachRun walks the first nblocks blocks of page idx in the inode's
// in-memory block map (the fault path: no allocation, no lock, no I/O)
// and calls fn for each run of blocks contiguous on the disk: its offset
// and length in the page, in bytes, and its first disk block; a hole is
// a run of one block at disk 0. errFaultMap if the map is not loaded.
func (b *Backing) eachRun(idx uint64, nblocks int, fn func(at, bytes int, disk uint64) error) error {
	bs := b.fs.BlockSize()
	first := idx * uint64(mm.PageSize/bs)
	for i := 0; i < nblocks; {
		disk, ok := b.ino.BlockAt(first + uint64(i))
		if !ok {
			return errFaultMap
		}
		run := 1
		for disk != 0 && i+run < nblocks {
			next, ok := b.ino.BlockAt(first + uint64(i+run))
			if !ok || next != disk+uint64(run) {
				break
			}
			run++
		}
		if err := fn(i*bs, run*bs, disk); err != nil {
			return err
		}
		i += run
	}
	return nil
}

// errFaultWrite is a write a fault cannot do itself (the last page of
// the file, or a page with a hole: block allocation is ext2's goroutine
// work); made once, as the fault path may not allocate. The page stays
// dirty for the writeback.
var errFaultWrite = errors.New("ext2: page needs blocks or is the last one: no write in a fault")

// WritePage writes a page. Outside faults it writes through ext2, which
// allocates the blocks of holes. In a fault (the fault path's direct
// reclaim) it writes each run of contiguous blocks straight from the
// frame with polled I/O, through the fault's request slot; it refuses a
// page with a hole, and the file's last page (whose tail past the end
// must not reach the disk), which the writeback will write.
func (b *Backing) WritePage(idx uint64, pa mm.PhysAddr, n int, fault bool) error {
	if !fault {
		_, err := b.ino.write(mm.PhysBytes(pa, n), int64(idx)*mm.PageSize, false)
		return err
	}
	if n != mm.PageSize {
		return errFaultWrite
	}
	bs := b.fs.BlockSize()
	return b.eachRun(idx, mm.PageSize/bs, func(at, bytes int, disk uint64) error {
		if disk == 0 {
			return errFaultWrite
		}
		return b.dev.WritePhys(disk*uint64(bs)/512, pa+mm.PhysAddr(at), bytes)
	})
}

func (b *Backing) Truncate(size int64) error { return b.ino.Truncate(size) }
