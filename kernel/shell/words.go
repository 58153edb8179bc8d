package shell

import "errors"

// errUnterminated is a quote that does not end on its line.
var errUnterminated = errors.New("unterminated quote")

// splitWords splits a command line into words as a POSIX shell does,
// without expansions: blanks separate words; 'single quotes' keep
// everything literally; "double quotes" keep everything but \" and \\,
// which a backslash escapes; outside quotes a backslash keeps the next
// character. So `run /bin/sh -c 'echo hi | cat'` gives sh one script.
func splitWords(line string) ([]string, error) {
	var words []string
	var w []byte
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, string(w))
				w, inWord = w[:0], false
			}
		case c == '\'':
			end := i + 1
			for end < len(line) && line[end] != '\'' {
				end++
			}
			if end == len(line) {
				return nil, errUnterminated
			}
			w, inWord = append(w, line[i+1:end]...), true
			i = end
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\\') {
					i++
				}
				w = append(w, line[i])
			}
			if i == len(line) {
				return nil, errUnterminated
			}
			inWord = true
		case c == '\\' && i+1 < len(line):
			i++
			w, inWord = append(w, line[i]), true
		default:
			w, inWord = append(w, c), true
		}
	}
	if inWord {
		words = append(words, string(w))
	}
	return words, nil
}
