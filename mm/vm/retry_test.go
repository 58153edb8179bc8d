//go:build !tamago

package vm

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// A user fault on an uncached file page takes the retry path once: the
// atomic attempt reads nothing, the retry reads the page (and its
// readahead) sleeping, not polling, and the second attempt maps it. The
// fault counts once, as major; a page read ahead is then a plain hit.
func TestRetryFileFault(t *testing.T) {
	e := newEnv(t)
	e.retry = true
	as := e.cur
	data := filePattern(21, 16*pg)
	f, b := e.newFile(data)
	va := e.mmapFile(0, 16*pg, ProtRead, MapShared, f, 0)
	if got := e.read(va, pg); string(got) != string(data[:pg]) {
		t.Fatalf("page 0 reads %x...", got[:8])
	}
	st := as.Stats
	if st.Faults != 1 || st.RetryFaults != 1 || st.MajFaults != 1 || st.FileFaults != 1 || as.LastKind != KindFileMajor {
		t.Fatalf("after the first fault: %+v, last %v; want one fault, retried, major", st, as.LastKind)
	}
	if b.faultReads != 0 || !slices.Equal(b.reads, []uint64{0, 1, 2, 3}) {
		t.Fatalf("reads %v, %d of them polled in a fault; want pages 0-3 read once each, none polled", b.reads, b.faultReads)
	}
	if got := e.read(va+pg, pg); string(got) != string(data[pg:2*pg]) {
		t.Fatalf("page 1 reads %x...", got[:8])
	}
	if st := as.Stats; st.Faults != 2 || st.RetryFaults != 1 || st.MajFaults != 1 || as.LastKind != KindFileHit {
		t.Fatalf("after a fault on a page read ahead: %+v, last %v; want a hit, not retried", st, as.LastKind)
	}
	e.destroyAll()
}

// A user fault on a swapped page whose slot is not in the swap cache
// takes the retry path once, reading the slot through ReadAt (the
// sleeping read), never ReadPhys (polled).
func TestRetrySwapFault(t *testing.T) {
	e := newEnv(t)
	dev := e.enableSwap("clock", 1024)
	const n = 8
	base := e.mmap(0, n*pg, rw, priv)
	for i := range uint64(n) {
		e.write(base+mm.VirtAddr(i)*pg, stamp(i, 6))
	}
	e.swapAllOut()
	as := e.cur
	st0 := as.Stats
	e.retry = true
	if got := e.read(base, 16); string(got) != string(stamp(0, 6)) {
		t.Fatalf("page 0 reads %x", got)
	}
	st := as.Stats
	if st.Faults-st0.Faults != 1 || st.RetryFaults != 1 || st.MajFaults-st0.MajFaults != 1 || st.SwapFaults-st0.SwapFaults != 1 || as.LastKind != KindSwapIn {
		t.Fatalf("after the fault: %+v (before %+v), last %v; want one swap-in, retried", st, st0, as.LastKind)
	}
	if dev.Reads != 0 || dev.WaitReads != 1 {
		t.Fatalf("device: %d polled reads, %d sleeping reads; want 0 and 1", dev.Reads, dev.WaitReads)
	}
	if l := leaf(as, base); l.State != LeafWritable {
		t.Fatalf("page 0 is %v, want writable (the slot's last reference)", l)
	}
	e.destroyAll()
}

