package pagecache

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
)

// Errors.
var (
	ErrInvalid  = errors.New("pagecache: invalid argument")
	ErrNoMemory = errors.New("pagecache: out of memory")
	// ErrIO is a device error met while filling a page in a fault; the
	// Backing's own error is kept for the next sync.
	ErrIO = errors.New("pagecache: I/O error")
)

// Backing is where a file's pages come from and go to.
type Backing interface {
	// ReadPage fills the first n bytes of the frame at pa with the
	// file's page idx (n < PageSize only for the last page; the cache
	// zeroes the rest). With fault set it runs in a page fault: it must
	// not allocate, block or take a lock, and polls the device.
	ReadPage(idx uint64, pa mm.PhysAddr, n int, fault bool) error
	// WritePage writes the first n bytes of the frame at pa as the
	// file's page idx. With fault set it runs in a page fault (the
	// fault path's direct reclaim): it must not allocate, block or take
	// a lock, polls the device, and refuses (any error) a write it
	// cannot do so, such as one that needs blocks allocated.
	WritePage(idx uint64, pa mm.PhysAddr, n int, fault bool) error
	// Truncate sets the file's size on the backing store (growing is
	// sparse: the data follows by writeback).
	Truncate(size int64) error
}

// FrameSource gives the fault path its frames (the MM's reserve), and
// takes back a frame the fault did not use.
type FrameSource interface {
	TakeFrame() (mm.PFN, bool)
	PutFrame(mm.PFN)
}

// Mapper is an address space that maps files: the reverse map.
type Mapper interface {
	// SyncDirty moves the Dirty bits of the PTEs mapping f's pages
	// shared into f (MarkDirty), clearing them.
	SyncDirty(f *File)
	// UnmapFrom removes every PTE of every mapping of f at page index
	// idx and beyond, private copies included (as Linux
	// unmap_mapping_range on truncate).
	UnmapFrom(f *File, idx uint64)
}

// pageFlags are a cached page's flags (Linux's PG_dirty, PG_writeback,
// PG_reclaim).
type pageFlags uint8

const (
	pgDirty     pageFlags = 1 << 0 // newer than the backing store
	pgWriteback pageFlags = 1 << 1 // being written out
	// pgReclaim: the reclaimer met the page dirty and queued its
	// writeback (reclaim.go); when the write ends, the page goes to the
	// tail of its inactive list, to be freed by the next scan.
	pgReclaim pageFlags = 1 << 2
)

var flagNames = [...]string{"dirty", "writeback", "reclaim"}

func (f pageFlags) String() string {
	if f == 0 {
		return "-"
	}
	if f >= 1<<len(flagNames) {
		return "pageFlags(" + strconv.Itoa(int(f)) + ")"
	}
	s := ""
	for k, name := range flagNames {
		if f&(1<<k) != 0 {
			if s != "" {
				s += " "
			}
			s += name
		}
	}
	return s
}

type page struct {
	pfn   mm.PFN // 0: not cached (PFN 0 is never managed)
	flags pageFlags
	// shadow, with pfn 0, is what the reclaimer left in the slot when
	// it evicted the page (Linux's shadow entry in the xarray slot,
	// mm/workingset.c): opaque here, 0 for none. The next insert hands
	// it to the Tracker and clears it; truncation clears it.
	shadow uint32
}

// Outcome is what FaultPage did.
type Outcome uint8

const (
	Hit      Outcome = iota // the page was cached
	Major                   // read from the backing store (with readahead)
	Beyond                  // wholly past the end of file: a bus error
	IOError                 // the read failed: a bus error
	NoMemory                // no frame in the reserve
)

