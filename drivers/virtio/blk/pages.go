package blk

import (
	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/mm"
)

// Page vectors: a transfer between consecutive sectors of the disk and
// page frames that need not be contiguous in physical memory, each frame
// one data segment (or several, if size_max is below a page) of a single
// request, as a Linux bio of several pages makes one request. Swap moves
// a cluster of slots with one: readahead reads the slots around a fault's
// into their frames, and reclaim writes the pages it evicts together to
// the slots it gave them in a row. One request instead of one a page
// saves the device's per-request work and a notification (an MMIO exit)
// and, for a goroutine, a sleep and a wake-up per page.
//
// ReadPages sleeps as ReadAt does (goroutine context); ReadPagesPhys and
// WritePagesPhys poll on the fault slot as ReadPhys does, and neither
// allocates. The frames are the device's for the transfer: DMA reaches
// them through their physical addresses, with no bounce buffer.

// PageSize is the size of the frames a page vector moves.
const PageSize = 4096

// pagesPer is how many frames fit in a request of segs data segments (0
// if not even one does: size_max is below a page and seg_max too small).
func (d *Disk) pagesPer(segs int) int {
	return segs / ((PageSize + d.segSize - 1) / d.segSize)
}

// fillPages writes the header of a request and its chain into r.bufs:
// header, each frame of pages in segments of at most segSize, status
// byte (§5.2.6), as fill does for contiguous memory.
func (r *request) fillPages(typ uint32, sector uint64, pages []mm.PhysAddr, segSize int) []virtio.Buffer {
	bufs := r.header(typ, sector)
	write := typ == typeIn
	for _, pa := range pages {
		for o := 0; o < PageSize; o += segSize {
			l := min(segSize, PageSize-o)
			bufs = append(bufs, virtio.Buffer{Addr: pa + mm.PhysAddr(o), Len: uint32(l), Writable: write})
		}
	}
	return append(bufs, virtio.Buffer{Addr: r.hdrPA + headerSize, Len: 1, Writable: true})
}

// ReadPages reads len(pages) pages at sector, one after another on the
// disk, into the frames at pages, in as few requests as the device's
// segment limit allows, sleeping until each completes (goroutine
// context, as ReadAt).
func (d *Disk) ReadPages(sector uint64, pages []mm.PhysAddr) error {
	n := len(pages) * PageSize
	if err := d.check(typeIn, n, int64(sector*SectorSize)); err != nil {
		return err
	}
	r := <-d.slots
	defer func() { d.slots <- r }()
	per := d.pagesPer(d.segMax)
	if per == 0 { // a page takes more than one request: in pieces
		chunk := d.segMax * d.segSize
		for _, pa := range pages {
			for o := 0; o < PageSize; o += chunk {
				k := min(chunk, PageSize-o)
				if err := d.run(r, typeIn, sector, k, r.fill(typeIn, sector, pa+mm.PhysAddr(o), k, d.segSize)); err != nil {
					return err
				}
				sector += uint64(k / SectorSize)
			}
		}
		return nil
	}
	for len(pages) > 0 {
		k := min(len(pages), per)
		if err := d.run(r, typeIn, sector, k*PageSize, r.fillPages(typeIn, sector, pages[:k], d.segSize)); err != nil {
			return err
		}
		sector += uint64(k * PageSize / SectorSize)
		pages = pages[k:]
	}
	return nil
}

// ReadPagesPhys reads len(pages) pages at sector into the frames at
// pages, polling on the fault slot (the fault path: no allocation, no
// blocking), in requests of as many frames as the fault chain carries.
func (d *Disk) ReadPagesPhys(sector uint64, pages []mm.PhysAddr) error {
	return d.pagesPhys(typeIn, sector, pages)
}

// WritePagesPhys writes the frames at pages to len(pages) pages at
// sector, polling as ReadPagesPhys does. On a read-only disk it fails
// with ErrReadOnly without sending anything.
func (d *Disk) WritePagesPhys(sector uint64, pages []mm.PhysAddr) error {
	return d.pagesPhys(typeOut, sector, pages)
}

func (d *Disk) pagesPhys(typ uint32, sector uint64, pages []mm.PhysAddr) error {
	per := d.pagesPer(d.faultChain.Len() - 2)
	if per == 0 { // a page takes more than one fault request
		for i, pa := range pages {
			if err := d.phys(typ, sector+uint64(i*PageSize/SectorSize), pa, PageSize); err != nil {
				return err
			}
		}
		return nil
	}
	badLen := ""
	if len(pages) == 0 {
		badLen = "no pages"
	}
	r, err := d.faultSlot(typ, sector, len(pages)*PageSize, badLen)
	if err != nil {
		return err
	}
	for len(pages) > 0 && err == nil {
		k := min(len(pages), per)
		chunk := pages[:k]
		err = d.physChain(r, typ, sector, k*PageSize, func() []virtio.Buffer { return r.fillPages(typ, sector, chunk, d.segSize) })
		sector += uint64(k * PageSize / SectorSize)
		pages = pages[k:]
	}
	d.faultBusy.Store(false)
	return err
}
