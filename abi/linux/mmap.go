package linux

import "github.com/pagoda-os/pagoda/mm/vm"

// Translations of the memory system calls' arguments, from the register
// a system call receives to Pagoda's mm/vm types, with Linux's rules for
// what is invalid, and back (for /proc-style output and for the tests:
// every value a translation gives translates back to itself).
//
// They check the arguments alone; what depends on the address space (is
// the range mapped, is there room) is vm's, and vm checks its own
// arguments again.

// MmapProt is mmap's prot as do_mmap reads it: calc_vm_prot_bits takes
// PROT_READ, PROT_WRITE and PROT_EXEC and nothing else, so mmap ignores
// every other bit, PROT_GROWSDOWN and PROT_GROWSUP included (only
// mprotect knows them). It cannot fail.
func MmapProt(prot uint64) vm.Prot {
	var p vm.Prot
	for _, b := range protBits {
		if prot&b.linux != 0 {
			p |= b.vm
		}
	}
	return p
}

// Prot is mprotect's prot, as do_mprotect_pkey checks it:
//   - PROT_GROWSDOWN and PROT_GROWSUP together: EINVAL;
//   - a bit beyond PROT_READ|PROT_WRITE|PROT_EXEC|PROT_SEM: EINVAL
//     (arch_validate_prot, x86 keeps the generic one; PROT_SEM asks
//     nothing of x86 and is dropped);
//   - PROT_GROWSDOWN (PROT_GROWSUP): extend the change to the start (end)
//     of a VMA that grows, and EINVAL when the VMA does not grow. No
//     Pagoda VMA grows (see MapFlags, MAP_GROWSDOWN), so either is
//     EINVAL here. Linux looks at the VMA first: for a range that is not
//     mapped it says ENOMEM, where Pagoda says EINVAL.
//
// Linux returns 0 for a zero length before it validates prot's bits
// (only PROT_GROWSDOWN|PROT_GROWSUP together, and an unaligned start,
// fail earlier); the system call checks the length first to match.
func Prot(prot uint64) (vm.Prot, error) {
	const grows = PROT_GROWSDOWN | PROT_GROWSUP
	if prot&^(PROT_READ|PROT_WRITE|PROT_EXEC|PROT_SEM|grows) != 0 || prot&grows != 0 {
		return 0, EINVAL
	}
	return MmapProt(prot), nil
}

// LinuxProt is p in PROT_* bits.
func LinuxProt(p vm.Prot) uint64 {
	var prot uint64
	for _, b := range protBits {
		if p&b.vm != 0 {
			prot |= b.linux
		}
	}
	return prot
}

var protBits = [...]struct {
	vm    vm.Prot
	linux uint64
}{{vm.ProtRead, PROT_READ}, {vm.ProtWrite, PROT_WRITE}, {vm.ProtExec, PROT_EXEC}}

