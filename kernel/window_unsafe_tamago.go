//go:build tamago

package kernel

import (
	"unsafe"

	"github.com/pagoda-os/pagoda/mm"
)

// machineWindow is the real machine's proc.WindowMemory: plain loads and stores
// through the current address space's page tables. Their faults are real
// #PFs: resolved by the address space, or a *arch.FaultError panic.
type machineWindow struct{}

func ptr64(va uint64) *uint64 { return *(**uint64)(unsafe.Pointer(&va)) }

func (machineWindow) Load64(va uint64) uint64     { return *ptr64(va) }
func (machineWindow) Store64(va uint64, v uint64) { *ptr64(va) = v }

func (machineWindow) Touch(va uint64, write bool) {
	p := *(**uint8)(unsafe.Pointer(&va))
	if write {
		*p = 0
		return
	}
	touchSink = *p
}

// touchSink keeps Touch's load from being optimized away.
var touchSink uint8

// word is the 8 bytes at window address va (the bits of va as a pointer).
func word(va mm.VirtAddr) *uint64 { return *(**uint64)(unsafe.Pointer(&va)) }
