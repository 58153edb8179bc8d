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
//
// When the address space is the one in CR3 (the process's own system
// call), copy takes the direct way instead, as Linux's copy_from_user:
// direct (usercopy_tamago.go) moves the bytes through the user's own
// mapping, with SMAP lifted for that one instruction, and a fault in it
// is fixed up to a short copy (arch/amd64 usercopy_tamago.go). The fault
// is then resolved here, in goroutine context, and the copy goes on;
// what cannot be resolved is EFAULT, as on the walking way. The range
// check comes first, for the whole range: the direct copy never sees an
// address outside the user range. On the host, direct does what the CPU
// would (usercopy_host.go): it copies up to the first page the table
// does not let the program reach, so that the tests run this path.

// userMemory copies between kernel buffers and one address space.
type userMemory struct {
	as *vm.AddressSpace
	m  *vm.MM
}

// inRange reports whether [va, va+n) lies in the user range, out of the
// kernel's hole.
func (u userMemory) inRange(va, n uint64) bool {
	end := va + n
	w := u.m
	return end >= va && va >= uint64(w.WindowStart) && end <= uint64(w.WindowEnd) &&
		(end <= uint64(w.HoleStart) || va >= uint64(w.HoleEnd))
}

// copyRest finishes a direct copy that stopped at a fault after done
// bytes: for each fault, resolve it as the program's own, in goroutine
// context, and copy on. It returns the bytes moved in all. One that
// resolves and faults again at once is EFAULT (it cannot happen, but a
// loop here would hang the kernel).
func (u userMemory) copyRest(va uint64, buf []byte, done int, out bool) (int, linux.Errno) {
	access := vm.Read
	if out {
		access = vm.Write
	}
	total := done
	for done < len(buf) {
		buf, va = buf[done:], va+uint64(done)
		if u.as.HandleFaultRetry(mm.VirtAddr(va)&^mm.PageMask, access) != vm.Resolved {
			return total, linux.EFAULT
		}
		if done = u.direct(va, buf, out); done <= 0 {
			return total, linux.EFAULT
		}
		total += done
	}
	return total, 0
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
	_, e := u.copyN(va, buf, out)
	return e
}

// copyN is copy, and the bytes it moved: all of them, or those before
// the first page the program could not reach (with EFAULT), which
// read(2) and write(2) return as Linux does for a buffer that goes bad
// part-way. A range out of the user range moves nothing.
func (u userMemory) copyN(va uint64, buf []byte, out bool) (int, linux.Errno) {
	if len(buf) == 0 {
		return 0, 0
	}
	if !u.inRange(va, uint64(len(buf))) {
		return 0, linux.EFAULT
	}
	switch done := u.direct(va, buf, out); {
	case done == len(buf):
		return done, 0
	case done >= 0:
		return u.copyRest(va, buf, done, out)
	}
	return u.walk(va, buf, out)
}

// walk is copy's way for an address space not in CR3.
func (u userMemory) walk(va uint64, buf []byte, out bool) (int, linux.Errno) {
	total := 0
	for len(buf) > 0 {
		pa, ok := u.page(mm.VirtAddr(va), out)
		if !ok {
			return total, linux.EFAULT
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
		total += int(n)
	}
	return total, 0
}

// writable returns how much of [va, va+n) from its start the program
// could write: n, or up to the first page it could not (0: EFAULT),
// faulting the pages in as its own writes would (read checks its buffer
// so before the file gives up its bytes, and reads no more than that, as
// Linux's read stops at the first page it cannot copy to). Where the
// direct way works, each page gets a write access that changes nothing
// (touch: LOCK ADD of 0), and a fault is resolved as in copyRest; else
// each page is walked.
func (u userMemory) writable(va, n uint64) uint64 {
	if !u.inRange(va, n) {
		// The part in range, if the range runs out of it.
		if va+n < va || !u.inRange(va, 1) {
			return 0
		}
		n = min(n, uint64(u.m.WindowEnd)-va)
		if va < uint64(u.m.HoleStart) {
			n = min(n, uint64(u.m.HoleStart)-va)
		}
	}
	for p := va; p < va+n; p = (p &^ mm.PageMask) + mm.PageSize {
		faulted, ok := u.touch(p)
		if !ok {
			if _, ok := u.page(mm.VirtAddr(p), true); !ok {
				return p - va
			}
			continue
		}
		if faulted {
			if u.as.HandleFaultRetry(mm.VirtAddr(p)&^mm.PageMask, vm.Write) != vm.Resolved {
				return p - va
			}
			if faulted, _ = u.touch(p); faulted {
				return p - va
			}
		}
	}
	return n
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
