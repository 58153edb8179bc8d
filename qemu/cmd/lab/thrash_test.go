package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pagoda-os/pagoda/kernel/shell"
	"github.com/pagoda-os/pagoda/mm/workload"
	"github.com/pagoda-os/pagoda/qemu"
)

func TestPageCount(t *testing.T) {
	for _, c := range []struct {
		ratio float64
		limit uint64
		pages int
	}{
		{0.5, 32 << 20, 4096},
		{1, 32 << 20, 8192},
		{1.5, 32 << 20, 12288},
		{4, 32 << 20, 32768},
		{0.3, 32 << 20, 2458},    // 2457.6, rounded
		{1, 10<<20 + 2048, 2561}, // 2560.5, rounded half away from zero
		{0.0001, 32 << 20, 1},
	} {
		if got, err := pageCount(c.ratio, c.limit); err != nil || got != c.pages {
			t.Errorf("pageCount(%v, %d) = %d, %v; want %d", c.ratio, c.limit, got, err, c.pages)
		}
	}
	if n, err := pageCount(0.00001, 32<<20); err == nil {
		t.Errorf("0.00001 × 32M gave %d pages, no error", n)
	}
}

// The sweep goes order by order, then 3 policies × 5 ratios, boot by
// boot, with the command line and swap size the kernel is to see; the
// drawing orders read ten times a page.
func TestThrashConfig(t *testing.T) {
	cfg, err := newThrashConfig([]string{"build/pagoda"}, "32M", "random,zipf:1.0,loop", "clock,fifo,lru", "0.5,1,1.5,2,4", 2, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.orders, []string{"random", "zipf:1", "loop"}) {
		t.Errorf("orders %q", cfg.orders)
	}
	pts := cfg.points()
	if len(pts) != 3*3*5*2 {
		t.Fatalf("%d points", len(pts))
	}
	if p := pts[0]; p != (thrashPoint{"random", "clock", 0.5, 4096, 4096, 1}) || p.String() != "random clock ×0.5 run 1 (pages=4096 accesses=4096)" {
		t.Errorf("first point %v", p)
	}
	if p := pts[3*5*2+1]; p != (thrashPoint{"zipf:1", "clock", 0.5, 4096, 40960, 2}) {
		t.Errorf("first zipf point %v", p)
	}
	if p := pts[len(pts)-1]; p != (thrashPoint{"loop", "lru", 4, 32768, 327680, 2}) {
		t.Errorf("last point %v", p)
	}
	if got := benchCommand(pts[len(pts)-1]); got != "bench pressure-read pages=32768 order=loop accesses=327680" {
		t.Errorf("bench command %q", got)
	}
	if got := cmdline(capLimit, cfg.limit, "fifo"); got != "mm.limit=32M mm.policy=fifo" {
		t.Errorf("cmdline %q", got)
	}
	if got := cmdline(capMax, cfg.limit, "lru2q"); got != "memory.max=32M mm.policy=lru2q" {
		t.Errorf("cmdline under -cap memory.max %q", got)
	}
	if err := cfg.setCap("memory.high"); err == nil {
		t.Error("-cap memory.high taken")
	}
	if got := swapSize(cfg.limitBytes); got != 192<<20 {
		t.Errorf("swap size %d, want 4×32M + 64M", got)
	}
	for _, bad := range [][]string{
		{"", "32M", "random", "clock", "1"},            // no kernel
		{"k", "32", "random", "clock", "1"},            // 32 bytes
		{"k", "4M", "random", "clock", "1"},            // below kernel.MinLimit
		{"k", "32X", "random", "clock", "1"},           // not a kernel number
		{"k", "32M", "", "clock", "1"},                 // no order
		{"k", "32M", "zipf", "clock", "1"},             // no exponent
		{"k", "32M", "trace:/t", "clock", "1"},         // a file the kernel lacks
		{"k", "32M", "loop,zipf:1,loop", "clock", "1"}, // twice
		{"k", "32M", "uniform", "clock", "1"},          // not an order
		{"k", "32M", "random", "", "1"},                // no policy
		{"k", "32M", "random", "clock,", "1"},          // empty policy
		{"k", "32M", "random", "lru=1", "1"},           // not one command-line word
		{"k", "32M", "random", "clock", "0"},           // not positive
		{"k", "32M", "random", "clock", "1,-2"},        // negative
		{"k", "32M", "random", "clock", "NaN"},         // not a number
		{"k", "32M", "random", "clock", "+Inf"},        // infinite
		{"k", "32M", "random", "clock", "1e-07"},       // no page
	} {
		args := []string{bad[0]}
		if bad[0] == "" {
			args = nil
		}
		if _, err := newThrashConfig(args, bad[1], bad[2], bad[3], bad[4], 1, time.Minute); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	// make lab with no variables: the flags' defaults.
	def, err := newThrashConfig([]string{"k"}, defaultLimit, defaultOrders, defaultPolicies, defaultRatios, 1, 10*time.Minute)
	if err != nil || len(def.points()) != 6*4*5 || def.points()[119] != (thrashPoint{"loop", "lru2q", 4, 32768, 327680, 1}) {
		t.Errorf("defaults: %v, %d points", err, len(def.points()))
	}
	if _, err := newThrashConfig([]string{"k"}, "32M", defaultOrders, "clock", "1", 0, time.Minute); err == nil {
		t.Error("accepted -runs 0")
	}
}

func TestParsePressure(t *testing.T) {
	const good = "BENCH pressure-read pages=8192 faults=12000 majfaults=3900 ns/page=48000.5 ns/fault=32767.0 order=zipf:1 accesses=81920 resident=3700\n"
	pt := thrashPoint{"zipf:1", "lru2q", 1, 8192, 81920, 1}
	b, err := parsePressure("swapped in\n"+good, pt)
	if err != nil || b != (benchRecord{"pressure-read", 8192, 12000, 3900, 48000.5, 32767.0, "zipf:1", 81920, 3700}) {
		t.Fatalf("good line: %+v, %v", b, err)
	}
	for _, c := range []struct {
		text string
		want error
		show string // what the error must quote
	}{
		{"BENCH pressure-read unsupported\n", errKernel, "BENCH pressure-read unsupported"},
		{"BENCH pressure-read unsupported (no swap area)\r\n", errKernel, "unsupported (no swap area)"},
		{"error: bench: unknown benchmark \"pressure-read\" (have: anon-write)\n", errKernel, "unknown benchmark"},
		{"error: bench: pressure-read: swap: no space\n", errKernel, "swap: no space"},
		{"fault: write of 0x200000001000: out of memory\n", errKernel, "out of memory"},
		{"", errOutput, "no BENCH pressure-read line"},
		{"BENCH pressure-read pages=8192 faults=1 majfaults=0 ns/page=x ns/fault=1.0\n", errOutput, "ns/page=x"},
		{"BENCH pressure-reader pages=8192 faults=1 majfaults=0 ns/page=1.0 ns/fault=1.0\n", errOutput, "no BENCH"},
		{strings.Replace(good, "8192", "4096", 1), errOutput, "measured 4096 pages, order \"zipf:1\", 81920 accesses; asked for 8192"},
		{strings.Replace(good, "zipf:1", "zipf:0.8", 1), errOutput, "order \"zipf:0.8\""},
		{strings.Replace(good, " order=zipf:1 accesses=81920 resident=3700", "", 1), errOutput, "order \"\", 0 accesses"},
		{strings.Replace(good, " resident=3700", "", 1), errOutput, "no BENCH pressure-read line"},
		{good + good, errOutput, "2 BENCH pressure-read lines"},
	} {
		_, err := parsePressure(c.text, pt)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.show) {
			t.Errorf("%q: error %v; want %v showing %q", c.text, err, c.want, c.show)
		}
	}
}

