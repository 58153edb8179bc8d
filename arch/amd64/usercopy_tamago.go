//go:build tamago

package amd64

// User copies: the kernel reads and writes a user buffer where it lies,
// through the user's own mapping, as Linux's copy_from_user and
// copy_to_user do. The page table in CR3 must be the user's; SMAP is
// lifted for the one REP MOVSB (STAC, CLAC), and a fault on it is not
// resolved in the trap but fixed up through the exception table
// (FixupCopy): the copy returns short, and its caller resolves the fault
// in goroutine context, where it may sleep, and copies the rest. CR0.WP
// is on, so a kernel write to a read-only user page (copy-on-write)
// faults as the program's own write would.

// copyUserPC and touchUserPC are the entries of the user accessors;
// userAccessSpan bounds the bytes from an entry to past its access.
var copyUserPC, touchUserPC uintptr

const userAccessSpan = 80

// userAccessors is their exception table: where each keeps its result,
// as an offset from SP at the fault (both are NOFRAME: the return
// address, then the arguments).
var userAccessors = [...]struct {
	entry  *uintptr
	result uintptr
}{
	{&copyUserPC, 8 + 24}, // dst, src, n, left
	{&touchUserPC, 8 + 8}, // addr, left
}

// smapOn is whether CR4.SMAP is on on this CPU (copyUser's STAC and CLAC
// are #UD without it).
var smapOn bool

func copyUser(dst, src, n uintptr) (left uintptr)
func touchUser(addr uintptr) (left uintptr)

// TouchOut makes a write access to the byte at user address va that
// leaves it as it was, and reports whether it did not fault.
// Preconditions as CopyIn's.
func TouchOut(va uintptr) bool { return touchUser(va) == 0 }

// CopyIn copies len(dst) bytes from user address src and returns how
// many it copied before a fault (len(dst) if none).
//
// Preconditions: [src, src+len(dst)) lies in the user range, mapped by
// the page table in CR3.
func CopyIn(dst []byte, src uintptr) int {
	return len(dst) - int(copyUser(addrOfBytes(dst), src, uintptr(len(dst))))
}

// CopyOut copies src to user address dst and returns how many bytes it
// copied before a fault. Preconditions as CopyIn's.
func CopyOut(dst uintptr, src []byte) int {
	return len(src) - int(copyUser(dst, addrOfBytes(src), uintptr(len(src))))
}

// FixupCopy handles a fault inside a user accessor (copyUser,
// touchUser): it returns with RCX*R8+R9 of the fault as its result (the
// bytes copyUser had left: the REP count times the iteration's size,
// plus the tail still to come), with AC clear, and FixupCopy reports
// true.
// Any other fault: false.
func FixupCopy(f *TrapFrame) bool {
	for _, a := range userAccessors {
		if f.RIP >= uint64(*a.entry) && f.RIP < uint64(*a.entry)+userAccessSpan {
			*(*uint64)(at(uintptr(f.RSP) + a.result)) = f.RCX*f.R8 + f.R9
			f.RIP = *(*uint64)(at(uintptr(f.RSP))) // RET
			f.RSP += 8
			f.RFLAGS &^= rflagsAC // CLAC
			return true
		}
	}
	return false
}
