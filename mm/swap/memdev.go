package swap

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
)

// ErrInjected is MemDevice's injected I/O error.
var ErrInjected = errors.New("swap: injected I/O error")

// MemDevice is a swap device in memory, for tests: it moves pages to and
// from "physical" memory through the direct map, as a disk's DMA would.
type MemDevice struct {
	Data []byte
	// BadReads and BadWrites make the transfers of these pages fail.
	BadReads, BadWrites map[uint64]bool
	// Reads and Writes count the polled transfers (ReadPhys,
	// WritePhys, ReadPagesPhys, WritePagesPhys: requests, a page
	// vector being one), WaitReads the page reads through ReadAt or
	// ReadPages (goroutine context: a fault's retry path); PagesIn and
	// PagesOut count the pages all of them moved.
	Reads, Writes, WaitReads int
	PagesIn, PagesOut        int
}

// NewMemDevice makes a device of pages pages with a swap header naming
// pages 1..pages-1, bad listed as bad (as mkswap writes it).
func NewMemDevice(pages int, bad ...uint32) *MemDevice {
	d := &MemDevice{Data: make([]byte, pages*PageSize)}
	Format(d.Data[:PageSize], uint32(pages-1), bad)
	return d
}

// Format writes a version-1 swap header into page.
func Format(page []byte, lastPage uint32, bad []uint32) {
	le := binary.LittleEndian
	le.PutUint32(page[offVersion:], headerVersion)
	le.PutUint32(page[offLastPage:], lastPage)
	le.PutUint32(page[offNrBad:], uint32(len(bad)))
	for i, b := range bad {
		le.PutUint32(page[offBadPages+4*i:], b)
	}
	copy(page[PageSize-magicLen:], magicV2)
}

func (d *MemDevice) Name() string    { return "memswap" }
func (d *MemDevice) Sectors() uint64 { return uint64(len(d.Data)) / 512 }

// ReadAt reads as a disk's goroutine path does; a page read (not the
// header's) counts in WaitReads, and fails on a page in BadReads.
func (d *MemDevice) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(d.Data)) {
		return 0, fmt.Errorf("memswap: read at %d beyond the device", off)
	}
	if off > 0 && off%PageSize == 0 && len(p) == PageSize {
		if d.BadReads[uint64(off/PageSize)] {
			return 0, ErrInjected
		}
		d.WaitReads++
		d.PagesIn++
	}
	return copy(p, d.Data[off:]), nil
}

func (d *MemDevice) span(sector uint64, n int) ([]byte, error) {
	off := sector * 512
	if n <= 0 || off+uint64(n) > uint64(len(d.Data)) {
		return nil, fmt.Errorf("memswap: %d bytes at sector %d beyond the device", n, sector)
	}
	return d.Data[off : off+uint64(n)], nil
}

func (d *MemDevice) ReadPhys(sector uint64, pa mm.PhysAddr, n int) error {
	b, err := d.span(sector, n)
	if err != nil {
		return err
	}
	if d.BadReads[sector*512/PageSize] {
		return ErrInjected
	}
	d.Reads++
	d.PagesIn += (n + PageSize - 1) / PageSize
	copy(mm.PhysBytes(pa, n), b)
	return nil
}

func (d *MemDevice) WritePhys(sector uint64, pa mm.PhysAddr, n int) error {
	b, err := d.span(sector, n)
	if err != nil {
		return err
	}
	if d.BadWrites[sector*512/PageSize] {
		return ErrInjected
	}
	d.Writes++
	d.PagesOut += (n + PageSize - 1) / PageSize
	copy(b, mm.PhysBytes(pa, n))
	return nil
}

// pages checks a page vector at sector against the device and the
// injected errors (bad, on any of its pages).
func (d *MemDevice) pages(sector uint64, pages []mm.PhysAddr, bad map[uint64]bool) ([]byte, error) {
	if sector%(PageSize/512) != 0 {
		return nil, fmt.Errorf("memswap: page vector at sector %d, not a page boundary", sector)
	}
	b, err := d.span(sector, len(pages)*PageSize)
	if err != nil {
		return nil, err
	}
	for i := range pages {
		if bad[sector*512/PageSize+uint64(i)] {
			return nil, ErrInjected
		}
	}
	return b, nil
}

func (d *MemDevice) ReadPages(sector uint64, pages []mm.PhysAddr) error {
	return d.readPages(sector, pages, &d.WaitReads)
}

func (d *MemDevice) ReadPagesPhys(sector uint64, pages []mm.PhysAddr) error {
	return d.readPages(sector, pages, &d.Reads)
}

// readPages is both reads, counted in *requests: the sleeping one
// (WaitReads) and the polled one (Reads).
func (d *MemDevice) readPages(sector uint64, pages []mm.PhysAddr, requests *int) error {
	b, err := d.pages(sector, pages, d.BadReads)
	if err != nil {
		return err
	}
	*requests++
	d.PagesIn += len(pages)
	for i, pa := range pages {
		copy(mm.PhysBytes(pa, PageSize), b[i*PageSize:])
	}
	return nil
}

func (d *MemDevice) WritePagesPhys(sector uint64, pages []mm.PhysAddr) error {
	b, err := d.pages(sector, pages, d.BadWrites)
	if err != nil {
		return err
	}
	d.Writes++
	d.PagesOut += len(pages)
	for i, pa := range pages {
		copy(b[i*PageSize:], mm.PhysBytes(pa, PageSize))
	}
	return nil
}
