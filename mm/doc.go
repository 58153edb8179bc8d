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
//	            fork, mremap, the fault reserves, the anonymous reverse
//	            map (rmap.go), and reclaim (reclaim.go, lru.go, lru2q.go,
//	            workingset.go, kswapd.go: the LRU lists, the split LRU and
//	            swappiness, refault detection, direct reclaim, swap-out,
//	            kswapd)
//	pagecache/  file pages: lookup, fill, dirty tracking, writeback
//	tmpfs/      RAM filesystem whose pages are swap-backed
//	swap/       swap areas (mkswap format), slots, swap cache entries
//	sim/        host simulator: physical-memory arena and software MMU
//	workload/   page-access orders of the experiments (zipf, hotcold,
//	            loop, traces), for the shell and the host lab alike
//
// Nothing under mm/ imports TamaGo, boot/, drivers/ or kernel/: it builds
// and is tested on the host (docs/design.md: the layers, the fault
// model, the locking).
//
// The direct map. On bare metal (directmap_unsafe_tamago.go) every kernel
// page table maps all physical memory at DirectMapBase (0xffff888000000000,
// Linux's PAGE_OFFSET), so a physical address p is at kernel virtual
// address DirectMapBase + p. On the host (directmap_unsafe.go) physical
// memory is simulated by
// arenas, byte slices registered at a physical base address; the direct
// map looks the address up among them. The choice is made by build tag,
// not by an interface, so the bare-metal path is a conversion.
// PhysBytes and FrameBytes (frame_unsafe.go) are the one way to see
// physical memory as bytes; unsafe stays in files named *_unsafe.go.
//
// Invariant: memory reached through the direct map (the frame table, page
// tables, user pages) never holds Go pointers.
//
// Locking. mm has one lock, and it is not in mm: the big kernel lock
// (lock.Kernel), which the shell holds around every command, the flusher
// around each writeback pass, kswapd around each reclaim pass, and halt
// around its sync. A page fault in the window is taken by the goroutine
// that holds it, on the one CPU, so the fault path runs under it too and
// takes no lock of its own (a user process's fault runs in its goroutine,
// which holds the lock too, and may sleep in the retry path). No package
// here locks its own state; each says what its callers must hold. Below mm, the virtio driver guards its
// queues with spinlocks (lock.Spin) that the fault path may take.
//
// The lock order of the whole kernel, outermost first; a lock is only
// taken while holding those above it on its branch. This is the map the
// SMP work will cut up:
//
//	lock.Kernel                the big kernel lock (lock/kernel.go): every
//	│                          address space, the MM (reserves, commit,
//	│                          reclaim lists, swap areas), the page cache,
//	│                          tmpfs, the mount table (fs/vfs)
//	├── ext2 FS.mu             one filesystem's metadata and inodes
//	│   │                      (fs/ext2); Inode.BlockAt reads the block
//	│   │                      map without it (see there)
//	│   └── blk Disk.slots     a free request slot (a channel: may sleep)
//	│       └── virtio Queue.lock   the ring (lock.Spin, short sections)
//	├── (page fault in the window: takes no sleeping lock)
//	│   └── virtio Queue.lock  through the fault's reserved request slot,
//	│                          with LockFault: found held, a kernel bug
//	├── (a user fault's retry path, vm retry.go: as a goroutine's reads,
//	│                          through ext2 FS.mu and blk Disk.slots above,
//	│                          or swap's ReadAt: Disk.slots, then Disk.mu)
//	└── blk Disk.mu            the progress channel (swap and file I/O
//	                           waiting for completions)
//
//	Outside the big kernel lock, never nested with it:
//	  the interrupt service goroutine   takes Disk.mu and Queue.lock to
//	                                    harvest completions and wake waiters
//	  arch ioapicMu, kernel routesMu    interrupt routing, at boot and in
//	                                    the irq self-test
//	  mm arena registry (host only)     the simulator's physical memory
package mm
