//go:build !tamago

package vm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// Commit accounting. Every step of every test is also followed by check,
// which recomputes Committed_AS from the VMAs' account flags and the
// shared objects' charges; the tests here say what the figure must be.

// wantCommitted fails the test unless Committed_AS is want pages.
func (e *env) wantCommitted(want uint64) {
	e.t.Helper()
	if got := e.m.Committed(); got != want {
		e.t.Fatalf("Committed_AS %d pages, want %d", got, want)
	}
}

// refused checks that err is ENOMEM and that the call left the VMAs as
// before and Committed_AS at committed.
func (e *env) refused(err error, before []VMA, committed uint64) {
	e.t.Helper()
	e.check()
	if !errors.Is(err, ErrNoMemory) {
		e.t.Fatalf("got %v, want ENOMEM", err)
	}
	if !slices.Equal(before, e.cur.VMAs()) {
		e.t.Fatalf("refused call changed the VMAs: %v, were %v", e.cur.VMAs(), before)
	}
	e.wantCommitted(committed)
}

// at is the address i pages above a0.
func at(i int) mm.VirtAddr { return a0 + mm.VirtAddr(i)*pg }

// TestCommitCharges: what each call charges and gives back, in every
// policy (none refuses anything here).
func TestCommitCharges(t *testing.T) {
	fixed := priv | MapFixed
	for _, c := range []struct {
		name string
		run  func(e *env)
	}{
		{"private writable and shared anonymous", func(e *env) {
			e.mmap(at(0), 4*pg, rw, fixed)
			e.wantCommitted(4)
			e.mmap(at(8), 3*pg, ProtRead, fixed)
			e.mmap(at(16), 2*pg, ProtNone, fixed)
			e.wantCommitted(4) // read-only private: nothing to write
			e.mmap(at(24), 5*pg, rw, shar|MapFixed)
			e.wantCommitted(9) // the shared object, whole
			e.mmap(at(32), 2*pg, ProtRead, shar|MapFixed)
			e.wantCommitted(11) // a shared object whatever its protection
			e.write(at(0), pattern(1))
			e.write(at(24), pattern(2))
			e.wantCommitted(11) // touching pages charges nothing more
			e.must(e.cur.Munmap(at(0), 40*pg))
			e.wantCommitted(0)
		}},
		{"file mappings", func(e *env) {
			f, _ := e.newFile(filePattern(3, 8*pg))
			e.mmapFile(at(0), 4*pg, rw, MapPrivate|MapFixed, f, 0)
			e.wantCommitted(4)
			e.mmapFile(at(8), 4*pg, ProtRead, MapPrivate|MapFixed, f, 0)
			e.mmapFile(at(16), 4*pg, rw, MapShared|MapFixed, f, 0)
			e.wantCommitted(4) // shared file pages are the file's
			e.must(e.cur.Mprotect(at(8), 2*pg, rw))
			e.wantCommitted(6)
			e.must(e.cur.Mprotect(at(16), 4*pg, ProtRead))
			e.must(e.cur.Mprotect(at(16), 4*pg, rw))
			e.wantCommitted(6)
			e.write(at(8), pattern(4)) // a private copy
			e.must(e.cur.Munmap(at(0), 24*pg))
			e.wantCommitted(0)
		}},
		{"munmap splits, mmap merges", func(e *env) {
			e.mmap(at(0), 8*pg, rw, fixed)
			e.write(at(0), make([]byte, 8*pg))
			e.must(e.cur.Munmap(at(2), 2*pg))
			e.wantCommitted(6)
			e.mmap(at(2), 2*pg, rw, fixed)
			e.wantCommitted(8)
			if n := len(e.cur.VMAs()); n != 1 {
				e.t.Fatalf("%d VMAs, want the refilled hole merged into 1", n)
			}
			e.must(e.cur.Munmap(at(0), pg))
			e.must(e.cur.Munmap(at(7), pg))
			e.wantCommitted(6)
			e.must(e.cur.Munmap(at(3), pg+1))
			e.wantCommitted(4)
			e.must(e.cur.Munmap(at(0), 8*pg))
			e.wantCommitted(0)
		}},
		{"mprotect adds write once", func(e *env) {
			e.mmap(at(0), 8*pg, ProtRead, fixed)
			e.wantCommitted(0)
			e.must(e.cur.Mprotect(at(2), 3*pg, rw))
			e.wantCommitted(3)
			e.write(at(2), pattern(5))
			// Taking write away keeps the charge; the accounted middle
			// stays apart from the uncharged sides.
			e.must(e.cur.Mprotect(at(2), 3*pg, ProtRead))
			e.wantCommitted(3)
			if n := len(e.cur.VMAs()); n != 3 {
				e.t.Fatalf("VMAs %v: want 3 (accounted apart)", e.cur.VMAs())
			}
			e.must(e.cur.Mprotect(at(2), 3*pg, rw))
			e.wantCommitted(3) // already accounted
			e.must(e.cur.Mprotect(at(0), 8*pg, rw|ProtExec))
			e.wantCommitted(8)
			if n := len(e.cur.VMAs()); n != 1 {
				e.t.Fatalf("VMAs %v: want 1 once all are accounted", e.cur.VMAs())
			}
			e.must(e.cur.Mprotect(at(0), 8*pg, ProtNone))
			e.must(e.cur.Mprotect(at(0), 8*pg, ProtRead))
			e.wantCommitted(8)
			e.must(e.cur.Munmap(at(1), pg))
			e.wantCommitted(7)
			e.must(e.cur.Mprotect(at(4), 4*pg, rw))
			e.wantCommitted(7)
			// Shared anonymous memory is the object's charge.
			e.mmap(at(16), 2*pg, ProtRead, shar|MapFixed)
			e.must(e.cur.Mprotect(at(16), 2*pg, rw))
			e.wantCommitted(9)
		}},
		{"MAP_FIXED takes over the charge it replaces", func(e *env) {
			e.mmap(at(0), 8*pg, rw, fixed)
			e.write(at(0), make([]byte, 8*pg))
			e.mmap(at(2), 4*pg, rw, fixed)
			e.wantCommitted(8)
			e.mmap(at(6), 4*pg, rw, fixed) // half over, half new
			e.wantCommitted(10)
			e.mmap(at(2), 4*pg, ProtRead, fixed)
			e.wantCommitted(6)
			e.mmap(at(0), 10*pg, rw, shar|MapFixed)
			e.wantCommitted(10) // the object's
			e.mmap(at(0), 10*pg, rw, fixed)
			e.wantCommitted(10) // the object went with its last VMA
		}},
		{"fork charges accounted VMAs again, not shared objects", func(e *env) {
			e.mmap(at(0), 4*pg, rw, fixed)
			e.mmap(at(8), 2*pg, ProtRead, fixed)
			e.mmap(at(16), 3*pg, rw, shar|MapFixed)
			e.write(at(0), pattern(6))
			e.write(at(16), pattern(7))
			e.wantCommitted(7)
			parent := e.cur
			child := e.fork()
			e.wantCommitted(11)
			e.use(child)
			e.destroy(e.fork())
			e.wantCommitted(11)
			e.must(child.Munmap(at(1), 2*pg))
			e.wantCommitted(9)
			e.must(child.Munmap(at(16), 3*pg))
			e.wantCommitted(9) // the parent still maps the object
			e.must(child.Mprotect(at(8), 2*pg, rw))
			e.wantCommitted(11)
			e.use(parent)
			e.destroy(child)
			e.wantCommitted(7)
			e.must(parent.Munmap(at(17), pg))
			e.wantCommitted(7) // part of the object still mapped
			e.must(parent.Munmap(at(16), 3*pg))
			e.wantCommitted(4)
		}},
		{"Destroy gives everything back", func(e *env) {
			e.mmap(at(0), 4*pg, rw, fixed)
			e.mmap(at(8), 4*pg, rw, shar|MapFixed)
			child := e.fork()
			e.wantCommitted(12)
			e.use(child)
			e.newSpace()
			e.destroy(child)
			e.wantCommitted(8)
			e.destroy(e.spaces[0])
			e.wantCommitted(0)
		}},
	} {
		for _, mode := range []Overcommit{OvercommitGuess, OvercommitAlways, OvercommitNever} {
			t.Run(fmt.Sprintf("%s/%v", c.name, mode), func(t *testing.T) {
				e := newEnv(t)
				e.must(e.m.SetOvercommit(mode, DefaultOvercommitRatio))
				c.run(e)
				e.destroyAll()
				e.wantCommitted(0)
			})
		}
	}
}

