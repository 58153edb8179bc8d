package virtio

import "unsafe"

// word returns the 32-bit word at b[off:off+4] for sync/atomic. The rings
// keep their 16-bit flags and idx fields together in one aligned word
// (VIRTIO 1.2 §2.7.6, §2.7.8), so that idx can be read and published
// atomically without 16-bit atomics, which sync/atomic lacks.
//
// Preconditions: off+4 <= len(b); &b[off] is 4-byte aligned.
func word(b []byte, off int) *uint32 {
	p := &b[off : off+4][0]
	if uintptr(unsafe.Pointer(p))&3 != 0 {
		panic("virtio.word: misaligned ring word")
	}
	return (*uint32)(unsafe.Pointer(p))
}