var outcomeNames = [...]string{"hit", "major", "beyond", "io-error", "no-memory"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Readahead window bounds, in pages (Linux starts near 4 and grows to
// 32 pages, its default read_ahead_kb of 128).
const (
	raMin = 4
	raMax = 32
)

// Stats are the cache's counters. PgPgIn and PgPgOut leave swap-backed
// files out: the swap layer reads and writes their pages, and counts
// them (pswpin, pswpout); vmstat's pgpgin and pgpgout add the two, in
// KiB, as Linux counts every block device's I/O.
type Stats struct {
	Cached    uint64 // pages in the cache
	Dirty     uint64 // of which dirty
	Writeback uint64 // of which under writeback
	PgPgIn    uint64 // pages read from filesystems
	PgPgOut   uint64 // pages written to filesystems
	MajFaults uint64 // faults that read a page
	Readahead uint64 // pages read ahead of a fault
	// The reclaimer's writeback (reclaim.go), by Linux's vmstat names.
	Immediate   uint64 // dirty pages reclaim marked and queued (nr_vmscan_immediate_reclaim)
	VmscanWrite uint64 // of those, writes started from the queue (nr_vmscan_write)
	Rotated     uint64 // pages moved to the inactive tail as their write ended (pgrotated)
}

// Cache is the page cache of every file.
type Cache struct {
	Frames *frame.Allocator
	files  map[*File]struct{}
	Stats  Stats
	// Tracker, if set, hears of every page entering and leaving the
	// cache: the reclaimer's LRU lists (reclaim.go).
	Tracker Tracker
	// Reclaim, if set, frees up to n frames when an allocation outside
	// faults fails; the allocation is then tried once more.
	Reclaim func(n int) int
	// Room, if set, makes room for one more page under the memory
	// limit (vm's memory.max) before an allocation outside faults,
	// reclaiming; false: there is none, the allocation fails.
	Room func() bool
	// WakeFlusher, if set, kicks the background writeback (Linux's
	// wakeup_flusher_threads): the reclaimer calls it, outside faults,
	// when it has queued pages.
	WakeFlusher func()
	// rq is the ring of pages the reclaimer queued for writeback
	// (reclaim.go); made at New, so that a fault's reclaim queues
	// without allocating.
	rq rqueue
}

// New makes an empty cache over the frame allocator.
func New(frames *frame.Allocator) *Cache {
	return &Cache{Frames: frames, files: map[*File]struct{}{},
		rq: rqueue{ents: make([]rqEntry, reclaimQueueLen)}}
}

// File is one file's pages.
type File struct {
	c    *Cache
	b    Backing
	Name string // for messages (maps, errors)
	size int64
	// pages covers every page below size (and may be longer): a fault
	// finds its slot without allocating.
	pages   []page
	mappers map[Mapper]int // mapping VMAs per address space
	err     error          // first writeback or read error not yet reported
	raNext  uint64         // the page a sequential reader faults next
	raWin   int            // the last readahead window, pages (0: none yet)
	// swap is b when the file is swap-backed (tmpfs; swapbacked.go),
	// else nil. Set at creation.
	swap SwapBacking
	// unmapped runs when the last mapping goes (SetUnmapHook); may be nil.
	unmapped func()
}

// NewFile starts caching a file of the given size.
func (c *Cache) NewFile(b Backing, name string, size int64) *File {
	f := &File{c: c, b: b, Name: name, size: size, mappers: map[Mapper]int{}}
	f.grow(pagesFor(size))
	c.files[f] = struct{}{}
	return f
}

// Files is the number of files cached.
func (c *Cache) Files() int { return len(c.files) }

func pagesFor(size int64) uint64 { return uint64(size+mm.PageSize-1) / mm.PageSize }

// grow makes the index cover n pages.
func (f *File) grow(n uint64) {
	if uint64(len(f.pages)) >= n {
		return
	}
	if uint64(cap(f.pages)) >= n {
		f.pages = f.pages[:n]
		return
	}
	p := make([]page, n, n+n/4)
	copy(p, f.pages)
	f.pages = p
}

// Size is the file's size.
func (f *File) Size() int64 { return f.size }

// Mapped reports whether any address space maps the file.
func (f *File) Mapped() bool { return len(f.mappers) > 0 }

// AddMapper records one more VMA of m mapping f.
func (f *File) AddMapper(m Mapper) { f.mappers[m]++ }

// Mappings is the number of m's VMAs mapping f.
func (f *File) Mappings(m Mapper) int { return f.mappers[m] }

// RemoveMapper drops one VMA of m.
func (f *File) RemoveMapper(m Mapper) {
	if f.mappers[m]--; f.mappers[m] <= 0 {
		delete(f.mappers, m)
		if len(f.mappers) == 0 && f.unmapped != nil {
			f.unmapped()
		}
	}
}

// validBytes is how many bytes of page idx lie below the end of file.
func (f *File) validBytes(idx uint64) int {
	off := int64(idx) * mm.PageSize
	if f.size-off >= mm.PageSize {
		return mm.PageSize
	}
	if f.size <= off {
		return 0
	}
	return int(f.size - off)
}

// Lookup is the frame caching page idx, if any. No allocation.
func (f *File) Lookup(idx uint64) (mm.PFN, bool) {
	if idx >= uint64(len(f.pages)) || f.pages[idx].pfn == 0 {
		return 0, false
	}
	return f.pages[idx].pfn, true
}

// MarkDirty marks a cached page dirty (a mapper found its PTE dirty).
// No allocation: the fault and unmap paths call it.
func (f *File) MarkDirty(idx uint64) {
	if idx >= uint64(len(f.pages)) || f.pages[idx].pfn == 0 {
		return
	}
	p := &f.pages[idx]
	if p.flags&pgDirty == 0 {
		p.flags |= pgDirty
		f.c.Stats.Dirty++
	}
}

// insert puts pfn (one reference, the cache's) in slot idx, handing the
// slot's shadow, if any, to the Tracker (as Linux filemap_add_folio's
// workingset_refault).
func (f *File) insert(idx uint64, pfn mm.PFN) {
	shadow := f.pages[idx].shadow
	f.pages[idx] = page{pfn: pfn}
	f.c.Stats.Cached++
	if f.c.Tracker != nil {
		f.c.Tracker.PageAdded(f, idx, pfn, shadow)
	}
}

// LeaveShadow puts shadow in the empty slot idx: the reclaimer has just
// evicted its page (as Linux __filemap_remove_folio with a shadow). No
// allocation (faults reclaim). A slot that is cached again, or gone,
// keeps nothing.
func (f *File) LeaveShadow(idx uint64, shadow uint32) {
	if idx < uint64(len(f.pages)) && f.pages[idx].pfn == 0 {
		f.pages[idx].shadow = shadow
	}
}

// Shadows counts the file's slots holding a shadow (tests, and the
// bound the reclaim documentation states: one per slot at most).
func (f *File) Shadows() int {
	n := 0
	for _, p := range f.pages {
		if p.pfn == 0 && p.shadow != 0 {
			n++
		}
	}
	return n
}

// FaultPage is the fault path's lookup: the frame of page idx, read with
// polled I/O on a miss, with the pages after it read ahead when the
// faults run sequentially (as Linux filemap_fault and its readahead).
// The caller takes its own reference for the PTE. No allocation, no lock.
func (f *File) FaultPage(idx uint64, src FrameSource) (mm.PFN, Outcome) {
	if int64(idx)*mm.PageSize >= f.size || idx >= uint64(len(f.pages)) {
		return 0, Beyond
	}
	if pfn := f.pages[idx].pfn; pfn != 0 {
		if idx == f.raNext {
			f.raNext++
		}
		return pfn, Hit
	}
	if f.swap != nil {
		return f.faultSwapBacked(idx, src)
	}
	pfn, out := f.fill(idx, src, false)
	if out != Hit {
		return 0, out
	}
	f.c.Stats.MajFaults++
	end := f.window(idx)
	for ra := idx + 1; ra < end && ra < uint64(len(f.pages)) && int64(ra)*mm.PageSize < f.size; ra++ {
		if f.pages[ra].pfn != 0 {
			continue
		}
		if _, out := f.fill(ra, src, true); out != Hit {
			break // readahead is best effort: its errors are not kept
		}
		f.c.Stats.Readahead++
	}
	return pfn, Major
}

// window moves the readahead state past a major fault on page idx and
// returns the end of the pages to read ahead after it: a fault where the
// last window ended (or next to the last fault) means a sequential
// reader, and the window doubles; the first fault, or one elsewhere,
// starts at raMin (as Linux's ondemand_readahead). No allocation.
func (f *File) window(idx uint64) uint64 {
	if idx == f.raNext && f.raWin > 0 {
		f.raWin = min(2*f.raWin, raMax)
	} else {
		f.raWin = raMin
	}
	f.raNext = idx + 1
	return idx + uint64(f.raWin)
}

// NeedsRead reports whether a fault on page idx would read the backing
// store: the page is below the end of file, not cached, and (for a
// swap-backed file) in swap rather than a hole. The fault path asks it
// when it may not do I/O (a user fault's first, atomic attempt, mm/vm
// retry.go). No allocation.
func (f *File) NeedsRead(idx uint64) bool {
	if int64(idx)*mm.PageSize >= f.size || idx >= uint64(len(f.pages)) || f.pages[idx].pfn != 0 {
		return false
	}
	return f.swap == nil || f.swap.InSwap(idx)
}

// Fill is FaultPage's goroutine-context half, for a fault that found
// page idx uncached and gave up to retry (as Linux's filemap_fault does
// after dropping mmap_lock with VM_FAULT_RETRY): it reads the page into
// the cache with frames from the allocator (reclaiming once if there
// are none) and the backing's ordinary reads, which sleep until the
// device's interrupt, and reads ahead as FaultPage would. The fault then
// runs again and finds the page (a Hit it counts as major: Fill counted
// the major fault here). It may allocate and block. A read error is
// kept for the next sync, as in a fault.
func (f *File) Fill(idx uint64) Outcome {
	if int64(idx)*mm.PageSize >= f.size || idx >= uint64(len(f.pages)) {
		return Beyond
	}
	if f.pages[idx].pfn != 0 {
		return Hit
	}
	major := f.swap == nil || f.swap.InSwap(idx)
	if _, err := f.get(idx, false); err != nil {
		if errors.Is(err, ErrNoMemory) {
			return NoMemory
		}
		if f.err == nil && f.swap == nil {
			f.err = err
		}
		return IOError
	}
	if !major {
		return Hit
	}
	f.c.Stats.MajFaults++
	if f.swap != nil {
		return Major // swap-backed files read nothing ahead
	}
	end := f.window(idx)
	for ra := idx + 1; ra < end && ra < uint64(len(f.pages)) && int64(ra)*mm.PageSize < f.size; ra++ {
		if f.pages[ra].pfn != 0 {
			continue
		}
		if _, err := f.get(ra, false); err != nil {
			break // best effort, as in a fault
		}
		f.c.Stats.Readahead++
	}
	return Major
}

// fill reads page idx into a frame from src and caches it (fault path).
// A read error is kept for the next sync unless the read was ahead of
// the fault (nobody asked for that page yet).
func (f *File) fill(idx uint64, src FrameSource, ahead bool) (mm.PFN, Outcome) {
	pfn, ok := src.TakeFrame()
	if !ok {
		return 0, NoMemory
	}
	n := f.validBytes(idx)
	if err := f.b.ReadPage(idx, pfn.Addr(), n, true); err != nil {
		src.PutFrame(pfn)
		if f.err == nil && !ahead {
			f.err = err
		}
		return 0, IOError
	}
	if n < mm.PageSize {
		clear(mm.FrameBytes(pfn.Addr())[n:])
	}
	f.c.Frames.Retype(pfn, frame.Anon, frame.PageCache)
	f.insert(idx, pfn)
	f.c.Stats.PgPgIn++
	return pfn, Hit
}

// get is page idx's frame in goroutine context, read on a miss; with
// fresh set, a page not cached is not read but zeroed (the caller
// overwrites all of it, or it lies past the old end of file).
func (f *File) get(idx uint64, fresh bool) (mm.PFN, error) {
	if pfn, ok := f.Lookup(idx); ok {
		return pfn, nil
	}
	if f.c.Room != nil && !f.c.Room() {
		return 0, fmt.Errorf("%w: caching page %d of %s: memory.max reached", ErrNoMemory, idx, f.Name)
	}
	pfn, err := f.c.Frames.Alloc(0, frame.PageCache)
	if err != nil && f.c.Reclaim != nil && f.c.Reclaim(32) > 0 {
		pfn, err = f.c.Frames.Alloc(0, frame.PageCache)
	}
	if err != nil {
		return 0, fmt.Errorf("%w: caching page %d of %s", ErrNoMemory, idx, f.Name)
	}
	n := f.validBytes(idx)
	if fresh {
		n = 0
	} else if err := f.b.ReadPage(idx, pfn.Addr(), n, false); err != nil {
		f.c.Frames.Free(pfn, 0)
		return 0, err
	}
	clear(mm.FrameBytes(pfn.Addr())[n:])
	f.insert(idx, pfn)
	if !fresh && f.swap == nil {
		f.c.Stats.PgPgIn++
	}
	return pfn, nil
}

// ReadAt reads from the file through the cache (as Linux
// filemap_read): io.EOF-free, it returns the bytes below the end of file.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%w: offset %d", ErrInvalid, off)
	}
	done := 0
	for done < len(p) && off < f.size {
		idx := uint64(off / mm.PageSize)
		pfn, err := f.get(idx, false)
		if err != nil {
			return done, err
		}
		in := int(off % mm.PageSize)
		n := min(len(p)-done, mm.PageSize-in, int(f.size-off))
		copy(p[done:done+n], mm.FrameBytes(pfn.Addr())[in:in+n])
		done += n
		off += int64(n)
	}
	return done, nil
}

