// Package tmpfs is a filesystem in memory, with Linux tmpfs (shmem)
// semantics: directories and regular files whose data are ordinary
// page-cache pages (mm/pagecache) of swap-backed files. So the
// file-mapping code works on them unchanged (MAP_SHARED shares the
// cache's frames between address spaces, MAP_PRIVATE copies on write,
// a page past the end of file is a bus error, truncate unmaps), and the
// reclaimer can push their pages to swap by writing them back through
// the file's Backing, as it writes an ext2 page to its disk.
//
// # Object model
//
// An FS is one instance (one mount): a tree of inodes from its root,
// directories holding names, regular files holding a File. A File is a
// pagecache.File (made with NewSwapBackedFile, so that writeback, sync
// and drop_caches leave it alone) over a backing that keeps, per page
// below the end of file, one of three states (pageState):
//
//	hole      never written, or truncated away: reads as zeros; not
//	          charged to the size limit, never cached
//	inMemory  only in the page cache
//	inSwap    a copy in swap, under a swap entry; the cache may hold
//	          the page too, newer than the copy only when dirty
//
// The transitions, each in one function of backing.go: a fault or a
// read of a hole zero-fills it (ReadPage: hole → inMemory, charged); a
// write charges its holes first (File.WriteAt); the reclaimer's
// WritePage is a swap-out (→ inSwap, freeing an older entry); a fault
// on a page in swap reads it back and keeps the entry, so that the
// clean page can be dropped again without another write (as Linux's
// swap cache); swapoff's Unswap dirties the page in the cache and frees
// the entry (inSwap → inMemory); Truncate forgets the pages past the
// end (freeing their entries, uncharging them).
//
// Invariant, for the reclaimer: a clean cached page holds what ReadPage
// would make of it (zeros for a page inMemory: it was made from a hole
// and never written; the copy for a page inSwap), so it may be dropped
// without a write; a dirty one must go out through WritePage first.
// Evict and drop_caches leave tmpfs pages alone regardless.
//
// # The size limit
//
// Options.Pages bounds the pages the filesystem holds, in memory or in
// swap: Linux's size= (whose default, half of RAM, the caller works
// out; 0 is no limit, as Linux's size=0). A write that needs more fails
// with ErrNoSpace and changes nothing; a fault that needs a new page
// past the limit gets ErrNoSpace from ReadPage, which the page cache
// makes a bus error (as Linux's shmem_fault returns VM_FAULT_SIGBUS on
// ENOSPC).
//
// # Unlinked files
//
// A file's data lives while it has a name, an Open reference or a
// mapping (as Linux keeps an unlinked inode until its last reference):
// Unlink, Close and the page cache's unmap hook (the last mapping gone)
// each check, and the last one discards the data. NewUnlinked makes a
// file that never had a name, held only by the mapping its caller makes
// at once: the object of a shared anonymous mapping, on an instance the
// kernel keeps for that (Linux's shmem_kernel_file_setup on shm_mnt).
//
// # Swap
//
// Swap is the interface to the kernel's swap layer: Out writes a page
// and returns its entry, In reads one back (polled, without allocating,
// when it runs in a page fault), Free releases an entry. With no Swap
// (nil), or when Out fails, WritePage fails: the page stays dirty in
// memory, and the page cache does not make that an I/O error of the
// file. Unswap serves swapoff.
//
// # Locking
//
// An FS has no lock of its own. Goroutine-context calls hold the big
// kernel lock, as the page cache's do. ReadPage with fault set runs in a
// page fault taken by the goroutine that holds it: it takes no lock and
// allocates nothing; it reads the
// per-page table, which only goroutine-context size changes (Truncate,
// through the page cache) resize, and the limit counters.
//
// # Names and times
//
// Hard links (Link), symlinks (Symlink, Readlink; a walk never follows
// one: the VFS resolves symlinks before it calls), and Rename with
// Linux's rules (link.go). Each inode keeps atime, mtime and ctime in
// nanoseconds from FS.Now: creation sets all three; a write or a
// truncate, and a change of a directory's entries, stamp mtime and
// ctime; a change of links or of the times stamps ctime. atime is never
// updated by a read (noatime), only by SetTimes.
//
// # Missing
//
// Ownership, an inode limit
// (nr_inodes=), huge pages, and the mount options besides size=.
package tmpfs
