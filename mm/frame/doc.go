// Package frame owns physical memory: a buddy allocator over every frame
// the firmware's map leaves to mm, and the frame table that records each
// frame's state.
//
// Object model. The frame table is an array of Frame records, one per
// frame from the lowest to the highest managed frame, holes included. It
// lives in managed memory (it takes the first frames of the first managed
// range large enough), is reached through mm.DirectMap, and holds no Go
// pointers. A block is 2^order contiguous frames aligned to 2^order, for
// order 0 (4 KiB) to MaxOrder (4 MiB). Only a block's head record (its
// first frame) is authoritative: it carries the state, the order and, while
// the block is free, the links of its free list. The records of the other
// frames of a block are not used while the block is whole.
//
// Invariants:
//   - every managed frame is in exactly one block, free or allocated;
//   - a free block is on the free list of its order, and its buddy (the
//     block of the same order it would merge with) is not free at that
//     order: free blocks are coalesced as far as they go;
//   - FreePages equals the sum over orders of len(free list) << order, and
//     the per-state page counts add up to the managed pages.
//
// Each state transition happens in one function: take (Free → owner
// state, in Alloc) and release (owner state → Free, in Free). With
// -tags mmdebug, freed frames are poisoned and the poison is checked when
// they are allocated again, and every transition is checked. Frames are
// poisoned when freed, not at boot: New touches no frame but the table's,
// so it runs before the kernel's page tables map all of RAM.
//
// Each allocated block has a reference count (IncRef, DecRef, Refs): one
// per PTE, cache or reserve that holds it. The page-fault path does not
// call Alloc: it takes frames from reserves that mm/vm refills outside
// faults (vm/reserve.go), and Free, IncRef and DecRef allocate nothing.
//
// Locking: the Allocator has no lock of its own. Callers hold the big
// kernel lock: goroutine-context calls run under it, and the fault path
// calls in from a fault taken by the goroutine that holds it, on the one
// CPU. Nothing here may be called from an interrupt handler.
//
// Missing: per-CPU free lists (there is one CPU), zones (DMA32 and the
// like), compaction, and a lock of its own for callers outside the big
// kernel lock.
package frame
