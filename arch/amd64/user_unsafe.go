package amd64

import "unsafe"

// addrOfBytes is the address of b's first byte, for aligning an area
// inside it; the Go heap never moves it.
func addrOfBytes(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// SyscallArgs is the six argument registers of a system call, in order:
// a view of r's first six fields (UserRegs keeps them so), not a copy.
func (r *UserRegs) SyscallArgs() *[6]uint64 { return (*[6]uint64)(unsafe.Pointer(&r.RDI)) }
