//go:build !tamago

package tmpfs

// The tests run tmpfs over simulated physical memory (mm/sim) as the
// page cache's tests do: a frame allocator over an arena, a FrameSource
// standing in for the MM's fault reserve, and an in-memory Swap
// (fakeSwap) whose entries name an area and a slot. After every step,
// check recomputes from the per-page tables what the instance counts
// (used, swapped, each file's pages), and compares the swap's live
// entries with the entries the tables hold, and the page cache's
// counters with the frames.

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/sim"
	"github.com/pagoda-os/pagoda/mm/swap"
)

const pg = mm.PageSize

// Arenas of this package's tests start at 192 GiB, 1 GiB apart.
const (
	arenaFirst = 3 << 36
	arenaStep  = 1 << 30
	arenaSize  = 16 << 20
)

var arenas atomic.Uint64

var errSwapIO = errors.New("swap I/O error")

// fakeSwap is a Swap in host memory. An entry is area<<32 | slot+1.
// Out takes slots of the current area, up to max in all (0: no bound);
// In copies without allocating; Free of an entry that is not live is a
// test failure (a double free or a stray entry).
type fakeSwap struct {
	t       testing.TB
	area    uint64
	next    uint64
	max     int
	live    map[swap.Entry][]byte
	outErr  error
	inErr   error
	ins     int
	faultIn int // In calls with fault set
	outs    int
}

func newFakeSwap(t testing.TB) *fakeSwap {
	return &fakeSwap{t: t, area: 1, live: map[swap.Entry][]byte{}}
}

func (s *fakeSwap) Out(pa mm.PhysAddr) (swap.Entry, error) {
	s.outs++
	if s.outErr != nil {
		return 0, s.outErr
	}
	if s.max > 0 && len(s.live) >= s.max {
		return 0, errors.New("swap full")
	}
	s.next++
	e := s.area<<32 | s.next
	s.live[swap.Entry(e)] = append([]byte(nil), mm.FrameBytes(pa)...)
	return swap.Entry(e), nil
}

func (s *fakeSwap) In(entry swap.Entry, pa mm.PhysAddr, fault bool) error {
	s.ins++
	if fault {
		s.faultIn++
	}
	if s.inErr != nil {
		return s.inErr
	}
	data, ok := s.live[entry]
	if !ok {
		panic("fakeSwap.In: entry not live")
	}
	copy(mm.FrameBytes(pa), data)
	return nil
}

func (s *fakeSwap) Free(entry swap.Entry) {
	if _, ok := s.live[entry]; !ok {
		s.t.Errorf("Free of entry %#x, not live", uint64(entry))
		return
	}
	delete(s.live, entry)
}

func areaOf(n uint64) func(swap.Entry) bool {
	return func(e swap.Entry) bool { return uint64(e)>>32 == n }
}

// stock is a FrameSource: frames allocated beforehand as anonymous (as
// the MM's reserve holds them), handed out without allocating.
type stock struct {
	frames []mm.PFN
	n      int
}

func newStock(t testing.TB, a *frame.Allocator, n int) *stock {
	s := &stock{frames: make([]mm.PFN, n)}
	for i := range s.frames {
		pfn, err := a.Alloc(0, frame.Anon)
		if err != nil {
			t.Fatal(err)
		}
		s.frames[i] = pfn
	}
	s.n = n
	return s
}

func (s *stock) TakeFrame() (mm.PFN, bool) {
	if s.n == 0 {
		return 0, false
	}
	s.n--
	return s.frames[s.n], true
}

func (s *stock) PutFrame(pfn mm.PFN) {
	s.frames[s.n] = pfn
	s.n++
}

// mapper is a pagecache.Mapper holding no PTEs: it stands for an
// address space that maps a file.
type mapper struct{}

func (mapper) SyncDirty(*pagecache.File)         {}
func (mapper) UnmapFrom(*pagecache.File, uint64) {}

// env is a tmpfs over simulated memory, with a fake swap and a stock of
// fault frames.
type env struct {
	t     testing.TB
	mem   *sim.Memory
	c     *pagecache.Cache
	fs    *FS
	swap  *fakeSwap
	src   *stock
	free0 uint64
}

func newEnv(t testing.TB, limit uint64) *env {
	t.Helper()
	base := mm.PhysAddr(arenaFirst + arenas.Add(1)*arenaStep)
	mem, unregister := sim.NewMemory(base, arenaSize)
	t.Cleanup(unregister)
	c := pagecache.New(mem.Frames)
	e := &env{t: t, mem: mem, c: c, fs: New(c, Options{Pages: limit, Mountpoint: "/tmp"}),
		swap: newFakeSwap(t), free0: mem.Frames.Stats().FreePages}
	if err := e.fs.SetSwap(e.swap); err != nil {
		t.Fatal(err)
	}
	e.src = newStock(t, mem.Frames, 256)
	return e
}

// must fails the test on an error.
func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// file creates path and returns it open.
func (e *env) file(path string) *File {
	e.t.Helper()
	e.must(e.fs.Create(path, 0o644))
	f, err := e.fs.Open(path)
	e.must(err)
	return f
}

// write writes p at off, or fails the test.
func (e *env) write(f *File, p []byte, off int64) {
	e.t.Helper()
	if n, err := f.WriteAt(p, off); n != len(p) || err != nil {
		e.t.Fatalf("WriteAt(%d bytes at %d): %d, %v", len(p), off, n, err)
	}
}

