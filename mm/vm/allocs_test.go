//go:build !tamago

package vm

import (
	"runtime"
	"strings"
	"testing"
)

// pagodaAllocs runs fn, one fault or another path that must not
// allocate, and returns the Go heap allocations Pagoda's own code made
// in it, with their stacks. runtime.MemStats.Mallocs alone counts every
// goroutine's: the runtime's background work allocates at moments no
// test controls (the scavenger growing its timer heap, a new GC worker's
// goroutine), and a test that counted those failed now and then. When
// Mallocs moved, the heap profile, which samples every allocation
// while MemProfileRate is 1, tells whose they were: an allocation
// counts if a frame of its stack is in a non-test file of this module.
func pagodaAllocs(t *testing.T, fn func()) (n int64, stacks []string) {
	t.Helper()
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1 // every allocation from now on (malloc.go: rate 1 samples all)
	defer func() { runtime.MemProfileRate = old }()
	before := allocProfile()
	var b, a runtime.MemStats
	runtime.ReadMemStats(&b)
	fn()
	runtime.ReadMemStats(&a)
	if a.Mallocs == b.Mallocs {
		return 0, nil
	}
	for stack, count := range allocProfile() {
		if d := count - before[stack]; d > 0 && strings.Contains(stack, "(ours)") {
			n += d
			stacks = append(stacks, stack)
		}
	}
	return n, stacks
}

// allocProfile is the heap profile's allocation counts by stack, each
// stack its functions joined, a frame of this module's non-test code
// marked "(ours)". Two collections first publish every allocation made
// before them (runtime.MemProfile: a profile may be up to two cycles
// old).
func allocProfile() map[string]int64 {
	runtime.GC()
	runtime.GC()
	var recs []runtime.MemProfileRecord
	for n := 1024; ; n *= 2 {
		recs = make([]runtime.MemProfileRecord, n)
		if k, ok := runtime.MemProfile(recs, true); ok {
			recs = recs[:k]
			break
		}
	}
	out := map[string]int64{}
	for _, r := range recs {
		var b strings.Builder
		for _, pc := range r.Stack() {
			f := runtime.FuncForPC(pc - 1)
			if f == nil {
				continue
			}
			b.WriteString(f.Name())
			if file, _ := f.FileLine(pc - 1); strings.HasPrefix(f.Name(), "github.com/pagoda-os/pagoda/") && !strings.HasSuffix(file, "_test.go") {
				b.WriteString(" (ours)")
			}
			b.WriteString(" <- ")
		}
		out[b.String()] += r.AllocObjects
	}
	return out
}
