//go:build !tamago

package vm

import (
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
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
	if w.ActiveAnon+w.InactiveAnon+w.ActiveFile+w.InactiveFile == 0 {
		// A test that gives no split has anonymous pages only.
		w.ActiveAnon, w.InactiveAnon = w.Active, w.Inactive
	}
	for _, p := range []*uint64{&w.MemFree, &w.MemAvailable, &w.Cached, &w.Dirty, &w.Writeback,
		&w.AnonPages, &w.Mapped, &w.Shmem, &w.PageTables, &w.SwapCached, &w.Active, &w.Inactive,
		&w.ActiveAnon, &w.InactiveAnon, &w.ActiveFile, &w.InactiveFile, &w.SwapTotal, &w.SwapFree} {
		*p *= pg
	}
	w.CommitLimit = (e.mem.Frames.Stats().ManagedPages*DefaultOvercommitRatio/100 + e.m.SwapPages()) * pg
	w.CommittedAS = e.m.Committed() * pg
	w.FrameTable = e.mem.Frames.Stats().Table.Size()
	return w
}

// checkMeminfo compares Meminfo with want (in pages, as wantMeminfo
// takes it), figure by figure, and checks that asking changes nothing
// (the Accessed bits it reads stay set).
func (e *env) checkMeminfo(step string, want Meminfo) {
	e.t.Helper()
	got := e.m.Meminfo(memTotal, e.cache)
	if again := e.m.Meminfo(memTotal, e.cache); again != got {
		e.t.Errorf("%s: Meminfo changed what it measures:\n%+v\nthen\n%+v", step, got, again)
	}
	w := e.wantMeminfo(want)
	gf, wf := got.Figures(), w.Figures()
	for i := range gf {
		if gf[i] != wf[i] {
			e.t.Errorf("%s: %s %d kB, want %d kB", step, gf[i].Name, gf[i].Value>>10, wf[i].Value>>10)
		}
	}
}

// TestMeminfoPageCache: a file's pages, clean and dirty, and a shared
// anonymous mapping's tmpfs pages, dirty too, without reclaim and under
// each policy. MemAvailable counts only the clean file pages: not the
// dirty ones (they need writing first), nor tmpfs's (they only go to
// swap), and those once; Dirty leaves tmpfs out. The file's pages are
// mapped nowhere, so inactive; the tmpfs pages are mapped and written,
// so active under clock.
func TestMeminfoPageCache(t *testing.T) {
	for _, policy := range append([]string{"none"}, Policies...) {
		t.Run(policy, func(t *testing.T) {
			e := newEnv(t)
			var swapPages uint64
			if policy != "none" {
				e.enableSwap(policy, 1024) // a header page and 1023 slots
				swapPages = 1023
			}
			lists := func(mi Meminfo, active uint64) Meminfo {
				if policy == "none" {
					return mi
				}
				if policy != "clock" {
					active = 0
				}
				mi.Active, mi.Inactive = active, mi.Cached-active
				// The file's pages are file pages, tmpfs's anonymous
				// ones (Linux's folio_is_file_lru).
				mi.ActiveAnon, mi.InactiveAnon = active, mi.Shmem-active
				mi.InactiveFile = mi.Cached - mi.Shmem
				mi.SwapTotal, mi.SwapFree = swapPages, swapPages
				return mi
			}
			e.checkMeminfo("boot", lists(Meminfo{}, 0))
			f, _ := e.newFile(filePattern(1, 16*pg))
			fileBytes(t, f) // 16 pages cached, clean
			e.checkMeminfo("16 clean file pages", lists(Meminfo{Cached: 16, MemAvailable: 16}, 0))
			if n, err := f.WriteAt(make([]byte, 4*pg), 0); n != 4*pg || err != nil {
				t.Fatalf("WriteAt: %d, %v", n, err)
			}
			e.checkMeminfo("4 of them dirty", lists(Meminfo{Cached: 16, Dirty: 4, MemAvailable: 12}, 0))
			// Eight pages of shared anonymous memory, written, their
			// Dirty bits moved to the cache (msync): dirty tmpfs pages,
			// mapped.
			va := e.mmap(0, 8*pg, ProtRead|ProtWrite, MapShared|MapAnonymous)
			for i := range mm.VirtAddr(8) {
				e.write(va+i*pg, stamp(uint64(i), 1))
			}
			e.must(e.cur.Msync(va, 8*pg, MsAsync))
			if shmem, dirty := e.cache.Shmem(); shmem != 8 || dirty != 8 {
				t.Fatalf("tmpfs pages %d, dirty %d; want 8 and 8", shmem, dirty)
			}
			e.checkMeminfo("8 dirty tmpfs pages mapped", lists(Meminfo{Cached: 24, Dirty: 4, Shmem: 8, Mapped: 8, MemAvailable: 12}, 8))
			f.Writeback(0, 16)
			e.checkMeminfo("the file written back", lists(Meminfo{Cached: 24, Shmem: 8, Mapped: 8, MemAvailable: 16}, 8))
			e.must(e.cur.Munmap(va, 8*pg))
			e.checkMeminfo("the mapping gone", lists(Meminfo{Cached: 16, MemAvailable: 16}, 0))
			e.destroyAll()
		})
	}
}

