//go:build !tamago

package vm

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// The meminfo figures against what each test did: every figure is
// checked, with file pages clean and dirty, tmpfs pages, anonymous pages
// in memory and on swap, and swapped pages read back (shared with a fork
// or not), under each policy.

const memTotal = 1 << 30 // MemTotal as the caller gives it

// wantMeminfo is the figures the test expects from the counts it gives,
// in pages, and what it cannot predict (free frames, page tables, the
// commit figures) taken from the objects that own them, independently of
// Meminfo: the allocator's free count, the simulator's live tables.
func (e *env) wantMeminfo(w Meminfo) Meminfo {
	e.t.Helper()
	_, tablesReserved := e.m.Reserved()
	w.MemTotal = memTotal
	w.MemFree = e.mem.Frames.FreePages()
	w.MemAvailable += w.MemFree
	w.PageTables = uint64(e.mem.Tables.Live() - tablesReserved)
	for _, p := range []*uint64{&w.MemFree, &w.MemAvailable, &w.Cached, &w.Dirty, &w.Writeback,
		&w.AnonPages, &w.Mapped, &w.Shmem, &w.PageTables, &w.SwapCached, &w.Active, &w.Inactive,
		&w.SwapTotal, &w.SwapFree} {
		*p *= pg
	}
	w.CommitLimit = (e.mem.Frames.Stats().ManagedPages*DefaultOvercommitRatio/100 + e.m.SwapPages()) * pg
	w.CommittedAS = e.m.Committed() * pg
	w.FrameTable = e.mem.Frames.Stats().Table.Size()
	return w
}

// checkMeminfo compares Meminfo with want (in pages, as wantMeminfo
// takes it), figure by figure.
func (e *env) checkMeminfo(step string, want Meminfo) {
	e.t.Helper()
	got := e.m.Meminfo(memTotal, e.cache)
	w := e.wantMeminfo(want)
	gf, wf := got.Figures(), w.Figures()
	for i := range gf {
		if gf[i] != wf[i] {
			e.t.Errorf("%s: %s %d kB, want %d kB", step, gf[i].Name, gf[i].Value>>10, wf[i].Value>>10)
		}
	}
}

// TestMeminfoPageCache: a file's pages, clean and dirty, and a shared
// anonymous mapping's tmpfs pages, dirty too. MemAvailable counts only
// the clean file pages: not the dirty ones (they need writing first),
// nor tmpfs's (they only go to swap), and those once; Dirty leaves
// tmpfs out.
func TestMeminfoPageCache(t *testing.T) {
	e := newEnv(t)
	e.checkMeminfo("boot", Meminfo{})
	f, _ := e.newFile(filePattern(1, 16*pg))
	fileBytes(t, f) // 16 pages cached, clean
	e.checkMeminfo("16 clean file pages", Meminfo{Cached: 16, MemAvailable: 16})
	if n, err := f.WriteAt(make([]byte, 4*pg), 0); n != 4*pg || err != nil {
		t.Fatalf("WriteAt: %d, %v", n, err)
	}
	e.checkMeminfo("4 of them dirty", Meminfo{Cached: 16, Dirty: 4, MemAvailable: 12})
	// Eight pages of shared anonymous memory, written, their Dirty bits
	// moved to the cache (msync): dirty tmpfs pages, mapped.
	va := e.mmap(0, 8*pg, ProtRead|ProtWrite, MapShared|MapAnonymous)
	for i := range mm.VirtAddr(8) {
		e.write(va+i*pg, stamp(uint64(i), 1))
	}
	e.must(e.cur.Msync(va, 8*pg, MsAsync))
	if shmem, dirty := e.cache.Shmem(); shmem != 8 || dirty != 8 {
		t.Fatalf("tmpfs pages %d, dirty %d; want 8 and 8", shmem, dirty)
	}
	e.checkMeminfo("8 dirty tmpfs pages mapped", Meminfo{Cached: 24, Dirty: 4, Shmem: 8, Mapped: 8, MemAvailable: 12})
	f.Writeback(0, 16)
	e.checkMeminfo("the file written back", Meminfo{Cached: 24, Shmem: 8, Mapped: 8, MemAvailable: 16})
	e.must(e.cur.Munmap(va, 8*pg))
	e.checkMeminfo("the mapping gone", Meminfo{Cached: 16, MemAvailable: 16})
	e.destroyAll()
}
