//go:build linux && amd64 && !tamago

package linux

import (
	"os"
	"strings"
	"testing"
)

// TestAuxvHostHeaders compares the table with the host's uapi headers
// when they are installed, names the headers lack excepted (they may be
// older than the table, never different). MAX_ARG_STRLEN is defined
// through PAGE_SIZE, which the uapi headers leave to the includer: it is
// checked by the table only.
func TestAuxvHostHeaders(t *testing.T) {
	defs := map[string]string{}
	for _, h := range []string{
		"/usr/include/linux/auxvec.h",
		"/usr/include/x86_64-linux-gnu/asm/auxvec.h",
		"/usr/include/linux/binfmts.h",
	} {
		b, err := os.ReadFile(h)
		if err != nil {
			t.Skipf("no uapi headers: %v", err)
		}
		for _, m := range defineRE.FindAllStringSubmatch(string(b), -1) {
			defs[m[1]] = strings.TrimSpace(m[2])
		}
	}
	checked := 0
	for _, c := range auxvValues {
		if _, ok := defs[c.name]; !ok || c.name == "MAX_ARG_STRLEN" {
			t.Logf("%s: not checked against the headers", c.name)
			continue
		}
		v, err := evalDefine(defs, c.name, 0)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if v != c.want {
			t.Errorf("%s: table %#x, header %#x", c.name, c.want, v)
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d names found in the headers", checked)
	}
}
