//go:build !tamago

package vm

import (
	"bytes"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// cached fails the test unless the CPU's TLB holds a translation for va:
// the step that follows is about that entry going stale.
func (e *env) cached(va mm.VirtAddr) {
	e.t.Helper()
	if !e.cpu.Cached(va) {
		e.t.Fatalf("%v is not in the TLB: the test would not see a stale entry", va)
	}
}

// Each operation that takes rights away from a PTE, or points it
// elsewhere, or clears a bit the CPU sets, must drop the TLB entry: the
// simulated TLB keeps an entry until it is invalidated, so an access after
// the operation goes through the stale one when the invalidation is
// missing. Each case loads the entry, checks that it is cached, runs the
// operation and makes the access the operation must change.
func TestTLBInvalidation(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func(e *env)
	}{
		{"mprotect read-only stops writes", func(e *env) {
			va := e.mmap(0, pg, rw, priv)
			e.write(va, pattern(1))
			e.cached(va)
			e.must(e.cur.Mprotect(va, pg, ProtRead))
			if r := e.fault(va, Write); r != SegvProtection {
				e.t.Fatalf("write after mprotect(PROT_READ): %v", r)
			}
			e.wantBytes(va, pattern(1))
		}},
		{"mprotect read-only of shared memory stops writes", func(e *env) {
			va := e.mmap(0, pg, rw, shar)
			e.write(va, pattern(2))
			e.cached(va)
			e.must(e.cur.Mprotect(va, pg, ProtRead))
			if r := e.fault(va, Write); r != SegvProtection {
				e.t.Fatalf("write after mprotect(PROT_READ): %v", r)
			}
			e.wantBytes(va, pattern(2))
		}},
		{"mprotect PROT_NONE stops reads", func(e *env) {
			va := e.mmap(0, pg, rw, priv)
			e.write(va, pattern(3))
			e.cached(va)
			e.must(e.cur.Mprotect(va, pg, ProtNone))
			if r := e.fault(va, Read); r != SegvProtection {
				e.t.Fatalf("read after mprotect(PROT_NONE): %v", r)
			}
		}},
		{"mprotect without PROT_EXEC stops fetches", func(e *env) {
			va := e.mmap(0, pg, rw|ProtExec, priv)
			e.write(va, pattern(4))
			if r := e.fault(va, Exec); r != Resolved {
				e.t.Fatalf("fetch from PROT_EXEC: %v", r)
			}
			e.cached(va)
			e.must(e.cur.Mprotect(va, pg, rw))
			if r := e.fault(va, Exec); r != SegvProtection {
				e.t.Fatalf("fetch after mprotect(PROT_READ|PROT_WRITE): %v", r)
			}
		}},
		{"munmap", func(e *env) {
			va := e.mmap(0, 2*pg, rw, priv)
			e.write(va, pattern(5))
			e.write(va+pg, pattern(6))
			e.cached(va + pg)
			e.must(e.cur.Munmap(va+pg, pg))
			if r := e.fault(va+pg, Read); r != SegvNotMapped {
				e.t.Fatalf("read after munmap: %v", r)
			}
			e.wantBytes(va, pattern(5))
		}},
		{"munmap and a new mapping at the same address", func(e *env) {
			va := e.mmap(0, pg, rw, priv)
			e.write(va, pattern(7))
			e.cached(va)
			e.must(e.cur.Munmap(va, pg))
			e.mmap(va, pg, rw, priv|MapFixed)
			e.wantBytes(va, zeros)
		}},
		{"madvise DONTNEED", func(e *env) {
			va := e.mmap(0, pg, rw, priv)
			e.write(va, pattern(8))
			e.cached(va)
			e.must(e.cur.Madvise(va, pg, AdviceDontNeed))
			e.wantBytes(va, zeros)
		}},
		{"fork write-protects the parent: its next write breaks COW", func(e *env) {
			parent := e.cur
			va := e.mmap(0, pg, rw, priv)
			e.write(va, pattern(9))
			e.cached(va)
			child := e.fork()
			cow := parent.Stats.COWFaults
			e.write(va, pattern(10))
			if parent.Stats.COWFaults != cow+1 {
				e.t.Fatalf("parent's write after fork: %d COW faults, want 1", parent.Stats.COWFaults-cow)
			}
			e.use(child)
			e.wantBytes(va, pattern(9))
			e.use(parent)
			e.wantBytes(va, pattern(10))
			e.destroy(child)
		}},
		{"truncate of a mapped file", func(e *env) {
			f, _ := e.newFile(filePattern(6, 2*pg))
			va := e.mmapFile(0, 2*pg, rw, MapShared, f, 0)
			e.read(va+pg, 1)
			e.cached(va + pg)
			e.must(f.Truncate(pg))
			if r := e.fault(va+pg, Read); r != SigBus {
				e.t.Fatalf("read past the new end of file: %v", r)
			}
		}},
		{"swap-out", func(e *env) {
			// fifo: the clock's Accessed test would drop the entry
			// before the swap-out does.
			e.enableSwap("fifo", 64)
			va := e.mmap(0, pg, rw, priv)
			e.write(va, pattern(13))
			e.cached(va)
			e.swapAllOut()
			if leaf(e.cur, va).State != LeafSwap {
				e.t.Fatalf("PTE %#x after reclaim: not swapped out", pte(e.cur, va))
			}
			faults := e.cur.Stats.SwapFaults
			e.wantBytes(va, pattern(13))
			if e.cur.Stats.SwapFaults != faults+1 {
				e.t.Fatalf("read of a swapped-out page: %d swap-in faults, want 1", e.cur.Stats.SwapFaults-faults)
			}
		}},
		{"msync cleans the Dirty bit: the next write dirties it again", func(e *env) {
			f, b := e.newFile(filePattern(4, pg))
			va := e.mmapFile(0, pg, rw, MapShared, f, 0)
			e.write(va, []byte{1})
			e.cached(va)
			e.must(e.cur.Msync(va, pg, MsSync))
			e.write(va, []byte{2})
			e.must(e.cur.Msync(va, pg, MsSync))
			if !slices.Equal(b.writes, []uint64{0, 0}) || b.data[0] != 2 {
				e.t.Fatalf("msync, write, msync: wrote pages %v, file byte %d", b.writes, b.data[0])
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			c.run(e)
			e.destroyAll()
		})
	}
}

// The clock reclaimer clears a page's Accessed bit when its hand passes
// and the page is spared; a touch after that must set the bit again, which
// the CPU does only if the clear dropped the TLB entry. The page touched
// after the first pass is then spared by the second, and the one after it
// goes.
func TestReclaimSeesAccessAfterClear(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("clock", 64)
	const n = 4
	va := e.mmap(0, n*pg, rw, priv)
	at := func(i int) mm.VirtAddr { return va + mm.VirtAddr(i)*pg }
	for i := range n {
		e.write(at(i), pattern(byte(i)))
	}
	swapped := func() []bool {
		s := make([]bool, n)
		for i := range s {
			s[i] = leaf(e.cur, at(i)).State == LeafSwap
		}
		return s
	}
	e.cached(at(1))
	// All four referenced: the hand clears every bit and takes the
	// oldest, page 0.
	if got := e.m.Reclaim(1, false); got != 1 {
		t.Fatalf("first reclaim freed %d", got)
	}
	e.check()
	if got, want := swapped(), []bool{true, false, false, false}; !slices.Equal(got, want) {
		t.Fatalf("first reclaim: swapped %v, want %v", got, want)
	}
	for i := 1; i < n; i++ {
		if l := pte(e.cur, at(i)); l&pt.Accessed != 0 {
			t.Fatalf("page %d: PTE %#x still Accessed after the hand passed", i, l)
		}
	}
	e.read(at(1), 1)
	if l := pte(e.cur, at(1)); l&pt.Accessed == 0 {
		t.Fatalf("page 1 read after the hand passed: PTE %#x not Accessed", l)
	}
	if got := e.m.Reclaim(1, false); got != 1 {
		t.Fatalf("second reclaim freed %d", got)
	}
	e.check()
	if got, want := swapped(), []bool{true, false, true, false}; !slices.Equal(got, want) {
		t.Fatalf("second reclaim: swapped %v, want %v (page 1 was touched)", got, want)
	}
	for i := range n {
		if got := e.read(at(i), pg); !bytes.Equal(got, pattern(byte(i))) {
			t.Fatalf("page %d: %x...", i, got[:8])
		}
	}
	e.destroyAll()
}
