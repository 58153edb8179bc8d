package main

// The optimum: how many page faults a reference string costs with F
// frames under the optimal offline policy (Belady's MIN) and under the
// online ones Pagoda's reclaim approximates (exact LRU, FIFO, CLOCK),
// computed on the host for the same seeded run mm/workload hands the
// kernel's touch. Demand paging throughout: every fault loads the page,
// memory starts empty, and the first reference to each page (a
// compulsory miss) is a fault under every policy.
//
//	go run ./qemu/cmd/lab optimum [-order O] [-pages N] [-frames F,...] [-accesses N] [-seed N] [-write-trace FILE]
//
// It prints one row per frame count. -write-trace writes the run as a
// trace file, which the kernel's touch replays with order=trace:PATH.

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/pagoda-os/pagoda/mm/workload"
)

const optimumUsage = "usage: lab optimum [-order O] [-pages N] [-frames F,...] [-accesses N] [-seed N] [-write-trace FILE]"

// optimumConfig is the optimum command's settings, from its flags.
type optimumConfig struct {
	order      workload.Order
	pages      uint64
	frames     []int // ascending as given; 0 is not allowed
	accesses   uint64
	seed       uint64
	writeTrace string
}

func optimum(args []string) {
	cfg, err := parseOptimum(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lab optimum: %v\n%s\n", err, optimumUsage)
		os.Exit(2)
	}
	if err := runOptimum(os.Stdout, cfg); err != nil {
		fatal(err)
	}
}

