//go:build !tamago

package vm

// The tests run address spaces on the host simulator (mm/sim): simulated
// physical memory with a frame allocator, and a CPU whose MMU walks the
// page tables mm/vm builds, caches what it finds in a TLB emptied only by
// invalidation, and raises page faults into HandleFault. They are in
// package vm so that the invariant check can reach the shared objects.
//
// Every step of every test is followed by check, which recomputes from
// scratch what the code caches or promises: the VMA list's shape, every
// leaf of every live address space's window (walked through all four
// levels), frame reference counts against the PTEs and caches that hold
// them, RSS, the count of anonymous frames and of page tables, the
// write-protection rules of copy-on-write, and the anonymous reverse
// map against a scan of every PTE (rmap_test.go). Files mapped by the tests are
// cached in the environment's page cache: each cached page's frame holds
// one reference for the cache and one per PTE mapping it. The objects of
// shared anonymous mappings are unnamed files of a tmpfs instance over
// the same cache (shm), as the kernel makes them.

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/sim"
	"github.com/pagoda-os/pagoda/mm/swap"
	"github.com/pagoda-os/pagoda/mm/tmpfs"
)

// The window of every test: 64 PML4 entries, 32 TiB.
const (
	winStart mm.VirtAddr = 1 << 45
	winEnd   mm.VirtAddr = 1 << 46
	pg                   = mm.PageSize
)

// Arenas of this package's tests start at 64 GiB, 1 GiB apart.
const (
	arenaFirst = 1 << 36
	arenaStep  = 1 << 30
	arenaSize  = 64 << 20
)

var arenas atomic.Uint64

// env is an MM on a simulated machine, its live address spaces and the
// current one.
type env struct {
	t      testing.TB
	mem    *sim.Memory
	m      *MM
	cpu    *sim.CPU
	spaces []*AddressSpace // live, in creation order
	cur    *AddressSpace
	// free0 is the allocator's free page count before NewMM.
	free0 uint64
	// last is the result of the last HandleFault the CPU raised.
	last Result
	// retry makes the CPU's faults go to HandleFaultRetry, as a user
	// process's do (retry_test.go), instead of HandleFault.
	retry bool
	// nocheck turns off the check after each step (benchmarks).
	nocheck bool
	// cache caches the files of the test (filemap_test.go); files are
	// the live ones, whose pages check counts.
	cache *pagecache.Cache
	files []*pagecache.File
	// charged is what the test charged with MM.Commit itself, beyond
	// the mappings' charges.
	charged uint64
	// shm makes the objects of shared anonymous mappings (MM.Shmem),
	// and holds nothing else.
	shm *tmpfs.FS
	// user makes every new address space User (a process's).
	user bool
	// hugeMaps counts the 2 MiB entries invariants found.
	hugeMaps uint64
}

func newEnv(t testing.TB) *env { return newEnvSize(t, arenaSize) }

