package tmpfs

import (
	"unsafe"

	"github.com/pagoda-os/pagoda/mm"
)

// frameBytes is the page frame at pa as bytes, through the direct map.
func frameBytes(pa mm.PhysAddr) []byte {
	return unsafe.Slice((*byte)(mm.DirectMap(pa, mm.PageSize)), mm.PageSize)
}
