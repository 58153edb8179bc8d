package virtio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

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

// ErrParam is what ParseDeviceParam returns for a malformed value.
var ErrParam = errors.New("virtio: malformed virtio_mmio.device parameter")

// DeviceParam is one virtio_mmio.device=<size>@<base>:<irq> kernel
// parameter, which QEMU microvm appends to the command line for each
// transport holding a device (Linux's virtio_mmio_cmdline_devices
// format; size takes K/M/G suffixes, numbers C syntax).
type DeviceParam struct {
	Base mm.PhysAddr
	Size uint64
	IRQ  int
}

// ParseDeviceParam parses the value of a virtio_mmio.device parameter,
// e.g. "512@0xfeb02e00:47". The optional ":<id>" Linux accepts after the
// IRQ is ignored.
func ParseDeviceParam(s string) (DeviceParam, error) {
	var p DeviceParam
	size, rest, ok := strings.Cut(s, "@")
	if !ok {
		return p, fmt.Errorf("%w: %q: no @", ErrParam, s)
	}
	base, irq, ok := strings.Cut(rest, ":")
	if !ok {
		return p, fmt.Errorf("%w: %q: no :irq", ErrParam, s)
	}
	irq, _, _ = strings.Cut(irq, ":")
	mult := uint64(1)
	if n := len(size); n > 0 {
		switch size[n-1] {
		case 'K', 'k':
			mult = 1 << 10
		case 'M', 'm':
			mult = 1 << 20
		case 'G', 'g':
			mult = 1 << 30
		}
		if mult != 1 {
			size = size[:n-1]
		}
	}
	sz, err := strconv.ParseUint(size, 0, 64)
	if err != nil || sz == 0 || sz > (1<<40)/mult {
		return p, fmt.Errorf("%w: %q: size", ErrParam, s)
	}
	b, err := strconv.ParseUint(base, 0, 64)
	if err != nil || b+sz*mult < b {
		return p, fmt.Errorf("%w: %q: base", ErrParam, s)
	}
	n, err := strconv.ParseUint(irq, 0, 16)
	if err != nil {
		return p, fmt.Errorf("%w: %q: irq", ErrParam, s)
	}
	return DeviceParam{Base: mm.PhysAddr(b), Size: sz * mult, IRQ: int(n)}, nil
}