// WriteAt writes through the cache: pages are dirtied, not written (as
// Linux generic_perform_write); a write past the end grows the file.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) < off {
		return 0, fmt.Errorf("%w: offset %d", ErrInvalid, off)
	}
	old := f.size
	if end := off + int64(len(p)); end > f.size && len(p) > 0 {
		if err := f.b.Truncate(end); err != nil {
			return 0, err
		}
		f.setSize(end)
	}
	done := 0
	for done < len(p) {
		idx := uint64(off / mm.PageSize)
		in := int(off % mm.PageSize)
		n := min(len(p)-done, mm.PageSize-in)
		whole := in == 0 && n == mm.PageSize
		pfn, err := f.get(idx, whole || int64(idx)*mm.PageSize >= old)
		if err != nil {
			return done, err
		}
		copy(mm.FrameBytes(pfn.Addr())[in:in+n], p[done:done+n])
		f.MarkDirty(idx)
		done += n
		off += int64(n)
	}
	return done, nil
}

// Truncate sets the size (as Linux truncate_setsize): shrinking unmaps
// every page past the new end from every address space, drops them from
// the cache and zeroes the tail of the last page; growing is sparse.
func (f *File) Truncate(size int64) error {
	if size < 0 {
		return fmt.Errorf("%w: size %d", ErrInvalid, size)
	}
	if err := f.b.Truncate(size); err != nil {
		return err
	}
	if size >= f.size {
		f.setSize(size)
		return nil
	}
	keep := pagesFor(size)
	f.size = size
	for m := range f.mappers {
		m.UnmapFrom(f, keep)
	}
	for idx := keep; idx < uint64(len(f.pages)); idx++ {
		f.drop(idx)
	}
	f.pages = f.pages[:keep]
	if tail := int(size % mm.PageSize); tail != 0 {
		if pfn, ok := f.Lookup(keep - 1); ok {
			clear(mm.FrameBytes(pfn.Addr())[tail:])
		}
	}
	return nil
}

