//go:build !tamago

package ext2

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// physDevice is a MemDevice that also moves bytes to and from simulated
// physical memory, as virtio-blk's polled fault requests do, counting
// the requests and failing the reads from failAt on (0: never).
type physDevice struct {
	*MemDevice
	reads, writes int
	failAt        uint64 // the first sector whose read fails; 0: none
}

func (d *physDevice) ReadPhys(sector uint64, pa mm.PhysAddr, n int) error {
	d.reads++
	if d.failAt != 0 && sector+uint64(n/512) > d.failAt {
		return errors.New("simulated I/O error")
	}
	copy(mm.PhysBytes(pa, n), d.Data[sector*512:sector*512+uint64(n)])
	return nil
}

func (d *physDevice) WritePhys(sector uint64, pa mm.PhysAddr, n int) error {
	d.writes++
	copy(d.Data[sector*512:sector*512+uint64(n)], mm.PhysBytes(pa, n))
	return nil
}

// backingArena is the physical page the backing tests read and write: one
// frame at 0x70_0000_0000, registered once.
const backingFrame mm.PhysAddr = 0x70_0000_0000

var backingArena = func() []byte {
	b := make([]byte, mm.PageSize)
	mm.RegisterArena(backingFrame, b)
	return b
}()

// backingImage is an image of block size bs holding /data (5 pages and
// 100 bytes of pattern(1)) and /sparse (a page of pattern(2), then a
// hole of two pages, then a page of pattern(3), made sparse on the host
// so that mke2fs -d keeps the hole), with the two files open, their
// block maps loaded.
func backingImage(t *testing.T, bs int) (dev *physDevice, fs *FS, data, sparse *Inode) {
	t.Helper()
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "data"), pattern(1, 5*mm.PageSize+100), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(src, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(pattern(2, mm.PageSize), 0)
	f.WriteAt(pattern(3, mm.PageSize), 3*mm.PageSize)
	f.Close()
	dev = &physDevice{MemDevice: memImage(t, mkfs(t, bs, "8M", src))}
	fs = mustMount(t, dev)
	for _, p := range []struct {
		name string
		ino  **Inode
	}{{"/data", &data}, {"/sparse", &sparse}} {
		ino, err := fs.Open(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := ino.LoadBlockMap(); err != nil {
			t.Fatal(err)
		}
		*p.ino = ino
	}
	return dev, fs, data, sparse
}

// The fault path reads a page straight from the disk into the frame, one
// request per run of contiguous blocks, zeroing holes, and gets what
// ext2's own read gets.
func TestBackingReadFault(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		dev, _, data, sparse := backingImage(t, bs)
		for _, c := range []struct {
			ino   *Inode
			idx   uint64
			n     int
			want  []byte
			reads int // at most
		}{
			{data, 0, mm.PageSize, pattern(1, 5*mm.PageSize+100)[:mm.PageSize], 1},
			{data, 4, mm.PageSize, pattern(1, 5*mm.PageSize+100)[4*mm.PageSize : 5*mm.PageSize], 2},
			{data, 5, 100, pattern(1, 5*mm.PageSize+100)[5*mm.PageSize:], 1},
			{sparse, 0, mm.PageSize, pattern(2, mm.PageSize), 1},
			{sparse, 1, mm.PageSize, make([]byte, mm.PageSize), 0},
			{sparse, 2, mm.PageSize, make([]byte, mm.PageSize), 0},
			{sparse, 3, mm.PageSize, pattern(3, mm.PageSize), 1},
		} {
			b := NewBacking(dev, c.ino)
			for i := range backingArena {
				backingArena[i] = 0xa5
			}
			dev.reads = 0
			if err := b.ReadPage(c.idx, backingFrame, c.n, true); err != nil {
				t.Fatalf("bs %d: fault read of page %d: %v", bs, c.idx, err)
			}
			if !bytes.Equal(backingArena[:c.n], c.want) {
				t.Errorf("bs %d: fault read of page %d differs from the file", bs, c.idx)
			}
			if dev.reads > c.reads {
				t.Errorf("bs %d: page %d took %d requests, want at most %d", bs, c.idx, dev.reads, c.reads)
			}
			slow := make([]byte, c.n)
			for i := range backingArena {
				backingArena[i] = 0x5a
			}
			if err := b.ReadPage(c.idx, backingFrame, c.n, false); err != nil {
				t.Fatal(err)
			}
			copy(slow, backingArena)
			if !bytes.Equal(slow, c.want) {
				t.Errorf("bs %d: goroutine read of page %d differs from the file", bs, c.idx)
			}
		}
	}
}

