//go:build !tamago

package pagecache

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// ReadAt returns the file's bytes from any offset, across page
// boundaries, stopping at the end of file; each page is read from the
// backing once, with the bytes below the end of file.
func TestReadAt(t *testing.T) {
	e := newEnv(t)
	size := 3*pg + pg/2
	data := content(1, size)
	f, b := e.file(slices.Clone(data))
	for _, c := range []struct {
		off   int64
		n     int
		wantN int
	}{
		{0, 10, 10},
		{pg - 5, 10, 10},            // across a boundary
		{100, 2*pg + 7, 2*pg + 7},   // three pages
		{int64(size) - 3, 10, 3},    // through the end of file
		{int64(size), 10, 0},        // at the end
		{int64(size) + 5*pg, 10, 0}, // far past it
		{0, size + 100, size},       // all of it and more
		{3 * pg, pg, pg / 2},        // the last, partial page
		{2*pg + 1, 0, 0},            // nothing
	} {
		p := make([]byte, c.n)
		n, err := f.ReadAt(p, c.off)
		if err != nil || n != c.wantN {
			t.Fatalf("ReadAt(%d, %d) = %d, %v; want %d", c.n, c.off, n, err, c.wantN)
		}
		if c.wantN > 0 && !bytes.Equal(p[:n], data[c.off:c.off+int64(n)]) {
			t.Fatalf("ReadAt(%d, %d): other bytes", c.n, c.off)
		}
		e.check()
	}
	want := []call{{0, pg, false}, {1, pg, false}, {2, pg, false}, {3, pg / 2, false}}
	if !slices.Equal(b.reads, want) {
		t.Fatalf("backing reads %v, want %v", b.reads, want)
	}
	if e.c.Stats.PgPgIn != 4 || e.c.Stats.Cached != 4 || e.c.Stats.Dirty != 0 {
		t.Fatalf("stats %+v", e.c.Stats)
	}
	if _, err := f.ReadAt(make([]byte, 1), -1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ReadAt at -1: %v", err)
	}
	e.releaseAll()
}

// A read error reaches ReadAt's caller (no pending error is kept: the
// caller has it).
func TestReadAtError(t *testing.T) {
	e := newEnv(t)
	f, b := e.file(content(2, 3*pg))
	b.readErr[1] = errDisk
	p := make([]byte, 3*pg)
	n, err := f.ReadAt(p, 0)
	if n != pg || !errors.Is(err, errDisk) {
		t.Fatalf("ReadAt over a bad page: %d, %v", n, err)
	}
	e.check()
	if f.CachedPages() != 1 {
		t.Fatalf("%d pages cached, want 1", f.CachedPages())
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("Sync after a reported read error: %v", err)
	}
	e.releaseAll()
}

