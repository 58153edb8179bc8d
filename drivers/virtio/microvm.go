package virtio

import (
	"github.com/pagoda-os/pagoda/mm"
)

// QEMU microvm's virtio-mmio transports (hw/i386/microvm.c): 24 slots of
// 512 bytes from 0xfeb0_0000 when the machine has ACPI and its second
// IOAPIC (the default), wired to GSIs 24..47, i.e. pin i of the second
// IOAPIC (at 0xfec1_0000) for slot i. QEMU fills the slots from the
// highest down: the first -device lands in slot 23. (With acpi=off there
// are 8 slots on GSIs 5..12; with ioapic2=off, 8 slots on GSIs 16..23.)
const (
	MicrovmBase     mm.PhysAddr = 0xfeb0_0000
	MicrovmSlots                = 24
	MicrovmSlotSize             = 0x200
	MicrovmGSIBase              = 24
)

// MicrovmSlot is the base address of slot i.
func MicrovmSlot(i int) mm.PhysAddr { return MicrovmBase + mm.PhysAddr(i*MicrovmSlotSize) }

// MicrovmGSI is the interrupt line (GSI) of slot i with two IOAPICs.
func MicrovmGSI(i int) int { return MicrovmGSIBase + i }
