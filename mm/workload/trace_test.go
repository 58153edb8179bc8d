package workload

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func TestParseTrace(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []uint64
	}{
		{"0\n17\n3\n", []uint64{0, 17, 3}},
		{"5", []uint64{5}},
		{"# a trace\n\n  1  \r\n\t2 # the second\n\n", []uint64{1, 2}},
		{"007\n18446744073709551615\n", []uint64{7, 1<<64 - 1}},
	} {
		got, err := ParseTrace([]byte(tc.in))
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseTrace(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"", "workload: invalid: trace has no page numbers"},
		{"# nothing\n\n", "workload: invalid: trace has no page numbers"},
		{"1\n-2\n", `workload: invalid: trace line 2: "-2" is not a page number`},
		{"1\n+2\n", `workload: invalid: trace line 2: "+2" is not a page number`},
		{"0x10\n", `workload: invalid: trace line 1: "0x10" is not a page number`},
		{"1_000\n", `workload: invalid: trace line 1: "1_000" is not a page number`},
		{"1 2\n", `workload: invalid: trace line 1: "1 2" is not a page number`},
		{"18446744073709551616\n", `workload: invalid: trace line 1: "18446744073709551616" is not a page number`},
	} {
		if _, err := ParseTrace([]byte(tc.in)); err == nil || err.Error() != tc.msg {
			t.Errorf("ParseTrace(%q): %v, want %s", tc.in, err, tc.msg)
		}
	}
}

// A generated run written as a trace reads back the same, and replays
// as the same run.
func TestTraceRoundTrip(t *testing.T) {
	want := run(mustNew(t, Order{Kind: Zipf, S: 1}, 500, 5000, 4))
	var buf bytes.Buffer
	if err := WriteTrace(&buf, want); err != nil {
		t.Fatal(err)
	}
	got, err := ParseTrace(buf.Bytes())
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("round trip: %v (%d entries, want %d)", err, len(got), len(want))
	}
	if replay := run(mustNew(t, Order{Kind: Trace, Pages: got}, 500, 0, 99)); !slices.Equal(replay, want) {
		t.Errorf("replay differs")
	}
}

func FuzzParseTrace(f *testing.F) {
	for _, s := range []string{"0\n1\n2\n", "# c\n 5 \r\n", "", "-1", "99999999999999999999", "1 # x\n#\n\n3"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pages, err := ParseTrace(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error of no kind: %v", err)
			}
			return
		}
		if len(pages) == 0 {
			t.Fatal("a trace without entries parsed")
		}
		// What parses writes back to a trace that parses the same.
		var buf bytes.Buffer
		WriteTrace(&buf, pages)
		again, err := ParseTrace(buf.Bytes())
		if err != nil || !slices.Equal(again, pages) {
			t.Fatalf("rewritten: %v, %v; want %v", again, err, pages)
		}
	})
}