// WriteAt: partial pages are read first, whole pages and pages past the
// old end of file are not; a write past the end grows the file (and its
// backing); pages are dirtied, not written.
func TestWriteAt(t *testing.T) {
	for _, c := range []struct {
		name   string
		size   int   // the file's size before
		off    int64 // the write
		n      int
		reads  []uint64 // backing pages read
		truncs []int64
	}{
		{name: "inside a page", size: 2 * pg, off: 10, n: 20, reads: []uint64{0}},
		{name: "across a boundary", size: 2 * pg, off: pg - 10, n: 20, reads: []uint64{0, 1}},
		{name: "a whole page", size: 2 * pg, off: pg, n: pg},
		{name: "a whole page and a bit", size: 3 * pg, off: pg, n: pg + 1, reads: []uint64{2}},
		{name: "past the end", size: pg, off: 3*pg + 5, n: 10, truncs: []int64{3*pg + 15}},
		{name: "through the end, from a partial page", size: pg + 100, off: pg + 50, n: 2 * pg, reads: []uint64{1}, truncs: []int64{3*pg + 50}},
		{name: "appending at a page boundary", size: pg, off: pg, n: 10, truncs: []int64{pg + 10}},
		{name: "an empty file", size: 0, off: 0, n: 5, truncs: []int64{5}},
		{name: "nothing, past the end", size: pg, off: 5 * pg, n: 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			old := content(3, c.size)
			f, b := e.file(slices.Clone(old))
			p := content(100, c.n)
			if n, err := f.WriteAt(p, c.off); n != c.n || err != nil {
				t.Fatalf("WriteAt: %d, %v", n, err)
			}
			e.check()
			if got := pageSet(b.reads); !slices.Equal(got, c.reads) {
				t.Fatalf("backing pages read %v, want %v", got, c.reads)
			}
			if !slices.Equal(b.truncs, c.truncs) {
				t.Fatalf("backing truncated to %v, want %v", b.truncs, c.truncs)
			}
			if len(b.writes) != 0 {
				t.Fatalf("WriteAt wrote %v", b.writes)
			}
			want := slices.Clone(old)
			if end := int(c.off) + c.n; c.n > 0 && end > len(want) {
				want = append(want, make([]byte, end-len(want))...)
			}
			if c.n > 0 {
				copy(want[c.off:], p)
			}
			if f.Size() != int64(len(want)) {
				t.Fatalf("size %d, want %d", f.Size(), len(want))
			}
			got := make([]byte, len(want)+pg)
			if n, err := f.ReadAt(got, 0); n != len(want) || err != nil || !bytes.Equal(got[:n], want) {
				t.Fatalf("read back %d, %v: other bytes", n, err)
			}
			dirty := 0
			if c.n > 0 {
				dirty = int((c.off+int64(c.n)-1)/pg - c.off/pg + 1)
			}
			if f.DirtyPages() != dirty || e.c.Stats.Dirty != uint64(dirty) {
				t.Fatalf("%d dirty pages (stats %d), want %d", f.DirtyPages(), e.c.Stats.Dirty, dirty)
			}
			// Writeback puts exactly the new bytes on the backing.
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.data, want) || b.pastEOF != 0 {
				t.Fatal("backing holds other bytes after sync")
			}
			e.releaseAll()
		})
	}
}

func TestWriteAtErrors(t *testing.T) {
	e := newEnv(t)
	f, b := e.file(content(4, pg))
	if _, err := f.WriteAt([]byte{1}, -1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("WriteAt at -1: %v", err)
	}
	b.truncErr = errDisk
	if n, err := f.WriteAt([]byte{1}, 2*pg); n != 0 || !errors.Is(err, errDisk) || f.Size() != pg {
		t.Fatalf("WriteAt with the backing failing to grow: %d, %v, size %d", n, err, f.Size())
	}
	b.truncErr = nil
	b.readErr[0] = errDisk
	if n, err := f.WriteAt([]byte{1}, 5); n != 0 || !errors.Is(err, errDisk) {
		t.Fatalf("WriteAt over a page that fails to read: %d, %v", n, err)
	}
	e.check()
	e.releaseAll()
}

