// Command lab runs Pagoda's experiments: it boots the kernel, drives it,
// and writes each experiment's figures as a CSV file and a plot.
//
//	go run ./qemu/cmd/lab faults [-icount] [-runs N] [-pages N] [-out DIR] KERNEL
//	go run ./qemu/cmd/lab thrash [-linux [-linux-max SIZE]] [-cap mm.limit|memory.max] [-limit SIZE] [-orders O,...] [-policies P,...] [-ratios R,...] [-runs N] [-timeout D] [-out DIR] KERNEL
//	go run ./qemu/cmd/lab optimum [-order O] [-pages N] [-frames F,...] [-accesses N] [-seed N] [-write-trace FILE]
//
// faults: the fault-cost breakdown. It runs the kernel's bench command
// -runs times (a fresh boot each) and plots ns/fault per benchmark, the
// mean over the runs with the min-max range as error bars. Under -icount
// one guest instruction is one virtual ns: the runs agree exactly and the
// bars count instructions.
//
// thrash: elapsed time and major faults against working-set size as a
// multiple of mm.limit, one line per reclaim policy (thrash.go). Each
// policy, ratio and run is a fresh boot with mm.limit=<limit>
// mm.policy=<policy> and a fresh mkswap disk; it runs swapon and bench
// pressure-read. A point that fails (an error line, "unsupported", a
// panic, a timeout) is reported with the kernel's words and left out; the
// sweep goes on, and the command exits with status 1 at the end. The
// major-faults panel also has the read pass's faults under Belady's MIN
// and exact LRU with all of mm.limit, computed on the host (optimum.go).
// With -linux it boots make linux-guest's Linux for each order, ratio
// and run too, replaying the same run (user/replay.c) in a memory cgroup
// of memory.max = mm.limit (or -linux-max), and draws its major faults
// as one more line (linux.go).
//
// Both show a progress bar on standard error, one step per boot.
//
// optimum: no boot. The page faults of one seeded run of mm/workload (the
// run the kernel's touch makes with the same order, pages, accesses and
// seed) with F frames, under Belady's optimal MIN and under exact LRU,
// FIFO and CLOCK, computed on the host (optimum.go).
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/pagoda-os/pagoda/qemu"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: lab faults|thrash [flags] KERNEL, or lab optimum [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "faults":
		faults(os.Args[2:])
	case "thrash":
		thrash(os.Args[2:])
	case "optimum":
		optimum(os.Args[2:])
	default:
		fmt.Fprintf(os.Stderr, "lab: unknown experiment %q (faults, thrash, optimum)\n", os.Args[1])
		os.Exit(2)
	}
}

// faultBenchmarks are the bench names whose faults are measured.
var faultBenchmarks = []string{"anon-read", "anon-write", "cow-write"}

// benchRecord is one line of the kernel's bench command (kernel/shell/bench.go):
//
//	BENCH <name> pages=<N> faults=<minor> majfaults=<major> ns/page=<x.x> ns/fault=<x.x> [order=<O> accesses=<N> resident=<R>]
//
// The last three are pressure-read's in an order: ns/page is then per
// access, and R the pages in memory when its timed pass began.
type benchRecord struct {
	name                  string
	pages                 int
	faults, majfaults     uint64
	nsPerPage, nsPerFault float64
	order                 string // "" when the line has none
	accesses              int    // 0 when the line has none
	resident              int    // 0 when the line has none
}

var benchLine = regexp.MustCompile(`(?m)^BENCH (\S+) pages=(\d+) faults=(\d+) majfaults=(\d+) ns/page=(\d+(?:\.\d+)?) ns/fault=(\d+(?:\.\d+)?)(?: order=(\S+) accesses=(\d+) resident=(\d+))?\r?$`)

// parseBench returns the well-formed BENCH lines of text, in order. Other
// lines, "BENCH <name> unsupported" among them, are left out.
func parseBench(text string) []benchRecord {
	var out []benchRecord
	for _, m := range benchLine.FindAllStringSubmatch(text, -1) {
		pages, err1 := strconv.Atoi(m[2])
		faults, err2 := strconv.ParseUint(m[3], 10, 64)
		major, err3 := strconv.ParseUint(m[4], 10, 64)
		perPage, err4 := strconv.ParseFloat(m[5], 64)
		perFault, err5 := strconv.ParseFloat(m[6], 64)
		accesses, resident, err6, err7 := 0, 0, error(nil), error(nil)
		if m[8] != "" {
			accesses, err6 = strconv.Atoi(m[8])
			resident, err7 = strconv.Atoi(m[9])
		}
		if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
			continue // digits out of range: not a line the kernel prints
		}
		out = append(out, benchRecord{m[1], pages, faults, major, perPage, perFault, m[7], accesses, resident})
	}
	return out
}

