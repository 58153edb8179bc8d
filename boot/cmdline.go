package boot

import (
	"fmt"
	"strings"
)

// Cmdline is the kernel command line (QEMU -append), split into options as
// Linux's parse_args does: words separated by spaces, each "key" or
// "key=value", with double quotes grouping spaces into one word. A key that
// appears twice keeps its last value. A word "--" ends the options: the
// words after it are init's arguments (init=), as Linux's argv_init.
type Cmdline struct {
	Raw     string
	Options []Option
	// InitArgs are the words after "--".
	InitArgs []string
}

// Option is one word of the command line.
type Option struct {
	Key, Value string
	HasValue   bool
}

// ParseCmdline splits s into options. It fails only on an unterminated
// quote; the kernel reports that and boots with no options.
func ParseCmdline(s string) (Cmdline, error) {
	c := Cmdline{Raw: s}
	var word strings.Builder
	inWord, quoted, dashes := false, false, false
	flush := func() {
		if !inWord {
			return
		}
		w := word.String()
		word.Reset()
		inWord = false
		switch {
		case dashes:
			c.InitArgs = append(c.InitArgs, w)
			return
		case w == "--":
			dashes = true
			c.InitArgs = []string{}
			return
		}
		k, v, ok := strings.Cut(w, "=")
		c.Options = append(c.Options, Option{Key: k, Value: v, HasValue: ok})
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"':
			quoted = !quoted
			inWord = true
		case !quoted && (ch == ' ' || ch == '\t' || ch == '\n'):
			flush()
		default:
			word.WriteByte(ch)
			inWord = true
		}
	}
	if quoted {
		return Cmdline{Raw: s}, fmt.Errorf("boot: command line: unterminated quote")
	}
	flush()
	return c, nil
}

// Get returns the value of the last option named key.
func (c Cmdline) Get(key string) (value string, ok bool) {
	for i := len(c.Options) - 1; i >= 0; i-- {
		if c.Options[i].Key == key {
			return c.Options[i].Value, true
		}
	}
	return "", false
}