// The retry path keeps what the ring-0 path does: the same results, the
// same counters (but RetryFaults), the same file readahead and swap
// readahead, page for page. Only the kind of read differs: the ring-0
// path polls every page, the retry path polls none.
func TestRetryMatchesRing0(t *testing.T) {
	type run struct {
		results    []Result
		kinds      []FaultKind
		stats      Stats
		fileReads  []uint64
		polled     int // file pages read in a fault, and swap slots by ReadPhys
		swapReads  int // swap slots read, both ways
		raFile     uint64
		raSwap     uint64
		swapHits   uint64
		data       []byte
		retryFault uint64
	}
	const filePages, anonPages = 40, 48
	do := func(retry bool) run {
		e := newEnv(t)
		dev := e.enableSwap("clock", 1024)
		data := filePattern(33, filePages*pg-100) // a partial last page
		f, b := e.newFile(data)
		fva := e.mmapFile(0, filePages*pg, rw, MapPrivate, f, 0)
		ava := e.mmap(0, anonPages*pg, rw, priv)
		for i := range uint64(anonPages) {
			e.write(ava+mm.VirtAddr(i)*pg, stamp(i, 8))
		}
		e.swapAllOut()
		e.retry = retry
		var r run
		fault := func(va mm.VirtAddr, a Access) {
			r.results = append(r.results, e.fault(va, a))
			r.kinds = append(r.kinds, e.cur.LastKind)
		}
		// File: sequential reads (the window grows), a private write,
		// a jump, and a read past the end of file.
		for i := range uint64(24) {
			fault(fva+mm.VirtAddr(i)*pg, Read)
		}
		fault(fva+30*pg, Write)
		fault(fva+36*pg, Read)
		fault(fva+filePages*pg-1, Read)
		// Swap: ascending (readahead follows), then scattered.
		for i := range uint64(16) {
			fault(ava+mm.VirtAddr(i)*pg, Read)
		}
		for _, i := range []uint64{40, 23, 31, 17, 45} {
			fault(ava+mm.VirtAddr(i)*pg, Write)
		}
		r.stats = e.cur.Stats
		r.retryFault = r.stats.RetryFaults
		r.stats.RetryFaults = 0
		r.stats.PagesAlloced, r.stats.PagesFreed = 0, 0 // file pages come from the allocator in the retry
		r.fileReads = b.reads
		r.polled = b.faultReads + dev.Reads
		r.swapReads = dev.PagesIn
		r.raFile = e.cache.Stats.Readahead
		r.raSwap = e.m.Swap.Stats.Readahead
		r.swapHits = e.m.ReclaimStats().SwapCacheHit
		r.data = e.read(fva, filePages*pg)
		r.data = append(r.data, e.read(ava, anonPages*pg)...)
		e.destroyAll()
		return r
	}
	ring0, retry := do(false), do(true)
	if !slices.Equal(ring0.results, retry.results) || !slices.Equal(ring0.kinds, retry.kinds) {
		t.Fatalf("results differ:\nring 0 %v %v\nretry  %v %v", ring0.results, ring0.kinds, retry.results, retry.kinds)
	}
	if ring0.stats != retry.stats {
		t.Fatalf("counters differ:\nring 0 %+v\nretry  %+v", ring0.stats, retry.stats)
	}
	if !slices.Equal(ring0.fileReads, retry.fileReads) || ring0.swapReads != retry.swapReads ||
		ring0.raFile != retry.raFile || ring0.raSwap != retry.raSwap || ring0.swapHits != retry.swapHits {
		t.Fatalf("I/O differs:\nring 0 file %v swap %d ra %d/%d hits %d\nretry  file %v swap %d ra %d/%d hits %d",
			ring0.fileReads, ring0.swapReads, ring0.raFile, ring0.raSwap, ring0.swapHits,
			retry.fileReads, retry.swapReads, retry.raFile, retry.raSwap, retry.swapHits)
	}
	if ring0.raFile == 0 || ring0.raSwap == 0 {
		t.Fatalf("no readahead (file %d, swap %d): the test does not test it", ring0.raFile, ring0.raSwap)
	}
	if ring0.polled == 0 || retry.polled != 0 {
		t.Fatalf("polled reads: ring 0 %d, retry %d; want some and none", ring0.polled, retry.polled)
	}
	if ring0.retryFault != 0 || retry.retryFault == 0 || retry.retryFault != ring0.stats.MajFaults {
		t.Fatalf("retried faults: ring 0 %d, retry %d; want 0 and one per major fault (%d)", ring0.retryFault, retry.retryFault, ring0.stats.MajFaults)
	}
	if string(ring0.data) != string(retry.data) {
		t.Fatal("the memory reads differently")
	}
}

