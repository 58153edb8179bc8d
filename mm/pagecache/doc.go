// Package pagecache keeps the pages of files in frames, shared by the
// shell's reads and writes and by every mapping of the file in every
// address space: there is one copy of a file page in memory.
//
// # Object model
//
// A Cache holds the counters and the list of files; a File is one file's
// cache: its size, a dense index from page number to frame (made as the
// file grows, so that the fault path never allocates), per-page flags
// (dirty, under writeback, queued by reclaim), the address spaces that
// map it (the reverse map, as Linux's address_space.i_mmap) and a sticky
// writeback error (as Linux's errseq: reported once, by the next sync or
// msync). Where the bytes come from and go to is the Backing: an ext2
// inode on a virtio disk in the kernel, an in-memory file in tests.
//
// A swap-backed file (NewSwapBackedFile: tmpfs, as Linux's shmem) has a
// SwapBacking whose store is swap. Its pages are its data: writeback,
// Sync, msync and drop_caches leave them in memory, a fault fills its
// own page without readahead, a failed swap-out or fill is no error of
// the file, and only the reclaimer writes them, to swap
// (swapbacked.go).
//
// # References
//
// The cache holds one reference to each of its frames (frame state
// PageCache); every PTE that maps the frame holds one more; writeback
// holds one while the page is written. A frame is freed when the last is
// dropped: a page truncated away while still mapped privately lives until
// its last PTE goes.
//
// # Dirty pages
//
// A page is dirty when the shell wrote it (WriteAt), or when a PTE of a
// MAP_SHARED mapping has its hardware Dirty bit set. Mappers move PTE
// Dirty bits into the cache (SyncDirty, and whenever a PTE is dropped);
// writeback clears the page's flag before it copies the page out, so a
// write during writeback dirties it again and is written next time:
// nothing is lost, and the device never sees a torn page because the
// driver copies the page into its bounce buffer in one go. The reclaimer
// never writes a dirty page itself: it queues it, and the page's write
// ends with it at the tail of its inactive list (reclaim.go).
//
// # Locking
//
// A Cache and its Files have no lock of their own. Goroutine-context
// calls (ReadAt, WriteAt, Truncate, Writeback, reclaim, mapper changes)
// hold the big kernel lock. The fault path (FaultPage) runs in a fault
// taken by the goroutine that holds it and takes no lock: it only fills
// an index slot that already exists, with a frame from the
// FrameSource's reserve, reading it with polled I/O (which may take the
// virtio queue spinlock).
//
// # Missing
//
// Readahead is per file (one window), not per open file. The reclaimer
// (mm/vm reclaim.go) drops clean pages through ReclaimPage and queues
// dirty ones for writeback (reclaim.go); nothing here ages pages by
// itself. Writes are not asynchronous below the Backing: the goroutine
// that writes a page waits for it.
package pagecache
