//go:build tamago

package amd64

import "unsafe"

// The one place in arch/amd64 where numbers become pointers and pointers
// numbers: the trap path reads and rewrites interrupted stacks, the
// tables the CPU reads (GDT, IDT, TSS) are handed over by address, pages
// are zeroed by address. Every other file reaches memory through these.

// at is the memory at address a: a stack slot of an interrupted frame, a
// page to zero. The bits of a are reinterpreted as a pointer.
func at(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

// bytesAt is the n bytes at address a.
func bytesAt(a uintptr, n uintptr) []byte { return unsafe.Slice((*byte)(at(a)), n) }

// addrOf is the address of *p, for a table or stack the CPU is told of.
func addrOf[T any](p *T) uint64 { return uint64(uintptr(unsafe.Pointer(p))) }

// sizeOf is the size of *p in bytes, for a descriptor table's limit.
func sizeOf[T any](p *T) uintptr { return unsafe.Sizeof(*p) }
