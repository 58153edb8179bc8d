package workload

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The reference policies (optimum.go) on textbook strings, loops and
// random traces, against naive versions of MIN and LRU.

func refOf(pages ...uint64) RefString { return NewRefString(pages) }

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
		{"MIN", r.FaultsMIN(3), 9}, {"LRU", r.FaultsLRU(3), 12}, {"FIFO", r.FaultsFIFO(3), 15}, {"CLOCK", r.FaultsClock(3), 14},
		// Belady's anomaly: FIFO on 1,2,3,4,1,2,5,1,2,3,4,5 faults 9
		// times with 3 frames and 10 with 4.
		{"FIFO anomaly 3", refOf(1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5).FaultsFIFO(3), 9},
		{"FIFO anomaly 4", refOf(1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5).FaultsFIFO(4), 10},
		{"MIN 4", refOf(1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5).FaultsMIN(4), 6},
		{"LRU 4", refOf(1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5).FaultsLRU(4), 8},
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
		g, err := New(Order{Kind: Loop}, uint64(frames+1), 10*uint64(frames+1), 1)
		if err != nil {
			t.Fatal(err)
		}
		var trace []uint64
		for p, ok := g.Next(); ok; p, ok = g.Next() {
			trace = append(trace, p)
		}
		r := NewRefString(trace)
		n := len(trace)
		for name, got := range map[string]int{"LRU": r.FaultsLRU(frames), "FIFO": r.FaultsFIFO(frames), "CLOCK": r.FaultsClock(frames)} {
			if got != n {
				t.Errorf("%s, loop of %d pages in %d frames: %d faults in %d accesses", name, frames+1, frames, got, n)
			}
		}
		// Accesses 0..F-1 fault (compulsory); then access i = kF
		// faults and evicts the page needed F accesses later, page
		// (i-1) mod (F+1), and the F-1 accesses in between hit.
		want := frames + (n-1)/frames
		if got := r.FaultsMIN(frames); got != want {
			t.Errorf("MIN, loop of %d pages in %d frames: %d faults, want %d", frames+1, frames, got, want)
		}
	}
	// And with the hand-worked 0123 0123 0123 in 3 frames: 6.
	if got := refOf(0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3).FaultsMIN(3); got != 6 {
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
		r := NewRefString(trace)
		for frames := 1; frames <= pages+1; frames++ {
			m, l, f, c := r.FaultsMIN(frames), r.FaultsLRU(frames), r.FaultsFIFO(frames), r.FaultsClock(frames)
			if want := naiveMIN(trace, frames, 0); m != want {
				t.Fatalf("%v, %d frames: MIN %d, by definition %d", trace, frames, m, want)
			}
			if want := naiveLRU(trace, frames, 0); l != want {
				t.Fatalf("%v, %d frames: LRU %d, by definition %d", trace, frames, l, want)
			}
			// Counted from a later reference, as after an untimed pass.
			warm := r
			warm.From = rng.IntN(len(trace) + 1)
			if got, want := warm.FaultsMIN(frames), naiveMIN(trace, frames, warm.From); got != want {
				t.Fatalf("%v, %d frames, from %d: MIN %d, by definition %d", trace, frames, warm.From, got, want)
			}
			if got, want := warm.FaultsLRU(frames), naiveLRU(trace, frames, warm.From); got != want {
				t.Fatalf("%v, %d frames, from %d: LRU %d, by definition %d", trace, frames, warm.From, got, want)
			}
			if m > l || m > f || m > c || m < r.Distinct {
				t.Fatalf("%v, %d frames: MIN %d, LRU %d, FIFO %d, CLOCK %d, %d distinct", trace, frames, m, l, f, c, r.Distinct)
			}
			if frames >= r.Distinct && (m != r.Distinct || l != r.Distinct || f != r.Distinct || c != r.Distinct) {
				t.Fatalf("%v, %d frames for %d pages: MIN %d, LRU %d, FIFO %d, CLOCK %d", trace, frames, r.Distinct, m, l, f, c)
			}
		}
	}
}