// setSize grows the file to size. The old last page's bytes past the
// old end are zeroed: a shared mapping may have stored there, and the
// grown part must read as zeros (as Linux's writeback zeroes the tail
// of the page straddling i_size).
func (f *File) setSize(size int64) {
	if tail := int(f.size % mm.PageSize); tail != 0 {
		if pfn, ok := f.Lookup(uint64(f.size / mm.PageSize)); ok {
			clear(mm.FrameBytes(pfn.Addr())[tail:])
		}
	}
	f.grow(pagesFor(size))
	f.size = size
}

// drop removes page idx from the cache, dropping the cache's reference.
func (f *File) drop(idx uint64) {
	p := &f.pages[idx]
	if p.pfn == 0 {
		p.shadow = 0 // truncated: the index may grow over the slot again
		return
	}
	if p.flags&pgDirty != 0 {
		f.c.Stats.Dirty--
	}
	f.c.Stats.Cached--
	if f.c.Tracker != nil {
		f.c.Tracker.PageRemoved(p.pfn)
	}
	f.put(p.pfn)
	*p = page{}
}

// put drops one reference to a cache frame, freeing it with the last.
func (f *File) put(pfn mm.PFN) {
	if f.c.Frames.DecRef(pfn) == 0 {
		f.c.Frames.Free(pfn, 0)
	}
}
