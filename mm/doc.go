// Package mm is the root of Pagoda's portable memory subsystem: the
// address types every part of it shares, and the direct map, the one way
// mm code reaches physical memory.
//
// Its subpackages, in the order the issues add them:
//
//	frame/      physical frames: buddy allocator, frame table
//	pagetable/  4-level page tables over physical memory
//	vm/         address spaces, VMAs, fault resolution, copy-on-write, fork
//	pagecache/  file pages: lookup, fill, dirty tracking, writeback
//	tmpfs/      RAM filesystem whose pages are swap-backed
//	swap/       swap areas, slots, swap cache, reclaim
//	sim/        host simulator: physical-memory arena and software MMU
//
// Nothing under mm/ imports TamaGo, boot/, drivers/ or kernel/: it builds
// and is tested on the host (see ../shared/DESIGN.md).
//
// The direct map. On bare metal (directmap_tamago.go) physical memory is
// identity-mapped, so a physical address is its own kernel virtual
// address. On the host (directmap_host.go) physical memory is simulated by
// arenas, byte slices registered at a physical base address; the direct
// map looks the address up among them. The choice is made by build tag,
// not by an interface, so the bare-metal path is a conversion.
//
// Invariant: memory reached through the direct map (the frame table, page
// tables, user pages) never holds Go pointers.
package mm