// Truncate down unmaps and drops the pages past the new end and zeroes
// the tail of the last page; growing again reads zeros there.
func TestTruncate(t *testing.T) {
	e := newEnv(t)
	data := content(5, 6*pg)
	f, b := e.file(slices.Clone(data))
	if n, _ := f.ReadAt(make([]byte, 6*pg), 0); n != 6*pg {
		t.Fatal("short read")
	}
	f.WriteAt([]byte{9}, 5*pg) // a dirty page, to be dropped unwritten
	m := &mapper{}
	f.AddMapper(m)
	held := e.ref(f, 4) // a PTE mapping page 4
	m.onUnmap = func(idx uint64) {
		if idx != 3 {
			t.Errorf("UnmapFrom(%d), want 3", idx)
		}
		if f.Size() != 2*pg+100 {
			t.Errorf("size %d while unmapping", f.Size())
		}
		e.unref(held) // the PTE goes
		m.onUnmap = nil
	}
	if err := f.Truncate(2*pg + 100); err != nil {
		t.Fatal(err)
	}
	e.check()
	if len(m.unmaps) != 1 || !slices.Equal(b.truncs, []int64{2*pg + 100}) {
		t.Fatalf("unmaps %v, backing truncates %v", m.unmaps, b.truncs)
	}
	if f.CachedPages() != 3 || e.c.Stats.Cached != 3 || e.c.Stats.Dirty != 0 {
		t.Fatalf("%d pages cached after truncate, stats %+v", f.CachedPages(), e.c.Stats)
	}
	// Growing: sparse, the old tail and the new pages read as zeros.
	if err := f.Truncate(4 * pg); err != nil {
		t.Fatal(err)
	}
	e.check()
	got := make([]byte, 4*pg)
	if n, err := f.ReadAt(got, 0); n != 4*pg || err != nil {
		t.Fatalf("ReadAt after growing: %d, %v", n, err)
	}
	want := append(slices.Clone(data[:2*pg+100]), make([]byte, 2*pg-100)...)
	if !bytes.Equal(got, want) {
		t.Fatal("grown file: other bytes than the old ones and zeros")
	}
	if len(m.unmaps) != 1 {
		t.Fatalf("growing unmapped: %v", m.unmaps)
	}
	// To a page boundary, then to 0.
	if err := f.Truncate(pg); err != nil || f.CachedPages() != 1 {
		t.Fatalf("truncate to a page: %v, %d cached", err, f.CachedPages())
	}
	if err := f.Truncate(0); err != nil || f.CachedPages() != 0 {
		t.Fatalf("truncate to 0: %v, %d cached", err, f.CachedPages())
	}
	if err := f.Truncate(-1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("truncate to -1: %v", err)
	}
	b.truncErr = errDisk
	if err := f.Truncate(pg); !errors.Is(err, errDisk) || f.Size() != 0 {
		t.Fatalf("truncate with the backing failing: %v, size %d", err, f.Size())
	}
	f.RemoveMapper(m)
	e.check()
	e.releaseAll()
}

// A shared mapping may store past the end of file in the last page (the
// MMU cannot stop it). Growing the file must not bring those bytes in:
// the grown part reads as zeros (as Linux zeroes the straddling page's
// tail).
func TestGrowZeroesStoresPastEOF(t *testing.T) {
	for _, grow := range []string{"truncate", "write"} {
		t.Run(grow, func(t *testing.T) {
			e := newEnv(t)
			f, _ := e.file(content(6, pg+10))
			pfn, _ := f.FaultPage(1, e.src)
			mm.FrameBytes(pfn.Addr())[20] = 0xee // a store through a shared PTE, past the end
			if grow == "truncate" {
				f.Truncate(2 * pg)
			} else {
				f.WriteAt([]byte{1}, 2*pg-1)
			}
			e.check()
			got := make([]byte, 1)
			if f.ReadAt(got, pg+20); got[0] != 0 {
				t.Fatalf("grown part reads %#x", got[0])
			}
			e.releaseAll()
		})
	}
}

