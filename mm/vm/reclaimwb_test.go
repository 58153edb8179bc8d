//go:build !tamago

package vm

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// Reclaim and dirty file pages (reclaim.go, pagecache reclaim.go): the
// scan writes none, it queues them and takes clean pages; their write's
// end rotates them to the inactive tail; a scan that finds only dirty
// pages waits on the queue's writes outside faults, and gives up in
// one; nothing written is ever lost.

// fileState is page idx of f as the reclaim tests see it.
func fileState(e *env, idx uint64) (cached, dirty, queued bool) {
	f := e.files[0]
	pfn, ok := f.Lookup(idx)
	return ok, f.PageDirty(idx), ok && f.UnderWriteback(idx, pfn)
}

// TestReclaimDirtyQueued: 64 file pages, the even ones dirty, under
// every policy. A scan for 8 frees the 8 oldest clean pages and queues
// the 8 dirty ones it passes, writing nothing; once the queue is
// written, the 8 are at the tail of the inactive list, and the next
// scan for 8 frees exactly them, looking at no other page.
func TestReclaimDirtyQueued(t *testing.T) {
	for _, policy := range Policies {
		t.Run(policy, func(t *testing.T) {
			e := newEnv(t)
			e.enableSwap(policy, 64)
			const pages = 64
			f, b := e.newFile(filePattern(3, pages*pg))
			if _, err := f.ReadAt(make([]byte, pages*pg), 0); err != nil {
				t.Fatal(err)
			}
			for i := uint64(0); i < pages; i += 2 {
				f.WriteAt(stamp(i, 9), int64(i)*pg)
			}
			e.check()
			if n := e.m.Reclaim(8, true); n != 8 {
				t.Fatalf("first scan freed %d pages, want 8", n)
			}
			e.check()
			if len(b.writes) != 0 {
				t.Fatalf("the scan wrote pages %v", b.writes)
			}
			for i := range uint64(pages) {
				cached, dirty, queued := fileState(e, i)
				switch {
				case i < 16 && i%2 == 1 && cached:
					t.Errorf("clean page %d kept", i)
				case i < 16 && i%2 == 0 && !(cached && dirty && queued):
					t.Errorf("dirty page %d: cached %v dirty %v queued %v", i, cached, dirty, queued)
				case i >= 16 && (!cached || queued):
					t.Errorf("page %d past the scan: cached %v queued %v", i, cached, queued)
				}
			}
			if pc := e.cache.Stats; pc.Immediate != 8 || e.cache.ReclaimQueued() != 8 {
				t.Fatalf("%d queued, stats %+v: want the 8 dirty pages the scan passed", e.cache.ReclaimQueued(), pc)
			}
			// The flusher's work: written, clean, rotated.
			if n := e.cache.WritebackReclaim(-1); n != 8 || len(b.writes) != 8 {
				t.Fatalf("the queue's writeback wrote %d (%v), want 8", n, b.writes)
			}
			if pc := e.cache.Stats; pc.Rotated != 8 || pc.VmscanWrite != 8 || pc.Dirty != pages/2-8 {
				t.Fatalf("after the queue's writeback: stats %+v", pc)
			}
			e.check()
			scan := e.m.ReclaimStats().Scan
			if n := e.m.Reclaim(8, true); n != 8 {
				t.Fatalf("second scan freed %d pages, want 8", n)
			}
			if d := e.m.ReclaimStats().Scan - scan; d != 8 {
				t.Errorf("the second scan looked at %d pages to free the 8 rotated ones", d)
			}
			for i := range uint64(pages) {
				cached, _, _ := fileState(e, i)
				if cached != (i >= 16) {
					t.Errorf("after the second scan, page %d cached %v", i, cached)
				}
				if i < 16 && i%2 == 0 && !bytes.Equal(b.data[i*pg:i*pg+16], stamp(i, 9)) {
					t.Errorf("page %d on the disk: %x", i, b.data[i*pg:i*pg+16])
				}
			}
			e.check()
		})
	}
}

// TestReclaimAllDirty: when every page is dirty, a fault's reclaim (it
// may not sleep) queues them and frees nothing, writing nothing; a
// reclaim outside faults writes the queue, waiting for each write, and
// frees what it asked for.
func TestReclaimAllDirty(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("lru2q", 64)
	const pages = 32
	f, b := e.newFile(make([]byte, pages*pg))
	for i := range uint64(pages) {
		f.WriteAt(stamp(i, 4), int64(i)*pg)
	}
	e.m.rc.inFault = true
	n := e.m.Reclaim(4, true)
	e.m.rc.inFault = false
	if n != 0 || len(b.writes) != 0 || e.cache.ReclaimQueued() == 0 || e.m.rc.deferred == 0 {
		t.Fatalf("a fault's reclaim freed %d, wrote %v, queued %d, deferred %d", n, b.writes, e.cache.ReclaimQueued(), e.m.rc.deferred)
	}
	e.check()
	if n := e.m.Reclaim(4, true); n != 4 {
		t.Fatalf("reclaim outside faults freed %d, want 4", n)
	}
	gone := 0
	for i := range uint64(pages) {
		if cached, _, _ := fileState(e, i); cached {
			continue
		}
		gone++
		if !bytes.Equal(b.data[i*pg:i*pg+16], stamp(i, 4)) {
			t.Errorf("page %d freed, but the disk holds %x", i, b.data[i*pg:i*pg+16])
		}
	}
	if gone != 4 {
		t.Fatalf("%d pages gone, want 4", gone)
	}
	e.check()
}

