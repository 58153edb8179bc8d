package shell

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"  ps  ", []string{"ps"}},
		{"run /bin/sh -c 'echo hi | cat'", []string{"run", "/bin/sh", "-c", "echo hi | cat"}},
		{`run /bin/sh -c "echo \"a b\" \\ x"`, []string{"run", "/bin/sh", "-c", `echo "a b" \ x`}},
		{`a'b'"c"d`, []string{"abcd"}},
		{`''`, []string{""}},
		{`a\ b`, []string{"a b"}},
		{`"it's"`, []string{"it's"}},
	}
	for _, tc := range tests {
		got, err := splitWords(tc.line)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
	for _, bad := range []string{"'open", `"open`, `a "b\"`} {
		if _, err := splitWords(bad); err == nil {
			t.Errorf("splitWords(%q): no error", bad)
		}
	}
}

// Any line splits without a panic; an ASCII line without quotes,
// backslashes, \v or \f splits as strings.Fields does.
func FuzzSplitWords(f *testing.F) {
	f.Add("run /bin/sh -c 'a | b' \"c\\\"d\" e\\ f")
	f.Fuzz(func(t *testing.T, line string) {
		got, err := splitWords(line)
		if strings.ContainsAny(line, "'\"\\\v\f") || strings.ContainsFunc(line, func(r rune) bool { return r > 0x7f }) {
			return
		}
		if want := strings.Fields(line); err != nil || !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Fatalf("splitWords(%q) = %q, %v; Fields gives %q", line, got, err, want)
		}
	})
}
