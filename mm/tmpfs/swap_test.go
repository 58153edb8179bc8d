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

// Pages swapped out read back identical, by read (goroutine context)
// and by fault (polled); a page swapped in keeps its entry while clean,
// and a second swap-out frees the older entry.
func TestSwapOutIn(t *testing.T) {
	e := newEnv(t, 0)
	f := e.file("/f")
	data := pattern(3, 4*pg+123)
	e.write(f, data, 0)
	if n := e.reclaim(f); n != 5 || f.SwappedPages() != 5 || f.pc.CachedPages() != 0 {
		t.Fatalf("reclaim: %d out, %d in swap, %d cached", n, f.SwappedPages(), f.pc.CachedPages())
	}
	e.check()
	if got := e.read(f); !bytes.Equal(got, data) {
		t.Fatal("read back from swap: other bytes")
	}
	if e.swap.ins != 5 || e.swap.faultIn != 0 {
		t.Fatalf("%d swap reads (%d in faults), want 5 (0)", e.swap.ins, e.swap.faultIn)
	}
	// Cached again and clean: the entries stay; a dirty page goes out
	// anew and its old entry is freed.
	if f.SwappedPages() != 5 || len(e.swap.live) != 5 || f.pc.DirtyPages() != 0 {
		t.Fatalf("after reading back: %d in swap, %d entries, %d dirty", f.SwappedPages(), len(e.swap.live), f.pc.DirtyPages())
	}
	e.write(f, []byte("new"), pg+1)
	copy(data[pg+1:], "new")
	old := f.b.slots[1].entry
	e.reclaim(f)
	e.check()
	if _, ok := e.swap.live[old]; ok || f.b.slots[1].entry == old {
		t.Fatal("the older entry of a page swapped out again is still live")
	}
	// By fault: a major fault each, reading with fault set.
	for idx := range uint64(5) {
		pfn, out := f.pc.FaultPage(idx, e.src)
		if out != pagecache.Major {
			t.Fatalf("fault on page %d in swap: %v", idx, out)
		}
		n := min(pg, len(data)-int(idx)*pg)
		if got := mm.FrameBytes(pfn.Addr()); !bytes.Equal(got[:n], data[int(idx)*pg:][:n]) || !bytes.Equal(got[n:], make([]byte, pg-n)) {
			t.Fatalf("page %d faulted back from swap: other bytes", idx)
		}
	}
	if e.swap.faultIn != 5 {
		t.Fatalf("%d swap reads in faults, want 5", e.swap.faultIn)
	}
	e.check()
	f.Close()
	e.done()
}

// What a swap copy holds past the end of file never comes back: bytes a
// shared mapping stored past the end before the swap-out, and the part
// of a last page a truncate cut, read as zeros.
func TestSwapCopyTail(t *testing.T) {
	e := newEnv(t, 0)
	f := e.file("/f")
	data := pattern(4, pg+1000)
	e.write(f, data, 0)
	pfn, _ := f.pc.Lookup(1)
	mm.FrameBytes(pfn.Addr())[2000] = 0xee // a store past the end, through a shared PTE
	e.reclaim(f)
	e.must(f.Truncate(pg + 500)) // the copy of page 1 keeps 500 bytes
	e.must(f.Truncate(3 * pg))
	want := append(data[:pg+500:pg+500], make([]byte, 2*pg-500)...)
	if got := e.read(f); !bytes.Equal(got, want) {
		t.Fatalf("bytes past the old ends came back: %x", got[pg+500:pg+510])
	}
	e.check()
	f.Close()
	e.done()
}

