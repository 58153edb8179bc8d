package frame

import (
	"unsafe"

	"github.com/pagoda-os/pagoda/mm"
)

// frameRecordBytes is the size of one frame-table record.
const frameRecordBytes = uint64(unsafe.Sizeof(Frame{}))

// frameTable is the frame table of n records at r, through the direct map.
// The records hold no Go pointers; the slice is the Allocator's own and
// never leaves the package.
//
// Preconditions: r holds at least n records.
func frameTable(r mm.AddrRange, n uint64) []Frame {
	return unsafe.Slice((*Frame)(mm.DirectMap(r.Start, uintptr(r.Size()))), n)
}
