//go:build !tamago

package pagecache

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
)

// swapFile is a SwapBacking over a memFile: the pages listed in swapped
// are "in swap" (their fills are major faults).
type swapFile struct {
	*memFile
	swapped map[uint64]bool
}

func (b *swapFile) InSwap(idx uint64) bool { return b.swapped[idx] }

// Discard zeroes the page in the backing, as a hole reads.
func (b *swapFile) Discard(idx uint64) {
	delete(b.swapped, idx)
	if off := int(idx) * pg; off < len(b.data) {
		clear(b.data[off:min(off+pg, len(b.data))])
	}
}

// swapBacked makes a swap-backed file over a backing holding data.
func (e *env) swapBacked(data []byte) (*File, *swapFile) {
	b := &swapFile{memFile: newMemFile(data), swapped: map[uint64]bool{}}
	f := e.c.NewSwapBackedFile(b, "shm", int64(len(data)))
	if !f.SwapBacked() {
		e.t.Fatal("NewSwapBackedFile made a file that is not swap-backed")
	}
	return f, b
}

// Writeback, Sync, WritebackAll and msync's range writeback leave a
// swap-backed file's dirty pages alone; an ordinary file beside it is
// written as before.
func TestSwapBackedNoWriteback(t *testing.T) {
	e := newEnv(t)
	f, b := e.swapBacked(content(1, 3*pg))
	g, gb := e.file(content(2, 2*pg))
	f.WriteAt(content(3, 3*pg), 0)
	g.WriteAt([]byte{9}, 0)
	m := &mapper{dirty: []uint64{1}}
	f.AddMapper(m)
	f.Writeback(0, 3)
	if err := f.Sync(); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if err := e.c.WritebackAll(); err != nil {
		t.Fatalf("WritebackAll: %v", err)
	}
	e.check()
	if len(b.writes) != 0 || f.DirtyPages() != 3 {
		t.Fatalf("swap-backed file: writes %v, %d dirty", b.writes, f.DirtyPages())
	}
	if m.syncs != 0 {
		t.Fatal("writeback of a swap-backed file asked its mappers for Dirty bits")
	}
	if len(gb.writes) != 1 || g.DirtyPages() != 0 {
		t.Fatalf("ordinary file: writes %v, %d dirty", gb.writes, g.DirtyPages())
	}
	f.RemoveMapper(m)
	e.releaseAll()
}

// A swap-out that fails (writePage, as the reclaimer calls it) leaves the
// page dirty and is not the file's error: Sync and WritebackAll report
// nothing. One that works cleans the page.
func TestSwapBackedWriteError(t *testing.T) {
	e := newEnv(t)
	f, b := e.swapBacked(content(4, 2*pg))
	f.WriteAt(content(5, 2*pg), 0)
	b.writeErr[0] = errDisk
	f.writePage(0, false)
	f.writePage(1, false)
	e.check()
	if f.DirtyPages() != 1 || !slices.Equal(pageSet(b.writes), []uint64{0, 1}) {
		t.Fatalf("%d dirty after one failed and one good swap-out, writes %v", f.DirtyPages(), b.writes)
	}
	if _, ok := f.Lookup(0); !ok {
		t.Fatal("the page that failed to go out left the cache")
	}
	if err := e.c.WritebackAll(); err != nil {
		t.Fatalf("WritebackAll after a failed swap-out: %v", err)
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("Sync after a failed swap-out: %v", err)
	}
	e.releaseAll()
}