// newEnvSize makes an environment with size bytes of physical memory.
func newEnvSize(t testing.TB, size uint64) *env {
	t.Helper()
	base := mm.PhysAddr(arenaFirst + arenas.Add(1)*arenaStep)
	mem, unregister := sim.NewMemory(base, size)
	t.Cleanup(unregister)
	e := &env{t: t, mem: mem, cpu: sim.NewCPU(), free0: mem.Frames.Stats().FreePages, cache: pagecache.New(mem.Frames)}
	m, err := NewMM(mem.Frames, mem.Tables, winStart, winEnd, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	e.shm = tmpfs.New(e.cache, tmpfs.Options{})
	m.Shmem = func(size int64) (*pagecache.File, error) {
		f, err := e.shm.NewUnlinked("dev/zero", size)
		if err != nil {
			return nil, err
		}
		return f.PageCache(), nil
	}
	e.cpu.Handler = func(va mm.VirtAddr, code uint64) bool {
		a := Read
		switch {
		case code&sim.FaultWrite != 0:
			a = Write
		case code&sim.FaultFetch != 0:
			a = Exec
		}
		if e.retry {
			e.last = e.cur.HandleFaultRetry(va, a)
		} else {
			e.last = e.cur.HandleFault(va, a)
		}
		return e.last == Resolved
	}
	e.newSpace()
	return e
}

// newSpace makes an address space and makes it current.
func (e *env) newSpace() *AddressSpace {
	e.t.Helper()
	as, err := e.m.NewAddressSpace()
	if err != nil {
		e.t.Fatal(err)
	}
	as.User = e.user
	e.spaces = append(e.spaces, as)
	e.use(as)
	return as
}

func (e *env) use(as *AddressSpace) {
	e.cur = as
	e.cpu.LoadCR3(as.Root())
}

// fork forks the current address space; the child is not made current.
func (e *env) fork() *AddressSpace {
	e.t.Helper()
	c, err := e.cur.Fork()
	if err != nil {
		e.t.Fatal(err)
	}
	e.spaces = append(e.spaces, c)
	e.check()
	return c
}

// destroy destroys an address space that is not current.
func (e *env) destroy(as *AddressSpace) {
	e.t.Helper()
	if as == e.cur {
		e.t.Fatal("destroy of the current address space")
	}
	as.Destroy()
	for i, s := range e.spaces {
		if s == as {
			e.spaces = append(e.spaces[:i], e.spaces[i+1:]...)
			break
		}
	}
	e.check()
}

// destroyAll destroys every address space and checks that every frame
// and table came back but the zero page.
func (e *env) destroyAll() {
	e.t.Helper()
	for _, as := range e.spaces {
		as.Destroy()
	}
	e.spaces, e.cur = nil, nil
	for _, f := range e.files {
		if err := f.Release(); err != nil {
			e.t.Fatalf("release %s: %v", f.Name, err)
		}
	}
	e.files = nil
	if len(e.m.objects) != 0 || e.m.sharedPages != 0 || e.shm.Statfs() != (tmpfs.Statfs{}) {
		e.t.Fatalf("shared objects left after destroying everything: %d (%d pages), tmpfs %+v", len(e.m.objects), e.m.sharedPages, e.shm.Statfs())
	}
	if n := e.mem.Frames.Stats().Pages[frame.PageCache]; n != 0 {
		e.t.Fatalf("%d page-cache frames left after releasing every file", n)
	}
	e.m.Drain()
	if n := e.mem.Tables.Live(); n != 0 {
		e.t.Fatalf("%d page tables live after destroying everything", n)
	}
	want := e.free0 - 1
	if e.m.hugeZero != 0 {
		want -= hugePages
	}
	if free := e.mem.Frames.Stats().FreePages; free != want {
		e.t.Fatalf("free pages %d after destroying everything, want %d (all but the zero pages)", free, want)
	}
}

func (e *env) mmap(addr mm.VirtAddr, length uint64, prot Prot, flags Flags) mm.VirtAddr {
	e.t.Helper()
	va, err := e.cur.Mmap(addr, length, prot, flags)
	if err != nil {
		e.t.Fatalf("mmap(%v, %#x, %v, %v): %v", addr, length, prot, flags, err)
	}
	e.check()
	return va
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	e.check()
}

// access reads (or writes, or fetches) through the CPU and returns nil or
// the Result of the fault that stopped it.
func (e *env) access(va mm.VirtAddr, p []byte, a Access) error {
	// As the kernel does between the pages a command touches: the fault
	// path only takes from the reserves.
	e.m.Refill()
	var err error
	switch a {
	case Read:
		err = e.cpu.Read(va, p, false)
	case Write:
		err = e.cpu.Write(va, p, false)
	default:
		err = e.cpu.Fetch(va, false)
	}
	var fe *sim.FaultError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe) && !fe.Recurred && e.last != Resolved:
		return faultErr{e.last, fe.Addr}
	}
	e.t.Fatalf("%v of %v: %v", a, va, err)
	return nil
}

// faultErr is an access stopped by an unresolved fault.
type faultErr struct {
	r  Result
	va mm.VirtAddr
}

func (f faultErr) Error() string { return fmt.Sprintf("%v at %v", f.r, f.va) }

