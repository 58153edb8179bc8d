// Package mm is the root of Pagoda's portable memory subsystem. It holds
// no code yet; its subpackages, added by the issues that follow, are:
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
package mm