// A fault fills only its own page (no readahead); a page made from
// nothing is a minor fault, one read from swap a major one; a failed
// fill is a bus error that no sync reports.
func TestSwapBackedFault(t *testing.T) {
	e := newEnv(t)
	data := content(6, 8*pg+5)
	f, b := e.swapBacked(slices.Clone(data))
	b.swapped[3] = true
	for _, idx := range []uint64{0, 1, 2} {
		pfn, out := f.FaultPage(idx, e.src)
		if out != Hit || pfn == 0 {
			t.Fatalf("fault on page %d (not in swap): %v", idx, out)
		}
		if !bytes.Equal(mm.FrameBytes(pfn.Addr()), data[idx*pg:(idx+1)*pg]) {
			t.Fatalf("page %d: other bytes", idx)
		}
	}
	if _, out := f.FaultPage(3, e.src); out != Major {
		t.Fatalf("fault on a page in swap: %v", out)
	}
	if _, out := f.FaultPage(3, e.src); out != Hit {
		t.Fatalf("second fault on it: %v", out)
	}
	e.check()
	want := []call{{0, pg, true}, {1, pg, true}, {2, pg, true}, {3, pg, true}}
	if !slices.Equal(b.reads, want) {
		t.Fatalf("reads %v, want %v (no readahead)", b.reads, want)
	}
	if st := e.c.Stats; st.MajFaults != 1 || st.Readahead != 0 || st.Cached != 4 {
		t.Fatalf("stats %+v", st)
	}
	// The last page, partial: the rest of the frame is zero (check).
	if _, out := f.FaultPage(8, e.src); out != Hit {
		t.Fatalf("last page: %v", out)
	}
	b.readErr[5] = errDisk
	taken, put := e.src.taken, e.src.put
	if _, out := f.FaultPage(5, e.src); out != IOError {
		t.Fatalf("failed fill: %v", out)
	}
	if e.src.taken-taken != 1 || e.src.put-put != 1 {
		t.Fatal("the failed fill kept its frame")
	}
	if _, out := f.FaultPage(9, e.src); out != Beyond {
		t.Fatalf("past the end: %v", out)
	}
	saved := e.src.n
	e.src.n = 0
	if _, out := f.FaultPage(6, e.src); out != NoMemory {
		t.Fatalf("no frame: %v", out)
	}
	e.src.n = saved
	e.check()
	if err := f.Sync(); err != nil {
		t.Fatalf("Sync after a failed fill: %v", err)
	}
	e.releaseAll()
}

// The swap-backed fault path allocates nothing, for either kind of fill.
func TestSwapBackedFaultAllocs(t *testing.T) {
	const runs = 100
	e := newEnv(t)
	f, b := e.swapBacked(content(7, 2*(runs+1)*pg))
	for idx := uint64(1); idx < 2*(runs+1); idx += 2 {
		b.swapped[idx] = true
	}
	for _, c := range []struct {
		first uint64
		want  Outcome
	}{{0, Hit}, {1, Major}} {
		idx := c.first
		if a := testing.AllocsPerRun(runs, func() {
			if _, out := f.FaultPage(idx, e.src); out != c.want {
				panic("other outcome")
			}
			idx += 2
		}); a != 0 {
			t.Errorf("%v allocations per %v fill", a, c.want)
		}
	}
	e.check()
	e.releaseAll()
}

// drop_caches and the reclaim of clean pages leave swap-backed files
// alone.
func TestSwapBackedNotEvicted(t *testing.T) {
	e := newEnv(t)
	f, _ := e.swapBacked(content(8, 4*pg))
	g, _ := e.file(content(9, 2*pg))
	f.ReadAt(make([]byte, 4*pg), 0) // clean pages
	g.ReadAt(make([]byte, 2*pg), 0)
	if n := f.Evict(); n != 0 {
		t.Fatalf("Evict dropped %d swap-backed pages", n)
	}
	if n := e.c.ReclaimClean(-1); n != 2 {
		t.Fatalf("ReclaimClean dropped %d pages, want the ordinary file's 2", n)
	}
	e.check()
	if f.CachedPages() != 4 {
		t.Fatalf("%d swap-backed pages left, want 4", f.CachedPages())
	}
	e.releaseAll()
}

// Release of a swap-backed file drops its dirty pages too, writing
// nothing: the file is being discarded.
func TestSwapBackedRelease(t *testing.T) {
	e := newEnv(t)
	f, b := e.swapBacked(content(10, 3*pg))
	f.WriteAt(content(11, 3*pg), 0)
	if err := f.Release(); err != nil {
		t.Fatal(err)
	}
	e.check()
	if len(b.writes) != 0 || e.c.Files() != 0 || e.c.Stats.Cached != 0 || e.c.Stats.Dirty != 0 {
		t.Fatalf("after Release: writes %v, %d files, stats %+v", b.writes, e.c.Files(), e.c.Stats)
	}
	e.releaseAll()
}