// MapFlags is mmap's flags, checked as ksys_mmap_pgoff and do_mmap check
// them, in their order. Whether the mapping has a file is the flags' own
// MAP_ANONYMOUS: without it the caller maps a file (vm.MmapFile).
//
// The mapping type, flags&MAP_TYPE:
//   - MAP_PRIVATE, MAP_SHARED: vm.MapPrivate, vm.MapShared.
//   - MAP_SHARED_VALIDATE with a file: vm.MapShared, and EOPNOTSUPP for
//     any flag outside LEGACY_MAP_MASK (no Pagoda file has
//     mmap_supported_flags: MAP_SYNC is EOPNOTSUPP, as for any file
//     without DAX; so is MAP_FIXED_NOREPLACE, which Linux also leaves
//     out of the mask). Plain MAP_SHARED ignores those flags, as Linux
//     does for backward compatibility.
//   - MAP_SHARED_VALIDATE without a file: EINVAL (do_mmap has no such
//     case for anonymous memory).
//   - MAP_DROPPABLE: EINVAL, as Linux before 6.11 (glibc's getrandom
//     falls back); anything else: EINVAL.
//
// The flags, in the order Linux checks them:
//   - MAP_HUGETLB: without a file, ENOMEM, as Linux with no huge pages
//     reserved (vm.nr_hugepages is 0 by default: hugetlb_file_setup
//     fails); with a file, EINVAL, as for any file not on hugetlbfs.
//     Pagoda has no huge pages in VMAs. The MAP_HUGE_* size bits only
//     matter with MAP_HUGETLB.
//   - MAP_LOCKED: EPERM, as Linux for a process that may not lock
//     memory (can_do_mlock: RLIMIT_MEMLOCK 0, no CAP_IPC_LOCK). Pagoda
//     cannot keep pages from reclaim and swap; accepting it would be a
//     lie a program relies on (keys kept out of swap).
//   - MAP_GROWSDOWN: Linux refuses it with EINVAL for a file or shared
//     mapping and makes a private anonymous one a stack that grows down
//     on faults below it. Pagoda has no VMA that grows: EINVAL for all.
//   - MAP_32BIT without MAP_FIXED: place the mapping in [1 GiB, 2 GiB).
//     The mapping window lies far above that (it begins at a PML4 entry
//     of its own, away from the kernel's low memory): ENOMEM, as Linux
//     when that range is full. With MAP_FIXED Linux ignores it.
//   - MAP_FIXED_NOREPLACE: vm.MapFixedNoReplace, and wins over MAP_FIXED
//     when both are given (do_mmap sets MAP_FIXED itself, then fails
//     with EEXIST over an existing mapping); else MAP_FIXED: vm.MapFixed.
//   - MAP_POPULATE: vm.MapPopulate, unless MAP_NONBLOCK is also given
//     (do_mmap populates only for MAP_POPULATE without MAP_NONBLOCK).
//   - MAP_NORESERVE: vm.MapNoReserve. MAP_ANONYMOUS: vm.MapAnonymous.
//   - Ignored, as Linux ignores them: MAP_DENYWRITE and MAP_EXECUTABLE,
//     MAP_UNINITIALIZED (honoured only by no-MMU
//     kernels configured for it), MAP_STACK (a hint: no huge pages),
//     MAP_NONBLOCK alone, and, with MAP_PRIVATE or plain MAP_SHARED,
//     every bit Linux does not know.
func MapFlags(flags uint64) (vm.Flags, error) {
	anon := flags&MAP_ANONYMOUS != 0
	if flags&MAP_HUGETLB != 0 { // ksys_mmap_pgoff
		if anon {
			return 0, ENOMEM
		}
		return 0, EINVAL
	}
	if flags&MAP_LOCKED != 0 { // do_mmap: can_do_mlock
		return 0, EPERM
	}
	var f vm.Flags
	switch flags & MAP_TYPE {
	case MAP_PRIVATE:
		f = vm.MapPrivate
	case MAP_SHARED:
		// With a file, do_mmap masks the flags with LEGACY_MAP_MASK
		// before the check MAP_SHARED_VALIDATE makes, so that it never
		// fails; it acts on the flags as given (MAP_FIXED_NOREPLACE
		// still holds).
		f = vm.MapShared
	case MAP_SHARED_VALIDATE:
		if anon {
			return 0, EINVAL
		}
		if flags&^LEGACY_MAP_MASK != 0 {
			return 0, EOPNOTSUPP
		}
		f = vm.MapShared
	default:
		return 0, EINVAL
	}
	if flags&MAP_GROWSDOWN != 0 {
		return 0, EINVAL
	}
	if flags&(MAP_32BIT|MAP_FIXED|MAP_FIXED_NOREPLACE) == MAP_32BIT {
		return 0, ENOMEM
	}
	if anon {
		f |= vm.MapAnonymous
	}
	switch {
	case flags&MAP_FIXED_NOREPLACE != 0:
		f |= vm.MapFixedNoReplace
	case flags&MAP_FIXED != 0:
		f |= vm.MapFixed
	}
	if flags&(MAP_POPULATE|MAP_NONBLOCK) == MAP_POPULATE {
		f |= vm.MapPopulate
	}
	if flags&MAP_NORESERVE != 0 {
		f |= vm.MapNoReserve
	}
	return f, nil
}

