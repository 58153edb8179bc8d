package proc

import (
	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// The memory system calls: abi/linux decodes Linux's numbers with
// Linux's argument rules, mm/vm does the work, linux.ErrnoOf maps its
// errors back.

func init() {
	register(sysMmap, sysMmapFn)
	register(sysMunmap, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if a[0]&mm.PageMask != 0 || a[1] == 0 {
			return 0, linux.EINVAL
		}
		return 0, linux.ErrnoOf(p.AS.Munmap(mm.VirtAddr(a[0]), a[1]))
	})
	register(sysMprotect, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		prot, err := linux.Prot(a[2])
		if err != nil {
			return 0, linux.ErrnoOf(err)
		}
		if a[0]&mm.PageMask != 0 {
			return 0, linux.EINVAL
		}
		if a[1] == 0 {
			return 0, 0
		}
		return 0, linux.ErrnoOf(p.AS.Mprotect(mm.VirtAddr(a[0]), a[1], prot))
	})
	register(sysMadvise, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		adv, apply, err := linux.Advice(a[2])
		if err != nil {
			return 0, linux.ErrnoOf(err)
		}
		if a[0]&mm.PageMask != 0 {
			return 0, linux.EINVAL
		}
		if !apply || a[1] == 0 {
			return 0, 0
		}
		return 0, linux.ErrnoOf(p.AS.Madvise(mm.VirtAddr(a[0]), a[1], adv))
	})
	register(sysMincore, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if a[0]&mm.PageMask != 0 {
			return 0, linux.EINVAL
		}
		if a[1] == 0 {
			return 0, 0
		}
		// By chunks of mincoreChunk pages, as Linux's do_mincore
		// fills one page of the vector at a time.
		const mincoreChunk = 4096
		pages := (a[1] + mm.PageMask) / mm.PageSize
		for i := uint64(0); i < pages; i += mincoreChunk {
			n := min(pages-i, mincoreChunk)
			in, err := p.AS.Mincore(mm.VirtAddr(a[0]+i*mm.PageSize), n*mm.PageSize)
			if err != nil {
				return 0, linux.ErrnoOf(err)
			}
			vec := make([]byte, len(in))
			for j, r := range in {
				if r {
					vec[j] = 1
				}
			}
			if e := t.mem(p).copyOut(a[2]+i, vec); e != 0 {
				return 0, e
			}
		}
		return 0, 0
	})
	register(sysMsync, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		flags, err := linux.MsyncFlags(a[2])
		if err != nil {
			return 0, linux.ErrnoOf(err)
		}
		if a[0]&mm.PageMask != 0 {
			return 0, linux.EINVAL
		}
		return 0, linux.ErrnoOf(p.AS.Msync(mm.VirtAddr(a[0]), a[1], flags))
	})
	register(sysMremap, sysMremapFn)
	register(sysBrk, sysBrkFn)
	register(sysMemfdCreate, sysMemfdCreateFn)
}

// sysMmapFn is mmap(addr, length, prot, flags, fd, offset), as Linux's
// ksys_mmap_pgoff and do_mmap check it.
func sysMmapFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	addr, length, fd, off := a[0], a[1], a[4], a[5]
	prot := linux.MmapProt(a[2])
	flags, err := linux.MapFlags(a[3])
	if err != nil {
		return 0, linux.ErrnoOf(err)
	}
	if length == 0 || off&mm.PageMask != 0 {
		return 0, linux.EINVAL
	}
	if flags&vm.MapAnonymous != 0 {
		va, err := p.AS.Mmap(mm.VirtAddr(addr), length, prot, flags)
		return uint64(va), linux.ErrnoOf(err)
	}
	f, e := p.files.get(uint64(int32(fd)))
	if e != 0 {
		return 0, e
	}
	if d, ok := f.ops.(*memDev); ok && d.anonymous() && f.readable() { // /dev/zero (dev.go)
		va, err := p.AS.Mmap(mm.VirtAddr(addr), length, prot, flags|vm.MapAnonymous)
		return uint64(va), linux.ErrnoOf(err)
	}
	pc, ok := mappable(f)
	if !ok {
		return 0, linux.ENODEV
	}
	if !f.readable() {
		return 0, linux.EACCES
	}
	va, err := p.AS.MmapFile(mm.VirtAddr(addr), length, prot, flags, pc, off, f.writable())
	return uint64(va), linux.ErrnoOf(err)
}