// resultOf is the fault result of an access error, Resolved for nil.
func resultOf(err error) Result {
	if f, ok := err.(faultErr); ok {
		return f.r
	}
	return Resolved
}

func (e *env) read(va mm.VirtAddr, n int) []byte {
	e.t.Helper()
	p := make([]byte, n)
	if err := e.access(va, p, Read); err != nil {
		e.t.Fatalf("read %v: %v", va, err)
	}
	e.check()
	return p
}

func (e *env) write(va mm.VirtAddr, p []byte) {
	e.t.Helper()
	if err := e.access(va, p, Write); err != nil {
		e.t.Fatalf("write %v: %v", va, err)
	}
	e.check()
}

// fault makes access a at va and returns the fault result.
func (e *env) fault(va mm.VirtAddr, a Access) Result {
	e.t.Helper()
	var b [1]byte
	err := e.access(va, b[:], a)
	e.check()
	return resultOf(err)
}

// pte is the leaf entry for va in as.
func pte(as *AddressSpace, va mm.VirtAddr) pt.PTE {
	e, _, _ := as.table.Leaf(va)
	return e
}

// leaf is the leaf for va in as, decoded.
func leaf(as *AddressSpace, va mm.VirtAddr) Leaf { return as.leafAt(va) }

// frameBytes is the content of a frame, through the direct map.
func frameBytes(pfn mm.PFN) []byte {
	return mm.FrameBytes(pfn.Addr())
}

func errno(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrInvalid):
		return "EINVAL"
	case errors.Is(err, ErrNoMemory):
		return "ENOMEM"
	case errors.Is(err, ErrExists):
		return "EEXIST"
	case errors.Is(err, ErrAccess):
		return "EACCES"
	case errors.Is(err, ErrIO):
		return "EIO"
	case errors.Is(err, ErrFault):
		return "EFAULT"
	case errors.Is(err, ErrNoDevice):
		return "ENODEV"
	}
	return "unexpected error " + err.Error()
}

