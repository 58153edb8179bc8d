package main

// The thrash experiment: how each reclaim policy copes when the working
// set outgrows memory, in each access order. For every order, policy,
// working-set ratio and run it boots the kernel afresh with
// mm.limit=<limit> mm.policy=<policy> and a fresh swap disk (vda,
// 4×limit + 64 MiB), types
//
//	swapon vda
//	bench pressure-read pages=<ratio × limit / 4 KiB> order=<O> accesses=<N>
//
// and reads the one BENCH line: the benchmark writes every page once in
// random order, untimed, then reads N pages in order O (a random order:
// each page once; the drawing orders: ten reads a page), so the timed
// pass's major faults and elapsed time (ns/page × accesses) show where
// the working set stops fitting. Beside them go the major faults of
// Belady's MIN and exact LRU on the same run (pressureReference).
// bootPoint is the only part that needs QEMU; the rest is plain
// functions of text and numbers.

import (
	"cmp"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image/color"
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

// accessesPerPage is the read pass's length, in reads a page, for the
// orders that draw (zipf, hotcold, loop), as mm/vm's BenchmarkReplay:
// with one a page the pages a skewed run touches fit at half the working
// set, and every policy scores the compulsory faults alone.
const accessesPerPage = 10

// Seeds of pressure-read's two passes (kernel/shell/benchswap.go's
// pressureWriteSeed and pressureReadSeed): the write pass's permutation
// and the read pass's run.
const (
	pressureWriteSeed = 1
	pressureReadSeed  = 2
)

// swapSlack is swap beyond 4×limit (the working set of the largest
// default ratio): room for swap's header and for pages the kernel swaps
// besides the benchmark's.
const swapSlack = 64 << 20

// thrashConfig is the sweep's settings, from the command line.
type thrashConfig struct {
	kernel     string
	limit      string   // mm.limit (or memory.max, cap) as typed, handed to the kernel unchanged
	cap        string   // -cap: the kernel option limit sets, mm.limit or memory.max
	limitBytes uint64   // the same, parsed by the kernel's own parser
	orders     []string // as workload.ParseOrder reads them
	policies   []string
	ratios     []float64
	runs       int
	timeout    time.Duration // per boot, from QEMU's start to the BENCH line
	linux      bool          // -linux: the Linux guest's rows too (linux.go)
	linuxMax   string        // -linux-max as typed: the guest's memory.max; "" is limit's
	linuxBytes uint64        // the guest's memory.max in bytes: limitBytes unless -linux-max
}

// thrashPoint is one boot of the sweep.
type thrashPoint struct {
	order    string // the read pass's, as workload.ParseOrder reads it
	policy   string
	ratio    float64 // working set / mm.limit
	pages    int     // the working set in pages: pageCount(ratio, limit)
	accesses int     // the read pass's: readAccesses(order, pages)
	run      int     // 1..runs
}

func (p thrashPoint) String() string {
	return fmt.Sprintf("%s %s ×%s run %d (pages=%d accesses=%d)", p.order, p.policy, formatRatio(p.ratio), p.run, p.pages, p.accesses)
}

// thrashRow is a measured point: one row of thrash.csv.
type thrashRow struct {
	thrashPoint
	elapsed           float64 // seconds of the timed pass: ns/page × accesses
	majfaults, faults uint64
	resident          int // pages of the working set in memory when the timed pass began
}

// Errors of a point.
var (
	// errKernel: the kernel printed an error, a fault, or "unsupported".
	errKernel = errors.New("the kernel reported")
	// errOutput: the kernel's output is not what the sweep expects.
	errOutput = errors.New("unexpected output")
)

const thrashUsage = "usage: lab thrash [-linux [-linux-max SIZE]] [-cap mm.limit|memory.max] [-limit SIZE] [-orders O,...] [-policies P,...] [-ratios R,...] [-runs N] [-timeout D] [-out DIR] KERNEL"

// defaultOrders is -orders' default: the uniform random order (each
// page once) and the skewed ones of lab optimum's table.
const defaultOrders = "random,zipf:0.8,zipf:1,zipf:1.2,hotcold:10:90,loop"

// The other defaults of make lab's sweep.
const (
	defaultLimit    = "32M"
	defaultPolicies = "clock,fifo,lru,lru2q"
	defaultRatios   = "0.5,1,1.5,2,4"
)

func thrash(args []string) {
	fs := flag.NewFlagSet("thrash", flag.ExitOnError)
	limit := fs.String("limit", defaultLimit, "the memory cap: mm.limit, the memory the kernel manages, or with -cap memory.max the user memory charged (K, M, G suffixes as in the kernel)")
	capOpt := fs.String("cap", capLimit, "the kernel option -limit sets: mm.limit (all memory the kernel manages) or memory.max (the memory a Linux memory cgroup charges, the rest of the machine's memory free)")
	orders := fs.String("orders", defaultOrders, "orders of the read pass (as touch's order=), comma-separated")
	policies := fs.String("policies", defaultPolicies, "reclaim policies (mm.policy), comma-separated")
	ratios := fs.String("ratios", defaultRatios, "working-set sizes as multiples of -limit, comma-separated")
	runs := fs.Int("runs", 1, "boots per policy and ratio")
	timeout := fs.Duration("timeout", 10*time.Minute, "time limit of one boot, from QEMU's start to the BENCH line")
	out := fs.String("out", "build/lab", "directory for thrash.csv and thrash.svg")
	linux := fs.Bool("linux", false, "also replay each order and ratio under make linux-guest's Linux, in a memory cgroup of memory.max = -limit")
	linuxMax := fs.String("linux-max", "", "with -linux, the guest's memory.max instead of -limit (K, M, G suffixes)")
	fs.Parse(args)
	cfg, err := newThrashConfig(fs.Args(), *limit, *orders, *policies, *ratios, *runs, *timeout)
	if err == nil {
		err = cfg.setCap(*capOpt)
	}
	if err == nil {
		err = cfg.setLinux(*linux, *linuxMax)
	}
	if err == nil && cfg.linux {
		err = linuxFiles()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "lab thrash: %v\n%s\n", err, thrashUsage)
		os.Exit(2)
	}
	points := cfg.points()
	rows, failed := sweep(os.Stderr, points, func(p thrashPoint) (string, error) {
		if p.policy == linuxPolicy {
			return bootLinux(cfg, p)
		}
		return bootPoint(cfg, p)
	})
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	csvPath, svgPath := filepath.Join(*out, "thrash.csv"), filepath.Join(*out, "thrash.svg")
	refs := references(rows, cfg.limitBytes)
	if err := writeThrashCSV(csvPath, rows, refs, cfg.limitBytes); err != nil {
		fatal(err)
	}
	if len(rows) == 0 {
		// No figure rather than a stale one beside an empty CSV.
		os.Remove(svgPath)
		fatal(fmt.Errorf("thrash: all %d boots failed; wrote only %s", len(points), csvPath))
	}
	if err := plotThrash(svgPath, rows, refs, cfg.cap, cfg.limit, linuxLegend(cfg.cap, cfg.linuxMax)); err != nil {
		fatal(err)
	}
	printThrash(os.Stdout, rows, refs, cfg.limitBytes)
	fmt.Printf("wrote %s and %s\n", csvPath, svgPath)
	if failed > 0 {
		fatal(fmt.Errorf("thrash: %d of %d boots failed (reported above); their points are missing", failed, len(points)))
	}
}