// MAP_NORESERVE exempts a mapping from the charge, unless the policy is
// OvercommitNever; an exempt private mapping stays exempt when mprotect
// adds write.
func TestCommitNoReserve(t *testing.T) {
	for _, c := range []struct {
		mode Overcommit
		// want: the first three mappings' charge; apart: the VMAs of the
		// exempt mapping and a charged one are kept apart.
		want  uint64
		apart bool
	}{
		{OvercommitGuess, 0, true},
		{OvercommitAlways, 0, true},
		{OvercommitNever, 10, false},
	} {
		t.Run(c.mode.String(), func(t *testing.T) {
			e := newEnv(t)
			e.must(e.m.SetOvercommit(c.mode, DefaultOvercommitRatio))
			e.mmap(at(0), 4*pg, rw, priv|MapFixed|MapNoReserve)
			e.mmap(at(8), 4*pg, rw, shar|MapFixed|MapNoReserve)
			e.mmap(at(16), 2*pg, ProtRead, priv|MapFixed|MapNoReserve)
			e.must(e.cur.Mprotect(at(16), 2*pg, rw))
			e.write(at(0), pattern(1))
			e.write(at(8), pattern(2))
			e.wantCommitted(c.want)
			e.destroy(e.fork())
			e.wantCommitted(c.want)
			// Next to the mprotected one: apart while that one is
			// MAP_NORESERVE, merged where the policy ignored the flag.
			e.mmap(at(18), 2*pg, rw, priv|MapFixed)
			e.wantCommitted(c.want + 2)
			if n := len(e.cur.VMAs()); n != 3 && !c.apart || n != 4 && c.apart {
				t.Errorf("VMAs %v: apart %v", e.cur.VMAs(), c.apart)
			}
			// Read-only, one MAP_NORESERVE: apart all the same, so that
			// adding write charges only the other.
			e.mmap(at(24), 2*pg, ProtRead, priv|MapFixed|MapNoReserve)
			e.mmap(at(26), 2*pg, ProtRead, priv|MapFixed)
			e.must(e.cur.Mprotect(at(24), 4*pg, rw))
			if c.apart {
				e.wantCommitted(c.want + 2 + 2)
			} else {
				e.wantCommitted(c.want + 2 + 4)
			}
			e.destroyAll()
			e.wantCommitted(0)
		})
	}
}

