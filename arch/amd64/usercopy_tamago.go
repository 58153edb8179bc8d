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

// copyUserPC, copyUserBytesPC and touchUserPC are the entries of the
// user accessors; userAccessSpan bounds the bytes from an entry to past
// its access.
var copyUserPC, copyUserBytesPC, touchUserPC uintptr

const userAccessSpan = 64

// The accessors' results, as offsets from SP at a fault (they are
// NOFRAME: the return address, then the arguments): copyUser's left
// after dst, src and n; touchUser's after addr.
const (
	copyUserResult  = 8 + 24
	touchUserResult = 8 + 8
)

// smapOn is whether CR4.SMAP is on on this CPU (copyUser's STAC and CLAC
// are #UD without it).
var smapOn bool

func copyUser(dst, src, n uintptr) (left uintptr)
func copyUserBytes(dst, src, n uintptr) (left uintptr) // copyUser's frame: jumped to, never called
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

// FixupCopy handles a fault inside a user accessor and reports true; any
// other fault: false. A fault in copyUser's quadwords goes on in its
// byte phase from the faulting quadword, with RCX the bytes left (RCX*8
// plus the tail in R9), so that the copy ends at the first bad byte; a
// fault in the byte phase, or in touchUser, returns from the accessor
// with RCX as its result (the bytes left; touchUser's 1), with AC clear.
//
// Every kernel page fault asks first, so the usual answer is one inlined
// test of RIP against the accessors' span.
func FixupCopy(f *TrapFrame) bool {
	return f.RIP-userAccessLo < userAccessLen && fixupCopy(f)
}

// userAccessLo and userAccessLen bound the accessors' code, from the
// lowest entry to a span past the highest.
var userAccessLo, userAccessLen = func() (uint64, uint64) {
	lo := uint64(min(copyUserPC, copyUserBytesPC, touchUserPC))
	return lo, uint64(max(copyUserPC, copyUserBytesPC, touchUserPC)) + userAccessSpan - lo
}()

func fixupCopy(f *TrapFrame) bool {
	// An accessor's code runs from its entry to the next's (or a span):
	// the linker may put them back to back.
	in := func(pc uintptr) bool {
		end := pc + userAccessSpan
		for _, next := range [...]uintptr{copyUserPC, copyUserBytesPC, touchUserPC} {
			if next > pc && next < end {
				end = next
			}
		}
		return f.RIP >= uint64(pc) && f.RIP < uint64(end)
	}
	result := uintptr(0)
	switch {
	case in(copyUserPC):
		f.RCX = f.RCX*8 + f.R9
		f.RIP = uint64(copyUserBytesPC)
		return true
	case in(copyUserBytesPC):
		result = copyUserResult
	case in(touchUserPC):
		result = touchUserResult
	default:
		return false
	}
	*(*uint64)(at(uintptr(f.RSP) + result)) = f.RCX
	f.RIP = *(*uint64)(at(uintptr(f.RSP))) // RET
	f.RSP += 8
	f.RFLAGS &^= rflagsAC // CLAC
	return true
}
