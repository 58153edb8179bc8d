package proc

import (
	"encoding/binary"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// User memory. The kernel never dereferences a user address: SMAP would
// fault, and the address space may not be the one in CR3 (a syscall may
// sleep, and another goroutine load its own). It copies through the
// process's page table and the direct map instead, as gVisor's
// usermem copies through the sentry's own mappings: for each page, the
// leaf must be present, user-accessible and (for a copy out) writable;
// if not, the address space's own fault handler runs, in goroutine
// context, as for a fault of the program's, and an address it cannot
// resolve is EFAULT (Linux's copy_from_user returning short, then the
// caller's -EFAULT). Nothing is copied past the first bad page; a copy
// out may have written the pages before it, as on Linux.
//
// An address outside the window or in the kernel's hole is EFAULT
// without a walk: the kernel's own pages are never the user's, whatever
// the table says (they are supervisor-only, which the leaf check would
// also catch).

// userMemory copies between kernel buffers and one address space.
type userMemory struct {
	as *vm.AddressSpace
	m  *vm.MM
}

// page returns the frame mapping the page at va for access, faulting it
// in if needed; ok is false for an address the program could not reach
// itself.
func (u userMemory) page(va mm.VirtAddr, write bool) (mm.PhysAddr, bool) {
	if va < u.m.WindowStart || va >= u.m.WindowEnd || (va >= u.m.HoleStart && va < u.m.HoleEnd) {
		return 0, false
	}
	page := va &^ mm.PageMask
	for try := 0; try < 2; try++ {
		pa, e, ok := u.as.Table().Translate(page)
		if ok && e&pt.User != 0 && (!write || e&pt.Writable != 0) {
			return pa, true
		}
		if try == 1 {
			break
		}
		access := vm.Read
		if write {
			access = vm.Write
		}
		if u.as.HandleFaultRetry(page, access) != vm.Resolved {
			return 0, false
		}
	}
	return 0, false
}

// copyIn fills dst from user address va.
func (u userMemory) copyIn(va uint64, dst []byte) linux.Errno {
	return u.copy(va, dst, false)
}

// copyOut writes src at user address va.
func (u userMemory) copyOut(va uint64, src []byte) linux.Errno {
	return u.copy(va, src, true)
}

func (u userMemory) copy(va uint64, buf []byte, out bool) linux.Errno {
	if va+uint64(len(buf)) < va {
		return linux.EFAULT
	}
	for len(buf) > 0 {
		pa, ok := u.page(mm.VirtAddr(va), out)
		if !ok {
			return linux.EFAULT
		}
		off := va & mm.PageMask
		n := min(uint64(len(buf)), mm.PageSize-off)
		frame := mm.FrameBytes(pa)[off : off+n]
		if out {
			copy(frame, buf[:n])
		} else {
			copy(buf[:n], frame)
		}
		buf = buf[n:]
		va += n
	}
	return 0
}

// copyInString reads a NUL-terminated string of at most max bytes
// (NUL excluded) from va: ENAMETOOLONG beyond, as Linux's
// strncpy_from_user for a path; EFAULT if it runs into a bad page.
func (u userMemory) copyInString(va uint64, max int) (string, linux.Errno) {
	var out []byte
	for {
		pa, ok := u.page(mm.VirtAddr(va), false)
		if !ok {
			return "", linux.EFAULT
		}
		off := va & mm.PageMask
		for _, c := range mm.FrameBytes(pa)[off:] {
			if c == 0 {
				return string(out), 0
			}
			if len(out) == max {
				return "", linux.ENAMETOOLONG
			}
			out = append(out, c)
		}
		va += mm.PageSize - off
	}
}

// load64 and store64 read and write one little-endian word.
func (u userMemory) load64(va uint64) (uint64, linux.Errno) {
	var b [8]byte
	if e := u.copyIn(va, b[:]); e != 0 {
		return 0, e
	}
	return le64(b[:]), 0
}

func (u userMemory) store64(va, v uint64) linux.Errno {
	var b [8]byte
	put64(b[:], v)
	return u.copyOut(va, b[:])
}

func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

func put64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }
