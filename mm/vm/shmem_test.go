//go:build !tamago

package vm

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/tmpfs"
)

// TestShmemSwap: a shared anonymous working set three times memory,
// shared with a fork, written by one side in random order and read
// back by the other, every page checked, under each policy. Its pages
// are its tmpfs object's: on the reclaim lists, written to swap by
// tmpfs, read back in faults (an object in memory only could not hold
// them; the bound on objects counts swap).
func TestShmemSwap(t *testing.T) {
	for _, policy := range Policies {
		t.Run(policy, func(t *testing.T) {
			e := newEnvSize(t, 4<<20)
			e.enableSwap(policy, 8192)
			pages := 3 * e.mem.Frames.Stats().ManagedPages
			base := e.mmap(0, pages*pg, ProtRead|ProtWrite, MapShared|MapAnonymous)
			parent, child := e.cur, e.fork()
			// A check per step would be too slow: one every 512.
			e.nocheck = true
			checkEvery := func(k int) {
				if k%512 == 0 {
					e.nocheck = false
					e.check()
					e.nocheck = true
				}
			}
			rng := rand.New(rand.NewPCG(3, 4))
			for k, i := range rng.Perm(int(pages)) {
				e.write(base+mm.VirtAddr(i)*pg, stamp(uint64(i), 9))
				checkEvery(k)
			}
			if st := e.shm.Statfs(); st.Swapped == 0 || st.Used != pages {
				t.Fatalf("after writing %d pages: %+v; nothing in swap", pages, st)
			}
			e.use(child)
			for k, i := range rng.Perm(int(pages)) {
				if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(uint64(i), 9)) {
					t.Fatalf("child: page %d reads %x", i, got)
				}
				checkEvery(k)
			}
			// The child's writes reach the parent, through swap too.
			for i := uint64(0); i < pages; i += 7 {
				e.write(base+mm.VirtAddr(i)*pg, stamp(i, 10))
			}
			e.use(parent)
			for i := range pages {
				want := stamp(i, 9)
				if i%7 == 0 {
					want = stamp(i, 10)
				}
				if got := e.read(base+mm.VirtAddr(i)*pg, 16); string(got) != string(want) {
					t.Fatalf("parent: page %d reads %x", i, got)
				}
			}
			st, rs := e.m.Swap.Stats, e.m.ReclaimStats()
			if st.SwapOuts == 0 || st.SwapIns == 0 || rs.Steal == 0 || e.cur.Stats.MajFaults == 0 {
				t.Fatalf("swap %+v reclaim %+v, %d major faults: nothing went to swap and back", st, rs, e.cur.Stats.MajFaults)
			}
			t.Logf("%s: %d pages: pswpout %d pswpin %d, scan %d steal %d", policy, pages, st.SwapOuts, st.SwapIns, rs.Scan, rs.Steal)
			e.nocheck = false
			e.check()
			e.destroy(child)
			e.destroyAll()
			if _, used := e.m.Swap.Totals(); used != 0 {
				t.Fatalf("%d slots still used after the object went", used)
			}
		})
	}
}

// objectsAlive checks how many shared anonymous objects live, with their
// charge and pages.
func (e *env) objectsAlive(n int, committed, cached uint64) {
	e.t.Helper()
	if len(e.m.objects) != n || e.shm.Statfs().Files != n || e.m.Committed() != committed || e.cache.Stats.Cached != cached {
		e.t.Fatalf("%d objects (%d tmpfs files), Committed_AS %d, %d pages cached; want %d, %d, %d",
			len(e.m.objects), e.shm.Statfs().Files, e.m.Committed(), e.cache.Stats.Cached, n, committed, cached)
	}
}