// check recomputes the derived state of every live address space and
// compares it with what the code keeps; it fails the test on the first
// difference.
func (e *env) check() {
	e.t.Helper()
	if e.nocheck {
		return
	}
	if err := e.invariants(); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) invariants() error {
	refs := map[mm.PFN]int{} // references found: PTEs and the caches
	slotRefs := map[swap.Entry]int{}
	fileVMAs := map[*pagecache.File]map[*AddressSpace]int{}
	for _, f := range e.files {
		fileVMAs[f] = map[*AddressSpace]int{}
	}
	// The shared anonymous objects the MM records: mapped files too,
	// whose records are checked against their VMAs below.
	objects := map[*pagecache.File]bool{} // the object's VMAs are MAP_NORESERVE
	for f := range e.m.objects {
		fileVMAs[f] = map[*AddressSpace]int{}
	}
	tables := 0
	zero := e.m.ZeroPage()
	committed := e.charged
	mapping := map[mm.PFN][]place{} // every PTE keeping a frame, by frame: the reverse map's answers
	e.hugeMaps = 0
	for _, as := range e.spaces {
		// The VMAs.
		for i, v := range as.vmas {
			switch {
			case v.Start&mm.PageMask != 0 || v.End&mm.PageMask != 0:
				return fmt.Errorf("as %d: VMA %v not page-aligned", as.ID, &v)
			case v.Start >= v.End:
				return fmt.Errorf("as %d: VMA %v empty", as.ID, &v)
			case v.Start < e.m.WindowStart || v.End > e.m.WindowEnd:
				return fmt.Errorf("as %d: VMA %v outside the window", as.ID, &v)
			case e.m.inHole(v.Start, v.End):
				return fmt.Errorf("as %d: VMA %v in the kernel's hole", as.ID, &v)
			case i > 0 && as.vmas[i-1].End > v.Start:
				return fmt.Errorf("as %d: VMAs %v and %v out of order or overlapping", as.ID, &as.vmas[i-1], &v)
			case i > 0 && mergeable(&as.vmas[i-1], &as.vmas[i]):
				return fmt.Errorf("as %d: VMAs %v and %v left unmerged", as.ID, &as.vmas[i-1], &v)
			case v.file == nil && v.Flags != MapPrivate|MapAnonymous:
				return fmt.Errorf("as %d: VMA %v has flags %v and no file", as.ID, &v, v.Flags)
			case v.file != nil && v.Flags != MapPrivate && v.Flags != MapShared && v.Flags != MapShared|MapAnonymous:
				return fmt.Errorf("as %d: file VMA %v has flags %v", as.ID, &v, v.Flags)
			case v.file != nil && fileVMAs[v.file] == nil:
				return fmt.Errorf("as %d: VMA %v maps a file the test does not know", as.ID, &v)
			case v.account && (v.Flags&MapShared != 0 || v.noReserve):
				return fmt.Errorf("as %d: VMA %v accounted but shared or MAP_NORESERVE", as.ID, &v)
			case v.Flags&MapShared == 0 && v.Prot&ProtWrite != 0 && !v.account && !v.noReserve:
				return fmt.Errorf("as %d: private writable VMA %v not accounted", as.ID, &v)
			}
			if o, ok := e.m.objects[v.file]; v.file != nil && ok != (v.Flags&MapAnonymous != 0) {
				return fmt.Errorf("as %d: VMA %v: the anonymous flag and the MM's objects disagree", as.ID, &v)
			} else if ok {
				noReserve, seen := objects[v.file]
				switch {
				case v.pgoff+v.Pages() > o.pages || v.file.Size() != int64(o.pages*pg):
					return fmt.Errorf("as %d: VMA %v beyond its object of %d pages (file size %d)", as.ID, &v, o.pages, v.file.Size())
				case v.noWrite:
					return fmt.Errorf("as %d: shared anonymous VMA %v may not be written", as.ID, &v)
				case seen && noReserve != v.noReserve:
					return fmt.Errorf("as %d: VMA %v: MAP_NORESERVE unlike its object's other VMAs", as.ID, &v)
				}
				objects[v.file] = v.noReserve
			}
			if v.account {
				committed += v.Pages()
			}
			if v.file != nil {
				fileVMAs[v.file][as]++
			}
		}
		// The page tables of the window, every level.
		var rss uint64
		var err error
		root := as.table.RootEntries()
		tables++
		for i := range root {
			if !e.m.windowEntry(i) {
				if root[i] != 0 {
					return fmt.Errorf("as %d: PML4 entry %d outside the window is %#x", as.ID, i, root[i])
				}
				continue
			}
			base := mm.VirtAddr(i) * pml4Span
			tables += walkTables(root[i], 2, base, func(va mm.VirtAddr, l pt.PTE) {
				if err != nil {
					return
				}
				if l&pt.Huge != 0 && l&pt.Present != 0 { // a 2 MiB entry (walkTables)
					err = e.checkHuge(as, va, l, refs)
					if pfn := e.m.LeafOf(l, pt.Size2M).PFN(); pfn != e.m.hugeZero {
						rss += hugePages
						if e.m.Frames.Order(pfn) == hugeOrder {
							mapping[pfn] = append(mapping[pfn], place{as, va})
						} else {
							for k := range mm.PFN(hugePages) {
								mapping[pfn+k] = append(mapping[pfn+k], place{as, va + mm.VirtAddr(k)*pg})
							}
						}
					}
					return
				}
				err = e.checkLeaf(as, va, l, refs, slotRefs)
				if l.Addr().PFN() != zero && e.m.LeafOf(l, pt.Size4K).State != LeafSwap {
					rss++
					mapping[l.Addr().PFN()] = append(mapping[l.Addr().PFN()], place{as, va})
				}
			}, &err)
		}
		if err != nil {
			return fmt.Errorf("as %d: %w", as.ID, err)
		}
		if rss != as.RSS() {
			return fmt.Errorf("as %d: RSS %d, PTEs mapping frames %d", as.ID, as.RSS(), rss)
		}
	}
	// meminfo's AnonPages: the frames PTEs map that are no page
	// cache's (private anonymous pages, swap-cache pages included), each
	// once (refs holds only the PTEs' references so far).
	var anonMapped uint64
	for pfn := range refs {
		if e.m.Frames.State(pfn) != frame.PageCache {
			anonMapped += 1 << e.m.Frames.Order(pfn)
		}
	}
	if mi := e.m.Meminfo(0, e.cache); mi.AnonPages != anonMapped*pg {
		return fmt.Errorf("meminfo AnonPages %d kB, PTEs map %d anonymous frames", mi.AnonPages>>10, anonMapped)
	}
	// Every object recorded is mapped, charged (shmem_acct_size) unless
	// its VMAs are MAP_NORESERVE, counted in sharedPages, and alive in
	// tmpfs; nothing else is.
	var sharedPages uint64
	for f, o := range e.m.objects {
		noReserve, mapped := objects[f]
		switch {
		case !mapped:
			return fmt.Errorf("object %s of %d pages recorded, mapped by no VMA", f.Name, o.pages)
		case o.account == noReserve:
			return fmt.Errorf("object %s: charged %v, its VMAs MAP_NORESERVE %v", f.Name, o.account, noReserve)
		}
		sharedPages += uint64(f.Size()) / pg
		if !noReserve {
			committed += uint64(f.Size())/pg - o.dead
		}
		// Below dead no VMA maps, and nothing is kept (trimObject).
		for _, as := range e.spaces {
			for _, v := range as.vmas {
				if v.file == f && v.pgoff < o.dead {
					return fmt.Errorf("object %s: a VMA maps from page %d, below its %d dead pages", f.Name, v.pgoff, o.dead)
				}
			}
		}
		for idx := range o.dead {
			if _, ok := f.Lookup(idx); ok {
				return fmt.Errorf("object %s: dead page %d cached", f.Name, idx)
			}
		}
	}
	if sharedPages != e.m.sharedPages {
		return fmt.Errorf("sharedPages %d, the objects' pages %d", e.m.sharedPages, sharedPages)
	}
	if n := e.shm.Statfs().Files; n != len(e.m.objects) {
		return fmt.Errorf("%d shared anonymous objects, %d files alive in their tmpfs", len(e.m.objects), n)
	}
	// The page cache: one reference per cached page, and the reverse
	// map counts every VMA mapping the file.
	cached := map[mm.PFN]bool{}
	for f := range fileVMAs {
		for idx := uint64(0); idx*pg < uint64(f.Size()); idx++ {
			if pfn, ok := f.Lookup(idx); ok {
				refs[pfn]++
				cached[pfn] = true
			}
		}
		total := 0
		for as, n := range fileVMAs[f] {
			if got := f.Mappings(as); got != n {
				return fmt.Errorf("%s: as %d has %d VMAs mapping it, the reverse map %d", f.Name, as.ID, n, got)
			}
			total += n
		}
		if f.Mapped() != (total > 0) {
			return fmt.Errorf("%s: mapped %v with %d VMAs mapping it", f.Name, f.Mapped(), total)
		}
	}
	// The swap areas: each slot's count is the PTEs naming it, or one
	// for a slot no PTE names, held by a tmpfs page (tmpfs reads its
	// pages straight into its own, but a swap-in next to its slot may
	// have read it ahead into the swap cache, as Linux's readahead
	// does shmem's); the swap cache holds one reference to its frame.
	swapCached := map[mm.PFN]bool{}
	var tmpfsSlots uint64
	if e.m.Swap != nil {
		for _, a := range e.m.Swap.Areas() {
			var err error
			a.Each(func(ent swap.Entry, n int, pfn mm.PFN) bool {
				if slotRefs[ent] == 0 && n == 1 {
					tmpfsSlots++
					if pfn != 0 {
						refs[pfn]++
						swapCached[pfn] = true
					}
					return true
				}
				if n != slotRefs[ent] {
					err = fmt.Errorf("%v: %d references, %d PTEs name it", ent, n, slotRefs[ent])
					return false
				}
				delete(slotRefs, ent)
				if pfn != 0 {
					refs[pfn]++
					swapCached[pfn] = true
				}
				return true
			})
			if err != nil {
				return err
			}
		}
	}
	for ent := range slotRefs {
		return fmt.Errorf("a PTE names %v, which is not in use", ent)
	}
	if n := e.shm.Statfs().Swapped; n != tmpfsSlots {
		return fmt.Errorf("%d tmpfs pages in swap, %d slots held by no PTE", n, tmpfsSlots)
	}
	for pfn, n := range refs {
		want := frame.Anon
		switch {
		case cached[pfn]:
			want = frame.PageCache
		case swapCached[pfn]:
			want = frame.SwapCache
		}
		if st, _, _ := e.m.Frames.StateOf(pfn); st != want {
			return fmt.Errorf("frame %#x referenced %d times is %v, want %v", pfn, n, st, want)
		}
		if r := e.m.Frames.Refs(pfn); int(r) != n {
			return fmt.Errorf("frame %#x: refs %d, references found %d", pfn, r, n)
		}
	}
	if committed != e.m.Committed() {
		return fmt.Errorf("Committed_AS %d pages, accounted VMAs and objects %d", e.m.Committed(), committed)
	}
	anonReserved, tablesReserved := e.m.Reserved()
	anonRefd := 0 // pages, a huge page's 512
	for pfn := range refs {
		if !cached[pfn] && !swapCached[pfn] {
			anonRefd += 1 << e.m.Frames.Order(pfn)
		}
	}
	if n := e.m.Frames.Stats().Pages[frame.Anon]; n != uint64(anonRefd+anonReserved) {
		return fmt.Errorf("%d anonymous frames allocated, %d referenced, %d in the reserve", n, anonRefd, anonReserved)
	}
	if n := e.m.Frames.Stats().Pages[frame.SwapCache]; n != uint64(len(swapCached)) {
		return fmt.Errorf("%d swap-cache frames allocated, %d in the swap cache", n, len(swapCached))
	}
	// The reclaimer's lists hold every page it may take: anonymous
	// pages, swap-cache and page-cache pages (shared anonymous memory
	// included: its pages are its object's page-cache pages).
	tracked := map[mm.PFN]bool{}
	for pfn := range refs {
		if pfn != zero {
			tracked[pfn] = true
		}
	}
	if err := e.checkLists(tracked); err != nil {
		return err
	}
	if n := e.m.Frames.Stats().Pages[frame.PageCache]; n != uint64(len(cached)) {
		return fmt.Errorf("%d page-cache frames allocated, %d cached", n, len(cached))
	}
	if tables+tablesReserved != e.mem.Tables.Live() {
		return fmt.Errorf("%d page tables found and %d in the reserve, %d live", tables, tablesReserved, e.mem.Tables.Live())
	}
	var listed uint64 // checkLists checks them against the lists' links
	if p := e.m.Policy(); p != nil {
		for _, l := range p.Lists() {
			listed += l.Pages
		}
	}
	if c := e.m.Charged(); c != listed+uint64(tables) {
		return fmt.Errorf("memory.max charges %d pages, the lists hold %d and %d page tables were found", c, listed, tables)
	}
	if err := e.checkRmap(mapping); err != nil {
		return err
	}
	if st, _, _ := e.m.Frames.StateOf(zero); st != frame.Kernel {
		return fmt.Errorf("zero page is %v", st)
	}
	for _, b := range frameBytes(zero) {
		if b != 0 {
			return errors.New("zero page written")
		}
	}
	if e.hugeMaps != e.m.hugeMaps {
		return fmt.Errorf("%d 2 MiB entries map anonymous memory, the MM counts %d", e.hugeMaps, e.m.hugeMaps)
	}
	if hz := e.m.hugeZero; hz != 0 {
		if st, _, order := e.m.Frames.StateOf(hz); st != frame.Kernel || order != hugeOrder {
			return fmt.Errorf("huge zero page is %v of order %d", st, order)
		}
		for k := range mm.PFN(hugePages) {
			for _, b := range frameBytes(hz + k) {
				if b != 0 {
					return errors.New("huge zero page written")
				}
			}
		}
	}
	return nil
}