// parseOptimum reads the flags. A trace order's file is read here, from
// the host.
func parseOptimum(args []string) (optimumConfig, error) {
	fs := flag.NewFlagSet("optimum", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	order := fs.String("order", "zipf:1", "the run's order (mm/workload: "+workload.OrderSyntax+")")
	pages := fs.Uint64("pages", 8192, "pages of the range the run covers")
	frames := fs.String("frames", "", "frame counts, comma-separated (default: half the pages)")
	accesses := fs.Uint64("accesses", 0, "the run's length (default: the order's, as touch's)")
	seed := fs.Uint64("seed", 1, "the run's seed (touch's seed=, fill's SEED)")
	writeTrace := fs.String("write-trace", "", "also write the run to this file as a trace")
	if err := fs.Parse(args); err != nil {
		return optimumConfig{}, err
	}
	if fs.NArg() != 0 {
		return optimumConfig{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := optimumConfig{pages: *pages, accesses: *accesses, seed: *seed, writeTrace: *writeTrace}
	var err error
	if cfg.order, err = workload.ParseOrder(*order); err != nil {
		return cfg, err
	}
	if cfg.order.Kind == workload.Trace {
		data, err := os.ReadFile(cfg.order.Path)
		if err != nil {
			return cfg, err
		}
		if cfg.order.Pages, err = workload.ParseTrace(data); err != nil {
			return cfg, fmt.Errorf("%s: %w", cfg.order.Path, err)
		}
	}
	if *frames == "" {
		cfg.frames = []int{int(max(cfg.pages/2, 1))}
		return cfg, nil
	}
	for _, f := range strings.Split(*frames, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("-frames: %q is not a positive count", f)
		}
		cfg.frames = append(cfg.frames, n)
	}
	return cfg, nil
}

// runOptimum generates the run, writes it as a trace if asked, and prints
// each policy's faults for each frame count.
func runOptimum(w io.Writer, cfg optimumConfig) error {
	g, err := workload.New(cfg.order, cfg.pages, cfg.accesses, cfg.seed)
	if err != nil {
		return err
	}
	trace := make([]uint64, 0, g.Len())
	for p, ok := g.Next(); ok; p, ok = g.Next() {
		trace = append(trace, p)
	}
	if cfg.writeTrace != "" {
		if err := writeTraceFile(cfg.writeTrace, trace); err != nil {
			return err
		}
	}
	ref := newRefString(trace)
	fmt.Fprintf(w, "order %s, %d pages, %d accesses, seed %d: %d distinct pages (compulsory faults)\n",
		cfg.order, cfg.pages, len(trace), cfg.seed, ref.distinct)
	fmt.Fprintf(w, "%8s %10s %10s %10s %10s %9s\n", "frames", "MIN", "LRU", "FIFO", "CLOCK", "LRU/MIN")
	for _, f := range cfg.frames {
		m, l := ref.faultsMIN(f), ref.faultsLRU(f)
		fmt.Fprintf(w, "%8d %10d %10d %10d %10d %9.3f\n", f, m, l, ref.faultsFIFO(f), ref.faultsClock(f), float64(l)/float64(m))
	}
	if cfg.writeTrace != "" {
		fmt.Fprintf(w, "wrote %s\n", cfg.writeTrace)
	}
	return nil
}

func writeTraceFile(path string, trace []uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := workload.WriteTrace(f, trace); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// noFrames is the policies' panic for a frame count below 1, which
// parseOptimum refuses.
const noFrames = "lab: a policy run with no frames"

// refString is a reference string with its pages renumbered densely,
// 0..distinct-1 in order of first reference, so that the policies keep
// arrays, not maps.
type refString struct {
	ids      []int32
	distinct int
	// from is the first reference whose fault is counted: the ones
	// before warm memory up, as a benchmark's untimed pass. 0 in optimum.
	from int
}

func newRefString(trace []uint64) refString {
	ids := make([]int32, len(trace))
	dense := map[uint64]int32{}
	for i, p := range trace {
		id, ok := dense[p]
		if !ok {
			if len(dense) == 1<<31-1 {
				panic("lab: more than 2^31-1 distinct pages")
			}
			id = int32(len(dense))
			dense[p] = id
		}
		ids[i] = id
	}
	return refString{ids: ids, distinct: len(dense)}
}

// faultsMIN is Belady's MIN (Belady 1966; Mattson et al. 1970 proved it
// optimal): on a fault with every frame full, evict the resident page
// whose next reference is farthest in the future (or never comes). A
// backward pass finds each reference's next use; the resident pages sit
// in a max-heap on their next use, indexed by page so that a hit moves
// its page in place. O(N log F).
func (r refString) faultsMIN(frames int) int {
	if frames < 1 {
		panic(noFrames)
	}
	n := len(r.ids)
	next := make([]int, n) // next[i]: the index of the next reference to ids[i], or n
	last := make([]int, r.distinct)
	for p := range last {
		last[p] = n
	}
	for i := n - 1; i >= 0; i-- {
		next[i] = last[r.ids[i]]
		last[r.ids[i]] = i
	}
	h := nextUseHeap{pos: make([]int, r.distinct), key: make([]int, r.distinct)}
	for p := range h.pos {
		h.pos[p] = -1
	}
	faults := 0
	for i, id := range r.ids {
		p := int(id)
		if h.pos[p] >= 0 {
			h.key[p] = next[i] // later than before: the page rises
			h.up(h.pos[p])
			continue
		}
		if i >= r.from {
			faults++
		}
		h.key[p] = next[i]
		if len(h.pages) < frames {
			h.pages = append(h.pages, p)
			h.pos[p] = len(h.pages) - 1
			h.up(h.pos[p])
			continue
		}
		h.pos[h.pages[0]] = -1 // the farthest next use: evicted
		h.pages[0], h.pos[p] = p, 0
		h.down(0)
	}
	return faults
}

// nextUseHeap is a max-heap of the resident pages on key, their next use;
// pos[p] is p's index in pages, or -1 when p is not resident.
type nextUseHeap struct {
	pages    []int
	pos, key []int
}

func (h *nextUseHeap) swap(i, j int) {
	h.pages[i], h.pages[j] = h.pages[j], h.pages[i]
	h.pos[h.pages[i]], h.pos[h.pages[j]] = i, j
}

func (h *nextUseHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if h.key[h.pages[parent]] >= h.key[h.pages[i]] {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

func (h *nextUseHeap) down(i int) {
	for {
		big := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h.pages) && h.key[h.pages[c]] > h.key[h.pages[big]] {
				big = c
			}
		}
		if big == i {
			return
		}
		h.swap(i, big)
		i = big
	}
}

// faultsLRU is exact LRU: on a fault with every frame full, evict the
// page referenced least recently. The resident pages are a doubly linked
// list in recency order, in arrays indexed by page. O(N).
func (r refString) faultsLRU(frames int) int {
	if frames < 1 {
		panic(noFrames)
	}
	const none = -1
	prev, next := make([]int, r.distinct), make([]int, r.distinct)
	resident := make([]bool, r.distinct)
	head, tail, size, faults := none, none, 0, 0 // head: most recent
	unlink := func(p int) {
		if prev[p] != none {
			next[prev[p]] = next[p]
		} else {
			head = next[p]
		}
		if next[p] != none {
			prev[next[p]] = prev[p]
		} else {
			tail = prev[p]
		}
	}
	for i, id := range r.ids {
		p := int(id)
		if resident[p] {
			unlink(p)
		} else {
			if i >= r.from {
				faults++
			}
			if size == frames {
				victim := tail
				unlink(victim)
				resident[victim] = false
			} else {
				size++
			}
			resident[p] = true
		}
		prev[p], next[p] = none, head
		if head != none {
			prev[head] = p
		}
		head = p
		if tail == none {
			tail = p
		}
	}
	return faults
}

// faultsFIFO evicts the page loaded longest ago, references or not.
func (r refString) faultsFIFO(frames int) int {
	if frames < 1 {
		panic(noFrames)
	}
	slot := make([]int, frames) // the frames in load order, a ring from hand
	resident := make([]bool, r.distinct)
	used, hand, faults := 0, 0, 0
	for i, id := range r.ids {
		p := int(id)
		if resident[p] {
			continue
		}
		if i >= r.from {
			faults++
		}
		if used < frames {
			slot[used] = p
			used++
		} else {
			resident[slot[hand]] = false
			slot[hand] = p
			hand = (hand + 1) % frames
		}
		resident[p] = true
	}
	return faults
}

// faultsClock is CLOCK (second chance, Corbató 1968), with the
// hardware's Accessed bit as the reference bit: a reference sets its
// page's bit, a load too (the faulting access references the page); on
// a fault with every frame full, the hand clears set bits and evicts the
// first page whose bit is clear, and the new page takes its frame.
func (r refString) faultsClock(frames int) int {
	if frames < 1 {
		panic(noFrames)
	}
	slot := make([]int, frames)
	ref := make([]bool, frames)
	where := make([]int, r.distinct) // p's frame + 1, or 0
	used, hand, faults := 0, 0, 0
	for i, id := range r.ids {
		p := int(id)
		if where[p] != 0 {
			ref[where[p]-1] = true
			continue
		}
		if i >= r.from {
			faults++
		}
		if used < frames {
			slot[used], ref[used] = p, true
			used++
			where[p] = used
			continue
		}
		for ref[hand] {
			ref[hand] = false
			hand = (hand + 1) % frames
		}
		where[slot[hand]] = 0
		slot[hand], ref[hand] = p, true
		where[p] = hand + 1
		hand = (hand + 1) % frames
	}
	return faults
}
