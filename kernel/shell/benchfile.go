package shell

import (
	"errors"
	"fmt"

	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// The file benchmarks map a scratch file, pagoda-bench, at the root of
// the first filesystem mounted read-write, made (pages × 4 KiB of a
// pattern, written to disk) on first use and kept. make bench boots with
// an ext2 disk and mounts it first.

// errBenchUnsupported: the benchmark cannot run in this kernel or setup;
// bench prints "BENCH <name> unsupported (why)".
var errBenchUnsupported = errors.New("unsupported")

const benchFileName = "pagoda-bench"

// benchFile returns the scratch file, at least pages long, written back.
func benchFile(sh *Shell, pages uint64) (*vfs.File, error) {
	v := sh.cfg.VFS
	if v == nil {
		return nil, fmt.Errorf("%w: no disks", errBenchUnsupported)
	}
	var m *vfs.Mount
	for _, x := range v.Mounts() {
		if fs := x.Ext2(); fs != nil && !fs.ReadOnly() {
			m = x
			break
		}
	}
	if m == nil {
		return nil, fmt.Errorf("%w: mount an ext2 filesystem read-write first", errBenchUnsupported)
	}
	p := m.Path + "/" + benchFileName
	if m.Path == "/" {
		p = "/" + benchFileName
	}
	f, err := v.OpenCreate(p)
	if err != nil {
		return nil, err
	}
	size := int64(pages * mm.PageSize)
	if f.PC.Size() < size {
		var page [mm.PageSize]byte
		for off := f.PC.Size() &^ (mm.PageSize - 1); off < size; off += mm.PageSize {
			for i := range page {
				page[i] = byte(off>>12) + byte(i)
			}
			if _, err := f.PC.WriteAt(page[:], off); err != nil {
				return nil, err
			}
		}
	}
	if err := f.PC.Sync(); err != nil {
		return nil, err
	}
	return f, nil
}

// benchMapFile maps the scratch file.
func benchMapFile(as *vm.AddressSpace, f *vfs.File, pages uint64, prot vm.Prot, flags vm.Flags) (mm.VirtAddr, error) {
	return as.MmapFile(0, pages*mm.PageSize, prot, flags, f.PC, 0, true)
}

// benchCached makes every page of the file cached (and unmapped).
func benchCached(sh *Shell, as *vm.AddressSpace, f *vfs.File, pages uint64) error {
	base, err := benchMapFile(as, f, pages, vm.ProtRead, vm.MapPrivate)
	if err != nil {
		return err
	}
	touchAll(sh, as, base, pages, false)
	return as.Munmap(base, pages*mm.PageSize)
}

// file-read-hit: read faults on pages in the page cache: each maps the
// cached frame (a minor fault).
func benchFileReadHit(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	f, err := benchFile(sh, pages)
	if err != nil {
		return benchResult{}, err
	}
	if err := benchCached(sh, as, f, pages); err != nil {
		return benchResult{}, err
	}
	base, err := benchMapFile(as, f, pages, vm.ProtRead, vm.MapPrivate)
	if err != nil {
		return benchResult{}, err
	}
	return touchAll(sh, as, base, pages, false), nil
}

// file-read-cold: read faults on a file with nothing cached: major faults
// read from the disk (polled, with readahead); the others hit the pages
// readahead brought.
func benchFileReadCold(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	f, err := benchFile(sh, pages)
	if err != nil {
		return benchResult{}, err
	}
	f.PC.Evict()
	base, err := benchMapFile(as, f, pages, vm.ProtRead, vm.MapPrivate)
	if err != nil {
		return benchResult{}, err
	}
	return touchAll(sh, as, base, pages, false), nil
}

// file-shared-write: write faults on cached pages of a MAP_SHARED
// mapping: each maps the cache's frame writable. The dirtied file is
// written back after the measurement.
func benchFileSharedWrite(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	f, err := benchFile(sh, pages)
	if err != nil {
		return benchResult{}, err
	}
	if err := benchCached(sh, as, f, pages); err != nil {
		return benchResult{}, err
	}
	base, err := benchMapFile(as, f, pages, vm.ProtRead|vm.ProtWrite, vm.MapShared)
	if err != nil {
		return benchResult{}, err
	}
	r := touchAll(sh, as, base, pages, true)
	if err := as.Msync(base, pages*mm.PageSize, vm.MsSync); err != nil {
		return benchResult{}, err
	}
	return r, nil
}

// file-private-write: write faults on cached pages of a MAP_PRIVATE
// mapping: each copies the cached page (as Linux do_cow_fault).
func benchFilePrivateWrite(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	f, err := benchFile(sh, pages)
	if err != nil {
		return benchResult{}, err
	}
	if err := benchCached(sh, as, f, pages); err != nil {
		return benchResult{}, err
	}
	base, err := benchMapFile(as, f, pages, vm.ProtRead|vm.ProtWrite, vm.MapPrivate)
	if err != nil {
		return benchResult{}, err
	}
	return touchAll(sh, as, base, pages, true), nil
}