// newThrashConfig checks the command line: one kernel, a limit the kernel
// accepts, orders bench takes, policies fit for its command line, ratios
// that give at least one page.
func newThrashConfig(args []string, limit, orders, policies, ratios string, runs int, timeout time.Duration) (thrashConfig, error) {
	cfg := thrashConfig{limit: limit, cap: capLimit, runs: runs, timeout: timeout}
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
	if cfg.orders, err = parseOrders(orders); err != nil {
		return cfg, err
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

// parseOrders splits a comma list of orders, each as touch's order=
// (workload.ParseOrder) and written back in its canonical form. A trace
// is refused: bench reads no file. So are repeats.
func parseOrders(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		o, err := workload.ParseOrder(f)
		if err != nil {
			return nil, fmt.Errorf("-orders: %v", err)
		}
		if o.Kind == workload.Trace {
			return nil, fmt.Errorf("-orders: %s: the benchmark takes no trace", f)
		}
		if slices.Contains(out, o.String()) {
			return nil, fmt.Errorf("-orders: %s given twice", o)
		}
		out = append(out, o.String())
	}
	return out, nil
}

// readAccesses is the read pass's length over pages pages in order o:
// pages for the orders that visit each page once, accessesPerPage ×
// pages for the others.
func readAccesses(o workload.Order, pages int) int {
	if o.OncePerPage() {
		return pages
	}
	return accessesPerPage * pages
}

var policyName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// parsePolicies splits a comma list of policy names. Which names exist is
// the kernel's to say; here a name only has to be one word of its
// command line, and not linuxPolicy.
func parsePolicies(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if !policyName.MatchString(p) {
			return nil, fmt.Errorf("-policies: bad policy name %q", p)
		}
		if p == linuxPolicy {
			return nil, errLinuxPolicy
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

// The kernel options -cap may name.
const (
	capLimit = "mm.limit"   // all the frames the kernel manages
	capMax   = "memory.max" // the user memory charged, as a memory cgroup's
)

// setCap takes -cap: which kernel option -limit sets.
func (c *thrashConfig) setCap(opt string) error {
	if opt != capLimit && opt != capMax {
		return fmt.Errorf("-cap %q: want %s or %s", opt, capLimit, capMax)
	}
	c.cap = opt
	return nil
}

// cmdline is the kernel command line of a point: the cap option
// (mm.limit or memory.max) set to limit, and the policy.
func cmdline(cap, limit, policy string) string {
	return fmt.Sprintf("%s=%s mm.policy=%s", cap, limit, policy)
}

// benchCommand is the shell command that measures point p.
func benchCommand(p thrashPoint) string {
	return fmt.Sprintf("bench %s pages=%d order=%s accesses=%d", pressureBench, p.pages, p.order, p.accesses)
}

// points lists the sweep in order: order, policy, ratio, run; with
// -linux, each order's Linux points (linuxPolicy) follow its policies'.
func (c thrashConfig) points() []thrashPoint {
	var out []thrashPoint
	for _, ord := range c.orders {
		o, _ := workload.ParseOrder(ord) // checked by newThrashConfig
		policies := c.policies
		if c.linux {
			policies = append(slices.Clip(policies), linuxPolicy)
		}
		for _, pol := range policies {
			for _, r := range c.ratios {
				n, _ := pageCount(r, c.limitBytes) // checked by newThrashConfig
				for run := 1; run <= c.runs; run++ {
					out = append(out, thrashPoint{ord, pol, r, n, readAccesses(o, n), run})
				}
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
			b, err = parsePressure(text, p)
		}
		if err != nil {
			fmt.Fprintf(log, "\n%v: %v\n", p, err)
			failed++
			continue
		}
		rows = append(rows, thrashRow{p, b.nsPerPage * float64(b.accesses) / 1e9, b.majfaults, b.faults, b.resident})
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
	vm, err := qemu.Start(qemu.Options{Kernel: cfg.kernel, Append: cmdline(cfg.cap, cfg.limit, p.policy), Disks: []string{img}})
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
	line := benchCommand(p)
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

// parsePressure reads the output of benchCommand(p): exactly one BENCH
// pressure-read line for p's pages, order and accesses. "BENCH
// pressure-read unsupported (why)", an error or a fault line is
// errKernel with the line shown; anything else is errOutput.
func parsePressure(text string, p thrashPoint) (benchRecord, error) {
	var found []benchRecord
	for _, b := range parseBench(text) {
		if b.name == pressureBench {
			found = append(found, b)
		}
	}
	switch {
	case len(found) > 1:
		return benchRecord{}, fmt.Errorf("%w: %d BENCH %s lines, want one", errOutput, len(found), pressureBench)
	case len(found) == 1 && (found[0].pages != p.pages || found[0].order != p.order || found[0].accesses != p.accesses):
		f := found[0]
		return benchRecord{}, fmt.Errorf("%w: BENCH %s measured %d pages, order %q, %d accesses; asked for %d, %q, %d",
			errOutput, pressureBench, f.pages, f.order, f.accesses, p.pages, p.order, p.accesses)
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

// refKey names a reference run: an order over a working set, in a
// number of frames.
type refKey struct {
	order         string
	pages, frames int
}

// reference is the read pass's major faults under MIN and exact LRU
// (pressureReference).
type reference struct{ min, lru int }

// references computes the reference of every order and working set
// measured in frames = mm.limit (limit bytes) / 4 KiB, the lines of the
// plot, and in the frames each boot's working set had (its resident
// pages when the timed pass began).
func references(rows []thrashRow, limit uint64) map[refKey]reference {
	refs := map[refKey]reference{}
	add := func(r thrashRow, frames int) {
		k := refKey{r.order, r.pages, frames}
		if _, ok := refs[k]; ok || frames < 1 {
			return
		}
		o, err := workload.ParseOrder(r.order)
		if err != nil {
			panic("lab: a measured row of an order parseOrders refused")
		}
		m, l, err := pressureReference(o, r.pages, r.accesses, frames)
		if err != nil {
			panic("lab: " + err.Error())
		}
		refs[k] = reference{m, l}
	}
	for _, r := range rows {
		add(r, limitFrames(limit))
		add(r, r.resident)
	}
	return refs
}

// limitFrames is the frames of mm.limit: limit bytes in 4 KiB pages.
func limitFrames(limit uint64) int { return int(max(limit/pageSize, 1)) }

// writeThrashCSV writes the rows with their references: in all of
// mm.limit (limit bytes), and in the row's resident pages (-1 when the
// kernel reported none).
func writeThrashCSV(path string, rows []thrashRow, refs map[refKey]reference, limit uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"order", "policy", "ratio", "pages", "accesses", "elapsed_s", "majfaults", "faults", "min_majfaults", "lru_majfaults",
		"resident", "min_resident_majfaults", "lru_resident_majfaults"})
	for _, r := range rows {
		ref := refs[refKey{r.order, r.pages, limitFrames(limit)}]
		res, ok := refs[refKey{r.order, r.pages, r.resident}]
		if !ok {
			res = reference{-1, -1}
		}
		w.Write([]string{
			r.order, r.policy, formatRatio(r.ratio), strconv.Itoa(r.pages), strconv.Itoa(r.accesses),
			strconv.FormatFloat(r.elapsed, 'f', 6, 64),
			strconv.FormatUint(r.majfaults, 10), strconv.FormatUint(r.faults, 10),
			strconv.Itoa(ref.min), strconv.Itoa(ref.lru),
			strconv.Itoa(r.resident), strconv.Itoa(res.min), strconv.Itoa(res.lru),
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
	pages                     int
}

// thrashMeans groups rows by order and by policy (each in order of first
// appearance) and averages each ratio's runs, ratios ascending.
func thrashMeans(rows []thrashRow) (orders []string, policies map[string][]string, means map[string]map[string][]thrashMean) {
	policies = map[string][]string{}
	means = map[string]map[string][]thrashMean{}
	runs := map[string]map[string][]int{} // runs averaged into means[order][policy][i]
	for _, r := range rows {
		if _, ok := means[r.order]; !ok {
			orders = append(orders, r.order)
			means[r.order], runs[r.order] = map[string][]thrashMean{}, map[string][]int{}
		}
		om, or := means[r.order], runs[r.order]
		if _, ok := om[r.policy]; !ok {
			policies[r.order] = append(policies[r.order], r.policy)
		}
		m := om[r.policy]
		i := slices.IndexFunc(m, func(x thrashMean) bool { return x.ratio == r.ratio })
		if i < 0 {
			i = len(m)
			om[r.policy] = append(m, thrashMean{ratio: r.ratio, pages: r.pages})
			or[r.policy] = append(or[r.policy], 0)
		}
		n := float64(or[r.policy][i])
		x := &om[r.policy][i]
		x.elapsed = (x.elapsed*n + r.elapsed) / (n + 1)
		x.majfaults = (x.majfaults*n + float64(r.majfaults)) / (n + 1)
		or[r.policy][i]++
	}
	for _, ord := range orders {
		for _, pol := range policies[ord] {
			slices.SortFunc(means[ord][pol], func(a, b thrashMean) int { return cmp.Compare(a.ratio, b.ratio) })
		}
	}
	return orders, policies, means
}

// plotThrash draws one panel per order, three to a row: the read pass's
// major faults against the ratio, one line per policy (Linux's, if
// measured, in black, named linux), and dashed, MIN's and exact LRU's
// for the same run (refs). The file's extension picks the format (.svg,
// .png, .pdf...), as plot.Save's does.
func plotThrash(path string, rows []thrashRow, refs map[refKey]reference, cap, limit, linux string) error {
	limitBytes, err := mm.ParseSize(limit)
	if err != nil {
		return err
	}
	orders, policies, means := thrashMeans(rows)
	cols := min(3, len(orders))
	nrows := (len(orders) + cols - 1) / cols
	grid := make([][]*plot.Plot, nrows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for k, ord := range orders {
		p := plot.New()
		grid[k/cols][k%cols] = p
		o, _ := workload.ParseOrder(ord)
		p.Title.Text = ord
		if !o.OncePerPage() {
			p.Title.Text += fmt.Sprintf(", %d reads a page", accessesPerPage)
		}
		p.X.Label.Text = fmt.Sprintf("working set (× %s = %s)", cap, limit)
		p.Y.Label.Text = "major faults of the read pass"
		p.Y.Min = 0
		p.Add(plotter.NewGrid())
		var ticks []plot.Tick // one per ratio measured
		var minXYs, lruXYs plotter.XYs
		for i, pol := range policies[ord] {
			var xys plotter.XYs
			for _, m := range means[ord][pol] {
				xys = append(xys, plotter.XY{X: m.ratio, Y: m.majfaults})
				if !slices.ContainsFunc(ticks, func(t plot.Tick) bool { return t.Value == m.ratio }) {
					ticks = append(ticks, plot.Tick{Value: m.ratio, Label: formatRatio(m.ratio)})
					ref := refs[refKey{ord, m.pages, limitFrames(limitBytes)}]
					minXYs = append(minXYs, plotter.XY{X: m.ratio, Y: float64(ref.min)})
					lruXYs = append(lruXYs, plotter.XY{X: m.ratio, Y: float64(ref.lru)})
				}
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return err
			}
			line.Color, points.Color = plotutil.Color(i), plotutil.Color(i)
			points.Shape = plotutil.Shape(i)
			if pol == linuxPolicy { // the line to be at or below: black, thick
				line.Color, points.Color = color.Black, color.Black
				line.Width = vg.Points(2)
			}
			p.Add(line, points)
			name := pol
			if pol == linuxPolicy {
				name = linux
			}
			p.Legend.Add(name, line, points)
		}
		byX := func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) }
		slices.SortFunc(minXYs, byX)
		slices.SortFunc(lruXYs, byX)
		for j, ref := range []struct {
			name string
			xys  plotter.XYs
		}{{"exact LRU", lruXYs}, {"MIN (optimal)", minXYs}} {
			line, err := plotter.NewLine(ref.xys)
			if err != nil {
				return err
			}
			line.Color = plotutil.Color(len(policies[ord]) + j)
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(line)
			p.Legend.Add(ref.name, line)
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.Legend.Top, p.Legend.Left = true, true
	}
	for k := len(orders); k < nrows*cols; k++ {
		grid[k/cols][k%cols] = plot.New() // an empty tile
		grid[k/cols][k%cols].HideAxes()
	}
	w, h := vg.Length(cols)*5*vg.Inch, vg.Length(nrows)*4*vg.Inch
	c, err := draw.NewFormattedCanvas(w, h, strings.TrimPrefix(filepath.Ext(path), "."))
	if err != nil {
		return err
	}
	tiles := draw.Tiles{Rows: nrows, Cols: cols, PadX: vg.Inch / 2, PadY: vg.Inch / 3, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	panels := plot.Align(grid, tiles, draw.New(c))
	for i := range grid {
		for j := range grid[i] {
			grid[i][j].Draw(panels[i][j])
		}
	}
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

// pressureRun is the page sequence of bench pressure-read pages=pages
// order=o accesses=accesses (kernel/shell/benchswap.go): the write pass,
// each page once in workload.Permutation(pages, pressureWriteSeed), then
// the read pass, workload's run of o from pressureReadSeed. It returns
// the write pass's length too.
func pressureRun(o workload.Order, pages, accesses int) (trace []uint64, writes int, err error) {
	trace = workload.Permutation(uint64(pages), pressureWriteSeed)
	g, err := workload.New(o, uint64(pages), uint64(accesses), pressureReadSeed)
	if err != nil {
		return nil, 0, err
	}
	for p, ok := g.Next(); ok; p, ok = g.Next() {
		trace = append(trace, p)
	}
	return trace, pages, nil
}

// pressureReference is the major faults that the read pass of
// pressure-read (pressureRun) would take with frames frames of memory
// for its pages alone, under Belady's MIN and under exact LRU: a read of
// a page not in memory is a major fault, and the writes' faults are not
// counted.
func pressureReference(o workload.Order, pages, accesses, frames int) (minFaults, lruFaults int, err error) {
	trace, writes, err := pressureRun(o, pages, accesses)
	if err != nil {
		return 0, 0, err
	}
	r := workload.NewRefString(trace)
	r.From = writes
	return r.FaultsMIN(frames), r.FaultsLRU(frames), nil
}

// printThrash prints the rows as a table, with the references in all
// of mm.limit (limit bytes) and, for each boot, exact LRU's in the pages
// it had resident.
func printThrash(w io.Writer, rows []thrashRow, refs map[refKey]reference, limit uint64) {
	fmt.Fprintf(w, "%-14s %-8s %6s %4s %10s %10s %10s %10s %9s %14s\n", "order", "policy", "ratio", "run", "elapsed_s", "majfaults", "MIN", "LRU-exact", "resident", "LRU(resident)")
	for _, r := range rows {
		ref := refs[refKey{r.order, r.pages, limitFrames(limit)}]
		res, ok := refs[refKey{r.order, r.pages, r.resident}]
		if !ok {
			res = reference{-1, -1}
		}
		fmt.Fprintf(w, "%-14s %-8s %6s %4d %10.3f %10d %10d %10d %9d %14d\n",
			r.order, r.policy, formatRatio(r.ratio), r.run, r.elapsed, r.majfaults, ref.min, ref.lru, r.resident, res.lru)
	}
}