// TestMeminfoSwap: anonymous pages written, all swapped out, some read
// back: SwapTotal and SwapFree, AnonPages, SwapCached (pages read ahead)
// and the reclaim lists follow; CommitLimit counts swap.
func TestMeminfoSwap(t *testing.T) {
	for _, policy := range Policies {
		t.Run(policy, func(t *testing.T) {
			e := newEnv(t)
			e.enableSwap(policy, 1024) // a header page and 1023 slots
			const n = 64
			base := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
			for i := range uint64(n) {
				e.write(base+mm.VirtAddr(i)*pg, stamp(i, 1))
			}
			// Written pages start inactive under lru; under clock their
			// Accessed bits make them active; fifo has no active pages.
			active := map[string]uint64{"clock": n, "fifo": 0, "lru": 0}[policy]
			e.checkMeminfo("written", Meminfo{AnonPages: n, Active: active, Inactive: n - active, SwapTotal: 1023, SwapFree: 1023})
			e.swapAllOut()
			e.checkMeminfo("swapped out", Meminfo{SwapTotal: 1023, SwapFree: 1023 - n})
			// Read back the first 8 in order: their slots are freed as
			// they come back; the pages read ahead stay in the swap
			// cache, unmapped, holding their slots.
			for i := range uint64(8) {
				if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 1)) {
					t.Fatalf("page %d reads %x", i, got)
				}
			}
			ra := e.m.Frames.Stats().Pages[frame.SwapCache]
			if ra == 0 {
				t.Fatal("nothing read ahead: the test needs unmapped swap-cache pages")
			}
			// The 8 read are referenced (active but under fifo); the
			// pages read ahead are mapped nowhere, so not referenced.
			active = map[string]uint64{"clock": 8, "fifo": 0, "lru": 0}[policy]
			e.checkMeminfo("8 read back", Meminfo{AnonPages: 8, SwapCached: ra, Active: active, Inactive: 8 + ra - active,
				SwapTotal: 1023, SwapFree: 1023 - (n - 8)})
			e.destroyAll()
		})
	}
}

// TestMeminfoSwapFork: the case. Pages written, shared with a
// fork, swapped out, read back by the parent: each is mapped by the
// parent and stays in the swap cache, since the child still names its
// slot. Such a page is anonymous and swap-cached both (Linux counts it
// in NR_ANON_MAPPED and in the swap cache), and on the reclaim lists,
// where the parent's reads make it active under clock.
func TestMeminfoSwapFork(t *testing.T) {
	for _, policy := range Policies {
		t.Run(policy, func(t *testing.T) {
			e := newEnv(t)
			e.enableSwap(policy, 1024)
			const n = 64
			base := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
			for i := range uint64(n) {
				e.write(base+mm.VirtAddr(i)*pg, stamp(i, 1))
			}
			child := e.fork()
			e.swapAllOut()
			e.checkMeminfo("swapped out", Meminfo{SwapTotal: 1023, SwapFree: 1023 - n})
			for i := range uint64(n) {
				if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 1)) {
					t.Fatalf("page %d reads %x", i, got)
				}
			}
			// Under lru2q the page evicted last refaults at distance 0,
			// within the (empty) working set: it starts active
			// (workingset_refault), the others inactive.
			active := map[string]uint64{"clock": n, "fifo": 0, "lru": 0, "lru2q": 1}[policy]
			e.checkMeminfo("read back by the parent", Meminfo{AnonPages: n, SwapCached: n, Active: active, Inactive: n - active,
				SwapTotal: 1023, SwapFree: 1023 - n})
			// The child reads them too: the last references to the
			// slots, so the pages leave the swap cache, mapped twice,
			// counted once.
			e.use(child)
			for i := range uint64(n) {
				e.read(base+mm.VirtAddr(i)*pg, 16)
			}
			e.checkMeminfo("read back by the child", Meminfo{AnonPages: n, Active: active, Inactive: n - active,
				SwapTotal: 1023, SwapFree: 1023})
			e.destroyAll()
		})
	}
}

// vmstatValue is the counter name of figs.
func vmstatValue(t *testing.T, figs []Figure, name string) uint64 {
	t.Helper()
	for _, f := range figs {
		if f.Name == name {
			return f.Value
		}
	}
	t.Fatalf("vmstat has no %s", name)
	return 0
}

