package main

// The thrash experiment: how each reclaim policy copes when the working
// set outgrows memory. For every policy, working-set ratio and run it
// boots the kernel afresh with mm.limit=<limit> mm.policy=<policy> and a
// fresh swap disk (vda, 4×limit + 64 MiB), types
//
//	swapon vda
//	bench pressure-read pages=<ratio × limit / 4 KiB>
//
// and reads the one BENCH line: the timed pass reads every page once in
// random order, so its elapsed time (ns/page × pages) and its major
// faults show where the working set stops fitting. bootPoint is the only
// part that needs QEMU; the rest is plain functions of text and numbers.

import (
	"cmp"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/workload"
	"github.com/pagoda-os/pagoda/qemu"
)

// pressureBench is the kernel benchmark the sweep runs.
const pressureBench = "pressure-read"

// pageSize is the kernel's page size: the unit of bench's pages=.
const pageSize = 4096

// swapSlack is swap beyond 4×limit (the working set of the largest
// default ratio): room for swap's header and for pages the kernel swaps
// besides the benchmark's.
const swapSlack = 64 << 20

// thrashConfig is the sweep's settings, from the command line.
type thrashConfig struct {
	kernel     string
	limit      string // mm.limit as typed, handed to the kernel unchanged
	limitBytes uint64 // the same, parsed by the kernel's own parser
	policies   []string
	ratios     []float64
	runs       int
	timeout    time.Duration // per boot, from QEMU's start to the BENCH line
}

// thrashPoint is one boot of the sweep.
type thrashPoint struct {
	policy string
	ratio  float64 // working set / mm.limit
	pages  int     // the working set in pages: pageCount(ratio, limit)
	run    int     // 1..runs
}

func (p thrashPoint) String() string {
	return fmt.Sprintf("%s ×%s run %d (pages=%d)", p.policy, formatRatio(p.ratio), p.run, p.pages)
}

// thrashRow is a measured point: one row of thrash.csv.
type thrashRow struct {
	thrashPoint
	elapsed           float64 // seconds of the timed pass: ns/page × pages
	majfaults, faults uint64
}

// Errors of a point.
var (
	// errKernel: the kernel printed an error, a fault, or "unsupported".
	errKernel = errors.New("the kernel reported")
	// errOutput: the kernel's output is not what the sweep expects.
	errOutput = errors.New("unexpected output")
)

const thrashUsage = "usage: lab thrash [-limit SIZE] [-policies P,...] [-ratios R,...] [-runs N] [-timeout D] [-out DIR] KERNEL"

func thrash(args []string) {
	fs := flag.NewFlagSet("thrash", flag.ExitOnError)
	limit := fs.String("limit", "32M", "mm.limit: the memory the kernel manages (K, M, G suffixes as in the kernel)")
	policies := fs.String("policies", "clock,fifo,lru,lru2q", "reclaim policies (mm.policy), comma-separated")
	ratios := fs.String("ratios", "0.5,1,1.5,2,4", "working-set sizes as multiples of -limit, comma-separated")
	runs := fs.Int("runs", 1, "boots per policy and ratio")
	timeout := fs.Duration("timeout", 10*time.Minute, "time limit of one boot, from QEMU's start to the BENCH line")
	out := fs.String("out", "build/lab", "directory for thrash.csv and thrash.svg")
	fs.Parse(args)
	cfg, err := newThrashConfig(fs.Args(), *limit, *policies, *ratios, *runs, *timeout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lab thrash: %v\n%s\n", err, thrashUsage)
		os.Exit(2)
	}
	points := cfg.points()
	rows, failed := sweep(os.Stderr, points, func(p thrashPoint) (string, error) { return bootPoint(cfg, p) })
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	csvPath, svgPath := filepath.Join(*out, "thrash.csv"), filepath.Join(*out, "thrash.svg")
	if err := writeThrashCSV(csvPath, rows); err != nil {
		fatal(err)
	}
	if len(rows) == 0 {
		// No figure rather than a stale one beside an empty CSV.
		os.Remove(svgPath)
		fatal(fmt.Errorf("thrash: all %d boots failed; wrote only %s", len(points), csvPath))
	}
	if err := plotThrash(svgPath, rows, cfg.limit); err != nil {
		fatal(err)
	}
	printThrash(os.Stdout, rows)
	fmt.Printf("wrote %s and %s\n", csvPath, svgPath)
	if failed > 0 {
		fatal(fmt.Errorf("thrash: %d of %d boots failed (reported above); their points are missing", failed, len(points)))
	}
}