// checkHuge checks a 2 MiB entry of as (hugepage.go) against its VMA and
// counts its reference: the huge zero page, read-only, or the head of an
// order-9 anonymous block, writable only with one reference, in one
// private anonymous VMA of a user address space.
func (e *env) checkHuge(as *AddressSpace, va mm.VirtAddr, l pt.PTE, refs map[mm.PFN]int) error {
	i := as.findVMA(va)
	if i < 0 || va&hugeMask != 0 || va+hugeSize > as.vmas[i].End {
		return fmt.Errorf("2 MiB entry %#x at %v not inside one VMA", l, va)
	}
	v := &as.vmas[i]
	pfn := e.m.LeafOf(l, pt.Size2M).PFN()
	switch {
	case !as.User || v.file != nil || v.Flags&MapShared != 0 || v.Prot == ProtNone:
		return fmt.Errorf("2 MiB entry %#x at %v in VMA %v of a User %v space", l, va, v, as.User)
	case l&pt.User == 0 || l&(pt.Global|softProtNone) != 0 || (l&pt.NoExecute != 0) == (v.Prot&ProtExec != 0):
		return fmt.Errorf("2 MiB entry %#x at %v in VMA %v", l, va, v)
	case l&pt.Writable != 0 && v.Prot&ProtWrite == 0:
		return fmt.Errorf("2 MiB entry %#x at %v writable in VMA %v", l, va, v)
	case pfn == e.m.hugeZero:
		if l&pt.Writable != 0 {
			return fmt.Errorf("huge zero page writable at %v", va)
		}
		return nil
	}
	e.hugeMaps++
	if st, head, order := e.m.Frames.StateOf(pfn); st == frame.Anon && head == pfn && order == hugeOrder {
		if l&pt.Writable != 0 && e.m.Frames.Refs(pfn) != 1 {
			return fmt.Errorf("2 MiB entry %#x at %v writable with %d refs", l, va, e.m.Frames.Refs(pfn))
		}
		refs[pfn]++
		return nil
	}
	// A split block: one reference to each of its frames, read-only.
	if l&pt.Writable != 0 {
		return fmt.Errorf("2 MiB entry %#x at %v writable over a split block", l, va)
	}
	for k := range mm.PFN(hugePages) {
		if st, head, order := e.m.Frames.StateOf(pfn + k); st != frame.Anon || head != pfn+k || order != 0 {
			return fmt.Errorf("2 MiB entry %#x at %v: frame %d a %v block of order %d", l, va, k, st, order)
		}
		refs[pfn+k]++
	}
	return nil
}

