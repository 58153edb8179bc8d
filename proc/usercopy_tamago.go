//go:build tamago

package proc

import arch "github.com/pagoda-os/pagoda/arch/amd64"

// direct copies between buf and user address va through the user's own
// mapping (arch.CopyIn, CopyOut) and returns how many bytes it moved
// before a fault; -1 when the address space is not the one in CR3 (a
// copy for another process), which must walk.
//
// Preconditions: [va, va+len(buf)) is in the user range, out of the hole.
func (u userMemory) direct(va uint64, buf []byte, out bool) int {
	if arch.LoadedRoot() != uint64(u.as.Root()) {
		return -1
	}
	if out {
		return arch.CopyOut(uintptr(va), buf)
	}
	return arch.CopyIn(buf, uintptr(va))
}

// touch makes a write access to the byte at va that changes nothing
// (arch.TouchOut) and reports whether it faulted not; ok false when the
// address space is not the one in CR3.
func (u userMemory) touch(va uint64) (faulted, ok bool) {
	if arch.LoadedRoot() != uint64(u.as.Root()) {
		return false, false
	}
	return !arch.TouchOut(uintptr(va)), true
}
