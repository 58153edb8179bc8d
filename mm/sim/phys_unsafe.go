//go:build !tamago

package sim

import (
	"unsafe"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// physBytes is the n bytes of simulated physical memory at pa. It panics,
// through mm.DirectMap, if they are not inside one arena.
func physBytes(pa mm.PhysAddr, n int) []byte {
	return unsafe.Slice((*byte)(mm.DirectMap(pa, uintptr(n))), n)
}

// entryAt is the paging-structure entry at physical address pa, as the
// MMU's page walker reads and updates it.
func entryAt(pa mm.PhysAddr) *pagetable.PTE {
	return (*pagetable.PTE)(mm.DirectMap(pa, unsafe.Sizeof(pagetable.PTE(0))))
}