// mappable is an open file's page cache, for a file mapping.
func mappable(f *openFile) (*pagecache.File, bool) {
	switch o := f.ops.(type) {
	case *regularFile:
		return o.f.PC, true
	case *memFile:
		return o.f.PageCache(), true
	}
	return nil, false
}

// sysBrkFn is brk(addr), as Linux's: the break moves to addr when the
// heap can grow or shrink there, and the call returns the break, moved
// or not (the C library compares).
func sysBrkFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	want := mm.VirtAddr(a[0])
	if want < p.brkStart || want > stackTop {
		return uint64(p.brk), 0
	}
	oldEnd := pageUp(p.brk)
	newEnd := pageUp(want)
	switch {
	case newEnd > oldEnd:
		if _, err := p.AS.Mmap(oldEnd, uint64(newEnd-oldEnd), vm.ProtRead|vm.ProtWrite,
			vm.MapPrivate|vm.MapAnonymous|vm.MapFixedNoReplace); err != nil {
			return uint64(p.brk), 0
		}
	case newEnd < oldEnd:
		if err := p.AS.Munmap(newEnd, uint64(oldEnd-newEnd)); err != nil {
			return uint64(p.brk), 0
		}
	}
	p.brk = want
	return uint64(p.brk), 0
}

func pageUp(a mm.VirtAddr) mm.VirtAddr { return (a + mm.PageMask) &^ mm.PageMask }

// sysMemfdCreateFn is memfd_create(name, flags): an unnamed tmpfs file
// of the kernel's internal instance, as Linux's on shm_mnt.
func sysMemfdCreateFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	const (
		mfdCloexec      = 1
		mfdAllowSealing = 2
		mfdNameMax      = 249 // NAME_MAX - len("memfd:")
	)
	name, e := t.mem(p).copyInString(a[0], mfdNameMax)
	if e == linux.ENAMETOOLONG {
		return 0, linux.EINVAL
	}
	if e != 0 {
		return 0, e
	}
	if a[1]&^(mfdCloexec|mfdAllowSealing) != 0 {
		return 0, linux.EINVAL
	}
	if t.VFS == nil {
		return 0, linux.ENOSYS
	}
	f, err := t.VFS.Shm().NewUnlinked("memfd:"+name, 0)
	if err != nil {
		return 0, linux.ErrnoOf(err)
	}
	f.Hold() // the descriptor's reference
	of := &openFile{ops: &memFile{f: f}, path: "/memfd:" + name + " (deleted)", flags: linux.O_RDWR}
	fd, e := p.files.alloc(of, 0, a[1]&mfdCloexec != 0)
	if e != 0 {
		f.Close()
	}
	return uint64(fd), e
}

// sysMremapFn is mremap(old, old_len, new_len, flags, new_addr):
// abi/linux checks the flags as Linux does before looking at the
// address space; vm moves or resizes. MREMAP_DONTUNMAP is not
// supported (EINVAL).
func sysMremapFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	r, err := linux.MremapFlags(a[3], a[1], a[2])
	if err != nil {
		return 0, linux.ErrnoOf(err)
	}
	if r.DontUnmap {
		return 0, linux.EINVAL
	}
	var flags vm.RemapFlags
	if r.MayMove {
		flags |= vm.RemapMayMove
	}
	if r.Fixed {
		flags |= vm.RemapFixed
	}
	va, err := p.AS.Mremap(mm.VirtAddr(a[0]), a[1], a[2], flags, mm.VirtAddr(a[4]))
	return uint64(va), linux.ErrnoOf(err)
}
