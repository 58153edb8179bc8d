package ext2

import (
	"unsafe"

	"github.com/pagoda-os/pagoda/mm"
)

// frameBytes is the first n bytes of the frame at pa, through the direct
// map.
func frameBytes(pa mm.PhysAddr, n int) []byte {
	return unsafe.Slice((*byte)(mm.DirectMap(pa, mm.PageSize)), n)
}