// With no swap, or when Out fails, WritePage fails and the page stays
// as it was; SetSwap cannot change swaps while pages are in one.
func TestSwapOutFails(t *testing.T) {
	e := newEnv(t, 0)
	f := e.file("/f")
	e.write(f, pattern(5, 2*pg), 0)
	pfn, _ := f.pc.Lookup(0)
	e.must(e.fs.SetSwap(nil))
	if err := f.b.WritePage(0, pfn.Addr(), pg, false); !errors.Is(err, ErrNoSwap) {
		t.Fatalf("WritePage without swap: %v", err)
	}
	e.must(e.fs.SetSwap(e.swap))
	e.swap.outErr = errSwapIO
	if err := f.b.WritePage(0, pfn.Addr(), pg, false); !errors.Is(err, errSwapIO) {
		t.Fatalf("WritePage with Out failing: %v", err)
	}
	if n := e.reclaim(f); n != 0 || f.SwappedPages() != 0 || f.pc.DirtyPages() != 2 {
		t.Fatalf("reclaim with Out failing: %d out, %d in swap, %d dirty", n, f.SwappedPages(), f.pc.DirtyPages())
	}
	e.check()
	e.swap.outErr = nil
	e.swap.max = 1 // one slot: page 0 goes, page 1 stays
	if n := e.reclaim(f); n != 1 {
		t.Fatalf("reclaim into a swap of one slot: %d out", n)
	}
	e.check()
	if err := e.fs.SetSwap(newFakeSwap(t)); !errors.Is(err, ErrBusy) {
		t.Fatalf("SetSwap with a page in swap: %v", err)
	}
	if !bytes.Equal(e.read(f), pattern(5, 2*pg)) {
		t.Fatal("other bytes after failed swap-outs")
	}
	// A swap-in that fails: the read fails, the page stays in swap.
	e.swap.max = 0
	e.reclaim(f)
	e.swap.inErr = errSwapIO
	if _, err := f.ReadAt(make([]byte, 1), 0); !errors.Is(err, errSwapIO) {
		t.Fatalf("read over a failed swap-in: %v", err)
	}
	if _, out := f.pc.FaultPage(0, e.src); out != pagecache.IOError {
		t.Fatalf("fault over a failed swap-in: %v", out)
	}
	e.swap.inErr = nil
	e.check()
	if !bytes.Equal(e.read(f), pattern(5, 2*pg)) {
		t.Fatal("other bytes after a failed swap-in")
	}
	f.Close()
	e.done()
}

// Unswap brings back, dirty, every page of one area (cached or not, of
// linked files and of an unlinked one still open), frees those entries
// and leaves the other area alone. Out of memory, it stops with
// ErrNoMemory having lost nothing, and a later call finishes the job.
func TestUnswap(t *testing.T) {
	e := newEnv(t, 0)
	f, g, h := e.file("/f"), e.file("/g"), e.file("/h")
	fd, gd, hd := pattern(6, 6*pg), pattern(7, 3*pg+5), pattern(8, 2*pg)
	e.write(f, fd, 0)
	e.write(g, gd, 0)
	e.reclaim(f) // area 1
	e.reclaim(g)
	e.swap.area = 2
	e.write(h, hd, 0)
	e.reclaim(h)
	e.must(e.fs.Unlink("/g"))       // still open
	f.ReadAt(make([]byte, 1), 2*pg) // page 2 of f cached, clean, entry kept
	if st := e.fs.Statfs(); st.Swapped != 12 {
		t.Fatalf("before unswap: %+v", st)
	}
	// Out of memory after three pages.
	var hog []mm.PFN
	for {
		pfn, err := e.c.Frames.Alloc(0, frame.Kernel)
		if err != nil {
			break
		}
		hog = append(hog, pfn)
	}
	for _, pfn := range hog[len(hog)-2:] {
		e.c.Frames.Free(pfn, 0)
	}
	hog = hog[:len(hog)-2]
	n, err := e.fs.Unswap(areaOf(1))
	if n != 3 || !errors.Is(err, ErrNoMemory) { // two read, one cached
		t.Fatalf("Unswap out of memory: %d, %v", n, err)
	}
	e.check()
	if st := e.fs.Statfs(); st.Swapped != 9 {
		t.Fatalf("after a partial unswap: %+v", st)
	}
	for _, pfn := range hog {
		e.c.Frames.Free(pfn, 0)
	}
	n, err = e.fs.Unswap(areaOf(1))
	if n != 7 || err != nil {
		t.Fatalf("Unswap: %d, %v", n, err)
	}
	e.check()
	if f.SwappedPages() != 0 || g.SwappedPages() != 0 || h.SwappedPages() != 2 {
		t.Fatalf("in swap after unswap: %d, %d, %d", f.SwappedPages(), g.SwappedPages(), h.SwappedPages())
	}
	if f.pc.DirtyPages() != 6 || g.pc.DirtyPages() != 4 {
		t.Fatalf("dirty after unswap: %d, %d", f.pc.DirtyPages(), g.pc.DirtyPages())
	}
	for _, c := range []struct {
		f    *File
		want []byte
	}{{f, fd}, {g, gd}, {h, hd}} {
		if !bytes.Equal(e.read(c.f), c.want) {
			t.Fatalf("%s: other bytes after unswap", c.f.pc.Name)
		}
	}
	if n, err := e.fs.Unswap(areaOf(1)); n != 0 || err != nil {
		t.Fatalf("second Unswap: %d, %v", n, err)
	}
	// A read error stops it too, with the page still in swap.
	e.reclaim(h)
	e.swap.inErr = errSwapIO
	if n, err := e.fs.Unswap(areaOf(2)); n != 0 || !errors.Is(err, errSwapIO) {
		t.Fatalf("Unswap over a read error: %d, %v", n, err)
	}
	e.swap.inErr = nil
	e.check()
	f.Close()
	g.Close()
	h.Close()
	e.done()
}