// newThrashConfig checks the command line: one kernel, a limit the kernel
// accepts, policies fit for its command line, ratios that give at least
// one page.
func newThrashConfig(args []string, limit, policies, ratios string, runs int, timeout time.Duration) (thrashConfig, error) {
	cfg := thrashConfig{limit: limit, runs: runs, timeout: timeout}
	if len(args) != 1 {
		return cfg, errors.New("want exactly one KERNEL")
	}
	cfg.kernel = args[0]
	if runs < 1 || timeout <= 0 {
		return cfg, fmt.Errorf("-runs %d and -timeout %v must be positive", runs, timeout)
	}
	var err error
	if cfg.limitBytes, err = mm.ParseSize(limit); err != nil {
		return cfg, fmt.Errorf("-limit: %v", err)
	}
	if cfg.limitBytes < frame.MinLimit {
		return cfg, fmt.Errorf("-limit %s is below the kernel's minimum, %d MiB", limit, frame.MinLimit>>20)
	}
	if cfg.policies, err = parsePolicies(policies); err != nil {
		return cfg, err
	}
	if cfg.ratios, err = parseRatios(ratios); err != nil {
		return cfg, err
	}
	for _, r := range cfg.ratios {
		if _, err := pageCount(r, cfg.limitBytes); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

var policyName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// parsePolicies splits a comma list of policy names. Which names exist is
// the kernel's to say; here a name only has to be one word of its
// command line.
func parsePolicies(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if !policyName.MatchString(p) {
			return nil, fmt.Errorf("-policies: bad policy name %q", p)
		}
		out = append(out, p)
	}
	return out, nil
}

// parseRatios splits a comma list of positive numbers.
func parseRatios(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.ParseFloat(f, 64)
		if err != nil || !(r > 0) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("-ratios: %q is not a positive number", f)
		}
		out = append(out, r)
	}
	return out, nil
}

// pageCount is the working set of a ratio: ratio × limit bytes in 4 KiB
// pages, rounded to the nearest.
func pageCount(ratio float64, limit uint64) (int, error) {
	n := math.Round(ratio * float64(limit) / pageSize)
	if !(n >= 1) || n > math.MaxInt32 {
		return 0, fmt.Errorf("ratio %s of %d bytes is %.0f pages", formatRatio(ratio), limit, n)
	}
	return int(n), nil
}

// swapSize is the swap disk's size for a limit: 4×limit + 64 MiB.
func swapSize(limit uint64) int64 { return 4*int64(limit) + swapSlack }

// cmdline is the kernel command line of a point.
func cmdline(limit, policy string) string {
	return fmt.Sprintf("mm.limit=%s mm.policy=%s", limit, policy)
}

// benchCommand is the shell command that measures n pages.
func benchCommand(pages int) string {
	return fmt.Sprintf("bench %s pages=%d", pressureBench, pages)
}

// points lists the sweep in order: policy, then ratio, then run.
func (c thrashConfig) points() []thrashPoint {
	var out []thrashPoint
	for _, pol := range c.policies {
		for _, r := range c.ratios {
			n, _ := pageCount(r, c.limitBytes) // checked by newThrashConfig
			for run := 1; run <= c.runs; run++ {
				out = append(out, thrashPoint{pol, r, n, run})
			}
		}
	}
	return out
}

// sweep measures each point with boot, which returns what the bench
// command printed. A point that fails is reported on log and left out;
// the sweep goes on. It returns the measured rows and the failures.
func sweep(log io.Writer, points []thrashPoint, boot func(thrashPoint) (string, error)) (rows []thrashRow, failed int) {
	for i, p := range points {
		progress(log, i, len(points))
		text, err := boot(p)
		var b benchRecord
		if err == nil {
			b, err = parsePressure(text, p.pages)
		}
		if err != nil {
			fmt.Fprintf(log, "\n%v: %v\n", p, err)
			failed++
			continue
		}
		rows = append(rows, thrashRow{p, b.nsPerPage * float64(b.pages) / 1e9, b.majfaults, b.faults})
	}
	progress(log, len(points), len(points))
	fmt.Fprintln(log)
	return rows, failed
}