// TestVmstatPgpg: pgpgin and pgpgout are KiB read from and written to
// the devices, as Linux's: a file's pages and swap's, tmpfs's swap
// traffic included, each once. The devices' own counts are the truth:
// the file backing's reads and writes, the swap device's.
func TestVmstatPgpg(t *testing.T) {
	e := newEnv(t)
	dev := e.enableSwap("clock", 1024)
	f, b := e.newFile(filePattern(1, 16*pg))
	check := func(step string, pswpin, pswpout uint64) {
		t.Helper()
		figs := e.m.Vmstat(Stats{}, e.cache)
		in := uint64(len(b.reads)+dev.PagesIn) * pg / 1024
		out := uint64(len(b.writes)+b.faultWrites+dev.PagesOut) * pg / 1024
		if got := vmstatValue(t, figs, "pgpgin"); got != in {
			t.Errorf("%s: pgpgin %d, want %d KiB (file pages read %d, swap pages read %d)", step, got, in, len(b.reads), dev.PagesIn)
		}
		if got := vmstatValue(t, figs, "pgpgout"); got != out {
			t.Errorf("%s: pgpgout %d, want %d KiB (file pages written %d, swap pages written %d)", step, got, out, len(b.writes)+b.faultWrites, dev.PagesOut)
		}
		if got := vmstatValue(t, figs, "pswpin"); got != pswpin || uint64(dev.PagesIn) != pswpin {
			t.Errorf("%s: pswpin %d, swap device pages read %d, want %d pages", step, got, dev.PagesIn, pswpin)
		}
		if got := vmstatValue(t, figs, "pswpout"); got != pswpout || uint64(dev.PagesOut) != pswpout {
			t.Errorf("%s: pswpout %d, swap device pages written %d, want %d pages", step, got, dev.PagesOut, pswpout)
		}
	}
	check("boot", 0, 0)
	// The names and their order are what vmstat prints and parsers
	// read (the qemu tests', /proc's later).
	var names []string
	for _, f := range e.m.Vmstat(Stats{}, e.cache) {
		names = append(names, f.Name)
	}
	if got, want := strings.Join(names, " "), "pgfault pgfault_retry pgalloc pgfree zero_page_fault demand_zero_fault cow_fault cow_reuse "+
		"shared_fault segv oom file_fault pgmajfault sigbus pgpgin pgpgout readahead pswpin pswpout swap_ra swap_ra_hit "+
		"pgscan pgsteal pgsteal_direct allocstall allocstall_fault pgsteal_fault kswapd_wake "+
		"nr_writeback nr_vmscan_write nr_vmscan_immediate_reclaim pgrotated "+
		"workingset_refault_anon workingset_refault_file workingset_activate_anon workingset_activate_file "+
		"workingset_restore_anon workingset_restore_file oom_kill thp_fault_alloc thp_fault_fallback thp_split_pmd"; got != want {
		t.Errorf("vmstat counters:\n%s\nwant\n%s", got, want)
	}
	fileBytes(t, f)
	if n, err := f.WriteAt(make([]byte, 4*pg), 0); n != 4*pg || err != nil {
		t.Fatalf("WriteAt: %d, %v", n, err)
	}
	f.Writeback(0, 16)
	if len(b.reads) != 16 || len(b.writes) != 4 {
		t.Fatalf("file pages read %d, written %d; want 16 and 4", len(b.reads), len(b.writes))
	}
	check("a file read and partly written", 0, 0)
	// Private anonymous pages and a shared anonymous (tmpfs) mapping's
	// pages, all to swap and back. The private pages go first, to slots
	// 1..31, the tmpfs pages after them: the readahead of a private
	// page's swap-in reads within its aligned block of up to 32 slots
	// (0..31 at most), which then holds no tmpfs slot (tmpfs reads its slots itself, and the tests'
	// check wants them never in the swap cache).
	const n = 31
	priv := e.mmap(0, n*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	shared := e.mmap(0, 8*pg, ProtRead|ProtWrite, MapShared|MapAnonymous)
	for i := range uint64(n) {
		e.write(priv+mm.VirtAddr(i)*pg, stamp(i, 2))
	}
	for i := range uint64(8) {
		e.write(shared+mm.VirtAddr(i)*pg, stamp(i, 3))
	}
	e.swapAllOut()
	if st := e.shm.Statfs(); st.Swapped != 8 {
		t.Fatalf("tmpfs pages on swap %d, want 8", st.Swapped)
	}
	check("anonymous and tmpfs pages swapped out", 0, n+8)
	for i := range uint64(n) {
		if got := e.read(priv+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 2)) {
			t.Fatalf("private page %d reads %x", i, got)
		}
	}
	for i := range uint64(8) {
		if got := e.read(shared+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 3)) {
			t.Fatalf("shared page %d reads %x", i, got)
		}
	}
	check("read back", n+8, n+8)
	e.destroyAll()
}