// OvercommitNever refuses what would take Committed_AS to CommitLimit,
// whichever call asks, and a refused call changes nothing.
func TestOvercommitNever(t *testing.T) {
	e := newEnv(t)
	e.must(e.m.SetOvercommit(OvercommitNever, 50))
	managed := e.m.Frames.Stats().ManagedPages
	limit := managed / 2
	if got := e.m.CommitLimit(); got != limit {
		t.Fatalf("CommitLimit %d pages, want %d (half of %d)", got, limit, managed)
	}
	none := e.cur.VMAs()
	_, err := e.cur.Mmap(0, limit*pg, rw, priv)
	e.refused(err, none, 0)
	_, err = e.cur.Mmap(0, limit*pg, rw, priv|MapNoReserve)
	e.refused(err, none, 0)
	_, err = e.cur.Mmap(0, limit*pg, ProtRead, shar)
	e.refused(err, none, 0)

	a := e.mmap(0, (limit-1)*pg, rw, priv)
	e.wantCommitted(limit - 1)
	e.write(a, pattern(1))
	full := e.cur.VMAs()
	_, err = e.cur.Mmap(0, pg, rw, priv)
	e.refused(err, full, limit-1)
	_, err = e.cur.Mmap(0, pg, rw, shar)
	e.refused(err, full, limit-1)
	b := e.mmap(0, 4*pg, ProtRead, priv) // not charged
	e.wantCommitted(limit - 1)
	withB := e.cur.VMAs()
	e.refused(e.cur.Mprotect(b, 4*pg, rw), withB, limit-1)
	e.refused(e.cur.Mprotect(b+pg, pg, rw|ProtExec), withB, limit-1)
	_, err = e.cur.Fork()
	e.refused(err, withB, limit-1)
	// MAP_FIXED over accounted memory needs room only for the difference.
	e.mmap(a, (limit-1)*pg, rw, priv|MapFixed)
	e.wantCommitted(limit - 1)
	fixed := e.cur.VMAs() // as withB, with the new mapping's anonymous object
	_, err = e.cur.Mmap(a-pg, limit*pg, rw, priv|MapFixed)
	e.refused(err, fixed, limit-1)
	e.must(e.cur.Munmap(a, pg))
	e.mmap(a, pg, rw, priv|MapFixed) // the page the munmap gave back
	e.wantCommitted(limit - 1)

	// Swap and the ratio move the limit.
	e.m.SetSwapPages(limit)
	if got := e.m.CommitLimit(); got != 2*limit {
		t.Fatalf("CommitLimit %d pages with %d of swap, want %d", got, limit, 2*limit)
	}
	child := e.fork()
	e.wantCommitted(2*limit - 2)
	e.must(e.cur.Mprotect(b, pg, rw))
	e.wantCommitted(2*limit - 1)
	e.refused(e.cur.Mprotect(b+pg, pg, rw), e.cur.VMAs(), 2*limit-1)
	e.destroy(child)
	e.m.SetSwapPages(0)
	e.must(e.m.SetOvercommit(OvercommitNever, 100))
	if got := e.m.CommitLimit(); got != managed {
		t.Fatalf("CommitLimit %d pages at ratio 100, want %d", got, managed)
	}
	e.must(e.cur.Mprotect(b, 4*pg, rw))
	e.wantCommitted(limit + 3)
	e.destroyAll()
	e.wantCommitted(0)
}