// FaultPage: each outcome, with the frame and the counters it leaves.
func TestFaultPage(t *testing.T) {
	e := newEnv(t)
	f, b := e.file(content(7, 8*pg+1))
	// Major: the page and three more read ahead (a first fault).
	pfn, out := f.FaultPage(2, e.src)
	if out != Major || pfn == 0 {
		t.Fatalf("first fault: %v", out)
	}
	e.check()
	if want := []call{{2, pg, true}, {3, pg, true}, {4, pg, true}, {5, pg, true}}; !slices.Equal(b.reads, want) {
		t.Fatalf("reads %v, want %v", b.reads, want)
	}
	if got, _ := f.Lookup(2); got != pfn || !bytes.Equal(mm.FrameBytes(pfn.Addr()), content(7, 8*pg+1)[2*pg:3*pg]) {
		t.Fatal("faulted page: other frame or bytes")
	}
	st := e.c.Stats
	if st.MajFaults != 1 || st.PgPgIn != 4 || st.Readahead != 3 || st.Cached != 4 || e.src.taken != 4 {
		t.Fatalf("stats after a major fault: %+v, %d frames taken", st, e.src.taken)
	}
	// Hit: the same frame, no read.
	if p, out := f.FaultPage(2, e.src); out != Hit || p != pfn {
		t.Fatalf("second fault: %v %#x", out, p)
	}
	if p, out := f.FaultPage(4, e.src); out != Hit || p == 0 {
		t.Fatalf("fault on a page read ahead: %v %#x", out, p)
	}
	if len(b.reads) != 4 || e.c.Stats.MajFaults != 1 {
		t.Fatalf("hits read: %v", b.reads)
	}
	// The last page, partial: 1 byte read, the rest zero (check).
	if _, out := f.FaultPage(8, e.src); out != Major {
		t.Fatalf("last page: %v", out)
	}
	if c := b.reads[len(b.reads)-1]; c != (call{8, 1, true}) {
		t.Fatalf("last page read as %v", c)
	}
	e.check()
	// Beyond: wholly past the end of file.
	for _, idx := range []uint64{9, 100, 1 << 40} {
		if _, out := f.FaultPage(idx, e.src); out != Beyond {
			t.Fatalf("page %d: %v", idx, out)
		}
	}
	// IOError: the frame goes back, the error waits for the next sync.
	b.readErr[0] = errDisk
	taken, put := e.src.taken, e.src.put
	if _, out := f.FaultPage(0, e.src); out != IOError {
		t.Fatalf("bad page: %v", out)
	}
	if e.src.taken-taken != 1 || e.src.put-put != 1 {
		t.Fatalf("bad page: %d frames taken, %d put back", e.src.taken-taken, e.src.put-put)
	}
	e.check()
	if err := f.Sync(); !errors.Is(err, errDisk) {
		t.Fatalf("sync after a failed fault read: %v", err)
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("second sync: %v", err)
	}
	delete(b.readErr, 0)
	// NoMemory: the reserve is empty.
	saved := e.src.n
	e.src.n = 0
	if _, out := f.FaultPage(0, e.src); out != NoMemory {
		t.Fatalf("no frame: %v", out)
	}
	if p, out := f.FaultPage(2, e.src); out != Hit || p != pfn {
		t.Fatalf("a hit needs no frame: %v", out)
	}
	e.src.n = saved
	e.check()
	st = e.c.Stats
	if st.MajFaults != 2 || st.PgPgIn != 5 || st.PgPgOut != 0 {
		t.Fatalf("stats at the end: %+v", st)
	}
	e.releaseAll()
}

// Readahead: sequential faults double the window from 4 to 32 pages; a
// fault elsewhere starts again at 4. It stops at the end of file, skips
// cached pages, and a read error ends it without failing the fault or
// being reported: readahead is a guess.
func TestReadahead(t *testing.T) {
	e := newEnv(t)
	f, b := e.file(content(8, 200*pg))
	window := func(idx uint64) int {
		t.Helper()
		before := len(b.reads)
		if _, out := f.FaultPage(idx, e.src); out != Major {
			t.Fatalf("fault on %d: %v", idx, out)
		}
		for i, c := range b.reads[before:] {
			if c.idx != idx+uint64(i) || !c.fault {
				t.Fatalf("fault on %d read %v", idx, b.reads[before:])
			}
		}
		e.check()
		return len(b.reads) - before
	}
	// A sequential reader: every page in order, majors where windows end.
	var wins []int
	for idx := uint64(0); idx < 100; idx++ {
		if _, ok := f.Lookup(idx); ok {
			if _, out := f.FaultPage(idx, e.src); out != Hit {
				t.Fatalf("fault on cached %d: %v", idx, out)
			}
			continue
		}
		wins = append(wins, window(idx))
	}
	// 0-3, 4-11, 12-27, 28-59, 60-91, 92-123.
	if want := []int{4, 8, 16, 32, 32, 32}; !slices.Equal(wins, want) {
		t.Fatalf("windows %v, want %v", wins, want)
	}
	// A random fault: back to 4.
	if w := window(150); w != 4 {
		t.Fatalf("random fault: window %d", w)
	}
	if w := window(140); w != 4 {
		t.Fatalf("second random fault: window %d", w)
	}
	// Sequential again from there: 8 pages, 144-151, of which 150 and
	// 151 are cached already (skipped).
	for idx := uint64(141); idx < 144; idx++ {
		if _, out := f.FaultPage(idx, e.src); out != Hit {
			t.Fatalf("fault on cached %d: %v", idx, out)
		}
	}
	if w := window(144); w != 6 {
		t.Fatalf("sequential after random: %d reads, want 6 (8 less the 2 cached)", w)
	}
	// Cut at the end of file.
	if w := window(198); w != 2 {
		t.Fatalf("near the end: window %d", w)
	}
	// A read error in the readahead: the fault is fine, nothing kept.
	b.readErr[172] = errDisk
	if w := window(170); w != 3 { // 170, 171, then 172 fails
		t.Fatalf("readahead into a bad page: %d reads", w)
	}
	if _, ok := f.Lookup(172); ok {
		t.Fatal("a page that failed to read is cached")
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("a failed readahead was reported: %v", err)
	}
	st := e.c.Stats
	var majors, ra uint64 = 0, 0
	majors = uint64(len(wins)) + 5
	ra = uint64(len(b.reads)) - majors - 1 // the failed read is neither
	if st.MajFaults != majors || st.Readahead != ra || st.PgPgIn != uint64(len(b.reads)-1) {
		t.Fatalf("stats %+v, want %d majors, %d read ahead", st, majors, ra)
	}
	e.releaseAll()
}

