package shell

import (
	"fmt"

	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// The tmpfs benchmarks map a scratch file, pagoda-bench-tmpfs, of the
// first tmpfs mounted (/tmp from boot), made for each run and removed
// while still mapped: its pages go when the benchmark's address space
// does. They register themselves in the benchmark table here, beside
// the names bench.go lists.
func init() {
	benches["tmpfs-shared-read"] = benchTmpfsSharedRead
	benches["tmpfs-shared-write"] = benchTmpfsSharedWrite
	benches["tmpfs-private-write"] = benchTmpfsPrivateWrite
}

// benchTmpfsMap makes the scratch file, pages long (written: in memory,
// or sparse), maps it into as and removes its name.
func benchTmpfsMap(sh *Shell, as *vm.AddressSpace, pages uint64, written bool, prot vm.Prot, flags vm.Flags) (mm.VirtAddr, error) {
	v := sh.cfg.VFS
	if v == nil {
		return 0, fmt.Errorf("%w: no file layer", errBenchUnsupported)
	}
	var m *vfs.Mount
	for _, x := range v.Mounts() {
		if x.Tmpfs() != nil {
			m = x
			break
		}
	}
	if m == nil {
		return 0, fmt.Errorf("%w: mount a tmpfs first", errBenchUnsupported)
	}
	p := m.Path + "/pagoda-bench-tmpfs"
	v.Remove(p) // a leftover of an interrupted run
	f, err := v.OpenCreate(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	defer v.Remove(p)
	size := int64(pages * mm.PageSize)
	if written {
		var page [mm.PageSize]byte
		for off := int64(0); off < size; off += mm.PageSize {
			page[0] = byte(off >> 12)
			if _, err := f.WriteAt(page[:], off); err != nil {
				return 0, err
			}
		}
	} else if err := f.Truncate(size); err != nil {
		return 0, err
	}
	return as.MmapFile(0, pages*mm.PageSize, prot, flags, f.PC, 0, true)
}

// tmpfs-shared-read: read faults on a MAP_SHARED tmpfs file whose pages
// are in memory: each maps the page cache's frame (a minor fault).
func benchTmpfsSharedRead(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	base, err := benchTmpfsMap(sh, as, pages, true, vm.ProtRead, vm.MapShared)
	if err != nil {
		return benchResult{}, err
	}
	return touchAll(sh, as, base, pages, false), nil
}

// tmpfs-shared-write: write faults on a sparse MAP_SHARED tmpfs file:
// each makes a page from a hole (zeroed, charged to the size limit) and
// maps it writable: tmpfs's demand-zero.
func benchTmpfsSharedWrite(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	base, err := benchTmpfsMap(sh, as, pages, false, vm.ProtRead|vm.ProtWrite, vm.MapShared)
	if err != nil {
		return benchResult{}, err
	}
	return touchAll(sh, as, base, pages, true), nil
}

// tmpfs-private-write: write faults on a MAP_PRIVATE tmpfs file whose
// pages are in memory: each copies the page.
func benchTmpfsPrivateWrite(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	base, err := benchTmpfsMap(sh, as, pages, true, vm.ProtRead|vm.ProtWrite, vm.MapPrivate)
	if err != nil {
		return benchResult{}, err
	}
	return touchAll(sh, as, base, pages, true), nil
}
