package mm

import (
	"errors"
	"fmt"
	"math/bits"
)

// ErrBadNumber is returned for a numeric argument that does not parse.
var ErrBadNumber = errors.New("bad number")

// ParseSize parses a number as the shell, the kernel command line and the
// launcher take it (the one parser of sizes in Pagoda): decimal ("4096"), hexadecimal with 0x
// ("0x1000"), either with a binary suffix K, M or G (×2^10, 2^20, 2^30;
// upper or lower case): "4K", "0x10M". Signs, spaces and overflow of 64
// bits are errors.
func ParseSize(s string) (uint64, error) {
	bad := func(why string) (uint64, error) {
		return 0, fmt.Errorf("%w %q: %s", ErrBadNumber, s, why)
	}
	digits, shift := s, uint(0)
	if n := len(digits); n > 0 {
		switch digits[n-1] {
		case 'K', 'k':
			shift = 10
		case 'M', 'm':
			shift = 20
		case 'G', 'g':
			shift = 30
		}
		if shift != 0 {
			digits = digits[:n-1]
		}
	}
	base := uint64(10)
	if len(digits) > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') {
		base, digits = 16, digits[2:]
	}
	if digits == "" {
		return bad("no digits")
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		d := digitValue(digits[i])
		if d >= base {
			return bad(fmt.Sprintf("unexpected %q", digits[i]))
		}
		hi, lo := bits.Mul64(v, base)
		if hi != 0 || lo+d < lo {
			return bad("out of range")
		}
		v = lo + d
	}
	if shift != 0 && v > (^uint64(0))>>shift {
		return bad("out of range")
	}
	return v << shift, nil
}

func digitValue(c byte) uint64 {
	switch {
	case '0' <= c && c <= '9':
		return uint64(c - '0')
	case 'a' <= c && c <= 'f':
		return uint64(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return uint64(c-'A') + 10
	}
	return 255
}
