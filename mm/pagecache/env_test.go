//go:build !tamago

package pagecache

// The tests run the cache over simulated physical memory (mm/sim): a
// frame allocator over an arena, an in-memory Backing that records every
// call, a FrameSource standing in for the MM's fault reserve, and a
// Mapper standing in for an address space. After every step, check
// recomputes from the index what the cache counts (cached, dirty, under
// writeback), the state and reference count of every frame, and that the
// bytes of a cached page past the end of file are zero.

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/sim"
)

const pg = mm.PageSize

// Arenas of this package's tests start at 128 GiB (mm/vm's at 64 GiB),
// 1 GiB apart.
const (
	arenaFirst = 1 << 37
	arenaStep  = 1 << 30
	arenaSize  = 16 << 20
)

var arenas atomic.Uint64

// call is one call of the backing.
type call struct {
	idx   uint64
	n     int
	fault bool
}

// memFile is a Backing over a byte slice. Reads and writes are recorded;
// errors are injected per page. Its ReadPage allocates nothing while the
// records stay within their capacity (made large in newMemFile).
type memFile struct {
	data     []byte
	reads    []call
	writes   []call
	truncs   []int64
	readErr  map[uint64]error
	writeErr map[uint64]error
	truncErr error
	pastEOF  int // writes that reached past the backing's size
	// onWrite, when set, runs inside WritePage before the copy, as other
	// goroutine-context work could while the page is on its way out.
	onWrite func(idx uint64)
}

var errDisk = errors.New("disk error")

func newMemFile(data []byte) *memFile {
	return &memFile{data: data, reads: make([]call, 0, 4096), writes: make([]call, 0, 4096),
		readErr: map[uint64]error{}, writeErr: map[uint64]error{}}
}

func (b *memFile) ReadPage(idx uint64, pa mm.PhysAddr, n int, fault bool) error {
	b.reads = append(b.reads, call{idx, n, fault})
	if err := b.readErr[idx]; err != nil {
		return err
	}
	dst := mm.FrameBytes(pa.PFN().Addr())[:n]
	off := int(idx) * pg
	m := copy(dst, b.data[min(off, len(b.data)):min(off+n, len(b.data))])
	clear(dst[m:])
	return nil
}

func (b *memFile) WritePage(idx uint64, pa mm.PhysAddr, n int, fault bool) error {
	b.writes = append(b.writes, call{idx, n, fault})
	if b.onWrite != nil {
		b.onWrite(idx)
	}
	if err := b.writeErr[idx]; err != nil {
		return err
	}
	off := int(idx) * pg
	if off+n > len(b.data) {
		b.pastEOF++ // a block truncated away meanwhile: dropped
		n = max(len(b.data)-off, 0)
	}
	copy(b.data[off:off+n], mm.FrameBytes(pa.PFN().Addr())[:n])
	return nil
}

func (b *memFile) Truncate(size int64) error {
	b.truncs = append(b.truncs, size)
	if b.truncErr != nil {
		return b.truncErr
	}
	if int(size) <= len(b.data) {
		b.data = b.data[:size]
	} else {
		b.data = append(b.data, make([]byte, int(size)-len(b.data))...)
	}
	return nil
}

// pageSet is the page indexes of calls, in order.
func pageSet(cs []call) []uint64 {
	var s []uint64
	for _, c := range cs {
		s = append(s, c.idx)
	}
	return s
}

// stock is a FrameSource: frames allocated beforehand as anonymous
// (as the MM's reserve holds them), handed out without allocating.
type stock struct {
	frames []mm.PFN
	n      int
	taken  int
	put    int
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
	s.taken++
	return s.frames[s.n], true
}

func (s *stock) PutFrame(pfn mm.PFN) {
	s.frames[s.n] = pfn
	s.n++
	s.put++
}

// mapper is a Mapper that records its calls; it holds no PTEs (tests
// take references by hand where a PTE would).
type mapper struct {
	syncs   int
	unmaps  []uint64
	dirty   []uint64 // pages to report dirty at the next SyncDirty
	onUnmap func(idx uint64)
}

func (m *mapper) SyncDirty(f *File) {
	m.syncs++
	for _, idx := range m.dirty {
		f.MarkDirty(idx)
	}
	m.dirty = nil
}

func (m *mapper) UnmapFrom(f *File, idx uint64) {
	m.unmaps = append(m.unmaps, idx)
	if m.onUnmap != nil {
		m.onUnmap(idx)
	}
}

// env is a cache over simulated memory, with a stock of fault frames.
type env struct {
	t     testing.TB
	mem   *sim.Memory
	c     *Cache
	src   *stock
	free0 uint64 // free pages before the stock was taken
	// extra are references taken by the test (standing in for PTEs), by
	// frame: check expects them on top of the cache's.
	extra map[mm.PFN]int
	// orphans are frames the cache dropped while the test held a
	// reference: still allocated, in state PageCache.
	orphans map[mm.PFN]bool
}

