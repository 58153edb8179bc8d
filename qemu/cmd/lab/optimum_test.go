package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm/workload"
)

func refOf(pages ...uint64) refString { return newRefString(pages) }

// The textbook reference string (Silberschatz, Operating System
// Concepts, "Page Replacement") with 3 frames: FIFO 15 faults, OPT 9,
// LRU 12. CLOCK, worked by hand with the bit set at load and the hand
// starting at the first frame: 14.
func TestTextbookReferenceString(t *testing.T) {
	r := refOf(7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1)
	for _, tc := range []struct {
		name string
		got  int
		want int
	}{
		{"MIN", r.faultsMIN(3), 9}, {"LRU", r.faultsLRU(3), 12}, {"FIFO", r.faultsFIFO(3), 15}, {"CLOCK", r.faultsClock(3), 14},
		// Belady's anomaly: FIFO on 1,2,3,4,1,2,5,1,2,3,4,5 faults 9
		// times with 3 frames and 10 with 4.
		{"FIFO anomaly 3", refOf(1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5).faultsFIFO(3), 9},
		{"FIFO anomaly 4", refOf(1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5).faultsFIFO(4), 10},
		{"MIN 4", refOf(1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5).faultsMIN(4), 6},
		{"LRU 4", refOf(1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5).faultsLRU(4), 8},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d faults, want %d", tc.name, tc.got, tc.want)
		}
	}
}

// A loop over F+1 pages: LRU (and FIFO, and CLOCK) faults on every
// access; MIN on the F first ones, then once every F.
func TestLoopOneLargerThanMemory(t *testing.T) {
	for _, frames := range []int{1, 3, 64} {
		g, err := workload.New(workload.Order{Kind: workload.Loop}, uint64(frames+1), 10*uint64(frames+1), 1)
		if err != nil {
			t.Fatal(err)
		}
		var trace []uint64
		for p, ok := g.Next(); ok; p, ok = g.Next() {
			trace = append(trace, p)
		}
		r := newRefString(trace)
		n := len(trace)
		for name, got := range map[string]int{"LRU": r.faultsLRU(frames), "FIFO": r.faultsFIFO(frames), "CLOCK": r.faultsClock(frames)} {
			if got != n {
				t.Errorf("%s, loop of %d pages in %d frames: %d faults in %d accesses", name, frames+1, frames, got, n)
			}
		}
		// Accesses 0..F-1 fault (compulsory); then access i = kF
		// faults and evicts the page needed F accesses later, page
		// (i-1) mod (F+1), and the F-1 accesses in between hit.
		want := frames + (n-1)/frames
		if got := r.faultsMIN(frames); got != want {
			t.Errorf("MIN, loop of %d pages in %d frames: %d faults, want %d", frames+1, frames, got, want)
		}
	}
	// And with the hand-worked 0123 0123 0123 in 3 frames: 6.
	if got := refOf(0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3).faultsMIN(3); got != 6 {
		t.Errorf("MIN on 0123×3, 3 frames: %d, want 6", got)
	}
}

// naiveMIN is MIN by its definition, in O(N·F·N), counting the faults
// from reference from on: the reference the heap version is checked
// against.
func naiveMIN(trace []uint64, frames, from int) int {
	var mem []uint64
	faults := 0
	for i, p := range trace {
		if slices.Contains(mem, p) {
			continue
		}
		if i >= from {
			faults++
		}
		if len(mem) < frames {
			mem = append(mem, p)
			continue
		}
		victim, far := 0, -1
		for j, q := range mem {
			d := slices.Index(trace[i+1:], q)
			if d < 0 {
				d = len(trace)
			}
			if d > far {
				victim, far = j, d
			}
		}
		mem[victim] = p
	}
	return faults
}

// naiveLRU keeps memory as a slice, least recent first.
func naiveLRU(trace []uint64, frames, from int) int {
	var mem []uint64
	faults := 0
	for i, p := range trace {
		if j := slices.Index(mem, p); j >= 0 {
			mem = slices.Delete(mem, j, j+1)
		} else {
			if i >= from {
				faults++
			}
			if len(mem) == frames {
				mem = mem[1:]
			}
		}
		mem = append(mem, p)
	}
	return faults
}

