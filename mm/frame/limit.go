package frame

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
)

// The kernel option mm.limit=SIZE caps the memory mm manages (frames for
// every use: page tables, anonymous and page-cache pages, the frame table
// itself), so that pressure experiments run in small memory without
// changing QEMU's -m. The managed ranges are cut, lowest addresses kept.

// MinLimit is the least mm.limit accepted: the frame table, the fault
// path's reserves (1.25 MiB) and some room to work.
const MinLimit = 8 << 20

// LimitRanges keeps the first limit bytes (whole pages) of ranges.
func LimitRanges(ranges []mm.AddrRange, limit uint64) ([]mm.AddrRange, error) {
	if limit < MinLimit {
		return nil, fmt.Errorf("mm.limit=%d is below the minimum, %d MiB", limit, MinLimit>>20)
	}
	limit &^= mm.PageSize - 1
	var out []mm.AddrRange
	for _, r := range ranges {
		if limit == 0 {
			break
		}
		if r.Size() > limit {
			r.End = r.Start + mm.PhysAddr(limit)
		}
		out = append(out, r)
		limit -= r.Size()
	}
	return out, nil
}
