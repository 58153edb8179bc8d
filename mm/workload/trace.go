package workload

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// A trace file is text, one access per line, in order:
//
//	# a comment: from '#' to the end of the line
//	0
//	17
//	   3     (blanks around a number are allowed)
//
// Each access is a page number in decimal, 0-based from the first page of
// the range the run covers (the page holding ADDR in the shell), without
// sign; a line holds one number or nothing. Lines end with LF (a CR
// before it is allowed); the last may lack it. Blank lines and comment
// lines are skipped, and a comment may follow a number. A trace has at
// least one page number and at most MaxTraceEntries. Whether each number
// is below the range's page count is for New to check: the file does
// not say the range.

// MaxTraceEntries bounds a trace: 16 Mi accesses, 128 MiB parsed.
const MaxTraceEntries = 1 << 24

// ParseTrace reads a trace file's page numbers. An error names the line
// (counted from 1).
func ParseTrace(data []byte) ([]uint64, error) {
	var out []uint64
	for line := 1; len(data) > 0; line++ {
		var text []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			text, data = data[:i], data[i+1:]
		} else {
			text, data = data, nil
		}
		text = bytes.TrimSuffix(text, []byte{'\r'})
		if i := bytes.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = bytes.Trim(text, " \t")
		if len(text) == 0 {
			continue
		}
		p, err := strconv.ParseUint(string(text), 10, 64) // digits only: no sign, no '_'
		if err != nil {
			return nil, fmt.Errorf("%w: trace line %d: %q is not a page number", ErrInvalid, line, text)
		}
		if len(out) == MaxTraceEntries {
			return nil, fmt.Errorf("%w: trace: more than %d entries", ErrTooLarge, MaxTraceEntries)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: trace has no page numbers", ErrInvalid)
	}
	return out, nil
}

// WriteTrace writes pages as a trace file, one number a line, that
// ParseTrace reads back.
func WriteTrace(w io.Writer, pages []uint64) error {
	var buf []byte
	for _, p := range pages {
		buf = strconv.AppendUint(buf, p, 10)
		buf = append(buf, '\n')
		if len(buf) >= 32<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}