func TestProblem(t *testing.T) {
	boot := "Pagoda on QEMU microvm\r\nmm.limit: managing 32 MiB of 1000 MiB\r\nboot to shell: 90.000 ms\r\npagoda> "
	if p := problem(boot); p != "" {
		t.Errorf("clean boot: %q", p)
	}
	bad := strings.Replace(boot, "mm.limit: managing 32 MiB of 1000 MiB", "error: mm.limit=4M: below the minimum (ignored)", 1)
	if p := problem(bad); p != "error: mm.limit=4M: below the minimum (ignored)" {
		t.Errorf("bad boot: %q", p)
	}
	if p := problem("x\nfault: read of 0x1: out of memory\nerror: later\n"); p != "fault: read of 0x1: out of memory" {
		t.Errorf("fault: %q", p)
	}
	if p := problem("the error: is not at the start\n"); p != "" {
		t.Errorf("mid-line: %q", p)
	}
}

func TestConsoleError(t *testing.T) {
	log := strings.Repeat("boot line\n", 20) + "panic: out of frames\n"
	exited := fmt.Errorf("%w (status 0) before \"pagoda> \" appeared", qemu.ErrExited)
	err := consoleError("bench pressure-read pages=8", exited, time.Minute, log)
	if got := err.Error(); !errors.Is(err, qemu.ErrExited) || !strings.HasPrefix(got, "bench pressure-read pages=8: qemu: exited") ||
		!strings.HasSuffix(got, "\npanic: out of frames") || strings.Count(got, "\n") != 10 {
		t.Errorf("exit: %q", got)
	}
	timeout := fmt.Errorf("%w after 9m59s", qemu.ErrTimeout)
	if got := consoleError("boot", timeout, 10*time.Minute, "").Error(); got != "boot: qemu: timeout after 9m59s (-timeout 10m0s)" {
		t.Errorf("timeout: %q", got)
	}
	if got := consoleError("swapon vda", fmt.Errorf("%w: error: no", errKernel), time.Minute, log).Error(); got != "swapon vda: the kernel reported: error: no" {
		t.Errorf("kernel error: %q", got)
	}
}