// bootPoint boots the kernel for p with a fresh swap disk and returns what
// bench printed. It fails if the boot or swapon printed an error, or the
// console stayed silent past the timeout.
func bootPoint(cfg thrashConfig, p thrashPoint) (string, error) {
	deadline := time.Now().Add(cfg.timeout)
	dir, err := os.MkdirTemp("", "pagoda-thrash-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	img, err := qemu.SwapImage(dir, "swap.img", swapSize(cfg.limitBytes))
	if err != nil {
		return "", err
	}
	vm, err := qemu.Start(qemu.Options{Kernel: cfg.kernel, Append: cmdline(cfg.limit, p.policy), Disks: []string{img}})
	if err != nil {
		return "", err
	}
	defer vm.Kill()
	boot, err := vm.Expect(regexp.QuoteMeta(qemu.Prompt), time.Until(deadline))
	if err != nil {
		return "", consoleError("boot", err, cfg.timeout, vm.Log())
	}
	if line := problem(boot); line != "" {
		return "", fmt.Errorf("boot: %w: %s", errKernel, line)
	}
	out, err := vm.Run("swapon vda", time.Until(deadline))
	if err == nil {
		if line := problem(out); line != "" {
			err = fmt.Errorf("%w: %s", errKernel, line)
		}
	}
	if err != nil {
		return "", consoleError("swapon vda", err, cfg.timeout, vm.Log())
	}
	line := benchCommand(p.pages)
	out, err = vm.Run(line, time.Until(deadline))
	if err != nil {
		return "", consoleError(line, err, cfg.timeout, vm.Log())
	}
	return out, nil
}

// problem is the first line of text in which the kernel reports a
// failure: an "error: " line (shell and boot), or a "fault: " line (an
// unresolvable fault, such as out of memory), or "".
func problem(text string) string {
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.HasPrefix(line, "error: ") || strings.HasPrefix(line, "fault: ") {
			return line
		}
	}
	return ""
}

// parsePressure reads the output of benchCommand(pages): exactly one
// BENCH pressure-read line for that many pages. "BENCH pressure-read
// unsupported (why)", an error or a fault line is errKernel with the line
// shown; anything else is errOutput.
func parsePressure(text string, pages int) (benchRecord, error) {
	var found []benchRecord
	for _, b := range parseBench(text) {
		if b.name == pressureBench {
			found = append(found, b)
		}
	}
	switch {
	case len(found) > 1:
		return benchRecord{}, fmt.Errorf("%w: %d BENCH %s lines, want one", errOutput, len(found), pressureBench)
	case len(found) == 1 && found[0].pages != pages:
		return benchRecord{}, fmt.Errorf("%w: BENCH %s measured %d pages, asked for %d", errOutput, pressureBench, found[0].pages, pages)
	case len(found) == 1:
		return found[0], nil
	}
	unsupported := "BENCH " + pressureBench + " unsupported"
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if line == unsupported || strings.HasPrefix(line, unsupported+" (") {
			return benchRecord{}, fmt.Errorf("%w: %s", errKernel, line)
		}
	}
	if line := problem(text); line != "" {
		return benchRecord{}, fmt.Errorf("%w: %s", errKernel, line)
	}
	return benchRecord{}, fmt.Errorf("%w: no BENCH %s line in %q", errOutput, pressureBench, text)
}

// consoleError is err of step, with the flag to raise after a timeout,
// and the console's last lines after QEMU's exit or a timeout (a kernel
// panic or QEMU's own complaint is there).
func consoleError(step string, err error, timeout time.Duration, log string) error {
	switch {
	case errors.Is(err, qemu.ErrTimeout):
		err = fmt.Errorf("%w (-timeout %v)", err, timeout)
	case !errors.Is(err, qemu.ErrExited):
		return fmt.Errorf("%s: %w", step, err)
	}
	if log = strings.TrimRight(log, "\n"); log != "" {
		lines := strings.Split(log, "\n")
		return fmt.Errorf("%s: %w; the console's last lines:\n%s", step, err, strings.Join(lines[max(0, len(lines)-10):], "\n"))
	}
	return fmt.Errorf("%s: %w", step, err)
}