// OvercommitGuess refuses one request larger than memory and swap
// together, and nothing else; Committed_AS is counted all the same.
func TestOvercommitGuess(t *testing.T) {
	e := newEnv(t)
	managed := e.m.Frames.Stats().ManagedPages
	if mode, ratio := e.m.Overcommit(); mode != OvercommitGuess || ratio != DefaultOvercommitRatio {
		t.Fatalf("default policy %v, ratio %d", mode, ratio)
	}
	none := e.cur.VMAs()
	_, err := e.cur.Mmap(0, (managed+1)*pg, rw, priv)
	e.refused(err, none, 0)
	_, err = e.cur.Mmap(0, (managed+1)*pg, ProtRead, shar)
	e.refused(err, none, 0)
	a := e.mmap(0, managed*pg, rw, priv)
	e.mmap(0, managed*pg, rw|ProtExec, priv) // not merged with a
	e.wantCommitted(2 * managed)             // beyond CommitLimit: no matter
	e.write(a, pattern(1))
	e.destroy(e.fork()) // VMA by VMA, each no larger than memory
	e.wantCommitted(2 * managed)
	r := e.mmap(0, (managed+1)*pg, ProtRead, priv)
	withR := e.cur.VMAs()
	e.refused(e.cur.Mprotect(r, (managed+1)*pg, rw), withR, 2*managed)
	e.mmap(0, 4*managed*pg, rw, priv|MapNoReserve)
	e.m.SetSwapPages(managed)
	e.must(e.cur.Mprotect(r, (managed+1)*pg, rw))
	e.wantCommitted(3*managed + 1)
	e.mmap(0, 2*managed*pg, rw, priv)
	e.wantCommitted(5*managed + 1)
	withAll := e.cur.VMAs()
	_, err = e.cur.Mmap(0, (2*managed+1)*pg, rw, priv)
	e.refused(err, withAll, 5*managed+1)
	e.destroyAll()
	e.wantCommitted(0)
}

