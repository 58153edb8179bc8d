package workload

import (
	"errors"
	"testing"
)

func TestParseOrder(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Order
	}{
		{"sequential", Order{Kind: Sequential}},
		{"random", Order{Kind: Random}},
		{"loop", Order{Kind: Loop}},
		{"zipf:1", Order{Kind: Zipf, S: 1}},
		{"zipf:0.8", Order{Kind: Zipf, S: 0.8}},
		{"zipf:1.2", Order{Kind: Zipf, S: 1.2}},
		{"hotcold:10:90", Order{Kind: HotCold, HotPages: 10, HotAccesses: 90}},
		{"hotcold:1:0", Order{Kind: HotCold, HotPages: 1, HotAccesses: 0}},
		{"hotcold:99:100", Order{Kind: HotCold, HotPages: 99, HotAccesses: 100}},
		{"trace:/mnt/t", Order{Kind: Trace, Path: "/mnt/t"}},
		{"trace:a:b", Order{Kind: Trace, Path: "a:b"}},
	} {
		got, err := ParseOrder(tc.in)
		if err != nil || got.Kind != tc.want.Kind || got.S != tc.want.S || got.HotPages != tc.want.HotPages ||
			got.HotAccesses != tc.want.HotAccesses || got.Path != tc.want.Path {
			t.Errorf("ParseOrder(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if err == nil && got.String() != tc.in && tc.in != "zipf:1.2" && tc.in != "zipf:0.8" {
			t.Errorf("%q.String() = %q", tc.in, got.String())
		}
	}
	for _, in := range []string{
		"", "Random", "random:1", "loop:", "sequential:2", "zipf", "zipf:", "zipf:0", "zipf:-1", "zipf:inf", "zipf:NaN", "zipf:x",
		"hotcold", "hotcold:10", "hotcold:0:90", "hotcold:100:90", "hotcold:10:101", "hotcold:10:90:1", "hotcold:-1:5",
		"hotcold:10.5:90", "hotcold:300:1", "trace", "trace:", "lru",
	} {
		if o, err := ParseOrder(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseOrder(%q) = %+v, %v; want ErrInvalid", in, o, err)
		}
	}
	if o, _ := ParseOrder("zipf:0.8"); o.String() != "zipf:0.8" {
		t.Errorf("zipf:0.8 prints as %q", o)
	}
}

func TestDefaultAccesses(t *testing.T) {
	for _, tc := range []struct {
		o    Order
		want uint64
	}{
		{Order{Kind: Sequential}, 100}, {Order{Kind: Random}, 100}, {Order{Kind: Zipf, S: 1}, 100},
		{Order{Kind: HotCold, HotPages: 10, HotAccesses: 90}, 100}, {Order{Kind: Loop}, 400},
		{Order{Kind: Trace, Pages: []uint64{1, 2, 3}}, 3},
	} {
		if got := tc.o.DefaultAccesses(100); got != tc.want {
			t.Errorf("%v: %d accesses, want %d", tc.o, got, tc.want)
		}
	}
}

// What ParseOrder takes prints back as the same order.
func FuzzParseOrder(f *testing.F) {
	for _, s := range []string{"random", "zipf:1", "zipf:0.8", "hotcold:10:90", "loop", "trace:/mnt/t", "zipf:1e-3", "hotcold:1:100", "zipf:0x1p-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrder(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: error of no kind: %v", s, err)
			}
			return
		}
		again, err := ParseOrder(o.String())
		if err != nil || again.Kind != o.Kind || again.S != o.S || again.HotPages != o.HotPages ||
			again.HotAccesses != o.HotAccesses || again.Path != o.Path {
			t.Fatalf("%q prints as %q, which parses as %+v, %v", s, o, again, err)
		}
	})
}
