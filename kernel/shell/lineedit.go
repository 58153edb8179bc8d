package shell

import (
	"errors"
	"io"
)

// Control characters the line editor acts on.
const (
	ctrlC     = 0x03 // drop the line
	ctrlD     = 0x04 // end of input, on an empty line
	backspace = 0x08
	tab       = 0x09
	bell      = 0x07
	ctrlU     = 0x15 // erase the line
	escape    = 0x1b
	del       = 0x7f
)

// MaxLine is the longest line the editor accepts; further characters are
// refused with a bell.
const MaxLine = 1024

// ErrInterrupted is what ReadLine returns when Ctrl-C dropped the line.
var ErrInterrupted = errors.New("interrupted")

// LineEditor turns a byte stream from a terminal or a script into lines.
// It echoes what it accepts, erases with backspace or DEL, drops the line
// on Ctrl-C, erases it on Ctrl-U, ignores ANSI escape sequences (arrow
// keys) and other control characters, and treats CR, LF and CR LF alike as
// the end of a line. Ctrl-D on an empty line, or the end of the stream, is
// the end of input.
type LineEditor struct {
	next func() (byte, error) // the next input byte
	echo io.Writer
	line []byte
	// lastCR: the previous byte ended a line with CR, so a LF now is the
	// second half of CR LF.
	lastCR bool
	// esc: inside an escape sequence; 1 after ESC, 2 after ESC [,
	// 3 after ESC O.
	esc int
}

// NewLineEditor reads bytes from next and echoes to echo.
func NewLineEditor(next func() (byte, error), echo io.Writer) *LineEditor {
	return &LineEditor{next: next, echo: echo}
}

// ReadLine returns the next line without its terminator, io.EOF at the end
// of input, or ErrInterrupted after Ctrl-C.
func (e *LineEditor) ReadLine() (string, error) {
	e.line = e.line[:0]
	for {
		c, err := e.next()
		if err != nil {
			if len(e.line) > 0 {
				e.out("\n")
				return string(e.line), nil
			}
			return "", err
		}
		lastCR := e.lastCR
		e.lastCR = false
		if e.esc > 0 {
			if c >= 0x20 && c != del {
				e.escape(c)
				continue
			}
			// A control character inside an escape sequence still acts
			// (ECMA-48 5.4), and ends the sequence: a lone ESC does not
			// swallow the Ctrl-C or the Enter after it.
			e.esc = 0
		}
		switch {
		case c == '\r':
			e.lastCR = true
			e.out("\n")
			return string(e.line), nil
		case c == '\n':
			if lastCR {
				continue
			}
			e.out("\n")
			return string(e.line), nil
		case c == ctrlC:
			e.out("^C\n")
			e.line = e.line[:0]
			return "", ErrInterrupted
		case c == ctrlD:
			if len(e.line) == 0 {
				return "", io.EOF
			}
		case c == backspace || c == del:
			if len(e.line) > 0 {
				e.line = e.line[:len(e.line)-1]
				e.out("\b \b")
			}
		case c == ctrlU:
			for range e.line {
				e.out("\b \b")
			}
			e.line = e.line[:0]
		case c == escape:
			e.esc = 1
		case c == tab || (c >= 0x20 && c < 0x7f):
			if c == tab {
				c = ' '
			}
			if len(e.line) >= MaxLine {
				e.out(string(rune(bell)))
				continue
			}
			e.line = append(e.line, c)
			e.echo.Write([]byte{c})
		}
	}
}

// escape consumes an ANSI escape sequence: ESC and one byte; ESC O and one
// byte (SS3, function keys); or ESC [, parameters and a final byte in
// 0x40..0x7e (ECMA-48 CSI, arrow keys).
func (e *LineEditor) escape(c byte) {
	switch {
	case e.esc == 1 && c == '[':
		e.esc = 2
	case e.esc == 1 && c == 'O':
		e.esc = 3
	case e.esc == 1 || e.esc == 3:
		e.esc = 0
	case c >= 0x40 && c <= 0x7e:
		e.esc = 0
	}
}

func (e *LineEditor) out(s string) { io.WriteString(e.echo, s) }
