// Package mm is the root of Pagoda's portable memory subsystem: the
// address types every part of it shares, and the direct map, the one way
// mm code reaches physical memory.
//
// Its subpackages, in the order the issues add them:
//
//	frame/      physical frames: buddy allocator, frame table (state,
//	            reference counts)
//	pagetable/  4-level page tables over physical memory
//	vm/         address spaces, VMAs, fault resolution, copy-on-write,
//	            fork, the fault reserves, and reclaim (reclaim.go, lru.go:
//	            the LRU lists, kswapd, direct reclaim, swap-out)
//	pagecache/  file pages: lookup, fill, dirty tracking, writeback
//	tmpfs/      RAM filesystem whose pages are swap-backed
//	swap/       swap areas (mkswap format), slots, swap cache
//	sim/        host simulator: physical-memory arena and software MMU
//
// Nothing under mm/ imports TamaGo, boot/, drivers/ or kernel/: it builds
// and is tested on the host (README.md, Design).
//
// The direct map. On bare metal (directmap_tamago.go) physical memory is
// identity-mapped, so a physical address is its own kernel virtual
// address. On the host (directmap_host.go) physical memory is simulated by
// arenas, byte slices registered at a physical base address; the direct
// map looks the address up among them. The choice is made by build tag,
// not by an interface, so the bare-metal path is a conversion.
// PhysBytes and FrameBytes (frame_unsafe.go) are the one way to see
// physical memory as bytes; unsafe stays in files named *_unsafe.go.
//
// Invariant: memory reached through the direct map (the frame table, page
// tables, user pages) never holds Go pointers.
//
// Locking. mm has one lock, and it is not in mm: the big kernel lock,
// which the kernel holds around every shell command, the background
// writeback and reclaim, and every workload that touches a mapping. A page
// fault is taken by the goroutine that holds it, on the one CPU, so the
// fault path runs under it too and takes no lock of its own. No package
// here locks its own state; each says what its callers must hold. Below
// mm, the virtio driver guards its queues with spinlocks that the fault
// path may take (drivers/virtio). The order:
//
//	big kernel lock          (kernel; held by the caller of everything here)
//	    ext2 FS.mu           (fs/ext2: one filesystem's metadata)
//	        virtio Queue.lock  (drivers/virtio spinlock; never held across a call out)
//
// The fault path takes only the last.
package mm