// A fault read allocates nothing; one without the block map in memory,
// or whose disk read fails, fails with a preallocated error.
func TestBackingFaultErrors(t *testing.T) {
	dev, fs, data, _ := backingImage(t, 1024)
	b := NewBacking(dev, data)
	if allocs := testing.AllocsPerRun(20, func() {
		if err := b.ReadPage(1, backingFrame, mm.PageSize, true); err != nil {
			t.Fatal(err)
		}
		if err := b.WritePage(1, backingFrame, mm.PageSize, true); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("%v allocations per fault read and write", allocs)
	}
	dev.failAt = 1
	if err := b.ReadPage(2, backingFrame, mm.PageSize, true); !errors.Is(err, ErrFaultRead) {
		t.Errorf("a failing disk read: %v, want ErrFaultRead", err)
	}
	dev.failAt = 0
	fresh, err := fs.Create("/fresh", 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := fresh.WriteAt(pattern(4, mm.PageSize), 0); err != nil {
		t.Fatal(err)
	}
	if err := NewBacking(dev, fresh).ReadPage(0, backingFrame, mm.PageSize, true); !errors.Is(err, errFaultMap) {
		t.Errorf("fault read without the block map loaded: %v, want errFaultMap", err)
	}
}

// The fault path writes a whole page whose blocks all exist straight
// from the frame; it refuses a page with a hole and the file's last
// page, writing nothing; ext2 reads back what it wrote, and e2fsck finds
// the image clean.
func TestBackingWriteFault(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		dev, _, data, sparse := backingImage(t, bs)
		copy(backingArena, pattern(9, mm.PageSize))
		before := bytes.Clone(dev.Data)
		if err := NewBacking(dev, sparse).WritePage(1, backingFrame, mm.PageSize, true); !errors.Is(err, errFaultWrite) {
			t.Errorf("bs %d: fault write over a hole: %v, want errFaultWrite", bs, err)
		}
		if err := NewBacking(dev, data).WritePage(5, backingFrame, 100, true); !errors.Is(err, errFaultWrite) {
			t.Errorf("bs %d: fault write of the last page: %v, want errFaultWrite", bs, err)
		}
		if !bytes.Equal(before, dev.Data) {
			t.Fatalf("bs %d: a refused fault write changed the disk", bs)
		}
		dev.writes = 0
		if err := NewBacking(dev, data).WritePage(2, backingFrame, mm.PageSize, true); err != nil {
			t.Fatalf("bs %d: fault write: %v", bs, err)
		}
		if dev.writes < 1 || dev.writes > mm.PageSize/bs {
			t.Errorf("bs %d: %d write requests for one page", bs, dev.writes)
		}
		got := make([]byte, mm.PageSize)
		if _, err := data.ReadAt(got, 2*mm.PageSize); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pattern(9, mm.PageSize)) {
			t.Errorf("bs %d: ext2 does not read back the page the fault wrote", bs)
		}
		// Outside faults a page over a hole is written through ext2,
		// which allocates its blocks.
		if err := NewBacking(dev, sparse).WritePage(1, backingFrame, mm.PageSize, false); err != nil {
			t.Fatalf("bs %d: goroutine write over a hole: %v", bs, err)
		}
		fsck(t, saveImage(t, dev.MemDevice))
	}
}