// ReclaimClean drops only pages that are clean, not under writeback and
// not mapped; a limit stops it.
func TestReclaimClean(t *testing.T) {
	e := newEnv(t)
	f, b := e.file(content(9, 6*pg))
	f.ReadAt(make([]byte, 6*pg), 0)
	f.WriteAt([]byte{1}, 1*pg) // dirty
	held := e.ref(f, 3)        // mapped
	if n := e.c.ReclaimClean(2); n != 2 {
		t.Fatalf("ReclaimClean(2) = %d", n)
	}
	e.check()
	if n := e.c.ReclaimClean(100); n != 2 {
		t.Fatalf("ReclaimClean(100) = %d, want the 2 left", n)
	}
	e.check()
	for idx, want := range []bool{false, true, false, true, false, false} {
		if _, ok := f.Lookup(uint64(idx)); ok != want {
			t.Fatalf("page %d cached %v, want %v", idx, ok, want)
		}
	}
	if len(b.writes) != 0 {
		t.Fatalf("reclaim wrote %v", b.writes)
	}
	e.unref(held)
	if n := e.c.ReclaimClean(100); n != 1 {
		t.Fatalf("after the unmap: %d reclaimed", n)
	}
	// A dropped page reads back from the backing.
	got := make([]byte, 6*pg)
	f.ReadAt(got, 0)
	want := content(9, 6*pg)
	want[pg] = 1
	if !bytes.Equal(got, want) {
		t.Fatal("read after reclaim: other bytes")
	}
	e.check()
	e.releaseAll()
}

// Release writes the file back and frees every frame; a page that fails
// to write is kept, and so is the file, until a later release succeeds.
func TestRelease(t *testing.T) {
	e := newEnv(t)
	f, b := e.file(content(10, 4*pg))
	f.ReadAt(make([]byte, 4*pg), 0)
	f.WriteAt([]byte{1, 2}, pg-1)
	b.writeErr[1] = errDisk
	if err := f.Release(); !errors.Is(err, errDisk) {
		t.Fatalf("release with a bad page: %v", err)
	}
	e.check()
	if e.c.Files() != 1 || f.CachedPages() != 1 || f.DirtyPages() != 1 {
		t.Fatalf("after a failed release: %d files, %d cached, %d dirty", e.c.Files(), f.CachedPages(), f.DirtyPages())
	}
	if b.data[pg-1] != 1 || b.data[pg] == 2 {
		t.Fatal("the good page not written, or the bad one written")
	}
	delete(b.writeErr, 1)
	if err := f.Release(); err != nil {
		t.Fatal(err)
	}
	if b.data[pg] != 2 {
		t.Fatal("the kept page not written at the second release")
	}
	// A mapped file cannot be released.
	g, _ := e.file(content(11, pg))
	m := &mapper{}
	g.AddMapper(m)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("release of a mapped file did not panic")
			}
		}()
		g.Release()
	}()
	g.AddMapper(m)
	g.RemoveMapper(m)
	if !g.Mapped() || g.Mappings(m) != 1 {
		t.Fatalf("mapped %v with %d mappings, want 1", g.Mapped(), g.Mappings(m))
	}
	g.RemoveMapper(m)
	if g.Mapped() {
		t.Fatal("still mapped")
	}
	e.releaseAll()
}