func newEnv(t testing.TB) *env {
	t.Helper()
	base := mm.PhysAddr(arenaFirst + arenas.Add(1)*arenaStep)
	mem, unregister := sim.NewMemory(base, arenaSize)
	t.Cleanup(unregister)
	e := &env{t: t, mem: mem, c: New(mem.Frames), free0: mem.Frames.Stats().FreePages,
		extra: map[mm.PFN]int{}, orphans: map[mm.PFN]bool{}}
	e.src = newStock(t, mem.Frames, 512)
	return e
}

// file makes a cached file over a backing holding data.
func (e *env) file(data []byte) (*File, *memFile) {
	b := newMemFile(data)
	return e.c.NewFile(b, "f", int64(len(data))), b
}

// ref takes a reference to a cached page, as a PTE mapping it would.
func (e *env) ref(f *File, idx uint64) mm.PFN {
	e.t.Helper()
	pfn, ok := f.Lookup(idx)
	if !ok {
		e.t.Fatalf("page %d not cached", idx)
	}
	e.c.Frames.IncRef(pfn)
	e.extra[pfn]++
	return pfn
}

// unref drops a reference ref took, freeing the frame with the last.
func (e *env) unref(pfn mm.PFN) {
	e.extra[pfn]--
	if e.extra[pfn] == 0 {
		delete(e.extra, pfn)
	}
	if e.c.Frames.DecRef(pfn) == 0 {
		e.c.Frames.Free(pfn, 0)
		delete(e.orphans, pfn)
	}
}

// check compares the cache's counters and the frames with what the
// index holds.
func (e *env) check() {
	e.t.Helper()
	if err := e.invariants(); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) invariants() error {
	var cached, dirty, wb uint64
	seen := map[mm.PFN]bool{}
	for f := range e.c.files {
		if uint64(len(f.pages)) < pagesFor(f.size) {
			return fmt.Errorf("%s: index of %d pages for size %d", f.Name, len(f.pages), f.size)
		}
		for idx, p := range f.pages {
			if p.pfn == 0 {
				if p.flags != 0 {
					return fmt.Errorf("%s: empty slot %d has flags %#x", f.Name, idx, p.flags)
				}
				continue
			}
			if int64(idx)*pg >= f.size {
				return fmt.Errorf("%s: page %d cached past the end of file (%d)", f.Name, idx, f.size)
			}
			if seen[p.pfn] {
				return fmt.Errorf("%s: frame %#x cached twice", f.Name, p.pfn)
			}
			seen[p.pfn] = true
			cached++
			if p.flags&pgDirty != 0 {
				dirty++
			}
			if p.flags&pgWriteback != 0 {
				wb++
			}
			if st := e.c.Frames.State(p.pfn); st != frame.PageCache {
				return fmt.Errorf("%s: page %d in frame %#x of state %v", f.Name, idx, p.pfn, st)
			}
			if want, got := 1+e.extra[p.pfn], int(e.c.Frames.Refs(p.pfn)); got != want {
				return fmt.Errorf("%s: page %d: refs %d, want %d", f.Name, idx, got, want)
			}
			if n := f.validBytes(uint64(idx)); n < pg {
				for i, b := range mm.FrameBytes(p.pfn.Addr())[n:] {
					if b != 0 {
						return fmt.Errorf("%s: page %d: byte %d past the end of file is %#x", f.Name, idx, n+i, b)
					}
				}
			}
		}
	}
	st := e.c.Stats
	if st.Cached != cached || st.Dirty != dirty || st.Writeback != wb {
		return fmt.Errorf("stats cached %d dirty %d writeback %d; index has %d, %d, %d", st.Cached, st.Dirty, st.Writeback, cached, dirty, wb)
	}
	for pfn := range e.extra {
		if !seen[pfn] && !e.orphans[pfn] {
			return fmt.Errorf("frame %#x referenced by the test neither cached nor known dropped", pfn)
		}
	}
	fs := e.c.Frames.Stats()
	if n := fs.Pages[frame.PageCache]; n != cached+uint64(len(e.orphans)) {
		return fmt.Errorf("%d page-cache frames allocated, %d cached, %d dropped and held", n, cached, len(e.orphans))
	}
	if n := fs.Pages[frame.Anon]; n != uint64(e.src.n) {
		return fmt.Errorf("%d anonymous frames allocated, %d in the stock", n, e.src.n)
	}
	return nil
}

// releaseAll releases every file and gives the stock back: every frame
// must be free again.
func (e *env) releaseAll() {
	e.t.Helper()
	for f := range e.c.files {
		if err := f.Release(); err != nil {
			e.t.Fatalf("release %s: %v", f.Name, err)
		}
	}
	if n := e.c.Files(); n != 0 {
		e.t.Fatalf("%d files left after releasing all", n)
	}
	for e.src.n > 0 {
		pfn, _ := e.src.TakeFrame()
		e.c.Frames.Free(pfn, 0)
	}
	e.check()
	if free := e.c.Frames.Stats().FreePages; free != e.free0 {
		e.t.Fatalf("free pages %d after releasing everything, want %d", free, e.free0)
	}
}

// content is n bytes of a pattern that differs from page to page.
func content(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i) + byte(i/pg)*7
	}
	return b
}
