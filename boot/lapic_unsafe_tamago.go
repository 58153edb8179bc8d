//go:build tamago

package boot

import (
	"sync/atomic"
	"unsafe"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// The local APIC's registers (SDM 3A 11.4.1, Table 11-1), memory-mapped at
// its reset base and reached through the direct map, uncached in the boot
// map and in the kernel's.
const (
	lapicBase           = 0xfee0_0000
	lapicSVR            = 0x0f0 // spurious interrupt vector register
	lapicLVTTimer       = 0x320
	lapicInitialCount   = 0x380
	lapicCurrentCount   = 0x390
	lapicDivide         = 0x3e0
	lapicSVREnable      = 1 << 8
	lapicSpuriousVector = 0xff
	lapicLVTMasked      = 1 << 16
	lapicDivideBy1      = 0b1011 // SDM 3A 11.5.4, Figure 11-10

	// lapicTimerHz is the LAPIC timer's rate at divide-by-1. QEMU's APIC
	// (TCG) counts its virtual clock in nanoseconds, and KVM's in-kernel
	// APIC runs its bus at 1 GHz by default: 10^9 in both.
	lapicTimerHz = 1_000_000_000
)

func lapicReg(off uintptr) *uint32 {
	a := uintptr(arch.DirectMapBase) + lapicBase + off
	return *(**uint32)(unsafe.Pointer(&a)) // an MMIO address in the direct map
}

// lapicRead and lapicWrite access a LAPIC register; the atomics keep the
// compiler from merging or dropping the MMIO accesses.
func lapicRead(off uintptr) uint32 { return atomic.LoadUint32(lapicReg(off)) }

func lapicWrite(off uintptr, v uint32) { atomic.StoreUint32(lapicReg(off), v) }