// OvercommitAlways refuses nothing, and counts everything.
func TestOvercommitAlways(t *testing.T) {
	e := newEnv(t)
	e.must(e.m.SetOvercommit(OvercommitAlways, DefaultOvercommitRatio))
	const big = 1 << 40
	a := e.mmap(0, big, rw, priv)
	e.write(a+big-pg, pattern(1))
	e.wantCommitted(big / pg)
	e.destroy(e.fork())
	r := e.mmap(0, big, ProtRead, priv)
	e.must(e.cur.Mprotect(r, big, rw))
	e.wantCommitted(2 * big / pg)
	e.destroyAll()
	e.wantCommitted(0)
}

// Commit and Uncommit, for callers outside mm/vm, share the count and
// the limit with mappings.
func TestCommitAPI(t *testing.T) {
	e := newEnv(t)
	e.must(e.m.SetOvercommit(OvercommitNever, 50))
	limit := e.m.CommitLimit()
	if err := e.m.Commit(limit - 5); err != nil {
		t.Fatal(err)
	}
	e.charged = limit - 5
	e.check()
	e.mmap(0, 4*pg, rw, priv)
	if err := e.m.Commit(1); !errors.Is(err, ErrNoMemory) {
		t.Fatalf("Commit at the limit: %v", err)
	}
	e.must(e.m.Commit(0))
	e.m.Uncommit(limit - 5)
	e.charged = 0
	e.check()
	e.must(e.m.Commit(0))
	e.wantCommitted(4)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Uncommit of more than committed did not panic")
			}
		}()
		e.m.Uncommit(5)
	}()
	if err := e.m.SetOvercommit(3, 50); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetOvercommit(3): %v", err)
	}
	if mode, ratio := e.m.Overcommit(); mode != OvercommitNever || ratio != 50 {
		t.Errorf("a refused SetOvercommit changed the policy: %v, %d", mode, ratio)
	}
	e.must(e.m.SetOvercommit(OvercommitNever, math.MaxUint64))
	if got := e.m.CommitLimit(); got != math.MaxUint64 {
		t.Errorf("CommitLimit %d at the largest ratio, want saturated", got)
	}
	e.must(e.m.SetOvercommit(OvercommitNever, 0))
	e.m.SetSwapPages(math.MaxUint64 - 1)
	if got := e.m.CommitLimit(); got != math.MaxUint64-1 {
		t.Errorf("CommitLimit %d at ratio 0, want the swap pages", got)
	}
	e.m.SetSwapPages(math.MaxUint64)
	e.must(e.m.SetOvercommit(OvercommitNever, 1))
	if got := e.m.CommitLimit(); got != math.MaxUint64 {
		t.Errorf("CommitLimit %d with all swap, want saturated", got)
	}
	if got := e.m.SwapPages(); got != math.MaxUint64 {
		t.Errorf("SwapPages %d", got)
	}
	e.destroyAll()
	e.wantCommitted(0)
}

// The random operation sequences under each policy (OvercommitNever with
// a limit they never reach), the invariant check recomputing
// Committed_AS after every step.
func TestRandomOperationsOvercommit(t *testing.T) {
	steps := 1000
	if testing.Short() {
		steps = 200
	}
	for _, mode := range []Overcommit{OvercommitAlways, OvercommitNever} {
		for seed := uint64(11); seed <= 12; seed++ {
			t.Run(fmt.Sprint(mode, "/seed", seed), func(t *testing.T) {
				e := newEnv(t)
				e.must(e.m.SetOvercommit(mode, 1<<20))
				r := newRunner(e)
				r.run(rngSource{rand.New(rand.NewPCG(seed, seed))}, steps, fmt.Sprint("seed ", seed))
				e.destroyAll()
				e.wantCommitted(0)
			})
		}
	}
}