// TestReclaimWritebackRedirtyError: a queued page written to while its
// write is out stays dirty and is not rotated; a queued page whose write
// fails stays dirty and cached, and the next sync reports the error,
// once. Neither loses its data.
func TestReclaimWritebackRedirtyError(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("clock", 64)
	f, b := e.newFile(make([]byte, 4*pg))
	f.ReadAt(make([]byte, 4*pg), 0)
	f.WriteAt(stamp(0, 1), 0)
	f.WriteAt(stamp(1, 1), pg)
	if n := e.m.Reclaim(2, false); n != 2 || e.cache.ReclaimQueued() != 2 || len(b.writes) != 0 {
		t.Fatalf("freed %d, queued %d, wrote %v; want the 2 clean pages freed and the 2 dirty queued", n, e.cache.ReclaimQueued(), b.writes)
	}
	b.onWrite = func(idx uint64) {
		if idx == 0 {
			f.WriteAt(stamp(0, 2), 0)
		}
	}
	b.writeErr[1] = errDisk
	e.cache.WritebackReclaim(-1)
	b.onWrite = nil
	e.check()
	for i := range uint64(2) {
		if cached, dirty, queued := fileState(e, i); !cached || !dirty || queued {
			t.Errorf("page %d after its write: cached %v dirty %v queued %v", i, cached, dirty, queued)
		}
	}
	if pc := e.cache.Stats; pc.Rotated != 0 {
		t.Fatalf("stats %+v: a dirty page rotated", pc)
	}
	if err := f.Sync(); !errors.Is(err, errDisk) {
		t.Fatalf("sync after a failed reclaim write: %v", err)
	}
	delete(b.writeErr, 1)
	if n := e.m.Reclaim(4, true); n != 2 {
		t.Fatalf("freed %d, want the 2 pages", n)
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("second sync: %v (the error was reported)", err)
	}
	for i := range uint64(2) {
		if got := b.data[i*pg : i*pg+16]; !bytes.Equal(got, stamp(i, 1+1-i)) {
			t.Errorf("page %d on the disk: %x", i, got)
		}
	}
	e.check()
}

// TestReclaimDirtyRandom: a shared file mapping twice the memory,
// written through the mapping and through the cache, read back both
// ways, with reclaim, the reclaim queue's writeback, the periodic
// writeback and failing writes interleaved at random, against a model
// of the file: every read sees the last write, and in the end the disk
// holds every page's last write.
func TestReclaimDirtyRandom(t *testing.T) {
	for _, policy := range []string{"clock", "lru2q"} {
		t.Run(policy, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			e.enableSwap(policy, 64)
			e.nocheck = true
			pages := 2 * e.mem.Frames.Stats().ManagedPages
			f, b := e.newFile(make([]byte, pages*pg))
			base := e.mmapFile(0, pages*pg, rw, MapShared, f, 0)
			model := map[uint64][]byte{}
			want := func(i uint64) []byte {
				if p, ok := model[i]; ok {
					return p
				}
				return make([]byte, 16)
			}
			rng := rand.New(rand.NewPCG(18, 1))
			failing := uint64(0)
			for k := range 6000 {
				i := rng.Uint64N(pages)
				va := base + mm.VirtAddr(i)*pg
				switch op := rng.IntN(10); {
				case op < 3:
					p := stamp(i, uint64(k))
					e.write(va, p)
					model[i] = p
				case op < 4:
					p := stamp(i, uint64(k))
					if _, err := f.WriteAt(p, int64(i)*pg); err != nil {
						t.Fatal(err)
					}
					model[i] = p
				case op < 6:
					if got := e.read(va, 16); !bytes.Equal(got, want(i)) {
						t.Fatalf("step %d: page %d reads %x through the mapping, want %x", k, i, got, want(i))
					}
				case op < 7:
					got := make([]byte, 16)
					f.ReadAt(got, int64(i)*pg)
					if !bytes.Equal(got, want(i)) {
						t.Fatalf("step %d: page %d reads %x through the cache, want %x", k, i, got, want(i))
					}
				case op < 8:
					e.m.Reclaim(rng.IntN(64)+1, rng.IntN(2) == 0)
				case op < 9:
					e.cache.WritebackReclaim(rng.IntN(16))
				default:
					if rng.IntN(4) == 0 {
						e.cache.WritebackAll()
					}
					delete(b.writeErr, failing)
					failing = i
					b.writeErr[i] = errDisk
				}
				e.m.Throttle()
				e.checkEvery(k)
			}
			delete(b.writeErr, failing)
			e.cur.Msync(base, pages*pg, MsSync) // may report a failed write, once
			e.must(e.cur.Msync(base, pages*pg, MsSync))
			for i := range pages {
				if got := b.data[i*pg : i*pg+16]; !bytes.Equal(got, want(i)) {
					t.Fatalf("disk page %d holds %x, want %x", i, got, want(i))
				}
			}
			pc := e.cache.Stats
			if pc.Immediate == 0 || pc.Rotated == 0 || pc.VmscanWrite == 0 {
				t.Fatalf("cache %+v: reclaim queued, wrote or rotated nothing", pc)
			}
			t.Logf("%s: cache %+v, reclaim %+v", policy, pc, e.m.ReclaimStats())
			e.nocheck = false
			e.check()
			e.destroyAll()
		})
	}
}
