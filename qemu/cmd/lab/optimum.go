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
	ref := workload.NewRefString(trace)
	fmt.Fprintf(w, "order %s, %d pages, %d accesses, seed %d: %d distinct pages (compulsory faults)\n",
		cfg.order, cfg.pages, len(trace), cfg.seed, ref.Distinct)
	fmt.Fprintf(w, "%8s %10s %10s %10s %10s %9s\n", "frames", "MIN", "LRU", "FIFO", "CLOCK", "LRU/MIN")
	for _, f := range cfg.frames {
		m, l := ref.FaultsMIN(f), ref.FaultsLRU(f)
		fmt.Fprintf(w, "%8d %10d %10d %10d %10d %9.3f\n", f, m, l, ref.FaultsFIFO(f), ref.FaultsClock(f), float64(l)/float64(m))
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
