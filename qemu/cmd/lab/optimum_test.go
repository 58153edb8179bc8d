package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

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
