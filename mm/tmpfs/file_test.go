//go:build !tamago

package tmpfs

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// Writes, reads and holes: a hole reads as zeros and is neither cached
// nor charged; a write charges exactly the holes it fills; truncate
// frees the pages past the end and zeroes the tail of the last.
func TestReadWriteHoles(t *testing.T) {
	e := newEnv(t, 0)
	f := e.file("/f")
	e.write(f, []byte("head"), 0)
	e.write(f, []byte("tail"), 5*pg+100) // pages 1..4 are holes
	e.check()
	want := make([]byte, 5*pg+104)
	copy(want, "head")
	copy(want[5*pg+100:], "tail")
	if got := e.read(f); !bytes.Equal(got, want) {
		t.Fatal("read back: other bytes")
	}
	st := f.Stat()
	if st.Size != 5*pg+104 || st.Blocks != 2*8 || f.pc.CachedPages() != 2 || e.fs.Statfs().Used != 2 {
		t.Fatalf("after two writes and a read of holes: %+v, %d cached, %+v", st, f.pc.CachedPages(), e.fs.Statfs())
	}
	// Filling a hole partly charges it; overwriting charges nothing.
	e.write(f, []byte("mid"), 2*pg+7)
	e.write(f, []byte("HEAD"), 0)
	copy(want[2*pg+7:], "mid")
	copy(want, "HEAD")
	if got := e.read(f); !bytes.Equal(got, want) || e.fs.Statfs().Used != 3 {
		t.Fatalf("after filling a hole: %d used", e.fs.Statfs().Used)
	}
	// Reads at every offset across the pages and the end of file.
	for _, c := range []struct {
		off   int64
		n     int
		wantN int
	}{{0, 10, 10}, {pg - 3, 10, 10}, {2*pg + 5, pg, pg}, {5*pg + 100, 10, 4}, {5*pg + 104, 1, 0}, {100 * pg, 1, 0}} {
		p := make([]byte, c.n)
		if n, err := f.ReadAt(p, c.off); n != c.wantN || err != nil || n > 0 && !bytes.Equal(p[:n], want[c.off:c.off+int64(n)]) {
			t.Fatalf("ReadAt(%d at %d): %d, %v", c.n, c.off, n, err)
		}
	}
	if _, err := f.ReadAt(nil, -1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ReadAt at -1: %v", err)
	}
	if _, err := f.WriteAt([]byte{1}, -1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("WriteAt at -1: %v", err)
	}
	if n, err := f.WriteAt(nil, 50*pg); n != 0 || err != nil || f.Size() != 5*pg+104 {
		t.Fatalf("an empty write past the end: %d, %v, size %d", n, err, f.Size())
	}
	e.check()
	// Truncate into page 2: pages 3.. go, page 2 keeps 10 bytes.
	e.must(f.Truncate(2*pg + 10))
	e.check()
	if st := e.fs.Statfs(); st.Used != 2 {
		t.Fatalf("after truncate: %+v", st)
	}
	// Growing is sparse, and the old tail reads as zeros.
	e.must(f.Truncate(8 * pg))
	want = append(want[:2*pg+10], make([]byte, 6*pg-10)...)
	if got := e.read(f); !bytes.Equal(got, want) || e.fs.Statfs().Used != 2 {
		t.Fatalf("after growing: %d used, bytes equal %v", e.fs.Statfs().Used, bytes.Equal(got, want))
	}
	if err := f.Truncate(-1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("truncate to -1: %v", err)
	}
	e.must(f.Truncate(0))
	if st := f.Stat(); st.Size != 0 || st.Blocks != 0 || e.fs.Statfs().Used != 0 {
		t.Fatalf("after truncate to 0: %+v", st)
	}
	f.Close()
	e.done()
}

// The size limit counts every page held, in memory or in swap. A write
// that needs more pages than are left fails with ErrNoSpace and changes
// nothing; freeing pages (truncate, unlink) makes room; sparse growth
// needs none.
func TestSizeLimit(t *testing.T) {
	e := newEnv(t, 4)
	f := e.file("/f")
	e.write(f, pattern(1, 3*pg), 0)
	e.reclaim(f) // in swap: still counted
	g := e.file("/g")
	e.must(g.Truncate(1 << 30)) // sparse: free
	e.write(g, []byte("x"), 100*pg)
	if st := e.fs.Statfs(); st.Used != 4 || st.Limit != 4 || st.Swapped != 3 {
		t.Fatalf("full: %+v", st)
	}
	before := e.read(f)
	for _, c := range []struct {
		f   *File
		off int64
		n   int
	}{{f, 3 * pg, 1}, {f, 2*pg + 10, pg}, {g, 0, 1}, {g, 100*pg + 10, 2 * pg}} {
		n, err := c.f.WriteAt(pattern(9, c.n), c.off)
		if n != 0 || !errors.Is(err, ErrNoSpace) {
			t.Fatalf("write of %d at %d over the limit: %d, %v", c.n, c.off, n, err)
		}
		e.check()
	}
	if err := errors.Unwrap(ErrNoSpace); err != nil || ErrNoSpace.Error() != "tmpfs: no space left on device" {
		t.Fatalf("ErrNoSpace reads %q", ErrNoSpace)
	}
	if f.Size() != 3*pg || !bytes.Equal(e.read(f), before) || e.fs.Statfs().Used != 4 {
		t.Fatal("a refused write changed the file")
	}
	// Overwriting pages held (in swap, or in memory) needs no room.
	e.write(f, pattern(3, 3*pg), 0)
	e.write(g, []byte("yz"), 100*pg+1)
	// Room again, after a truncate and an unlink.
	e.must(f.Truncate(pg))
	e.write(g, pattern(4, 2*pg), 0)
	f.Close()
	e.must(e.fs.Unlink("/f"))
	e.write(g, []byte("w"), 5*pg)
	if st := e.fs.Statfs(); st.Used != 4 {
		t.Fatalf("after making room: %+v", st)
	}
	g.Close()
	e.done()
}

