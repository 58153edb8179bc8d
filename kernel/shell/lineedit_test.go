//go:build !tamago

package shell

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// edit runs the editor over input and returns each result as a string:
// the line, "<EOF>" or "<INT>", and the echo.
func edit(input string) (results []string, echo string) {
	r := strings.NewReader(input)
	var out strings.Builder
	e := NewLineEditor(r.ReadByte, &out)
	for {
		line, err := e.ReadLine()
		switch {
		case errors.Is(err, io.EOF):
			return append(results, "<EOF>"), out.String()
		case errors.Is(err, ErrInterrupted):
			results = append(results, "<INT>")
		case err != nil:
			return append(results, err.Error()), out.String()
		default:
			results = append(results, line)
		}
	}
}

func TestLineEditor(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		echo     string
	}{
		{"lf", "help\n", []string{"help", "<EOF>"}, "help\n"},
		{"cr", "help\r", []string{"help", "<EOF>"}, "help\n"},
		{"crlf is one line end", "a\r\nb\r\n", []string{"a", "b", "<EOF>"}, "a\nb\n"},
		{"empty lines", "\n\r\r\n", []string{"", "", "", "<EOF>"}, "\n\n\n"},
		{"backspace", "helx\bp\n", []string{"help", "<EOF>"}, "helx\b \bp\n"},
		{"del", "helx\x7fp\n", []string{"help", "<EOF>"}, "helx\b \bp\n"},
		{"backspace on empty line", "\b\x7fok\n", []string{"ok", "<EOF>"}, "ok\n"},
		{"ctrl-c drops the line", "halt 3\x03echo hi\n", []string{"<INT>", "echo hi", "<EOF>"}, "halt 3^C\necho hi\n"},
		{"ctrl-u erases", "abc\x15x\n", []string{"x", "<EOF>"}, "abc\b \b\b \b\b \bx\n"},
		{"ctrl-d on empty line is EOF", "\x04echo never\n", []string{"<EOF>"}, ""},
		{"ctrl-d inside a line is ignored", "ab\x04c\n", []string{"abc", "<EOF>"}, "abc\n"},
		{"end of stream ends a partial line", "uptime", []string{"uptime", "<EOF>"}, "uptime\n"},
		{"escape sequences ignored", "a\x1b[Ab\x1b[1;5Cc\x1bOPd\n", []string{"abcd", "<EOF>"}, "abcd\n"},
		{"ctrl-c after a lone escape", "halt 3\x1b\x03echo ok\n", []string{"<INT>", "echo ok", "<EOF>"}, "halt 3^C\necho ok\n"},
		{"enter after a lone escape", "echo a\x1b\rhelp\n", []string{"echo a", "help", "<EOF>"}, "echo a\nhelp\n"},
		{"enter inside a CSI", "ab\x1b[1\ncd\n", []string{"ab", "cd", "<EOF>"}, "ab\ncd\n"},
		{"backspace after escape", "ab\x1b\x7fc\n", []string{"ac", "<EOF>"}, "ab\b \bc\n"},
		{"tab is a space", "echo\tx\n", []string{"echo x", "<EOF>"}, "echo x\n"},
		{"other controls ignored", "a\x01\x02b\n", []string{"ab", "<EOF>"}, "ab\n"},
	} {
		got, echo := edit(tc.in)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: lines %q, want %q", tc.name, got, tc.want)
		}
		if echo != tc.echo {
			t.Errorf("%s: echo %q, want %q", tc.name, echo, tc.echo)
		}
	}
}

func TestLineEditorMaxLine(t *testing.T) {
	got, echo := edit(strings.Repeat("x", MaxLine+5) + "\n")
	if len(got[0]) != MaxLine {
		t.Fatalf("line length %d, want %d", len(got[0]), MaxLine)
	}
	if n := strings.Count(echo, "\a"); n != 5 {
		t.Errorf("%d bells, want 5", n)
	}
}

// FuzzLineEditor: whatever the input, the editor ends; every line it
// returns is at most MaxLine printable characters; and a line typed plainly
// after any garbage and a Ctrl-C comes out intact.
func FuzzLineEditor(f *testing.F) {
	for _, s := range []string{"help\n", "a\x1b[A\x03b\r\n", "\x1b", "\x1b[", "x\x08\x7f\x15\x04"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, garbage string) {
		lines, _ := edit(garbage + "\x03echo sentinel\n")
		for _, l := range lines {
			if len(l) > MaxLine {
				t.Fatalf("line of %d bytes", len(l))
			}
			for i := 0; i < len(l); i++ {
				if l[i] < 0x20 || l[i] >= 0x7f {
					if l == "<EOF>" || l == "<INT>" {
						break
					}
					t.Fatalf("control byte %#x in %q", l[i], l)
				}
			}
		}
		// Unless the garbage ended the input (Ctrl-D on an empty line),
		// the sentinel line survives.
		if lines[len(lines)-1] != "<EOF>" {
			t.Fatalf("no end of input: %q", lines)
		}
		found := false
		for _, l := range lines {
			found = found || l == "echo sentinel"
		}
		if !found && !strings.Contains(garbage, "\x04") {
			t.Fatalf("sentinel lost after %q: %q", garbage, lines)
		}
	})
}