// walkTables walks the table an entry at level+1 points to (level 2 is a
// PDPT) and calls leaf for every non-zero leaf entry; it returns the
// number of tables it met.
func walkTables(e pt.PTE, level int, base mm.VirtAddr, leaf func(mm.VirtAddr, pt.PTE), err *error) int {
	if e == 0 {
		return 0
	}
	if e&pt.Present == 0 || e&pt.Huge != 0 || e&pt.Writable == 0 {
		*err = fmt.Errorf("table entry %#x above %v: not a present writable table", e, base)
		return 0
	}
	tbl := (*[512]pt.PTE)(mm.DirectMap(e.Addr(), mm.PageSize))
	n := 1
	span := mm.VirtAddr(1) << (mm.PageShift + 9*level)
	for i, c := range tbl {
		va := base + mm.VirtAddr(i)*span
		if level == 0 || level == 1 && c&pt.Huge != 0 { // a 2 MiB entry is a leaf too
			if c != 0 {
				leaf(va, c)
			}
			continue
		}
		n += walkTables(c, level-1, va, leaf, err)
	}
	if n == 1 && level >= 0 {
		empty := true
		for _, c := range tbl {
			empty = empty && c == 0
		}
		if empty {
			*err = fmt.Errorf("empty table left above %v", base)
		}
	}
	return n
}