// A fault that needs a new page past the limit is a bus error (the page
// cache's IOError), and no error that msync or sync would report; a
// page already held faults in; a truncate makes room.
func TestFaultLimit(t *testing.T) {
	e := newEnv(t, 3)
	f := e.file("/f")
	e.must(f.Truncate(6 * pg))
	e.write(f, []byte("held"), 4*pg)
	for idx, want := range []pagecache.Outcome{pagecache.Hit, pagecache.Hit, pagecache.IOError, pagecache.IOError, pagecache.Hit, pagecache.IOError, pagecache.Beyond} {
		pfn, out := f.pc.FaultPage(uint64(idx), e.src)
		if out != want {
			t.Fatalf("fault on page %d: %v, want %v", idx, out, want)
		}
		if out == pagecache.Hit && idx < 2 && !bytes.Equal(mm.FrameBytes(pfn.Addr()), make([]byte, pg)) {
			t.Fatalf("page %d made from a hole is not zero", idx)
		}
		e.check()
	}
	if err := f.pc.Sync(); err != nil {
		t.Fatalf("Sync after a fault over the limit: %v", err)
	}
	if _, err := f.pc.ReadAt(make([]byte, 1), 2*pg); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("a read that would make a page over the limit: %v", err)
	}
	if p := make([]byte, 1); func() error { _, err := f.ReadAt(p, 2*pg); return err }() != nil {
		t.Fatal("tmpfs's own read of a hole needs no page")
	}
	e.must(f.Truncate(pg))
	e.must(f.Truncate(6 * pg))
	if _, out := f.pc.FaultPage(3, e.src); out != pagecache.Hit {
		t.Fatalf("fault after a truncate made room: %v", out)
	}
	f.Close()
	e.done()
}

// Faults on a tmpfs file allocate nothing: a hole made a page, and a
// page read back from swap.
func TestFaultAllocs(t *testing.T) {
	const runs = 50
	e := newEnv(t, 0)
	f := e.file("/f")
	e.write(f, pattern(5, (runs+1)*pg), 0)
	e.reclaim(f)
	e.must(f.Truncate(2 * (runs + 1) * pg))
	idx := uint64(0)
	if a := testing.AllocsPerRun(runs, func() {
		if _, out := f.pc.FaultPage(idx, e.src); out != pagecache.Major {
			panic("not a swap-in")
		}
		idx++
	}); a != 0 {
		t.Errorf("%v allocations per swap-in fault", a)
	}
	if e.swap.faultIn != runs+1 {
		t.Errorf("%d swap reads in faults, want %d", e.swap.faultIn, runs+1)
	}
	idx = runs + 1
	if a := testing.AllocsPerRun(runs, func() {
		if _, out := f.pc.FaultPage(idx, e.src); out != pagecache.Hit {
			panic("not a hole made a page")
		}
		idx++
	}); a != 0 {
		t.Errorf("%v allocations per hole fault", a)
	}
	e.check()
	f.Close()
	e.done()
}

// A write that runs out of frames half-way reports ErrNoMemory with
// what it wrote; the pages it charged but could not make are holes
// again, uncharged.
func TestWriteNoMemory(t *testing.T) {
	e := newEnv(t, 0)
	f := e.file("/f")
	var hog []mm.PFN
	for {
		pfn, err := e.c.Frames.Alloc(0, frame.Kernel)
		if err != nil {
			break
		}
		hog = append(hog, pfn)
	}
	e.c.Frames.Free(hog[len(hog)-1], 0) // one frame left
	hog = hog[:len(hog)-1]
	data := pattern(6, 3*pg)
	n, err := f.WriteAt(data, 0)
	if n != pg || !errors.Is(err, ErrNoMemory) {
		t.Fatalf("write short of memory: %d, %v", n, err)
	}
	e.check()
	if st := e.fs.Statfs(); st.Used != 1 {
		t.Fatalf("after a short write: %+v", st)
	}
	want := append(data[:pg:pg], make([]byte, f.Size()-pg)...)
	if got := e.read(f); !bytes.Equal(got, want) {
		t.Fatal("after a short write: other bytes")
	}
	for _, pfn := range hog {
		e.c.Frames.Free(pfn, 0)
	}
	f.Close()
	e.done()
}