func formatRatio(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) }

func writeThrashCSV(path string, rows []thrashRow) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"policy", "ratio", "pages", "elapsed_s", "majfaults", "faults"})
	for _, r := range rows {
		w.Write([]string{
			r.policy, formatRatio(r.ratio), strconv.Itoa(r.pages),
			strconv.FormatFloat(r.elapsed, 'f', 6, 64),
			strconv.FormatUint(r.majfaults, 10), strconv.FormatUint(r.faults, 10),
		})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// thrashMean is a policy's mean figures at one ratio, over its runs.
type thrashMean struct {
	ratio, elapsed, majfaults float64
}

// thrashMeans groups rows by policy (in order of first appearance) and
// averages each ratio's runs, ratios ascending.
func thrashMeans(rows []thrashRow) (policies []string, means map[string][]thrashMean) {
	means = map[string][]thrashMean{}
	runs := map[string][]int{} // runs averaged into means[policy][i]
	for _, r := range rows {
		if _, ok := means[r.policy]; !ok {
			policies = append(policies, r.policy)
		}
		m := means[r.policy]
		i := slices.IndexFunc(m, func(x thrashMean) bool { return x.ratio == r.ratio })
		if i < 0 {
			i = len(m)
			means[r.policy] = append(m, thrashMean{ratio: r.ratio})
			runs[r.policy] = append(runs[r.policy], 0)
		}
		n := float64(runs[r.policy][i])
		x := &means[r.policy][i]
		x.elapsed = (x.elapsed*n + r.elapsed) / (n + 1)
		x.majfaults = (x.majfaults*n + float64(r.majfaults)) / (n + 1)
		runs[r.policy][i]++
	}
	for _, pol := range policies {
		slices.SortFunc(means[pol], func(a, b thrashMean) int { return cmp.Compare(a.ratio, b.ratio) })
	}
	return policies, means
}

// plotThrash draws two panels side by side, one line per policy: the
// timed pass's elapsed time against the ratio (log scale when it spans
// two orders of magnitude), and its major faults. The file's extension
// picks the format (.svg, .png, .pdf...), as plot.Save's does.
func plotThrash(path string, rows []thrashRow, limit string) error {
	policies, means := thrashMeans(rows)
	xLabel := fmt.Sprintf("working set (× mm.limit = %s)", limit)
	elapsed, major := plot.New(), plot.New()
	elapsed.Title.Text = "Time to read the working set once"
	elapsed.X.Label.Text = xLabel
	elapsed.Y.Label.Text = "elapsed (s)"
	major.Title.Text = "Major faults (pages read back from swap)"
	major.X.Label.Text = xLabel
	major.Y.Label.Text = "major faults (count)"
	major.Y.Min = 0
	elapsed.Add(plotter.NewGrid())
	major.Add(plotter.NewGrid())
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, pol := range policies {
		var e, m plotter.XYs
		for _, p := range means[pol] {
			e = append(e, plotter.XY{X: p.ratio, Y: p.elapsed})
			m = append(m, plotter.XY{X: p.ratio, Y: p.majfaults})
			lo, hi = min(lo, p.elapsed), max(hi, p.elapsed)
		}
		for _, panel := range []struct {
			p   *plot.Plot
			xys plotter.XYs
		}{{elapsed, e}, {major, m}} {
			line, points, err := plotter.NewLinePoints(panel.xys)
			if err != nil {
				return err
			}
			line.Color = plotutil.Color(i)
			points.Color = plotutil.Color(i)
			points.Shape = plotutil.Shape(i)
			panel.p.Add(line, points)
			panel.p.Legend.Add(pol, line, points)
		}
	}
	if err := addPressureReference(major, rows, limit, len(policies)); err != nil {
		return err
	}
	if lo > 0 && hi >= 100*lo {
		// Whole decades: gonum pads the plot for ticks beyond the data.
		elapsed.Y.Scale = plot.LogScale{}
		elapsed.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		elapsed.Y.Min = math.Pow(10, math.Floor(math.Log10(lo)))
		elapsed.Y.Max = math.Pow(10, math.Ceil(math.Log10(hi)))
		// The scale is named in the title: gonum centres a y label at the
		// arithmetic mean of the range, near the top of a log axis, and
		// pads the plot for a long one.
		elapsed.Title.Text += " (log scale)"
	}
	var ticks []plot.Tick // one per ratio measured
	for _, r := range rows {
		if !slices.ContainsFunc(ticks, func(t plot.Tick) bool { return t.Value == r.ratio }) {
			ticks = append(ticks, plot.Tick{Value: r.ratio, Label: formatRatio(r.ratio)})
		}
	}
	elapsed.X.Tick.Marker = plot.ConstantTicks(ticks)
	major.X.Tick.Marker = plot.ConstantTicks(ticks)
	elapsed.Legend.Top, elapsed.Legend.Left = true, true
	major.Legend.Top, major.Legend.Left = true, true
	const w, h = 11 * vg.Inch, 4.5 * vg.Inch
	c, err := draw.NewFormattedCanvas(w, h, strings.TrimPrefix(filepath.Ext(path), "."))
	if err != nil {
		return err
	}
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 2, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	panels := plot.Align([][]*plot.Plot{{elapsed, major}}, tiles, draw.New(c))
	elapsed.Draw(panels[0][0])
	major.Draw(panels[0][1])
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// pressureReference is the major faults that the timed pass of
// pressure-read would take with frames frames of memory for the page
// cache of its pages alone, under Belady's MIN and under exact LRU: the
// run (kernel/shell/benchswap.go) writes the pages in
// workload.Permutation(pages, 1), untimed, then reads them in
// workload.Permutation(pages, 2); a read of a page not in memory is a
// major fault, and the writes' faults are not counted.
func pressureReference(pages, frames int) (minFaults, lruFaults int) {
	trace := slices.Concat(workload.Permutation(uint64(pages), 1), workload.Permutation(uint64(pages), 2))
	r := workload.NewRefString(trace)
	r.From = pages
	return r.FaultsMIN(frames), r.FaultsLRU(frames)
}

// addPressureReference draws on the major-faults panel what MIN and exact
// LRU would take at each ratio measured with all of mm.limit for the
// working set (pressureReference, frames = limit / 4 KiB): dashed, in the
// colours after the policies'. The kernel has less (its reserves, page
// tables and free pages take about a tenth), so its points sit above.
func addPressureReference(p *plot.Plot, rows []thrashRow, limit string, colour int) error {
	limitBytes, err := mm.ParseSize(limit)
	if err != nil {
		return err
	}
	frames := int(max(limitBytes/pageSize, 1))
	var pages []int // one per ratio measured, ratios ascending
	var ratios []float64
	for _, r := range rows {
		if !slices.Contains(ratios, r.ratio) {
			ratios, pages = append(ratios, r.ratio), append(pages, r.pages)
		}
	}
	idx := make([]int, len(ratios))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(ratios[a], ratios[b]) })
	var minXYs, lruXYs plotter.XYs
	for _, i := range idx {
		m, l := pressureReference(pages[i], frames)
		minXYs = append(minXYs, plotter.XY{X: ratios[i], Y: float64(m)})
		lruXYs = append(lruXYs, plotter.XY{X: ratios[i], Y: float64(l)})
	}
	for j, ref := range []struct {
		name string
		xys  plotter.XYs
	}{{"exact LRU, all of mm.limit", lruXYs}, {"MIN (optimal), all of mm.limit", minXYs}} {
		line, err := plotter.NewLine(ref.xys)
		if err != nil {
			return err
		}
		line.Color = plotutil.Color(colour + j)
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(line)
		p.Legend.Add(ref.name, line)
	}
	return nil
}

// printThrash prints the means as a table.
func printThrash(w io.Writer, rows []thrashRow) {
	policies, means := thrashMeans(rows)
	fmt.Fprintf(w, "%-8s %6s %12s %12s\n", "policy", "ratio", "elapsed_s", "majfaults")
	for _, pol := range policies {
		for _, m := range means[pol] {
			fmt.Fprintf(w, "%-8s %6s %12.3f %12.0f\n", pol, formatRatio(m.ratio), m.elapsed, m.majfaults)
		}
	}
}
