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

// The defaults sweep 3 policies × 5 ratios, boot by boot, with the
// command line and swap size the kernel is to see.
func TestThrashConfig(t *testing.T) {
	cfg, err := newThrashConfig([]string{"build/pagoda"}, "32M", "clock,fifo,lru", "0.5,1,1.5,2,4", 2, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	pts := cfg.points()
	if len(pts) != 3*5*2 {
		t.Fatalf("%d points", len(pts))
	}
	if p := pts[0]; p != (thrashPoint{"clock", 0.5, 4096, 1}) || p.String() != "clock ×0.5 run 1 (pages=4096)" {
		t.Errorf("first point %v", p)
	}
	if p := pts[len(pts)-1]; p != (thrashPoint{"lru", 4, 32768, 2}) {
		t.Errorf("last point %v", p)
	}
	if got := cmdline(cfg.limit, "fifo"); got != "mm.limit=32M mm.policy=fifo" {
		t.Errorf("cmdline %q", got)
	}
	if got := swapSize(cfg.limitBytes); got != 192<<20 {
		t.Errorf("swap size %d, want 4×32M + 64M", got)
	}
	if got := benchCommand(12288); got != "bench pressure-read pages=12288" {
		t.Errorf("bench command %q", got)
	}
	for _, bad := range [][]string{
		{"", "32M", "clock", "1"},      // no kernel
		{"k", "32", "clock", "1"},      // 32 bytes
		{"k", "4M", "clock", "1"},      // below kernel.MinLimit
		{"k", "32X", "clock", "1"},     // not a kernel number
		{"k", "32M", "", "1"},          // no policy
		{"k", "32M", "clock,", "1"},    // empty policy
		{"k", "32M", "lru=1", "1"},     // not one command-line word
		{"k", "32M", "clock", "0"},     // not positive
		{"k", "32M", "clock", "1,-2"},  // negative
		{"k", "32M", "clock", "NaN"},   // not a number
		{"k", "32M", "clock", "+Inf"},  // infinite
		{"k", "32M", "clock", "1e-07"}, // no page
	} {
		args := []string{bad[0]}
		if bad[0] == "" {
			args = nil
		}
		if _, err := newThrashConfig(args, bad[1], bad[2], bad[3], 1, time.Minute); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	if _, err := newThrashConfig([]string{"k"}, "32M", "clock", "1", 0, time.Minute); err == nil {
		t.Error("accepted -runs 0")
	}
}

func TestParsePressure(t *testing.T) {
	const good = "BENCH pressure-read pages=8192 faults=12000 majfaults=3900 ns/page=48000.5 ns/fault=32767.0\n"
	b, err := parsePressure("swapped in\n"+good, 8192)
	if err != nil || b != (benchRecord{"pressure-read", 8192, 12000, 3900, 48000.5, 32767.0}) {
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
		{strings.Replace(good, "8192", "4096", 1), errOutput, "measured 4096 pages, asked for 8192"},
		{good + good, errOutput, "2 BENCH pressure-read lines"},
	} {
		_, err := parsePressure(c.text, 8192)
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
	pts := []thrashPoint{{"clock", 0.5, 4096, 1}, {"clock", 1, 8192, 1}, {"fifo", 0.5, 4096, 1}, {"fifo", 1, 8192, 1}}
	boot := func(p thrashPoint) (string, error) {
		switch {
		case p.policy == "fifo" && p.ratio == 0.5:
			return "", errors.New("boot: qemu: exited (status 0)")
		case p.policy == "fifo":
			return "BENCH pressure-read unsupported (no fifo)\n", nil
		}
		return benchCommand(p.pages) + "\n" + "BENCH pressure-read pages=" + strconv.Itoa(p.pages) + " faults=10 majfaults=" + strconv.Itoa(p.pages/2) + " ns/page=2500.0 ns/fault=1.0\n", nil
	}
	var log strings.Builder
	rows, failed := sweep(&log, pts, boot)
	want := []thrashRow{
		{pts[0], 2500.0 * 4096 / 1e9, 2048, 10},
		{pts[1], 2500.0 * 8192 / 1e9, 4096, 10},
	}
	if failed != 2 || !slices.Equal(rows, want) {
		t.Errorf("rows %+v, %d failed", rows, failed)
	}
	for _, s := range []string{"fifo ×0.5 run 1 (pages=4096): boot: qemu: exited", "fifo ×1 run 1 (pages=8192): the kernel reported: BENCH pressure-read unsupported (no fifo)", "4/4 boots"} {
		if !strings.Contains(log.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, log.String())
		}
	}
}

// cannedRows: three policies, lru measured twice at 4×, given out of
// ratio order; elapsed spans four orders of magnitude.
var cannedRows = []thrashRow{
	{thrashPoint{"clock", 0.5, 4096, 1}, 0.0041, 0, 4096},
	{thrashPoint{"clock", 4, 32768, 1}, 95.25, 61000, 70000},
	{thrashPoint{"clock", 1, 8192, 1}, 0.0099, 12, 8204},
	{thrashPoint{"fifo", 0.5, 4096, 1}, 0.0043, 0, 4096},
	{thrashPoint{"fifo", 4, 32768, 1}, 130.5, 90000, 99000},
	{thrashPoint{"lru", 4, 32768, 1}, 80, 50000, 60000},
	{thrashPoint{"lru", 4, 32768, 2}, 90, 52000, 61000},
	{thrashPoint{"lru", 0.5, 4096, 1}, 0.004, 0, 4096},
}

func TestThrashMeans(t *testing.T) {
	policies, means := thrashMeans(cannedRows)
	if !slices.Equal(policies, []string{"clock", "fifo", "lru"}) {
		t.Fatalf("policies %q", policies)
	}
	if got := means["clock"]; !slices.Equal(got, []thrashMean{{0.5, 0.0041, 0}, {1, 0.0099, 12}, {4, 95.25, 61000}}) {
		t.Errorf("clock %+v", got)
	}
	if got := means["lru"]; len(got) != 2 || got[1].ratio != 4 || math.Abs(got[1].elapsed-85) > 1e-9 || got[1].majfaults != 51000 {
		t.Errorf("lru %+v", got)
	}
}

func TestThrashCSVAndPlot(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "thrash.csv")
	if err := writeThrashCSV(csvPath, cannedRows); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(csvPath)
	want := "policy,ratio,pages,elapsed_s,majfaults,faults\n" +
		"clock,0.5,4096,0.004100,0,4096\n" +
		"clock,4,32768,95.250000,61000,70000\n" +
		"clock,1,8192,0.009900,12,8204\n" +
		"fifo,0.5,4096,0.004300,0,4096\n" +
		"fifo,4,32768,130.500000,90000,99000\n" +
		"lru,4,32768,80.000000,50000,60000\n" +
		"lru,4,32768,90.000000,52000,61000\n" +
		"lru,0.5,4096,0.004000,0,4096\n"
	if string(b) != want {
		t.Errorf("csv:\n%s", b)
	}
	svg := filepath.Join(dir, "thrash.svg")
	if err := plotThrash(svg, cannedRows, "32M"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(svg)
	for _, s := range []string{"<svg", "clock", "fifo", "lru", "elapsed (s)", "(log scale)", "major faults (count)", "working set (× mm.limit = 32M)",
		"MIN (optimal), all of mm.limit", "exact LRU, all of mm.limit"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("plot lacks %q (%d bytes)", s, len(b))
		}
	}
	// Within two orders of magnitude the scale stays linear.
	if err := plotThrash(svg, cannedRows[4:7], "32M"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(svg)
	if strings.Contains(string(b), "log scale") || !strings.Contains(string(b), "elapsed (s)") {
		t.Errorf("linear plot is labelled log")
	}
	var table strings.Builder
	printThrash(&table, cannedRows)
	if !strings.Contains(table.String(), "lru           4       85.000        51000") {
		t.Errorf("table:\n%s", table.String())
	}
}

// The reference lines: nothing faults while the working set fits; at
// twice the frames MIN keeps one frame's worth of hits, all it can, and
// LRU fewer; the writes' faults are not counted.
func TestPressureReference(t *testing.T) {
	for _, tc := range []struct{ pages, frames int }{{100, 100}, {50, 100}, {1, 1}} {
		if m, l := pressureReference(tc.pages, tc.frames); m != 0 || l != 0 {
			t.Errorf("%d pages in %d frames: MIN %d, LRU %d major faults", tc.pages, tc.frames, m, l)
		}
	}
	for _, tc := range []struct{ pages, frames int }{{200, 100}, {8192, 4096}, {1000, 999}, {3000, 1000}} {
		m, l := pressureReference(tc.pages, tc.frames)
		if m != tc.pages-tc.frames || l < m || l > tc.pages {
			t.Errorf("%d pages in %d frames: MIN %d (want %d), LRU %d", tc.pages, tc.frames, m, tc.pages-tc.frames, l)
		}
		t.Logf("%d pages in %d frames: MIN %d, LRU %d", tc.pages, tc.frames, m, l)
	}
}

func FuzzParsePressure(f *testing.F) {
	f.Add("BENCH pressure-read pages=8 faults=8 majfaults=3 ns/page=10.5 ns/fault=10.5\n", 8)
	f.Add("BENCH pressure-read unsupported (no swap)\n", 8)
	f.Add("error: bench: x\n", 1)
	f.Fuzz(func(t *testing.T, text string, pages int) {
		b, err := parsePressure(text, pages)
		if err == nil && (b.name != pressureBench || b.pages != pages) {
			t.Errorf("accepted %+v for pages=%d", b, pages)
		}
		if err != nil && !errors.Is(err, errKernel) && !errors.Is(err, errOutput) {
			t.Errorf("error of no kind: %v", err)
		}
	})
}