// The atomic attempt, with noIO set, reads nothing, restocks nothing,
// changes nothing, and allocates nothing: it says what it lacked.
func TestRetryAtomicNoIO(t *testing.T) {
	e := newEnv(t)
	dev := e.enableSwap("clock", 1024)
	f, b := e.newFile(filePattern(3, (allocRuns+1)*pg))
	fva := e.mmapFile(0, (allocRuns+1)*pg, ProtRead, MapShared, f, 0)
	ava := e.mmap(0, (allocRuns+1)*pg, rw, priv)
	for i := range uint64(allocRuns + 1) {
		e.write(ava+mm.VirtAddr(i)*pg, stamp(i, 4))
	}
	e.swapAllOut()
	as := e.cur
	e.m.Refill()
	wrong := 0 // attempts that did not ask for the retry they needed
	attempt := func(va mm.VirtAddr, want retryNeed) {
		as.retry = retryState{noIO: true}
		if r := as.resolve(va, Read); r != mustRetry || as.retry.need != want {
			wrong++
		}
	}
	for _, c := range []struct {
		name string
		base mm.VirtAddr
		need retryNeed
	}{{"file", fva, needFilePage}, {"swap", ava, needSwapPage}} {
		st, anon, tables := as.Stats, e.m.anon.n, e.m.tables.n
		va := c.base
		if a := testing.AllocsPerRun(allocRuns, func() {
			attempt(va, c.need)
			va += pg
		}); a != 0 {
			t.Errorf("%s: %v allocations per atomic attempt", c.name, a)
		}
		as.retry = retryState{}
		if wrong != 0 {
			t.Fatalf("%s: %d atomic attempts did not ask for a retry", c.name, wrong)
		}
		if len(b.reads) != 0 || dev.Reads != 0 || dev.WaitReads != 0 {
			t.Fatalf("%s: the atomic attempts read: file %v, swap %d polled and %d sleeping", c.name, b.reads, dev.Reads, dev.WaitReads)
		}
		if as.Stats != st || e.m.anon.n != anon || e.m.tables.n != tables {
			t.Fatalf("%s: the atomic attempts changed counters or reserves: %+v, was %+v", c.name, as.Stats, st)
		}
		for i := range uint64(allocRuns + 1) {
			if l := leaf(as, c.base+mm.VirtAddr(i)*pg); l.State != LeafAbsent && l.State != LeafSwap {
				t.Fatalf("%s: page %d became %v", c.name, i, l)
			}
		}
		e.check()
	}
	// Reserves short: the attempt asks for them, and takes none.
	e.m.Drain()
	as.retry = retryState{noIO: true}
	if r := as.resolve(ava, Write); r != mustRetry || as.retry.need != needReserve {
		t.Fatalf("with empty reserves: %v, need %d", r, as.retry.need)
	}
	as.retry = retryState{}
	if anon, tables := e.m.Reserved(); anon != 0 || tables != 0 {
		t.Fatalf("the atomic attempt restocked: %d, %d", anon, tables)
	}
	e.destroyAll()
}

// A fault with the reserves empty refills them in the retry path, once,
// and resolves (the kernel no longer refills before a user fault).
func TestRetryRefills(t *testing.T) {
	e := newEnv(t)
	base := e.mmap(0, 4*pg, rw, priv)
	e.m.Drain()
	as := e.cur
	if r := as.HandleFaultRetry(base, Write); r != Resolved {
		t.Fatalf("fault with empty reserves: %v", r)
	}
	if anon, _ := e.m.Reserved(); anon < faultNeed || as.Stats.RetryFaults != 1 || as.Stats.AnonFaults != 1 {
		t.Fatalf("after the fault: %d frames in reserve, %+v", anon, as.Stats)
	}
	e.check()
	e.destroyAll()
}

