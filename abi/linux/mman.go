package linux

// The values of mmap(2), mprotect(2), madvise(2), msync(2) and mremap(2)
// on x86-64, named as Linux's uapi headers name them:
//
//	include/uapi/asm-generic/mman-common.h  PROT_*, MAP_TYPE..MAP_UNINITIALIZED, MS_*, MADV_*
//	include/uapi/asm-generic/mman.h         MAP_GROWSDOWN..MAP_NORESERVE
//	arch/x86/include/uapi/asm/mman.h        MAP_32BIT
//	include/uapi/linux/mman.h               MAP_SHARED..MAP_SHARED_VALIDATE, MAP_HUGE_*, MREMAP_*
//	include/uapi/asm-generic/hugetlb_encode.h  the MAP_HUGE_* encoding
//
// They are untyped, as in C, so that they combine with the raw register
// a system call receives.

// Protection bits (mmap, mprotect).
const (
	PROT_NONE      = 0x0
	PROT_READ      = 0x1
	PROT_WRITE     = 0x2
	PROT_EXEC      = 0x4
	PROT_SEM       = 0x8        // may be used for atomic ops: nothing to do on x86
	PROT_GROWSDOWN = 0x01000000 // mprotect only: extend the change to the start of a growsdown VMA
	PROT_GROWSUP   = 0x02000000 // mprotect only: extend the change to the end of a growsup VMA
)

// Mapping types: the low four bits of mmap's flags, MAP_TYPE.
const (
	MAP_SHARED          = 0x01
	MAP_PRIVATE         = 0x02
	MAP_SHARED_VALIDATE = 0x03 // MAP_SHARED that fails on flags it does not know (Linux 4.15)
	MAP_DROPPABLE       = 0x08 // Linux 6.11
	MAP_TYPE            = 0x0f
)

// Mapping flags.
const (
	MAP_FIXED           = 0x10
	MAP_ANONYMOUS       = 0x20
	MAP_32BIT           = 0x40 // x86-64 only: place the mapping in the first 2 GiB
	MAP_GROWSDOWN       = 0x0100
	MAP_DENYWRITE       = 0x0800 // ignored by Linux
	MAP_EXECUTABLE      = 0x1000 // ignored by Linux
	MAP_LOCKED          = 0x2000
	MAP_NORESERVE       = 0x4000
	MAP_POPULATE        = 0x008000
	MAP_NONBLOCK        = 0x010000
	MAP_STACK           = 0x020000
	MAP_HUGETLB         = 0x040000
	MAP_SYNC            = 0x080000 // DAX files only, with MAP_SHARED_VALIDATE
	MAP_FIXED_NOREPLACE = 0x100000 // Linux 4.17
	MAP_UNINITIALIZED   = 0x4000000
	MAP_FILE            = 0 // compatibility: a file mapping is the absence of MAP_ANONYMOUS
)

// The huge page size of a MAP_HUGETLB mapping: log2 of the size in the six
// bits from MAP_HUGE_SHIFT (0: the default size).
const (
	MAP_HUGE_SHIFT = 26
	MAP_HUGE_MASK  = 0x3f
	MAP_HUGE_2MB   = 21 << MAP_HUGE_SHIFT
	MAP_HUGE_1GB   = 30 << MAP_HUGE_SHIFT
)

// LEGACY_MAP_MASK is the flags every file's mmap accepts: what
// MAP_SHARED_VALIDATE checks against for a file that adds none
// (include/linux/mman.h, not uapi; x86-64 defines every flag in it).
const LEGACY_MAP_MASK = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS |
	MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN |
	MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK |
	MAP_HUGETLB | MAP_32BIT | MAP_HUGE_2MB | MAP_HUGE_1GB

// madvise advice.
const (
	MADV_NORMAL          = 0
	MADV_RANDOM          = 1
	MADV_SEQUENTIAL      = 2
	MADV_WILLNEED        = 3
	MADV_DONTNEED        = 4
	MADV_FREE            = 8  // Linux 4.5
	MADV_REMOVE          = 9  // Linux 2.6.16
	MADV_DONTFORK        = 10 // Linux 2.6.16
	MADV_DOFORK          = 11
	MADV_MERGEABLE       = 12 // KSM, Linux 2.6.32
	MADV_UNMERGEABLE     = 13
	MADV_HUGEPAGE        = 14 // transparent huge pages, Linux 2.6.38
	MADV_NOHUGEPAGE      = 15
	MADV_DONTDUMP        = 16 // Linux 3.4
	MADV_DODUMP          = 17
	MADV_WIPEONFORK      = 18 // Linux 4.14
	MADV_KEEPONFORK      = 19
	MADV_COLD            = 20 // Linux 5.4
	MADV_PAGEOUT         = 21
	MADV_POPULATE_READ   = 22 // Linux 5.14
	MADV_POPULATE_WRITE  = 23
	MADV_DONTNEED_LOCKED = 24 // Linux 5.18
	MADV_COLLAPSE        = 25 // Linux 6.1
	MADV_HWPOISON        = 100
	MADV_SOFT_OFFLINE    = 101
	MADV_GUARD_INSTALL   = 102 // Linux 6.13
	MADV_GUARD_REMOVE    = 103
)

// msync flags.
const (
	MS_ASYNC      = 1
	MS_INVALIDATE = 2
	MS_SYNC       = 4
)

// mremap flags.
const (
	MREMAP_MAYMOVE   = 1
	MREMAP_FIXED     = 2
	MREMAP_DONTUNMAP = 4 // Linux 5.7
)