func faults(args []string) {
	fs := flag.NewFlagSet("faults", flag.ExitOnError)
	icount := fs.Bool("icount", false, "count instructions (QEMU -icount shift=0)")
	runs := fs.Int("runs", 3, "boots to average over")
	pages := fs.Int("pages", 4096, "pages per benchmark")
	out := fs.String("out", "build/lab", "directory for faults.csv and faults.svg")
	fs.Parse(args)
	if fs.NArg() != 1 || *runs < 1 || *pages < 1 {
		fmt.Fprintln(os.Stderr, "usage: lab faults [-icount] [-runs N] [-pages N] [-out DIR] KERNEL")
		os.Exit(2)
	}
	kernel := fs.Arg(0)
	results := map[string][]float64{}
	for r := range *runs {
		progress(os.Stderr, r, *runs)
		vm, err := qemu.Start(qemu.Options{Kernel: kernel, ICount: *icount})
		if err != nil {
			fatal(err)
		}
		if _, err := vm.Expect(regexp.QuoteMeta(qemu.Prompt), time.Minute); err != nil {
			fatal(fmt.Errorf("boot: %v\n%s", err, vm.Log()))
		}
		line := fmt.Sprintf("bench %s pages=%d", strings.Join(faultBenchmarks, " "), *pages)
		text, err := vm.Run(line, 10*time.Minute)
		vm.Kill()
		if err != nil {
			fatal(fmt.Errorf("%s: %v\n%s", line, err, vm.Log()))
		}
		for _, b := range parseBench(text) {
			results[b.name] = append(results[b.name], b.nsPerFault)
		}
	}
	progress(os.Stderr, *runs, *runs)
	fmt.Fprintln(os.Stderr)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	if err := writeCSV(filepath.Join(*out, "faults.csv"), results); err != nil {
		fatal(err)
	}
	unit := "ns/fault (host time, TCG)"
	if *icount {
		unit = "instructions/fault (QEMU -icount)"
	}
	if err := plotFaults(filepath.Join(*out, "faults.svg"), results, unit); err != nil {
		fatal(err)
	}
	for _, name := range faultBenchmarks {
		lo, mean, hi := stats(results[name])
		fmt.Printf("%-12s %10.1f  (min %.1f, max %.1f) %s\n", name, mean, lo, hi, unit)
	}
	fmt.Printf("wrote %s and %s\n", filepath.Join(*out, "faults.csv"), filepath.Join(*out, "faults.svg"))
}

// progress draws a progress bar on w (standard error), redrawn in place.
func progress(w io.Writer, done, total int) {
	const width = 30
	n := done * width / total
	fmt.Fprintf(w, "\r[%s%s] %d/%d boots", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total)
}

func stats(v []float64) (lo, mean, hi float64) {
	if len(v) == 0 {
		return 0, 0, 0
	}
	lo, hi = v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
		mean += x
	}
	return lo, mean / float64(len(v)), hi
}

func writeCSV(path string, results map[string][]float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"benchmark", "run", "ns_per_fault"})
	for _, name := range faultBenchmarks {
		for i, v := range results[name] {
			w.Write([]string{name, strconv.Itoa(i + 1), strconv.FormatFloat(v, 'f', 1, 64)})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// meanErrors is bar heights with min-max error bars.
type meanErrors struct {
	plotter.Values
	plotter.YErrors
}

func plotFaults(path string, results map[string][]float64, unit string) error {
	var bars meanErrors
	for _, name := range faultBenchmarks {
		lo, mean, hi := stats(results[name])
		bars.Values = append(bars.Values, mean)
		bars.YErrors = append(bars.YErrors, struct{ Low, High float64 }{mean - lo, hi - mean})
	}
	p := plot.New()
	p.Title.Text = "Pagoda: cost of a page fault, by kind"
	p.Y.Label.Text = unit
	chart, err := plotter.NewBarChart(bars, vg.Points(40))
	if err != nil {
		return err
	}
	chart.Color = plotutil.Color(0)
	p.Add(chart)
	errBars, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{xys(bars.Values), bars.YErrors})
	if err != nil {
		return err
	}
	p.Add(errBars)
	p.NominalX("zero page\n(anon-read)", "demand-zero\n(anon-write)", "copy-on-write\n(cow-write)")
	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}

func xys(v plotter.Values) plotter.XYs {
	out := make(plotter.XYs, len(v))
	for i, y := range v {
		out[i] = plotter.XY{X: float64(i), Y: y}
	}
	return out
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "\nlab: %v\n", err)
	os.Exit(1)
}