// An I/O error in the retry path's read is SigBusIO (BUS_OBJERR), for a
// file page (and msync reports it) and a swap slot alike; a page wholly
// past the end of file stays SigBus (BUS_ADRERR).
func TestRetryBusErrors(t *testing.T) {
	e := newEnv(t)
	dev := e.enableSwap("clock", 1024)
	e.retry = true
	as := e.cur
	f, b := e.newFile(filePattern(9, 4*pg))
	fva := e.mmapFile(0, 8*pg, rw, MapShared, f, 0)
	b.readErr[2] = errDisk
	if r := e.fault(fva+2*pg, Read); r != SigBusIO || as.LastKind != KindBus {
		t.Fatalf("file read error: %v (%v), want an I/O bus error", r, as.LastKind)
	}
	if err := as.Msync(fva, 4*pg, MsSync); !errors.Is(err, ErrIO) {
		t.Fatalf("msync after the read error: %v", err)
	}
	if r := e.fault(fva+5*pg, Read); r != SigBus || as.LastKind != KindBus {
		t.Fatalf("past the end of file: %v (%v), want a plain bus error", r, as.LastKind)
	}
	ava := e.mmap(0, 4*pg, rw, priv)
	for i := range uint64(4) {
		e.write(ava+mm.VirtAddr(i)*pg, stamp(i, 2))
	}
	e.swapAllOut()
	dev.BadReads = map[uint64]bool{leaf(as, ava+pg).Entry().Slot(): true}
	if r := e.fault(ava+pg, Read); r != SigBusIO || as.LastKind != KindBus {
		t.Fatalf("swap read error: %v (%v), want an I/O bus error", r, as.LastKind)
	}
	if l := leaf(as, ava+pg); l.State != LeafSwap {
		t.Fatalf("after the failed swap-in the page is %v, want still in swap", l)
	}
	if dev.Reads != 0 || b.faultReads != 0 {
		t.Fatalf("polled reads: swap %d, file %d", dev.Reads, b.faultReads)
	}
	if as.Stats.Bus != 3 || as.Stats.RetryFaults != 2 {
		t.Fatalf("%d bus errors, %d retried faults; want 3 and 2", as.Stats.Bus, as.Stats.RetryFaults)
	}
	e.destroyAll()
}

// Under memory pressure, with private anonymous memory and shared
// anonymous memory (tmpfs pages in swap) twice and three times memory,
// every user fault that needs a page reads it sleeping: no read polls,
// and every page comes back intact.
func TestRetryUnderPressure(t *testing.T) {
	for _, shared := range []bool{false, true} {
		name := map[bool]string{false: "private", true: "shared"}[shared]
		t.Run(name, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			dev := e.enableSwap("clock", 8192)
			e.retry = true
			pages := 3 * e.mem.Frames.Stats().ManagedPages
			flags := priv
			if shared {
				flags = MapShared | MapAnonymous
			}
			base := e.mmap(0, pages*pg, rw, flags)
			e.nocheck = true
			rng := rand.New(rand.NewPCG(5, 6))
			for _, i := range rng.Perm(int(pages)) {
				e.write(base+mm.VirtAddr(i)*pg, stamp(uint64(i), 11))
			}
			for _, i := range rng.Perm(int(pages)) {
				if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(uint64(i), 11)) {
					t.Fatalf("page %d reads %x", i, got)
				}
			}
			e.nocheck = false
			e.check()
			if dev.Reads != 0 || dev.WaitReads == 0 || e.cur.Stats.RetryFaults == 0 {
				t.Fatalf("%d polled reads, %d sleeping, %d retried faults; want none polled", dev.Reads, dev.WaitReads, e.cur.Stats.RetryFaults)
			}
			e.destroyAll()
		})
	}
}