// checkLeaf checks one leaf entry of as against its VMA and counts its
// reference.
func (e *env) checkLeaf(as *AddressSpace, va mm.VirtAddr, l pt.PTE, refs map[mm.PFN]int, slotRefs map[swap.Entry]int) error {
	i := as.findVMA(va)
	if i < 0 {
		return fmt.Errorf("PTE %#x at %v outside every VMA", l, va)
	}
	v := &as.vmas[i]
	if d := e.m.LeafOf(l, pt.Size4K); d.State == LeafSwap {
		// A swapped private page; its slot counts this PTE.
		if v.Flags&MapShared != 0 || l&^(softSwap|0xfffffffffff000) != 0 {
			return fmt.Errorf("swap PTE %#x at %v in VMA %v", l, va, v)
		}
		slotRefs[d.Entry()]++
		return nil
	}
	pfn := l.Addr().PFN()
	zero := e.m.ZeroPage()
	if v.Prot == ProtNone {
		// Bit 9, and the Accessed and Dirty bits kept for the return.
		if l.Flags()&^(pt.Accessed|pt.Dirty) != softProtNone {
			return fmt.Errorf("PTE %#x at %v in PROT_NONE VMA %v is not a PROT_NONE entry", l, va, v)
		}
	} else {
		if l&pt.Present == 0 || l&(softProtNone|pt.Global|pt.Huge) != 0 {
			return fmt.Errorf("PTE %#x at %v in VMA %v", l, va, v)
		}
		if (l&pt.User != 0) != as.User {
			return fmt.Errorf("PTE %#x at %v: U/S disagrees with the address space's User %v", l, va, as.User)
		}
		if as.User {
			w := as.table.Walk(va)
			for i := 0; i < w.N; i++ {
				if w.Levels[i].Entry&pt.User == 0 {
					return fmt.Errorf("PTE %#x at %v: %s entry without U/S in a user address space", l, va, pt.LevelNames[i])
				}
			}
		}
		if (l&pt.NoExecute != 0) == (v.Prot&ProtExec != 0) {
			return fmt.Errorf("PTE %#x at %v: NX disagrees with VMA %v", l, va, v)
		}
		if l&pt.Writable != 0 {
			switch {
			case pfn == zero:
				return fmt.Errorf("zero page writable at %v", va)
			case v.Prot&ProtWrite == 0:
				return fmt.Errorf("PTE %#x at %v writable in VMA %v", l, va, v)
			case v.Flags&MapShared == 0 && e.m.Frames.Refs(pfn) != 1:
				return fmt.Errorf("PTE %#x at %v writable with %d refs in private VMA %v", l, va, e.m.Frames.Refs(pfn), v)
			}
		}
	}
	if v.file != nil {
		// A file VMA maps the cache's page of its index (shared, or
		// private and read-only), or a private copy (which may have
		// been to swap and be in the swap cache, shared by a fork);
		// nothing past the end of file (a truncate unmaps, copies
		// included).
		idx := v.pageIndex(va)
		cp, ok := v.file.Lookup(idx)
		switch {
		case idx*pg >= uint64(v.file.Size()):
			return fmt.Errorf("PTE %#x at %v maps page %d of %s, past its end", l, va, idx, v.file.Name)
		case v.Flags&MapShared != 0 && (!ok || pfn != cp):
			return fmt.Errorf("PTE %#x at %v in shared file VMA %v: the cache holds %#x", l, va, v, cp)
		case v.Flags&MapShared == 0 && pfn == zero:
			return fmt.Errorf("zero page mapped at %v in private file VMA %v", va, v)
		case v.Flags&MapShared == 0 && (!ok || pfn != cp) && e.m.Frames.State(pfn) != frame.Anon && e.m.Frames.State(pfn) != frame.SwapCache:
			return fmt.Errorf("PTE %#x at %v in private file VMA %v: neither the cache's page nor a copy", l, va, v)
		}
	}
	if pfn != zero {
		refs[pfn]++
	}
	return nil
}
