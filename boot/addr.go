package boot

import (
	"errors"
	"slices"

	"github.com/pagoda-os/pagoda/mm"
)

// PhysAddr and AddrRange are mm's: the firmware's map is handed to mm
// without conversion.
type (
	PhysAddr  = mm.PhysAddr
	AddrRange = mm.AddrRange
)

// Errors of the boot package.
var (
	ErrNoRoom    = errors.New("boot: RAM does not hold the runtime and DMA regions")
	ErrStartInfo = errors.New("boot: malformed PVH start_info")
)

// normalize sorts ranges and merges overlapping or touching ones.
func normalize(rs []AddrRange) []AddrRange {
	slices.SortFunc(rs, func(a, b AddrRange) int {
		switch {
		case a.Start < b.Start:
			return -1
		case a.Start > b.Start:
			return 1
		}
		return 0
	})
	var out []AddrRange
	for _, r := range rs {
		if r.Start >= r.End {
			continue
		}
		if n := len(out); n > 0 && r.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, r.End)
			continue
		}
		out = append(out, r)
	}
	return out
}

// covered reports whether r lies wholly inside the normalized set rs.
func covered(rs []AddrRange, r AddrRange) bool {
	for _, x := range rs {
		if x.Start <= r.Start && r.End <= x.End {
			return true
		}
	}
	return false
}

// subtract returns the normalized set rs less every range in cut.
func subtract(rs, cut []AddrRange) []AddrRange {
	out := slices.Clone(rs)
	for _, c := range cut {
		if c.Start >= c.End {
			continue
		}
		var next []AddrRange
		for _, r := range out {
			if c.End <= r.Start || r.End <= c.Start {
				next = append(next, r)
				continue
			}
			if r.Start < c.Start {
				next = append(next, AddrRange{Start: r.Start, End: c.Start})
			}
			if c.End < r.End {
				next = append(next, AddrRange{Start: c.End, End: r.End})
			}
		}
		out = next
	}
	return out
}