// A failing point is reported and skipped; the sweep measures the rest.
func TestSweep(t *testing.T) {
	pts := []thrashPoint{{"loop", "clock", 0.5, 4096, 40960, 1}, {"loop", "clock", 1, 8192, 81920, 1}, {"loop", "fifo", 0.5, 4096, 40960, 1}, {"loop", "fifo", 1, 8192, 81920, 1}}
	boot := func(p thrashPoint) (string, error) {
		switch {
		case p.policy == "fifo" && p.ratio == 0.5:
			return "", errors.New("boot: qemu: exited (status 0)")
		case p.policy == "fifo":
			return "BENCH pressure-read unsupported (no fifo)\n", nil
		}
		return benchCommand(p) + "\n" + "BENCH pressure-read pages=" + strconv.Itoa(p.pages) + " faults=10 majfaults=" + strconv.Itoa(p.pages/2) +
			" ns/page=2500.0 ns/fault=1.0 order=loop accesses=" + strconv.Itoa(p.accesses) + " resident=3000\n", nil
	}
	var log strings.Builder
	rows, failed := sweep(&log, pts, boot)
	want := []thrashRow{
		{pts[0], 2500.0 * 40960 / 1e9, 2048, 10, 3000},
		{pts[1], 2500.0 * 81920 / 1e9, 4096, 10, 3000},
	}
	if failed != 2 || !slices.Equal(rows, want) {
		t.Errorf("rows %+v, %d failed", rows, failed)
	}
	for _, s := range []string{"loop fifo ×0.5 run 1 (pages=4096 accesses=40960): boot: qemu: exited", "loop fifo ×1 run 1 (pages=8192 accesses=81920): the kernel reported: BENCH pressure-read unsupported (no fifo)", "4/4 boots"} {
		if !strings.Contains(log.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, log.String())
		}
	}
}

// cannedRows: two orders, three policies, lru measured twice at 4×,
// given out of ratio order.
var cannedRows = []thrashRow{
	{thrashPoint{"random", "clock", 0.5, 512, 512, 1}, 0.0041, 0, 4096, 512},
	{thrashPoint{"random", "clock", 4, 4096, 4096, 1}, 95.25, 3500, 70000, 900},
	{thrashPoint{"random", "clock", 1, 1024, 1024, 1}, 0.0099, 12, 8204, 1000},
	{thrashPoint{"random", "fifo", 0.5, 512, 512, 1}, 0.0043, 0, 4096, 512},
	{thrashPoint{"random", "fifo", 4, 4096, 4096, 1}, 130.5, 3600, 99000, 0},
	{thrashPoint{"zipf:1", "lru", 4, 4096, 40960, 1}, 80, 20000, 60000, 900},
	{thrashPoint{"zipf:1", "lru", 4, 4096, 40960, 2}, 90, 22000, 61000, 920},
	{thrashPoint{"zipf:1", "lru", 0.5, 512, 5120, 1}, 0.004, 0, 4096, 512},
}

