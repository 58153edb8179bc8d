//go:build !tamago

package vm

import (
	"errors"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// A Map that takes two fresh tables and fails on the third must give
// them back zeroed: the table reserve hands freed tables out again as
// they are, and a linked PDPT would become another page's page table.
// (The allocator is emptied too, or the fault would restock.)
func TestRollbackGivesBackZeroedTables(t *testing.T) {
	e := newEnv(t)
	a := e.mmap(winStart, pg, rw, priv|MapFixed)
	b := e.mmap(winStart+pml4Span, pg, rw, priv|MapFixed)
	var held []mm.PFN
	for e.m.tables.n > 2 {
		p, _ := e.m.tables.take()
		held = append(held, p)
	}
	hog := e.hogFrames()
	if r := e.cur.HandleFault(a, Write); r != OOM {
		t.Fatalf("fault with two tables for three: %v", r)
	}
	for i := 0; i < e.m.tables.n; i++ {
		for j, x := range frameBytes(e.m.tables.stock[i]) {
			if x != 0 {
				t.Fatalf("table %#x back in the reserve is not zero at byte %d", e.m.tables.stock[i], j)
			}
		}
	}
	hog.free()
	if r := e.cur.HandleFault(b, Write); r != Resolved {
		t.Fatalf("fault at b: %v", r)
	}
	for _, p := range held {
		e.m.tables.put(p)
	}
	e.check()
}

// PROT_NONE keeps a page's Accessed and Dirty bits for when it comes back.
func TestProtNoneKeepsDirty(t *testing.T) {
	e := newEnv(t)
	va := e.mmap(0, pg, rw, priv)
	e.write(va, []byte{1})
	if d := e.cur.Smaps()[0].PrivateDirty; d != pg {
		t.Fatalf("Private_Dirty %d before, want %d", d, pg)
	}
	e.must(e.cur.Mprotect(va, pg, ProtNone))
	e.must(e.cur.Mprotect(va, pg, rw))
	if s := e.cur.Smaps()[0]; s.PrivateDirty != pg || s.Referenced != pg {
		t.Fatalf("after PROT_NONE and back: dirty %d, referenced %d", s.PrivateDirty, s.Referenced)
	}
}

// A shared anonymous fault maps its object's page-cache page: the first
// touch fills a hole of the tmpfs file (a minor fault, file-hit, as
// Linux's shmem_fault), a later one finds the page without taking a
// frame; a fault with the PTE already there is spurious. Each counts as
// a shared fault.
func TestSharedFaultKinds(t *testing.T) {
	e := newEnv(t)
	va := e.mmap(0, pg, rw, shar)
	if e.fault(va, Write); e.cur.LastKind != KindFileHit || e.cache.Stats.Cached != 1 || e.cur.Stats.SharedFaults != 1 {
		t.Fatalf("first touch: %v, %d pages cached, %d shared faults", e.cur.LastKind, e.cache.Stats.Cached, e.cur.Stats.SharedFaults)
	}
	c := e.fork()
	e.use(c)
	// Fork copied the PTE; DONTNEED drops it, the cache keeps the page.
	e.must(c.Madvise(va, pg, AdviceDontNeed))
	if e.fault(va, Read); c.LastKind != KindFileHit || e.cache.Stats.Cached != 1 || c.Stats.SharedFaults != 1 {
		t.Fatalf("child's touch of a cached page: %v, %d pages cached, %d shared faults", c.LastKind, e.cache.Stats.Cached, c.Stats.SharedFaults)
	}
	if c.HandleFault(va, Read); c.LastKind != KindSpurious || c.Stats.SharedFaults != 2 {
		t.Fatalf("second fault: %v, %d shared faults", c.LastKind, c.Stats.SharedFaults)
	}
}

// Shared objects index their pages on the Go heap: all of them together
// may not outgrow memory, or mmap could exhaust the heap and kill the
// kernel.
func TestSharedPagesBounded(t *testing.T) {
	e := newEnv(t)
	managed := e.m.Frames.Stats().ManagedPages
	half := managed / 2 * pg
	a := e.mmap(0, half, rw, shar)
	e.mmap(0, half, rw, shar)
	if _, err := e.cur.Mmap(0, 4*pg, rw, shar); !errors.Is(err, ErrNoMemory) {
		t.Fatalf("a third shared mapping past memory: %v", err)
	}
	e.must(e.cur.Munmap(a, half))
	e.mmap(0, 4*pg, rw, shar)
	e.check()
}

// Range operations over a huge sparse mapping skip whole missing levels.
func TestHugeSparseMapping(t *testing.T) {
	e := newEnv(t)
	e.nocheck = true
	size := uint64(winEnd - winStart)
	va := e.mmap(0, size, rw, priv|MapNoReserve)
	e.write(va+mm.VirtAddr(size/2), []byte{1})
	e.must(e.cur.Mprotect(va, size, ProtRead))
	if b := e.read(va+mm.VirtAddr(size/2), 1); b[0] != 1 {
		t.Fatalf("the one page written: %v", b)
	}
	e.must(e.cur.Munmap(va, size))
	if e.cur.RSS() != 0 || len(e.cur.VMAs()) != 0 {
		t.Fatalf("after munmap: rss %d, %d VMAs", e.cur.RSS(), len(e.cur.VMAs()))
	}
}
