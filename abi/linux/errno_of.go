package linux

import (
	"github.com/pagoda-os/pagoda/fs/ext2"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/swap"
	"github.com/pagoda-os/pagoda/mm/tmpfs"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/mm/workload"
)

// ErrnoOf is the errno a system call returns for err, nil's being 0.
//
// It walks err's tree in errors.Is's order (err, then what it wraps,
// depth first) and stops at the first Errno or sentinel error of mm/ and
// fs/ it meets: the outermost one, which names the failure of the call
// the system call made. A vm.ErrNoMemory wrapping a tmpfs.ErrNoSpace is
// ENOMEM, as Linux's mmap says ENOMEM when shmem_zero_setup fails.
//
// Every exported sentinel of mm/ and fs/ (but mm/sim, the simulator,
// which no system call reaches) has an entry below; errno_of_test.go
// parses those packages and fails for one without. So an error found in
// none is not one of Pagoda's failures but something foreign (io.EOF
// from a reader the caller did not handle, a driver's own error): EIO,
// the errno Linux gives when a lower layer fails in a way the call
// cannot name, and the one a program is prepared for from any file
// operation.
func ErrnoOf(err error) Errno {
	if err == nil {
		return 0
	}
	if e, ok := findErrno(err); ok {
		return e
	}
	return EIO
}

// findErrno is the first Errno or sentinel in err's tree, pre-order as
// errors.Is walks it. Sentinels are compared with ==, which is safe for
// any error: an error of another dynamic type is simply unequal.
func findErrno(err error) (Errno, bool) {
	for err != nil {
		if e, ok := err.(Errno); ok {
			return e, true
		}
		for _, s := range sentinels {
			if err == s.err {
				return s.errno, true
			}
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, w := range u.Unwrap() {
				if e, ok := findErrno(w); ok {
					return e, true
				}
			}
			return 0, false
		default:
			return 0, false
		}
	}
	return 0, false
}

// sentinels is each sentinel of mm/ and fs/ with the errno Linux returns
// for the same failure, and the Linux function that returns it where
// the choice is not plain from the name.
var sentinels = [...]struct {
	err   error
	errno Errno
}{
	// mm/vm: its doc gives each one's errno.
	{vm.ErrInvalid, EINVAL},
	{vm.ErrNoMemory, ENOMEM},
	{vm.ErrExists, EEXIST}, // MAP_FIXED_NOREPLACE over a mapping (do_mmap)
	{vm.ErrFault, EFAULT},  // mremap of a range not wholly in one mapping (vma_to_resize)
	{vm.ErrAccess, EACCES}, // shared writable mapping of a read-only file (do_mmap)
	{vm.ErrIO, EIO},        // msync's writeback error (file_check_and_advance_wb_err)
	{vm.ErrNoDevice, ENODEV},

	// mm/frame, mm/pagetable: below vm, seen only if an error of theirs
	// escapes it.
	{frame.ErrNoMemory, ENOMEM},
	{frame.ErrInvalid, EINVAL},
	{pagetable.ErrInvalid, EINVAL},
	{pagetable.ErrExists, EEXIST},
	{pagetable.ErrNotMapped, EFAULT}, // no mapping at an address, as copy_from_user finds
	{pagetable.ErrNoMemory, ENOMEM},

	// mm/pagecache.
	{pagecache.ErrInvalid, EINVAL},
	{pagecache.ErrNoMemory, ENOMEM},
	{pagecache.ErrIO, EIO}, // filemap_read's error from read_folio

	// mm/tmpfs: its texts are Linux's (shmem).
	{tmpfs.ErrNotExist, ENOENT},
	{tmpfs.ErrExist, EEXIST},
	{tmpfs.ErrNotDir, ENOTDIR},
	{tmpfs.ErrIsDir, EISDIR},
	{tmpfs.ErrNotEmpty, ENOTEMPTY},
	{tmpfs.ErrNameTooLong, ENAMETOOLONG},
	{tmpfs.ErrInvalid, EINVAL},
	{tmpfs.ErrBusy, EBUSY},
	{tmpfs.ErrNoSpace, ENOSPC}, // the size= limit (shmem_inode_acct_blocks)
	{tmpfs.ErrNoMemory, ENOMEM},
	// WritePage without swap: reclaim keeps the page (shmem_writeout
	// redirties it); if it ever reaches a call, memory could not be
	// freed: ENOMEM.
	{tmpfs.ErrNoSwap, ENOMEM},

	// mm/swap: swapon(2) and swapoff(2).
	{swap.ErrNoSwap, EINVAL},  // no SWAPSPACE2 signature (read_swap_header)
	{swap.ErrOldSwap, EINVAL}, // version 0 area: read_swap_header finds no signature either
	{swap.ErrVersion, EINVAL}, // "Unable to handle swap header version"
	{swap.ErrHeader, EINVAL},  // bad last_page or bad-page list (read_swap_header)
	{swap.ErrFull, ENOMEM},    // no slot: reclaim fails, the caller is out of memory
	{swap.ErrBusy, EBUSY},     // the device is already a swap area (claim_swapfile)
	{swap.ErrNoArea, EINVAL},  // swapoff of what is not a swap area
	{swap.ErrTooMany, EPERM},  // MAX_SWAPFILES reached (alloc_swap_info)
	{swap.ErrInUse, EBUSY},    // Linux's try_to_unuse retries until empty; Pagoda gives up
	{swap.ErrBadSlot, EINVAL}, // a bad swap entry (swap_duplicate)
	{swap.ErrInjected, EIO},   // the test device's injected I/O error

	// fs/ext2.
	{ext2.ErrNotExist, ENOENT},
	{ext2.ErrExist, EEXIST},
	{ext2.ErrNotDir, ENOTDIR},
	{ext2.ErrIsDir, EISDIR},
	{ext2.ErrNotEmpty, ENOTEMPTY},
	{ext2.ErrNoSpace, ENOSPC},
	{ext2.ErrReadOnly, EROFS},
	{ext2.ErrCorrupt, EIO},        // as Linux's ext2 after ext2_error (ext4 says EUCLEAN)
	{ext2.ErrUnsupported, EINVAL}, // unsupported features refuse the mount (ext2_fill_super)
	{ext2.ErrNameTooLong, ENAMETOOLONG},
	{ext2.ErrFaultRead, EIO},
	{vfs.ErrNotMounted, EINVAL}, // umount of a non-mount point (path_umount)
	{vfs.ErrBusy, EBUSY},
	{vfs.ErrNoDevice, ENODEV},
	{vfs.ErrBadPath, ENOENT}, // the empty path (getname: ENOENT)
	{vfs.ErrNameTooLong, ENAMETOOLONG},
	{vfs.ErrCrossDevice, EXDEV},
	{vfs.ErrLoop, ELOOP},
	{mm.ErrBadNumber, EINVAL},
	{workload.ErrInvalid, EINVAL},
	{workload.ErrTooLarge, ENOMEM}, // the order's tables would not fit
	{ext2.ErrInvalid, EINVAL},
	{ext2.ErrBusy, EBUSY},
	{ext2.ErrLoop, ELOOP},
}