// read reads the whole file.
func (e *env) read(f *File) []byte {
	e.t.Helper()
	p := make([]byte, f.Size())
	if n, err := f.ReadAt(p, 0); n != len(p) || err != nil {
		e.t.Fatalf("ReadAt: %d of %d, %v", n, len(p), err)
	}
	return p
}

// reclaim stands in for the reclaimer, which writes a page out through
// the file's Backing and then drops it from the page cache: here each
// cached page is swapped out (a failure leaves it), then the file's
// page cache is made anew, holding the pages that failed (dirty). The
// file must not be mapped.
func (e *env) reclaim(f *File) (out int) {
	e.t.Helper()
	size := f.pc.Size()
	var kept []uint64
	for idx := range f.b.slots {
		pfn, ok := f.pc.Lookup(uint64(idx))
		if !ok {
			continue
		}
		n := int(min(pg, size-int64(idx)*pg))
		if err := f.b.WritePage(uint64(idx), pfn.Addr(), n, false); err != nil {
			kept = append(kept, uint64(idx))
			continue
		}
		out++
	}
	saved := make(map[uint64][]byte)
	for _, idx := range kept {
		pfn, _ := f.pc.Lookup(idx)
		saved[idx] = append([]byte(nil), mm.FrameBytes(pfn.Addr())...)
	}
	e.must(f.pc.Release())
	f.pc = e.c.NewSwapBackedFile(f.b, f.pc.Name, size)
	f.pc.SetUnmapHook(f.discardIfUnused)
	for _, idx := range kept {
		e.must(f.pc.LoadDirty(idx)) // an inMemory page: zeros, then its bytes
		pfn, _ := f.pc.Lookup(idx)
		copy(mm.FrameBytes(pfn.Addr()), saved[idx])
	}
	return out
}

// check compares the instance's counters and the swap with the tables.
func (e *env) check() {
	e.t.Helper()
	if err := e.invariants(); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) invariants() error {
	fsys := e.fs
	var used, swapped, cached uint64
	entries := map[swap.Entry]bool{}
	for f := range fsys.files {
		if f.discarded {
			return fmt.Errorf("%s: discarded but live", f.pc.Name)
		}
		size := f.pc.Size()
		if uint64(len(f.b.slots)) < pagesFor(size) {
			return fmt.Errorf("%s: table of %d pages for size %d", f.pc.Name, len(f.b.slots), size)
		}
		var pages uint64
		for idx, s := range f.b.slots {
			_, inCache := f.pc.Lookup(uint64(idx))
			if inCache {
				cached++
			}
			if s.state == hole {
				if s != (slot{}) {
					return fmt.Errorf("%s: hole %d is %+v", f.pc.Name, idx, s)
				}
				if inCache {
					return fmt.Errorf("%s: hole %d is cached", f.pc.Name, idx)
				}
				continue
			}
			if uint64(idx) >= pagesFor(size) {
				return fmt.Errorf("%s: page %d (%v) past the end of file %d", f.pc.Name, idx, s.state, size)
			}
			pages++
			if s.state == inSwap {
				swapped++
				if _, ok := e.swap.live[s.entry]; !ok || entries[s.entry] {
					return fmt.Errorf("%s: page %d: entry %#x not live, or held twice", f.pc.Name, idx, s.entry)
				}
				entries[s.entry] = true
			} else if s.entry != 0 || !inCache {
				// Only the reclaimer drops a page, after writing it out.
				return fmt.Errorf("%s: page %d in memory: %+v, cached %v", f.pc.Name, idx, s, inCache)
			}
		}
		if pages != f.b.pages {
			return fmt.Errorf("%s: %d pages counted, %d in the table", f.pc.Name, f.b.pages, pages)
		}
		used += pages
	}
	if used != fsys.used || swapped != fsys.swapped {
		return fmt.Errorf("used %d swapped %d counted; tables have %d, %d", fsys.used, fsys.swapped, used, swapped)
	}
	if fsys.limit != 0 && fsys.used > fsys.limit {
		return fmt.Errorf("%d pages used over the limit of %d", fsys.used, fsys.limit)
	}
	if len(e.swap.live) != len(entries) {
		return fmt.Errorf("%d swap entries live, %d held by files", len(e.swap.live), len(entries))
	}
	if shm, _ := e.c.Shmem(); shm != cached || e.c.Stats.Cached != cached {
		return fmt.Errorf("Shmem %d, Cached %d; the files cache %d", shm, e.c.Stats.Cached, cached)
	}
	if n := e.c.Frames.Stats().Pages[frame.PageCache]; n != cached {
		return fmt.Errorf("%d page-cache frames, %d cached", n, cached)
	}
	return nil
}

// done unmounts the instance and gives the stock back: every frame must
// be free again, and every swap entry.
func (e *env) done() {
	e.t.Helper()
	e.check()
	e.must(e.fs.Unmount())
	if e.c.Files() != 0 || len(e.swap.live) != 0 || e.fs.used != 0 {
		e.t.Fatalf("after unmount: %d cached files, %d swap entries, %d pages used", e.c.Files(), len(e.swap.live), e.fs.used)
	}
	for e.src.n > 0 {
		pfn, _ := e.src.TakeFrame()
		e.c.Frames.Free(pfn, 0)
	}
	if free := e.c.Frames.Stats().FreePages; free != e.free0 {
		e.t.Fatalf("free pages %d after unmount, want %d", free, e.free0)
	}
}

// pattern is n bytes that differ from page to page.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i) + byte(i/pg)*7 + 1
	}
	return b
}
