package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBenchLine(t *testing.T) {
	text := "BENCH anon-write pages=16 faults=16 majfaults=0 ns/page=1130.1 ns/fault=1130.1\n" +
		"BENCH swap-in-seq unsupported\n" +
		"BENCH cow-write pages=16 faults=16 majfaults=0 ns/page=2.0 ns/fault=1812.4\r\n" +
		"BENCH pressure-read pages=8192 faults=9000 majfaults=4100 ns/page=51234.5 ns/fault=46575.0\n" +
		"BENCH pressure-read pages=8192 faults=90000 majfaults=41000 ns/page=5123.5 ns/fault=4657.0 order=zipf:0.8 accesses=81920 resident=3712\n" +
		"BENCH pressure-read pages=8192 faults=9 majfaults=4 ns/page=5.5 ns/fault=4.0 order=loop accesses=9\n" + // malformed
		"BENCH anon-read pages=16 faults=16 majfaults=0 ns/page=1.0.0 ns/fault=1.0\n" + // malformed
		"xBENCH anon-read pages=16 faults=16 majfaults=0 ns/page=1.0 ns/fault=1.0\n" // not at a line start
	got := parseBench(text)
	want := []benchRecord{
		{"anon-write", 16, 16, 0, 1130.1, 1130.1, "", 0, 0},
		{"cow-write", 16, 16, 0, 2.0, 1812.4, "", 0, 0},
		{"pressure-read", 8192, 9000, 4100, 51234.5, 46575.0, "", 0, 0},
		{"pressure-read", 8192, 90000, 41000, 5123.5, 4657.0, "zipf:0.8", 81920, 3712},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("parseBench:\n got %+v\nwant %+v", got, want)
	}
}

func TestCSVAndPlot(t *testing.T) {
	dir := t.TempDir()
	r := map[string][]float64{"anon-read": {630.1, 640}, "anon-write": {1139.1}, "cow-write": {1821.7, 1900, 1800}}
	if lo, mean, hi := stats(r["cow-write"]); lo != 1800 || hi != 1900 || mean < 1840.5 || mean > 1840.6 {
		t.Errorf("stats: %v %v %v", lo, mean, hi)
	}
	csvPath := filepath.Join(dir, "faults.csv")
	if err := writeCSV(csvPath, r); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(csvPath)
	want := "benchmark,run,ns_per_fault\nanon-read,1,630.1\nanon-read,2,640.0\nanon-write,1,1139.1\ncow-write,1,1821.7\ncow-write,2,1900.0\ncow-write,3,1800.0\n"
	if string(b) != want {
		t.Errorf("csv:\n%s", b)
	}
	svg := filepath.Join(dir, "faults.svg")
	if err := plotFaults(svg, r, "ns/fault"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(svg)
	if !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "copy-on-write") {
		t.Errorf("plot is not an SVG with the bar labels (%d bytes)", len(b))
	}
}
