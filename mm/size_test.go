//go:build !tamago

package mm

import (
	"errors"
	"strconv"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"4096", 4096, true},
		{"0x1000", 4096, true},
		{"0XfF", 255, true},
		{"4K", 4096, true},
		{"4k", 4096, true},
		{"16M", 16 << 20, true},
		{"2G", 2 << 30, true},
		{"0x10M", 16 << 20, true},
		{"18446744073709551615", 1<<64 - 1, true},
		{"0xffffffffffffffff", 1<<64 - 1, true},
		{"17179869183G", 17179869183 << 30, true},
		{"18446744073709551616", 0, false},
		{"0x10000000000000000", 0, false},
		{"17179869184G", 0, false},
		{"", 0, false},
		{"K", 0, false},
		{"0x", 0, false},
		{"0xK", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"12a", 0, false},
		{"1.5", 0, false},
		{"0x1g0", 0, false},
		{"4KK", 0, false},
		{"4 K", 0, false},
		{"1T", 0, false},
	} {
		got, err := ParseSize(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
		if !tc.ok && !errors.Is(err, ErrBadNumber) {
			t.Errorf("ParseSize(%q) = %d, %v; want ErrBadNumber", tc.in, got, err)
		}
	}
}

// FuzzParseSize checks that every accepted decimal or hex string means
// what strconv says it means, and that nothing panics.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"0", "4096", "0x1000", "4K", "0x10M", "2G", "-1", "", "18446744073709551616"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSize(s)
		if err != nil {
			return
		}
		digits, shift := s, 0
		switch s[len(s)-1] {
		case 'K', 'k':
			digits, shift = s[:len(s)-1], 10
		case 'M', 'm':
			digits, shift = s[:len(s)-1], 20
		case 'G', 'g':
			digits, shift = s[:len(s)-1], 30
		}
		base := 10
		if len(digits) > 2 && (digits[:2] == "0x" || digits[:2] == "0X") {
			digits, base = digits[2:], 16
		}
		want, perr := strconv.ParseUint(digits, base, 64)
		if perr != nil || digits[0] == '+' || digits[0] == '_' {
			t.Fatalf("ParseSize(%q) = %d, but strconv says %v", s, v, perr)
		}
		if want<<shift != v || want<<shift>>shift != want {
			t.Fatalf("ParseSize(%q) = %d, want %d<<%d", s, v, want, shift)
		}
	})
}