// Random traces, seeded: MIN and LRU agree with their definitions, MIN is
// below every online policy and at least the compulsory faults, and with
// room for every page each policy faults only on first references.
func TestPoliciesOnRandomTraces(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 18))
	for range 300 {
		pages := 1 + rng.IntN(12)
		trace := make([]uint64, rng.IntN(80))
		for i := range trace {
			trace[i] = uint64(rng.IntN(pages))
		}
		r := newRefString(trace)
		for frames := 1; frames <= pages+1; frames++ {
			m, l, f, c := r.faultsMIN(frames), r.faultsLRU(frames), r.faultsFIFO(frames), r.faultsClock(frames)
			if want := naiveMIN(trace, frames, 0); m != want {
				t.Fatalf("%v, %d frames: MIN %d, by definition %d", trace, frames, m, want)
			}
			if want := naiveLRU(trace, frames, 0); l != want {
				t.Fatalf("%v, %d frames: LRU %d, by definition %d", trace, frames, l, want)
			}
			// Counted from a later reference, as after an untimed pass.
			warm := r
			warm.from = rng.IntN(len(trace) + 1)
			if got, want := warm.faultsMIN(frames), naiveMIN(trace, frames, warm.from); got != want {
				t.Fatalf("%v, %d frames, from %d: MIN %d, by definition %d", trace, frames, warm.from, got, want)
			}
			if got, want := warm.faultsLRU(frames), naiveLRU(trace, frames, warm.from); got != want {
				t.Fatalf("%v, %d frames, from %d: LRU %d, by definition %d", trace, frames, warm.from, got, want)
			}
			if m > l || m > f || m > c || m < r.distinct {
				t.Fatalf("%v, %d frames: MIN %d, LRU %d, FIFO %d, CLOCK %d, %d distinct", trace, frames, m, l, f, c, r.distinct)
			}
			if frames >= r.distinct && (m != r.distinct || l != r.distinct || f != r.distinct || c != r.distinct) {
				t.Fatalf("%v, %d frames for %d pages: MIN %d, LRU %d, FIFO %d, CLOCK %d", trace, frames, r.distinct, m, l, f, c)
			}
		}
	}
}

// On a skewed run at half the pages, the optimum is well below LRU, and
// LRU and CLOCK below FIFO: the numbers the README quotes.
func TestOptimumCommand(t *testing.T) {
	cfg, err := parseOptimum([]string{"-order", "zipf:1.0", "-pages", "8192", "-frames", "2048,4096", "-accesses", "81920", "-seed", "1",
		"-write-trace", filepath.Join(t.TempDir(), "zipf.trace")})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := runOptimum(&out, cfg); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	m := regexp.MustCompile(`(?m)^ +4096 +(\d+) +(\d+) +(\d+) +(\d+) `).FindStringSubmatch(out.String())
	if m == nil || !strings.HasPrefix(out.String(), "order zipf:1, 8192 pages, 81920 accesses, seed 1: ") {
		t.Fatalf("output:\n%s", out.String())
	}
	var f [4]int // MIN, LRU, FIFO, CLOCK at 4096 frames
	for i := range f {
		f[i], _ = strconv.Atoi(m[i+1])
	}
	if !(f[0] < f[1] && f[1] < f[2] && f[3] < f[2]) {
		t.Errorf("at 4096 frames: MIN %d, LRU %d, FIFO %d, CLOCK %d", f[0], f[1], f[2], f[3])
	}
	// The trace written replays as the same run: the same figures.
	again, err := parseOptimum([]string{"-order", "trace:" + cfg.writeTrace, "-pages", "8192", "-frames", "2048,4096"})
	if err != nil {
		t.Fatal(err)
	}
	var out2 strings.Builder
	if err := runOptimum(&out2, again); err != nil {
		t.Fatal(err)
	}
	table := func(s string) string { return s[strings.Index(s, "\n"):strings.LastIndex(s, "wrote")] }
	if got := out2.String(); !strings.HasSuffix(got, table(out.String())) {
		t.Errorf("replayed trace:\n%s\nwant the table of\n%s", got, out.String())
	}
	for _, args := range [][]string{
		{"-order", "zipf:0"}, {"-frames", "0"}, {"-frames", "1,x"}, {"-pages", "-1"}, {"extra"},
		{"-order", "trace:" + filepath.Join(t.TempDir(), "none")},
	} {
		if _, err := parseOptimum(args); err == nil {
			t.Errorf("parseOptimum(%q) accepted", args)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("1\nx\n"), 0o644)
	if _, err := parseOptimum([]string{"-order", "trace:" + bad}); err == nil || !strings.Contains(err.Error(), "trace line 2") {
		t.Errorf("bad trace: %v", err)
	}
}
