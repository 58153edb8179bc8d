// Package vm is Pagoda's address spaces: the VMAs that say what a range of
// the mapping window is, the page tables that say what is there now, and
// the fault handler that brings the two together, with Linux's semantics
// for mmap, munmap, mprotect, mremap, madvise, mincore and fork.
//
// Object model.
//
//	MM            what all address spaces share: the frame allocator, the
//	              page-table frame source, the window, the kernel's PML4
//	              (whose entries outside the window every address space
//	              shares), and the zero page.
//	AddressSpace  a PML4 of its own (kernel half shared, window half
//	              private) and a sorted slice of VMAs.
//	VMA           [Start, End) of the window with a protection and flags;
//	              anonymous private memory, or a file's pages
//	              (filemap.go), shared anonymous memory included: such
//	              a VMA maps an unnamed tmpfs file of its size (its
//	              object, made by MM.Shmem, as Linux's shmem_zero_setup;
//	              shmem.go) and keeps MapShared|MapAnonymous in its
//	              Flags. The object is shared across fork like any
//	              file, its pages are page-cache pages that go to swap
//	              like any tmpfs page's, and it goes with its last VMA.
//	anonObject    a private VMA's anonymous object (rmap.go, Linux's
//	              anon_vma): the anonymous pages the VMA makes belong to
//	              it, each at its linear offset (the VMA's pgoff plus
//	              its index, kept by splits and mremap). A child's VMA
//	              gets one whose parent is the parent VMA's
//	              (anon_vma_fork); a VMA is a member of every object up
//	              its chain, so an object's members are every VMA that
//	              may map its pages, and reclaim walks those only
//	              (rmap_walk_anon), never every address space.
//
// Leaf states (leaf.go: LeafState, each read by LeafOf), as a private
// anonymous VMA sees them, per page:
//
//	absent        no PTE: a read maps the zero page, a write a new frame
//	zero          read-only PTE to the shared zero page: a write copies away
//	writable      PTE to a frame with one reference, writable per the VMA
//	              (a private page; in a shared VMA, the object's page)
//	cow           read-only PTE to a frame with several references (after
//	              fork): a write copies, or reuses the frame in place once
//	              the other users are gone (as Linux do_wp_page, cow.go)
//	prot-none     a non-present PTE holding the frame, so that the frame
//	              survives until mprotect makes it present
//	swap          a non-present PTE holding a swap.Entry (swapin.go)
//
// A Leaf carries its size: vm maps 4 KiB pages only today, but reads a
// 2 MiB leaf (a PDE with PS) as one.
//
// Invariants (checked by the tests after every step):
//   - VMAs are sorted, non-overlapping, page-aligned, inside the window;
//   - every PTE in the window lies inside a VMA;
//   - a frame's reference count equals the number of PTEs (present or
//     PROT_NONE) mapping it, plus one for the page cache when it caches
//     a file page (a shared anonymous page is one), plus one for the
//     swap cache when it caches a slot;
//   - a file VMA's PTEs map the cache's page of their index (MAP_SHARED,
//     or MAP_PRIVATE read-only) or a private copy, never a page past
//     the end of file; the file's reverse map counts each file VMA;
//   - the MM records an object for exactly the files of shared
//     anonymous VMAs, each mapped, of its recorded size; sharedPages
//     adds their pages up; no VMA maps an object below its dead
//     pages (shmem.go), and none of them is kept;
//   - RSS equals the number of PTEs mapping a frame other than the zero
//     page;
//   - every private VMA has an anonObject and no shared one has; each
//     object's members are the address spaces of the VMAs whose chain
//     holds it, with their counts; with reclaim on, the walk from every
//     anonymous or swap-cache frame finds exactly the PTEs a scan of
//     every address space finds mapping it;
//   - Committed_AS equals the pages of every accounted VMA plus those of
//     every charged shared anonymous object (commit.go: what is charged,
//     when, and under which overcommit policy);
//   - with reclaim on, every frame a PTE or a cache holds, but the zero
//     page, is on exactly one of the reclaimer's lists, under its
//     tag, and each list's count is its length (reclaim.go, lru.go);
//     under lru2q each page is on a list of its type, anon or file,
//     and a frame off the lists keeps no flag (lru2q.go).
//
// The fault path (fault.go) allocates no Go memory, takes no lock, and
// takes frames and page-table pages from the MM's reserves (reserve.go),
// refilled outside faults; a fault that finds them low restocks them
// itself, reclaiming first when memory is below min (reclaim.go).
//
// Faults come in two contexts, as Linux's FAULT_FLAG_ALLOW_RETRY splits
// them. HandleFault is the kernel's, from the trap handler: atomic, it
// reads a missing file page or swap slot polling the disk. HandleFaultRetry
// is a user process's, from its goroutine (retry.go): it runs the same
// atomic code with I/O forbidden, and where that would have to wait (a
// page to read, reserves to restock) it gets mustRetry (VM_FAULT_RETRY)
// and what was lacking; it then refills the reserves, reads the page into
// the page cache or the swap cache through the sleeping, interrupt-driven
// reads, with the fault's readahead, and runs the attempt again (the
// retry works at most twice; if the attempt after that still lacks
// something, a last one runs as HandleFault does, as Linux's last try
// without ALLOW_RETRY). Stats.RetryFaults counts them (vmstat pgfault_retry).
//
// Reclaim's policies (lru.go, lru2q.go) and refault detection
// (workingset.go: the shadows evicted pages leave in their page-cache
// or swap slots) are described in their files.
//
// Accounting (meminfo.go, vmstat.go): MM.Meminfo and MM.Vmstat compute
// the figures of Linux's /proc/meminfo and /proc/vmstat from the objects
// that own the pages; proctext.go formats them, and maps, smaps, swaps,
// zoneinfo and buddyinfo, as Linux's /proc files, for both the shell's
// commands and proc's /proc (one formatter, the same bytes).
//
// Locking: the MM and its AddressSpaces have no lock of their own. Every
// call (mmap, munmap, mprotect, mremap, fork, Refill, reclaim, swapoff)
// holds the big kernel lock, and HandleFault runs in a fault taken by the
// goroutine that holds it, so a fault never races a change of the VMAs or
// page tables. Below it the fault path may take only the virtio queue
// spinlock, through polled swap and file I/O. HandleFaultRetry's caller
// holds the kernel lock too, and keeps it while the retry path sleeps on
// the disk: below it the retry takes what goroutine-context reads take
// (ext2's FS.mu, the driver's request slots and Disk.mu), and the
// interrupt service goroutine that wakes it does not need the lock.
//
// Missing: 2 MiB pages in VMAs (Leaf already reads them), a lock of the
// MM's own for when faults no longer come from the lock holder (user
// mode; the retry path then drops it while it sleeps, as Linux drops
// mmap_lock, and pins the page it read until the next attempt),
// asynchronous swap-out and swap-out from the retry path (its reclaim
// still writes polling); in the reverse map, Linux's reuse of
// anon_vmas by later generations (a long fork chain keeps an object per
// generation) and an interval tree of an object's VMAs (the walk scans
// each member address space's VMAs); mremap's MREMAP_DONTUNMAP and its
// duplication of shared mappings (an old length of 0).
package vm
