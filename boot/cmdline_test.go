package boot

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCmdline(t *testing.T) {
	type o = Option
	for _, tc := range []struct {
		in       string
		want     []Option
		initArgs []string
		wantErr  bool
	}{
		{in: "", want: nil},
		{in: "   ", want: nil},
		{in: " \t\n ", want: nil},
		{in: "quiet", want: []o{{"quiet", "", false}}},
		{in: "console=ttyS0", want: []o{{"console", "ttyS0", true}}},
		{in: "  console=ttyS0   quiet  ", want: []o{{"console", "ttyS0", true}, {"quiet", "", false}}},
		{in: "key=", want: []o{{"key", "", true}}},
		{in: "=v", want: []o{{"", "v", true}}},
		{in: "root=PARTUUID=ab-01", want: []o{{"root", "PARTUUID=ab-01", true}}},
		{in: "a=b=c=", want: []o{{"a", "b=c=", true}}},
		{in: `x="a b" y`, want: []o{{"x", "a b", true}, {"y", "", false}}},
		{in: `"x=a b"`, want: []o{{"x", "a b", true}}},
		{in: `"a b"=c`, want: []o{{"a b", "c", true}}},
		{in: `x="a=b"`, want: []o{{"x", "a=b", true}}},
		{in: `a"b c"d e`, want: []o{{"ab cd", "", false}, {"e", "", false}}},
		{in: "x=\"a\tb\nc\"", want: []o{{"x", "a\tb\nc", true}}},
		// An empty quoted word is a word, as in Linux's next_arg.
		{in: `a "" b`, want: []o{{"a", "", false}, {"", "", false}, {"b", "", false}}},
		{in: "a\tb\nc", want: []o{{"a", "", false}, {"b", "", false}, {"c", "", false}}},
		{in: "a=1\n\tb=2\n", want: []o{{"a", "1", true}, {"b", "2", true}}},
		{in: "p=1 p=2 p", want: []o{{"p", "1", true}, {"p", "2", true}, {"p", "", false}}},
		{in: "init=/bin/sh -- -c \"echo hi\" x=y --", want: []o{{"init", "/bin/sh", true}}, initArgs: []string{"-c", "echo hi", "x=y", "--"}},
		{in: "a --", want: []o{{"a", "", false}}, initArgs: []string{}},
		{in: "a --b", want: []o{{"a", "", false}, {"--b", "", false}}},
		{in: `x="a b`, wantErr: true},
		{in: `"`, wantErr: true},
		{in: `a "b" "c`, wantErr: true},
		{in: `x="a" y=" z`, wantErr: true},
	} {
		c, err := ParseCmdline(tc.in)
		if c.Raw != tc.in {
			t.Errorf("ParseCmdline(%q): Raw = %q", tc.in, c.Raw)
		}
		if tc.wantErr {
			if err == nil || c.Options != nil {
				t.Errorf("ParseCmdline(%q) = %+v, %v; want an error and no options", tc.in, c.Options, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCmdline(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(c.InitArgs, tc.initArgs) {
			t.Errorf("ParseCmdline(%q): InitArgs %q, want %q", tc.in, c.InitArgs, tc.initArgs)
		}
		if !reflect.DeepEqual(c.Options, tc.want) {
			t.Errorf("ParseCmdline(%q) = %+v, want %+v", tc.in, c.Options, tc.want)
		}
	}
}

func TestCmdlineGet(t *testing.T) {
	c, err := ParseCmdline(`console=ttyS0 pagoda.panic mem=1G mem=2G pagoda.panic=0 msg="hi there" empty= p=1 p`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key, want string
		ok        bool
	}{
		{"console", "ttyS0", true},
		{"mem", "2G", true},          // last wins
		{"pagoda.panic", "0", true},  // last wins, even over a bare key
		{"p", "", true},              // a bare key last wins over a value
		{"msg", "hi there", true},    // quotes removed
		{"empty", "", true},          // present with an empty value
		{"missing", "", false},       // absent
		{"pagoda", "", false},        // no prefix matching
		{"console=ttyS0", "", false}, // keys stop at '='
	} {
		v, ok := c.Get(tc.key)
		if v != tc.want || ok != tc.ok {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.key, v, ok, tc.want, tc.ok)
		}
	}
	if v, ok := (Cmdline{}).Get("x"); v != "" || ok {
		t.Errorf("empty Cmdline: Get = %q, %v", v, ok)
	}
}

func isSep(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }

// joinOptions writes options back as a command line, quoting words that hold
// separators or are empty.
func joinOptions(opts []Option) string {
	var words []string
	for _, o := range opts {
		w := o.Key
		if o.HasValue {
			w += "=" + o.Value
		}
		if w == "" || strings.ContainsFunc(w, isSep) {
			w = `"` + w + `"`
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

func FuzzParseCmdline(f *testing.F) {
	for _, s := range []string{
		"", "console=ttyS0 pagoda.panic", `x="a b" y=1=2`, `a "" b`, "=v", `x="a`,
		"a\tb\nc=d", `"a b"=c`, `p=1 p=2`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCmdline(s)
		if c.Raw != s {
			t.Fatalf("Raw = %q", c.Raw)
		}
		// Every quote toggles: the line is bad exactly when their number is odd.
		if odd := strings.Count(s, `"`)%2 == 1; odd != (err != nil) {
			t.Fatalf("error %v with %d quotes", err, strings.Count(s, `"`))
		}
		if err != nil {
			if c.Options != nil {
				t.Fatalf("options %+v with error %v", c.Options, err)
			}
			return
		}
		quoted := strings.Contains(s, `"`)
		for _, o := range c.Options {
			if strings.Contains(o.Key, "=") || strings.Contains(o.Key+o.Value, `"`) {
				t.Fatalf("option %+v holds '=' in its key or a quote", o)
			}
			if o.Value != "" && !o.HasValue {
				t.Fatalf("option %+v has a value but no '='", o)
			}
			// An empty key comes only from a word "=..." or a word
			// made of quotes alone.
			if o.Key == "" && !o.HasValue && !strings.Contains(s, `""`) {
				t.Fatalf("option %+v with an empty key", o)
			}
			if !quoted && strings.ContainsFunc(o.Key+o.Value, isSep) {
				t.Fatalf("option %+v holds an unquoted separator", o)
			}
		}
		// Without quotes the line is just fields split at '='.
		if !quoted {
			var want []Option
			for _, w := range strings.FieldsFunc(s, isSep) {
				k, v, ok := strings.Cut(w, "=")
				want = append(want, Option{k, v, ok})
			}
			if !reflect.DeepEqual(c.Options, want) {
				t.Fatalf("options %+v, want %+v", c.Options, want)
			}
		}
		// Writing the options back and parsing again changes nothing.
		j := joinOptions(c.Options)
		c2, err := ParseCmdline(j)
		if err != nil || !reflect.DeepEqual(c2.Options, c.Options) {
			t.Fatalf("re-parsing %q: %+v, %v; want %+v", j, c2.Options, err, c.Options)
		}
		// Get finds the last option of each key.
		last := map[string]string{}
		for _, o := range c.Options {
			last[o.Key] = o.Value
		}
		if len(last) > 1000 {
			return // Get is linear: keep the check cheap
		}
		for k, want := range last {
			if v, ok := c.Get(k); !ok || v != want {
				t.Fatalf("Get(%q) = %q, %v; want %q", k, v, ok, want)
			}
		}
	})
}
