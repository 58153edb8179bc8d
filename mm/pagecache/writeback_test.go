//go:build !tamago

package pagecache

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// Writeback writes exactly the dirty pages, the cache's and those the
// mappers report, each with the bytes below the end of file, and cleans
// them; under writeback a page holds one more reference.
func TestWriteback(t *testing.T) {
	e := newEnv(t)
	size := 5*pg - 100
	f, b := e.file(content(20, size))
	f.ReadAt(make([]byte, size), 0)
	f.WriteAt([]byte{1}, pg+3)
	f.WriteAt([]byte{4}, 4*pg+3)
	m := &mapper{dirty: []uint64{2}} // a shared PTE wrote page 2
	f.AddMapper(m)
	held := e.ref(f, 2)
	mm.FrameBytes(held.Addr())[7] = 2 // through that PTE
	b.onWrite = func(idx uint64) {
		pfn, _ := f.Lookup(idx)
		if r := e.c.Frames.Refs(pfn); int(r) != 2+e.extra[pfn] {
			t.Errorf("page %d under writeback: refs %d", idx, r)
		}
		if p := f.pages[idx]; p.flags != pgWriteback || e.c.Stats.Writeback != 1 {
			t.Errorf("page %d under writeback: flags %#x, stats %+v", idx, p.flags, e.c.Stats)
		}
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	e.check()
	if want := []call{{1, pg, false}, {2, pg, false}, {4, pg - 100, false}}; !slices.Equal(b.writes, want) {
		t.Fatalf("writes %v, want %v", b.writes, want)
	}
	if m.syncs != 1 || f.DirtyPages() != 0 || e.c.Stats.PgPgOut != 3 {
		t.Fatalf("%d mapper syncs, %d dirty, stats %+v", m.syncs, f.DirtyPages(), e.c.Stats)
	}
	if b.data[pg+3] != 1 || b.pastEOF != 0 || b.data[2*pg+7] != 2 || b.data[4*pg+3] != 4 || len(b.data) != size {
		t.Fatal("backing: other bytes")
	}
	if err := f.Sync(); err != nil || len(b.writes) != 3 {
		t.Fatalf("second sync: %v, writes %v", err, b.writes)
	}
	// A range: only the dirty pages inside it.
	f.WriteAt([]byte{5}, 0)
	f.WriteAt([]byte{6}, 3*pg)
	f.Writeback(1, 4)
	e.check()
	if got := pageSet(b.writes[3:]); !slices.Equal(got, []uint64{3}) || f.DirtyPages() != 1 {
		t.Fatalf("Writeback(1, 4) wrote %v, %d left dirty", got, f.DirtyPages())
	}
	b.onWrite = nil
	e.unref(held)
	f.RemoveMapper(m)
	e.releaseAll()
}

// A failing write keeps the page dirty; the error is reported once, by
// the next sync; WritebackAll sees it without taking it.
func TestWritebackError(t *testing.T) {
	e := newEnv(t)
	f, b := e.file(content(21, 3*pg))
	f.WriteAt(content(50, 3*pg), 0)
	b.writeErr[1] = errDisk
	if err := e.c.WritebackAll(); !errors.Is(err, errDisk) {
		t.Fatalf("WritebackAll: %v", err)
	}
	e.check()
	if f.DirtyPages() != 1 || e.c.Stats.Dirty != 1 || e.c.Stats.PgPgOut != 2 {
		t.Fatalf("after a failed write: %d dirty, stats %+v", f.DirtyPages(), e.c.Stats)
	}
	if err := f.Sync(); !errors.Is(err, errDisk) {
		t.Fatalf("sync: %v, want the kept error", err)
	}
	if err := f.Sync(); !errors.Is(err, errDisk) {
		t.Fatalf("sync, still failing: %v", err)
	}
	delete(b.writeErr, 1)
	if err := f.Sync(); err != nil {
		t.Fatalf("sync after the disk recovered: %v", err)
	}
	if f.DirtyPages() != 0 || !bytes.Equal(b.data, content(50, 3*pg)) {
		t.Fatal("not all written")
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("the error reported twice: %v", err)
	}
	e.check()
	e.releaseAll()
}

// Work done while a page is being written: a write dirties it again
// (written next time, not lost); a truncate drops it, and the frame
// lives until the writeback lets go.
func TestWritebackRaces(t *testing.T) {
	e := newEnv(t)
	f, b := e.file(content(22, 4*pg))
	f.WriteAt(content(60, 4*pg), 0)
	b.onWrite = func(idx uint64) {
		if idx == 1 {
			f.WriteAt([]byte{7}, pg)
		}
	}
	f.Sync()
	e.check()
	if f.DirtyPages() != 1 {
		t.Fatalf("a write during writeback: %d dirty", f.DirtyPages())
	}
	b.onWrite = nil
	f.Sync()
	if b.data[pg] != 7 {
		t.Fatal("the re-dirtied page was not written next")
	}
	f.WriteAt(content(70, 4*pg), 0)
	b.onWrite = func(idx uint64) {
		if idx == 1 {
			f.Truncate(pg / 2)
		}
	}
	f.Sync()
	b.onWrite = nil
	e.check()
	if f.CachedPages() != 1 || f.Size() != pg/2 || len(b.data) != pg/2 {
		t.Fatalf("truncate during writeback: %d cached, size %d", f.CachedPages(), f.Size())
	}
	e.releaseAll()
}