func TestThrashMeans(t *testing.T) {
	orders, policies, means := thrashMeans(cannedRows)
	if !slices.Equal(orders, []string{"random", "zipf:1"}) || !slices.Equal(policies["random"], []string{"clock", "fifo"}) || !slices.Equal(policies["zipf:1"], []string{"lru"}) {
		t.Fatalf("orders %q, policies %q", orders, policies)
	}
	if got := means["random"]["clock"]; !slices.Equal(got, []thrashMean{{0.5, 0.0041, 0, 512}, {1, 0.0099, 12, 1024}, {4, 95.25, 3500, 4096}}) {
		t.Errorf("clock %+v", got)
	}
	if got := means["zipf:1"]["lru"]; len(got) != 2 || got[1].ratio != 4 || math.Abs(got[1].elapsed-85) > 1e-9 || got[1].majfaults != 21000 {
		t.Errorf("lru %+v", got)
	}
}

func TestThrashCSVAndPlot(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "thrash.csv")
	refs := references(cannedRows, 1024*pageSize)
	zipf, _ := workload.ParseOrder("zipf:1")
	random := workload.Order{Kind: workload.Random}
	ref := func(o workload.Order, pages, accesses, frames int) reference {
		m, l, err := pressureReference(o, pages, accesses, frames)
		if err != nil {
			t.Fatal(err)
		}
		return reference{m, l}
	}
	z, z900, z920 := ref(zipf, 4096, 40960, 1024), ref(zipf, 4096, 40960, 900), ref(zipf, 4096, 40960, 920)
	r, r900, r1000 := ref(random, 4096, 4096, 1024), ref(random, 4096, 4096, 900), ref(random, 1024, 1024, 1000)
	if refs[refKey{"zipf:1", 4096, 1024}] != z || refs[refKey{"zipf:1", 4096, 920}] != z920 || r.min != 3072 || r900.min != 3196 || r1000.min != 24 || len(refs) != 11 {
		t.Fatalf("references %v", refs)
	}
	if err := writeThrashCSV(csvPath, cannedRows, refs, 1024*pageSize); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(csvPath)
	want := "order,policy,ratio,pages,accesses,elapsed_s,majfaults,faults,min_majfaults,lru_majfaults,resident,min_resident_majfaults,lru_resident_majfaults\n" +
		"random,clock,0.5,512,512,0.004100,0,4096,0,0,512,0,0\n" +
		fmt.Sprintf("random,clock,4,4096,4096,95.250000,3500,70000,3072,%d,900,3196,%d\n", r.lru, r900.lru) +
		fmt.Sprintf("random,clock,1,1024,1024,0.009900,12,8204,0,0,1000,24,%d\n", r1000.lru) +
		"random,fifo,0.5,512,512,0.004300,0,4096,0,0,512,0,0\n" +
		fmt.Sprintf("random,fifo,4,4096,4096,130.500000,3600,99000,3072,%d,0,-1,-1\n", r.lru) +
		fmt.Sprintf("zipf:1,lru,4,4096,40960,80.000000,20000,60000,%d,%d,900,%d,%d\n", z.min, z.lru, z900.min, z900.lru) +
		fmt.Sprintf("zipf:1,lru,4,4096,40960,90.000000,22000,61000,%d,%d,920,%d,%d\n", z.min, z.lru, z920.min, z920.lru) +
		"zipf:1,lru,0.5,512,5120,0.004000,0,4096,0,0,512,0,0\n"
	if string(b) != want {
		t.Errorf("csv:\n%s\nwant:\n%s", b, want)
	}
	svg := filepath.Join(dir, "thrash.svg")
	if err := plotThrash(svg, cannedRows, refs, capLimit, "4M", linuxLegend(capLimit, "")); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(svg)
	for _, s := range []string{"<svg", "clock", "fifo", "lru", "major faults of the read pass", "working set (× mm.limit = 4M)",
		"MIN (optimal)", "exact LRU", ">random<", "zipf:1, 10 reads a page"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("plot lacks %q (%d bytes)", s, len(b))
		}
	}
	var table strings.Builder
	printThrash(&table, cannedRows, refs, 1024*pageSize)
	if w := fmt.Sprintf("zipf:1         lru           4    2     90.000      22000 %10d %10d       920 %14d", z.min, z.lru, z920.lru); !strings.Contains(table.String(), w) {
		t.Errorf("table lacks %q:\n%s", w, table.String())
	}
}