// The object of a shared anonymous mapping, its pages (in memory and in
// swap) and its charge live as long as any VMA maps it, across fork,
// split and partial munmap (but for the pages below every VMA's
// offset), and go with the last: munmap of the last
// part, or Destroy of the last address space. A MAP_NORESERVE object
// is never charged.
func TestShmemObjectLifetime(t *testing.T) {
	for _, noReserve := range []bool{false, true} {
		name := "charged"
		flags := MapShared | MapAnonymous
		if noReserve {
			name, flags = "noreserve", flags|MapNoReserve
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.enableSwap("clock", 1024)
			charge := func(n uint64) uint64 {
				if noReserve {
					return 0
				}
				return n
			}
			va := e.mmap(0, 8*pg, ProtRead|ProtWrite, flags)
			for i := range uint64(8) {
				e.write(va+mm.VirtAddr(i)*pg, stamp(i, 1))
			}
			e.objectsAlive(1, charge(8), 8)
			parent, child := e.cur, e.fork()
			e.objectsAlive(1, charge(8), 8) // the child shares it: no new charge
			e.swapAllOut()
			if st := e.shm.Statfs(); st.Swapped != 8 {
				t.Fatalf("after reclaim: %+v", st)
			}
			// The parent unmaps the middle, then both ends.
			e.must(parent.Munmap(va+2*pg, 4*pg))
			e.must(parent.Munmap(va, 2*pg))
			e.must(parent.Munmap(va+6*pg, 2*pg))
			e.objectsAlive(1, charge(8), 0)
			// The child splits it in three, unmaps the first part, and
			// still reads the rest, back from swap.
			e.use(child)
			e.must(child.Mprotect(va+3*pg, pg, ProtRead))
			if n := len(child.VMAs()); n != 3 {
				t.Fatalf("%d VMAs after mprotect of the middle page", n)
			}
			// Pages 0-2 are below every VMA left: they go, with
			// their charge (shmem.go, Partial unmaps).
			e.must(child.Munmap(va, 3*pg))
			e.objectsAlive(1, charge(5), 0)
			if st := e.shm.Statfs(); st.Swapped != 5 {
				t.Fatalf("after the unmap of the first part: %+v", st)
			}
			for i := uint64(3); i < 8; i++ {
				if got := e.read(va+mm.VirtAddr(i)*pg, 16); string(got) != string(stamp(i, 1)) {
					t.Fatalf("page %d: %x", i, got)
				}
			}
			e.objectsAlive(1, charge(5), 5)
			// The last parts go: so do the object, its pages in memory
			// and in swap, and its charge.
			e.must(child.Munmap(va+3*pg, 5*pg))
			e.objectsAlive(0, 0, 0)
			if st := e.shm.Statfs(); st != (tmpfs.Statfs{}) {
				t.Fatalf("the object's tmpfs after the last unmap: %+v", st)
			}
			if _, used := e.m.Swap.Totals(); used != 0 {
				t.Fatalf("%d slots used after the last unmap", used)
			}
			// Destroy of the last address space mapping an object.
			e.use(parent)
			wa := e.mmap(0, 4*pg, ProtRead|ProtWrite, flags)
			e.write(wa, stamp(0, 2))
			e.destroy(child)
			child = e.fork()
			e.must(parent.Munmap(wa, 4*pg))
			e.objectsAlive(1, charge(4), 1)
			e.destroy(child)
			e.objectsAlive(0, 0, 0)
			e.destroyAll()
		})
	}
}

// A shared anonymous mapping needs its MM's Shmem: without it ENODEV,
// and a Shmem that fails is ENOMEM; either way nothing is mapped or
// charged. The bound on the objects counts swap when there is some.
func TestShmemErrors(t *testing.T) {
	e := newEnv(t)
	shmem := e.m.Shmem
	e.m.Shmem = nil
	if _, err := e.cur.Mmap(0, 4*pg, ProtRead|ProtWrite, MapShared|MapAnonymous); errno(err) != "ENODEV" {
		t.Fatalf("without Shmem: %v", err)
	}
	e.objectsAlive(0, 0, 0)
	e.m.Shmem = func(size int64) (*pagecache.File, error) { return nil, tmpfs.ErrNoMemory }
	if _, err := e.cur.Mmap(0, 4*pg, ProtRead|ProtWrite, MapShared|MapAnonymous); errno(err) != "ENOMEM" || !errors.Is(err, tmpfs.ErrNoMemory) {
		t.Fatalf("with a failing Shmem: %v", err)
	}
	e.objectsAlive(0, 0, 0)
	if len(e.cur.VMAs()) != 0 || e.m.sharedPages != 0 {
		t.Fatalf("after failed mmaps: %d VMAs, %d shared pages", len(e.cur.VMAs()), e.m.sharedPages)
	}
	e.m.Shmem = shmem
	managed := e.mem.Frames.Stats().ManagedPages
	if _, err := e.cur.Mmap(0, (managed+1)*pg, ProtRead, MapShared|MapAnonymous|MapNoReserve); err == nil || !strings.HasSuffix(err.Error(), "would outgrow memory") {
		t.Fatalf("an object larger than memory, without swap: %v", err)
	}
	e.enableSwap("clock", 64)
	e.mmap(0, (managed+1)*pg, ProtRead, MapShared|MapAnonymous|MapNoReserve)
	if _, err := e.cur.Mmap(0, 64*pg, ProtRead, MapShared|MapAnonymous|MapNoReserve); err == nil || !strings.HasSuffix(err.Error(), "would outgrow memory and swap") {
		t.Fatalf("objects larger than memory and swap: %v", err)
	}
	e.destroyAll()
}

