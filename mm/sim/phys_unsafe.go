//go:build !tamago

package sim

import (
	"unsafe"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// entryAt is the paging-structure entry at physical address pa, as the
// MMU's page walker reads and updates it.
func entryAt(pa mm.PhysAddr) *pagetable.PTE {
	return (*pagetable.PTE)(mm.DirectMap(pa, unsafe.Sizeof(pagetable.PTE(0))))
}