// The reference lines of the random order: nothing faults while the
// working set fits; at twice the frames MIN keeps one frame's worth of
// hits, all it can, and LRU fewer; the writes' faults are not counted.
func TestPressureReference(t *testing.T) {
	random := workload.Order{Kind: workload.Random}
	for _, tc := range []struct{ pages, frames int }{{100, 100}, {50, 100}, {1, 1}} {
		if m, l, err := pressureReference(random, tc.pages, tc.pages, tc.frames); m != 0 || l != 0 || err != nil {
			t.Errorf("%d pages in %d frames: MIN %d, LRU %d major faults, %v", tc.pages, tc.frames, m, l, err)
		}
	}
	for _, tc := range []struct{ pages, frames int }{{200, 100}, {8192, 4096}, {1000, 999}, {3000, 1000}} {
		m, l, err := pressureReference(random, tc.pages, tc.pages, tc.frames)
		if m != tc.pages-tc.frames || l < m || l > tc.pages || err != nil {
			t.Errorf("%d pages in %d frames: MIN %d (want %d), LRU %d, %v", tc.pages, tc.frames, m, tc.pages-tc.frames, l, err)
		}
	}
	if _, _, err := pressureReference(random, 100, 1000, 10); err == nil {
		t.Error("random with 10 reads a page: no error")
	}
}

// The skewed orders on the README's 32M sweep's proportions, scaled
// down: MIN is at most LRU, both at least the read pass's distinct
// pages that the write pass left out of memory and at most its length;
// the write pass's last frames pages are resident when the reads begin,
// so with all the pages in memory nothing faults.
func TestPressureReferenceOrders(t *testing.T) {
	for _, ord := range []string{"zipf:0.8", "zipf:1", "zipf:1.2", "hotcold:10:90", "loop"} {
		o, err := workload.ParseOrder(ord)
		if err != nil {
			t.Fatal(err)
		}
		const pages, frames = 2048, 1024
		m, l, err := pressureReference(o, pages, accessesPerPage*pages, frames)
		if err != nil || m > l || m == 0 || l > accessesPerPage*pages {
			t.Errorf("%s: MIN %d, LRU %d, %v", ord, m, l, err)
		}
		if m2, l2, err := pressureReference(o, pages, accessesPerPage*pages, pages); m2 != 0 || l2 != 0 || err != nil {
			t.Errorf("%s in as many frames as pages: MIN %d, LRU %d, %v", ord, m2, l2, err)
		}
		t.Logf("%s, %d pages, %d frames: MIN %d, LRU %d", ord, pages, frames, m, l)
	}
}

// The lab's run is the kernel's: pressureRun here and the shell's
// PressureRun (kernel/shell/benchswap.go) give the same pages in the
// same order for every order, from the same seeds.
func TestPressureRunIsTheKernels(t *testing.T) {
	for _, ord := range []string{"random", "zipf:0.8", "zipf:1", "zipf:1.2", "hotcold:10:90", "loop", "sequential"} {
		o, _ := workload.ParseOrder(ord)
		const pages = 3000
		acc := readAccesses(o, pages)
		host, writes, err := pressureRun(o, pages, acc)
		if err != nil || writes != pages || len(host) != pages+acc {
			t.Fatalf("%s: %d writes, %d entries, %v", ord, writes, len(host), err)
		}
		kernel, err := shell.PressureRun(o, pages, uint64(acc))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(host, kernel) {
			i := 0
			for i < min(len(host), len(kernel)) && host[i] == kernel[i] {
				i++
			}
			t.Errorf("%s: the lab's run and the kernel's part at entry %d of %d/%d", ord, i, len(host), len(kernel))
		}
	}
}

func FuzzParsePressure(f *testing.F) {
	f.Add("BENCH pressure-read pages=8 faults=8 majfaults=3 ns/page=10.5 ns/fault=10.5 order=loop accesses=80\n", 8, "loop", 80)
	f.Add("BENCH pressure-read unsupported (no swap)\n", 8, "random", 8)
	f.Add("error: bench: x\n", 1, "random", 1)
	f.Fuzz(func(t *testing.T, text string, pages int, order string, accesses int) {
		p := thrashPoint{order: order, policy: "lru2q", ratio: 1, pages: pages, accesses: accesses, run: 1}
		b, err := parsePressure(text, p)
		if err == nil && (b.name != pressureBench || b.pages != pages || b.order != order || b.accesses != accesses) {
			t.Errorf("accepted %+v for %v", b, p)
		}
		if err != nil && !errors.Is(err, errKernel) && !errors.Is(err, errOutput) {
			t.Errorf("error of no kind: %v", err)
		}
	})
}