// LinuxMapFlags is f in MAP_* bits.
func LinuxMapFlags(f vm.Flags) uint64 {
	var flags uint64
	for _, b := range mapBits {
		if f&b.vm != 0 {
			flags |= b.linux
		}
	}
	return flags
}

var mapBits = [...]struct {
	vm    vm.Flags
	linux uint64
}{
	{vm.MapShared, MAP_SHARED}, {vm.MapPrivate, MAP_PRIVATE}, {vm.MapAnonymous, MAP_ANONYMOUS},
	{vm.MapFixed, MAP_FIXED}, {vm.MapFixedNoReplace, MAP_FIXED_NOREPLACE},
	{vm.MapPopulate, MAP_POPULATE}, {vm.MapNoReserve, MAP_NORESERVE},
}

// Advice is madvise's advice (an int: the register's upper half is
// ignored), as madvise_behavior_valid accepts it, and what Pagoda does
// with it. apply is false for advice Linux accepts and Pagoda has
// nothing to do for; the caller still checks the range as Linux does
// (ENOMEM for a hole), which vm.Madvise does with vm.AdviceNormal.
//
//	NORMAL RANDOM SEQUENTIAL WILLNEED DONTNEED  vm's own advice
//	FREE           vm.AdviceDontNeed: freeing at once is what Linux does
//	               under memory pressure; a later read finds zeroes, as
//	               Linux allows. Linux refuses it (EINVAL) for a VMA
//	               that is not private anonymous memory; Pagoda drops
//	               those pages as DONTNEED would.
//	DONTNEED_LOCKED  vm.AdviceDontNeed: no Pagoda VMA is locked.
//	COLD PAGEOUT   ignored: hints to reclaim, which finds the pages itself.
//	DONTDUMP DODUMP  ignored: Pagoda writes no core dumps.
//	DOFORK KEEPONFORK  ignored: they restore the only fork behaviour
//	               Pagoda has.
//	REMOVE         EOPNOTSUPP, as Linux for a file system that cannot
//	               punch holes (vfs_fallocate).
//	DONTFORK WIPEONFORK  EINVAL, as Linux before 2.6.16 and 4.14: vm's
//	               Fork copies every mapping, and ignoring them would
//	               hand the child memory the program said it must not
//	               have (OpenSSL and others handle EINVAL).
//	POPULATE_READ POPULATE_WRITE  EINVAL, as Linux before 5.14 (callers
//	               fall back to touching the pages); ignoring them would
//	               move their errors to a later fault.
//	MERGEABLE UNMERGEABLE  EINVAL, as Linux without CONFIG_KSM.
//	HUGEPAGE NOHUGEPAGE  mark the range for transparent huge pages or
//	               against them (vm's hugepage.go).
//	COLLAPSE       EINVAL: Pagoda has no khugepaged to collapse 4 KiB
//	               pages into huge ones (as Linux before 6.1).
//	HWPOISON SOFT_OFFLINE  EINVAL, as Linux without CONFIG_MEMORY_FAILURE.
//	GUARD_INSTALL GUARD_REMOVE  EINVAL, as Linux before 6.13.
//	anything else  EINVAL.
func Advice(advice uint64) (adv vm.Advice, apply bool, err error) {
	switch int32(advice) {
	case MADV_NORMAL:
		return vm.AdviceNormal, true, nil
	case MADV_RANDOM:
		return vm.AdviceRandom, true, nil
	case MADV_SEQUENTIAL:
		return vm.AdviceSequential, true, nil
	case MADV_WILLNEED:
		return vm.AdviceWillNeed, true, nil
	case MADV_DONTNEED, MADV_FREE, MADV_DONTNEED_LOCKED:
		return vm.AdviceDontNeed, true, nil
	case MADV_HUGEPAGE:
		return vm.AdviceHugePage, true, nil
	case MADV_NOHUGEPAGE:
		return vm.AdviceNoHugePage, true, nil
	case MADV_COLD, MADV_PAGEOUT, MADV_DONTDUMP, MADV_DODUMP, MADV_DOFORK, MADV_KEEPONFORK:
		return vm.AdviceNormal, false, nil
	case MADV_REMOVE:
		return 0, false, EOPNOTSUPP
	}
	return 0, false, EINVAL
}

