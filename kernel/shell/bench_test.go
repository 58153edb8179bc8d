//go:build !tamago

package shell

import (
	"slices"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm/workload"
)

// bench's arguments: names, pages=, and pressure-read's order= and
// accesses=, which no other benchmark takes.
func TestParseBenchArgs(t *testing.T) {
	random := workload.Order{Kind: workload.Random}
	zipf1 := workload.Order{Kind: workload.Zipf, S: 1}
	for _, tc := range []struct {
		line string
		want benchArgs
		err  string // a prefix of the error, "" for none
	}{
		{"", benchArgs{names: benchNames, order: random}, ""},
		{"anon-write pages=1K", benchArgs{names: []string{"anon-write"}, pages: 1024, order: random}, ""},
		{"pressure-read pages=8192", benchArgs{names: []string{"pressure-read"}, pages: 8192, order: random}, ""},
		{"pressure-read pages=8192 order=zipf:1.0 accesses=80K",
			benchArgs{names: []string{"pressure-read"}, pages: 8192, order: zipf1, ordered: true, accesses: 80 << 10}, ""},
		{"order=hotcold:10:90 pressure-read",
			benchArgs{names: []string{"pressure-read"}, order: workload.Order{Kind: workload.HotCold, HotPages: 10, HotAccesses: 90}, ordered: true}, ""},
		{"pressure-read accesses=100", benchArgs{names: []string{"pressure-read"}, order: random, ordered: true, accesses: 100}, ""},
		{"pressure-read order=loop", benchArgs{names: []string{"pressure-read"}, order: workload.Order{Kind: workload.Loop}, ordered: true}, ""},
		{"order=zipf:1", benchArgs{}, "order= and accesses= need a benchmark that takes them"},
		{"anon-write order=loop", benchArgs{}, "anon-write takes no order="},
		{"pressure-read pressure-write accesses=10", benchArgs{}, "pressure-write takes no order="},
		{"pressure-read order=zipf", benchArgs{}, "workload: invalid: order \"zipf\""},
		{"pressure-read order=trace:/t", benchArgs{}, "order=trace:/t: bench takes no trace"},
		{"pressure-read accesses=0", benchArgs{}, "accesses=0 out of range"},
		{"pressure-read accesses=5G", benchArgs{}, "accesses=5368709120 out of range"},
		{"pressure-read accesses=x", benchArgs{}, "bad number"},
		{"pages=0", benchArgs{}, "pages=0 out of range"},
		{"nope", benchArgs{}, "unknown benchmark \"nope\""},
	} {
		got, err := parseBenchArgs(strings.Fields(tc.line))
		switch {
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want %q…", tc.line, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.line, err)
		case tc.err == "" && (!slices.Equal(got.names, tc.want.names) || got.pages != tc.want.pages || got.order.String() != tc.want.order.String() ||
			got.ordered != tc.want.ordered || got.accesses != tc.want.accesses):
			t.Errorf("%q: %+v, want %+v", tc.line, got, tc.want)
		}
	}
}

func FuzzParseBenchArgs(f *testing.F) {
	f.Add("pressure-read pages=8192 order=zipf:1 accesses=80K")
	f.Add("anon-write order=loop")
	f.Add("order=trace:x accesses=0")
	f.Fuzz(func(t *testing.T, line string) {
		b, err := parseBenchArgs(strings.Fields(line))
		if err != nil {
			return
		}
		if len(b.names) == 0 || b.pages > 1<<20 || b.accesses > workload.MaxAccesses || b.order.Kind == workload.Trace {
			t.Errorf("%q: accepted %+v", line, b)
		}
		for _, n := range b.names {
			if b.ordered && !orderedBenches[n] {
				t.Errorf("%q: order= for %s", line, n)
			}
		}
	})
}

// pressure-read's run: the write pass is each page once in
// workload.Permutation(pages, 1) and the read pass workload's run of the
// order from seed 2, so the default, random, is the permutation of seed
// 2 that pressure-read read in before it took an order; the lab
// (qemu/cmd/lab) replays PressureRun for its reference lines.
func TestPressureRun(t *testing.T) {
	const pages = 1000
	for _, tc := range []struct {
		order    string
		accesses uint64
	}{{"random", 0}, {"random", pages}, {"zipf:1", 10 * pages}, {"hotcold:10:90", 10 * pages}, {"loop", 0}} {
		o, _ := workload.ParseOrder(tc.order)
		run, err := PressureRun(o, pages, tc.accesses)
		if err != nil {
			t.Fatal(err)
		}
		want := workload.Permutation(pages, 1)
		g, err := workload.New(o, pages, tc.accesses, 2)
		if err != nil {
			t.Fatal(err)
		}
		for p, ok := g.Next(); ok; p, ok = g.Next() {
			want = append(want, p)
		}
		if !slices.Equal(run, want) {
			t.Errorf("%s, %d accesses: the run is not workload's from seeds 1 and 2", tc.order, tc.accesses)
		}
		if o.Kind == workload.Random && !slices.Equal(run[pages:], workload.Permutation(pages, 2)) {
			t.Errorf("random: the read pass is not Permutation(pages, 2)")
		}
	}
	if _, err := PressureRun(workload.Order{Kind: workload.Random}, pages, 10*pages); err == nil {
		t.Error("random with ten reads a page: no error")
	}
}