// The fault path allocates nothing: a hit, and a major fault with its
// readahead (a polled read of the backing).
func TestFaultPageAllocs(t *testing.T) {
	const runs = 100
	e := newEnv(t)
	f, b := e.file(content(12, 8*(runs+1)*pg))
	idx := uint64(0)
	if a := testing.AllocsPerRun(runs, func() {
		if _, out := f.FaultPage(idx, e.src); out != Major {
			panic("not a major fault")
		}
		idx += 8 // not sequential: a window of 4 each time
	}); a != 0 {
		t.Errorf("%v allocations per major fault", a)
	}
	if e.c.Stats.MajFaults != runs+1 || len(b.reads) != 4*(runs+1) {
		t.Fatalf("%d majors, %d reads", e.c.Stats.MajFaults, len(b.reads))
	}
	idx = 0
	if a := testing.AllocsPerRun(runs, func() {
		if _, out := f.FaultPage(idx, e.src); out != Hit {
			panic("not a hit")
		}
		idx += 8
	}); a != 0 {
		t.Errorf("%v allocations per hit", a)
	}
	e.check()
	e.releaseAll()
}

// BenchmarkFileFaultPageHit: the fault path's lookup of a cached page.
func BenchmarkFileFaultPageHit(b *testing.B) {
	e := newEnv(b)
	f, _ := e.file(content(13, 64*pg))
	f.ReadAt(make([]byte, 64*pg), 0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, out := f.FaultPage(uint64(i&63), e.src); out != Hit {
			b.Fatal("not a hit")
		}
	}
}

// Fill, a fault's retry half, reads as FaultPage does (the page, then
// the same readahead window) but through goroutine-context reads (fault
// clear), with frames from the allocator; NeedsRead says beforehand which
// pages need it. A read error is kept for the next sync, as in a fault.
func TestFill(t *testing.T) {
	e := newEnv(t)
	f, b := e.file(content(5, 8*pg+1))
	if !f.NeedsRead(2) || f.NeedsRead(9) {
		t.Fatalf("NeedsRead: page 2 %v, page 9 (past the end) %v", f.NeedsRead(2), f.NeedsRead(9))
	}
	if out := f.Fill(2); out != Major {
		t.Fatalf("Fill of an uncached page: %v", out)
	}
	e.check()
	if want := []call{{2, pg, false}, {3, pg, false}, {4, pg, false}, {5, pg, false}}; !slices.Equal(b.reads, want) {
		t.Fatalf("reads %v, want %v", b.reads, want)
	}
	if st := e.c.Stats; st.MajFaults != 1 || st.PgPgIn != 4 || st.Readahead != 3 || e.src.taken != 0 {
		t.Fatalf("stats after Fill: %+v, %d frames from the fault reserve", st, e.src.taken)
	}
	if f.NeedsRead(2) || f.NeedsRead(5) {
		t.Fatal("NeedsRead of a cached page")
	}
	// The fault that follows is a hit; a miss further on reads its own
	// window, up to the end of file.
	if _, out := f.FaultPage(2, e.src); out != Hit {
		t.Fatalf("fault after Fill: %v", out)
	}
	if out := f.Fill(6); out != Major || len(b.reads) != 7 {
		t.Fatalf("sequential Fill: %v, reads %v", out, b.reads)
	}
	if out := f.Fill(3); out != Hit || f.Fill(9) != Beyond {
		t.Fatal("Fill of a cached page or one past the end")
	}
	b.readErr[0] = errDisk
	if out := f.Fill(0); out != IOError {
		t.Fatalf("Fill with a read error: %v", out)
	}
	if err := f.TakeError(); !errors.Is(err, errDisk) {
		t.Fatalf("error kept: %v", err)
	}
	e.check()
	e.releaseAll()
}