// LinuxAdvice is a in MADV_* numbers.
func LinuxAdvice(a vm.Advice) uint64 {
	switch a {
	case vm.AdviceNormal:
		return MADV_NORMAL
	case vm.AdviceRandom:
		return MADV_RANDOM
	case vm.AdviceSequential:
		return MADV_SEQUENTIAL
	case vm.AdviceWillNeed:
		return MADV_WILLNEED
	case vm.AdviceDontNeed:
		return MADV_DONTNEED
	case vm.AdviceHugePage:
		return MADV_HUGEPAGE
	case vm.AdviceNoHugePage:
		return MADV_NOHUGEPAGE
	}
	panic("linux.LinuxAdvice: advice vm does not have")
}

// MsyncFlags is msync's flags (an int: the register's upper half is
// ignored), as msync checks them: a bit beyond MS_ASYNC|MS_INVALIDATE|
// MS_SYNC, or MS_ASYNC with MS_SYNC, is EINVAL. All three are vm's
// (MS_INVALIDATE does nothing more than in Linux since 2.6).
func MsyncFlags(flags uint64) (vm.MsyncFlags, error) {
	fl := uint32(flags)
	if fl&^(MS_ASYNC|MS_INVALIDATE|MS_SYNC) != 0 || fl&(MS_ASYNC|MS_SYNC) == MS_ASYNC|MS_SYNC {
		return 0, EINVAL
	}
	var f vm.MsyncFlags
	for _, b := range msyncBits {
		if uint64(fl)&b.linux != 0 {
			f |= b.vm
		}
	}
	return f, nil
}

// LinuxMsyncFlags is f in MS_* bits.
func LinuxMsyncFlags(f vm.MsyncFlags) uint64 {
	var flags uint64
	for _, b := range msyncBits {
		if f&b.vm != 0 {
			flags |= b.linux
		}
	}
	return flags
}

var msyncBits = [...]struct {
	vm    vm.MsyncFlags
	linux uint64
}{{vm.MsAsync, MS_ASYNC}, {vm.MsSync, MS_SYNC}, {vm.MsInvalidate, MS_INVALIDATE}}

// Remap is mremap's flags, decoded. vm has no mremap yet: the system
// call answers a valid request with ENOSYS until it has (glibc's realloc
// then copies, as on a kernel without mremap).
type Remap struct {
	MayMove   bool // MREMAP_MAYMOVE: the mapping may move to grow
	Fixed     bool // MREMAP_FIXED: move it to new_addr, replacing what is there
	DontUnmap bool // MREMAP_DONTUNMAP: leave the old range mapped, empty
}

// MremapFlags is mremap's flags, as mremap (mm/mremap.c) checks them
// before it looks at the address space: a bit beyond
// the three is EINVAL; MREMAP_FIXED without MREMAP_MAYMOVE is EINVAL;
// MREMAP_DONTUNMAP without MREMAP_MAYMOVE, or with oldLen != newLen (it
// is always a move, never a resize), is EINVAL.
func MremapFlags(flags, oldLen, newLen uint64) (Remap, error) {
	if flags&^(MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP) != 0 {
		return Remap{}, EINVAL
	}
	r := Remap{MayMove: flags&MREMAP_MAYMOVE != 0, Fixed: flags&MREMAP_FIXED != 0, DontUnmap: flags&MREMAP_DONTUNMAP != 0}
	if r.Fixed && !r.MayMove || r.DontUnmap && (!r.MayMove || oldLen != newLen) {
		return Remap{}, EINVAL
	}
	return r, nil
}

// LinuxMremapFlags is r in MREMAP_* bits.
func LinuxMremapFlags(r Remap) uint64 {
	var flags uint64
	if r.MayMove {
		flags |= MREMAP_MAYMOVE
	}
	if r.Fixed {
		flags |= MREMAP_FIXED
	}
	if r.DontUnmap {
		flags |= MREMAP_DONTUNMAP
	}
	return flags
}
