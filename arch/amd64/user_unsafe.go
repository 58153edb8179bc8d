package amd64

import "unsafe"

// addrOfBytes is the address of b's first byte, for aligning an area
// inside it; the Go heap never moves it.
func addrOfBytes(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