// TestShmemPartialUnmap: a shared anonymous mapping of 16 pages, shared
// with a fork, unmapped piece by piece on both sides. A page goes (from
// memory, swap, Shmem and Committed_AS) only when it lies below every
// offset a VMA of the object still maps: Linux keeps it until the last
// unmap, but only such a page can never be mapped again (shmem.go,
// Partial unmaps). A page some VMA may still grow over stays, mapped or
// not, as in Linux, and a growth by mremap finds its data; AnonPages
// never counts any of them.
func TestShmemPartialUnmap(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("clock", 64)
	const pages = 16
	at := func(base mm.VirtAddr, i uint64) mm.VirtAddr { return base + mm.VirtAddr(i)*pg }
	base := e.mmap(0, pages*pg, rw, MapShared|MapAnonymous)
	for i := range uint64(pages) {
		e.write(at(base, i), stamp(i, 6))
	}
	// Two pages to swap: a trim must free swap slots too.
	if n := e.m.Reclaim(2, true); n != 2 {
		t.Fatalf("reclaim freed %d", n)
	}
	parent, child := e.cur, e.fork()
	committed := e.m.Committed()
	step := func(what string, wantPages uint64) {
		t.Helper()
		e.check()
		inMem, _ := e.cache.Shmem()
		_, slots := e.m.Swap.Totals()
		st := e.shm.Statfs()
		if st.Used != wantPages || inMem+slots != wantPages {
			t.Fatalf("%s: object holds %d pages (%d in memory, %d slots), want %d", what, st.Used, inMem, slots, wantPages)
		}
		if got := committed - e.m.Committed(); got != pages-wantPages {
			t.Fatalf("%s: %d pages uncommitted, want %d", what, got, pages-wantPages)
		}
		if mi := e.m.Meminfo(0, e.cache); mi.AnonPages != 0 || mi.Shmem != inMem*pg {
			t.Fatalf("%s: AnonPages %d, Shmem %d bytes, want 0 and %d pages", what, mi.AnonPages, mi.Shmem, inMem)
		}
	}
	step("after the fork", pages)
	e.use(child)
	e.must(child.Munmap(base, 8*pg))
	step("the child unmaps [0, 8): the parent maps them", pages)
	e.use(parent)
	e.must(parent.Munmap(base, 4*pg))
	step("the parent unmaps [0, 4): no VMA at or below them", pages-4)
	e.use(child)
	e.must(child.Munmap(at(base, 12), 4*pg))
	step("the child unmaps [12, 16): the parent maps them", pages-4)
	e.use(parent)
	e.must(parent.Munmap(at(base, 4), 4*pg))
	step("the parent unmaps [4, 8)", pages-8)
	e.must(parent.Munmap(at(base, 8), 8*pg))
	step("the parent unmaps the rest: the child's [8, 12) can grow over [12, 16)", pages-8)
	// The child grows its VMA back over [12, 16), and finds the data.
	e.use(child)
	if got, err := child.Mremap(at(base, 8), 4*pg, 8*pg, 0, 0); err != nil || got != at(base, 8) {
		t.Fatalf("mremap: %v, %v", got, err)
	}
	for i := uint64(8); i < pages; i++ {
		if got := e.read(at(base, i), 16); string(got) != string(stamp(i, 6)) {
			t.Fatalf("page %d after the growth reads %x", i, got)
		}
	}
	e.must(child.Munmap(at(base, 8), 2*pg))
	step("the child unmaps [8, 10)", pages-10)
	e.must(child.Munmap(at(base, 10), 6*pg))
	if st := e.shm.Statfs(); st.Used != 0 || e.m.Committed() != committed-pages {
		t.Fatalf("after the last unmap: %+v, committed %d", st, e.m.Committed())
	}
	e.use(parent)
	e.destroy(child)
	e.destroyAll()
}
