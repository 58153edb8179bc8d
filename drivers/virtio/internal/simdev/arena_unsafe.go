package simdev

import (
	"unsafe"

	"github.com/pagoda-os/pagoda/mm"
)

// word is the 32-bit word at pa, for the atomic accesses to the rings'
// flags|idx words that the driver also makes atomically.
//
// Preconditions: pa is 4-byte aligned and inside the arena.
func (a *Arena) word(pa mm.PhysAddr) *uint32 {
	b := a.Bytes(pa, 4)
	if uintptr(unsafe.Pointer(&b[0]))&3 != 0 {
		panic("simdev.Arena.word: misaligned")
	}
	return (*uint32)(unsafe.Pointer(&b[0]))
}