// Shmem counts the cached and dirty pages of swap-backed files only.
func TestShmem(t *testing.T) {
	e := newEnv(t)
	f, _ := e.swapBacked(content(12, 5*pg))
	g, _ := e.file(content(13, 3*pg))
	f.ReadAt(make([]byte, 5*pg), 0)
	f.WriteAt([]byte{1}, 2*pg)
	g.ReadAt(make([]byte, 3*pg), 0)
	g.WriteAt([]byte{1}, 0)
	if pages, dirty := e.c.Shmem(); pages != 5 || dirty != 1 {
		t.Fatalf("Shmem %d pages, %d dirty; want 5, 1", pages, dirty)
	}
	e.releaseAll()
	if pages, dirty := e.c.Shmem(); pages != 0 || dirty != 0 {
		t.Fatalf("Shmem after release: %d, %d", pages, dirty)
	}
}

// LoadDirty brings a page in (or finds it cached) and dirties it; it
// refuses ordinary files and pages past the end, and fails cleanly when
// memory is out.
func TestLoadDirty(t *testing.T) {
	e := newEnv(t)
	data := content(14, 3*pg)
	f, b := e.swapBacked(slices.Clone(data))
	f.ReadAt(make([]byte, 1), 0) // page 0 cached, clean
	for _, idx := range []uint64{0, 2} {
		if err := f.LoadDirty(idx); err != nil {
			t.Fatalf("LoadDirty(%d): %v", idx, err)
		}
	}
	e.check()
	if f.DirtyPages() != 2 || !slices.Equal(b.reads, []call{{0, pg, false}, {2, pg, false}}) {
		t.Fatalf("%d dirty, reads %v", f.DirtyPages(), b.reads)
	}
	if got := f.pageBytes(2); !bytes.Equal(got, data[2*pg:]) {
		t.Fatal("page 2: other bytes")
	}
	if err := f.LoadDirty(3); !errors.Is(err, ErrInvalid) {
		t.Fatalf("LoadDirty past the end: %v", err)
	}
	g, _ := e.file(content(15, pg))
	if err := g.LoadDirty(0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("LoadDirty of an ordinary file: %v", err)
	}
	b.readErr[1] = errDisk
	if err := f.LoadDirty(1); !errors.Is(err, errDisk) {
		t.Fatalf("LoadDirty over a read error: %v", err)
	}
	delete(b.readErr, 1)
	// Out of memory: every free frame taken.
	var hog []mm.PFN
	for {
		pfn, err := e.c.Frames.Alloc(0, frame.Kernel)
		if err != nil {
			break
		}
		hog = append(hog, pfn)
	}
	if err := f.LoadDirty(1); !errors.Is(err, ErrNoMemory) {
		t.Fatalf("LoadDirty without memory: %v", err)
	}
	if _, ok := f.Lookup(1); ok || f.DirtyPages() != 2 {
		t.Fatal("a failed LoadDirty changed the file")
	}
	for _, pfn := range hog {
		e.c.Frames.Free(pfn, 0)
	}
	e.check()
	e.releaseAll()
}

// The unmap hook runs when the last mapping goes, not before.
func TestUnmapHook(t *testing.T) {
	e := newEnv(t)
	f, _ := e.swapBacked(content(16, pg))
	calls := 0
	f.SetUnmapHook(func() { calls++ })
	m1, m2 := &mapper{}, &mapper{}
	f.AddMapper(m1)
	f.AddMapper(m1)
	f.AddMapper(m2)
	f.RemoveMapper(m1)
	f.RemoveMapper(m2)
	if calls != 0 {
		t.Fatalf("hook ran %d times with a mapping left", calls)
	}
	f.RemoveMapper(m1)
	if calls != 1 {
		t.Fatalf("hook ran %d times after the last mapping went", calls)
	}
	e.releaseAll()
}
