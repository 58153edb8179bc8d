package boot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pagoda-os/pagoda/mm"
)

// The microvm board's interrupt wiring, as QEMU 7.2 builds it
// (hw/i386/microvm.c, microvm_devices_init):
//
//   - IOAPIC 0 at 0xfec00000 carries GSIs 0-23. With ACPI on (the default,
//     and Pagoda's machine) a second IOAPIC at 0xfec10000 carries GSIs
//     24-47, unless -machine microvm,ioapic2=off.
//   - virtio-mmio transport i sits at 0xfeb00000 + 512*i. Its line is
//     GSI virtio_irq_base + i, where virtio_irq_base is 24 with the second
//     IOAPIC (24 transports, all on IOAPIC 1), 16 with ACPI but one IOAPIC
//     (8 transports) and 5 without ACPI (8 transports).
//   - QEMU plugs a -device virtio-*-device into the highest free transport
//     first: a single disk on Pagoda's machine is transport 23, at
//     0xfeb02e00, on GSI 47.
//   - Only without ACPI (microvm,acpi=off) does QEMU append
//     "virtio_mmio.device=512@0xfeb00e00:12" for each transport in use to
//     the kernel command line (microvm_fix_kernel_cmdline, called from
//     microvm_machine_reset when ACPI is off). With ACPI the devices are
//     described in the DSDT instead, which Pagoda does not read.
//
// VirtioGSI uses the command line's entries when they are there, since
// they come from QEMU itself, and the layout above otherwise.
const (
	IOAPIC0Base        = 0xfec0_0000
	IOAPIC1Base        = 0xfec1_0000
	IOAPIC1GSIBase     = 24
	VirtioMMIOBase     = 0xfeb0_0000
	VirtioMMIOSlotSize = 512
)

// ErrVirtioMMIO reports a virtio_mmio.device option that cannot be parsed,
// or a transport whose GSI cannot be known.
var ErrVirtioMMIO = errors.New("boot: virtio_mmio.device")

// VirtioMMIODevice is one virtio_mmio.device=SIZE@BASE:IRQ[:ID] option, in
// the format of Linux's virtio_mmio driver (vm_cmdline_set): SIZE as
// mm.ParseSize takes it (an optional K, M or G suffix), numbers in
// decimal or 0x hex.
type VirtioMMIODevice struct {
	Base PhysAddr
	Size uint64
	GSI  int
}

// ParseVirtioMMIODevice parses the value of one virtio_mmio.device option.
func ParseVirtioMMIODevice(s string) (VirtioMMIODevice, error) {
	var d VirtioMMIODevice
	size, rest, ok := strings.Cut(s, "@")
	if !ok {
		return d, fmt.Errorf("%w=%q: want SIZE@BASE:IRQ", ErrVirtioMMIO, s)
	}
	base, irq, ok := strings.Cut(rest, ":")
	if !ok {
		return d, fmt.Errorf("%w=%q: want SIZE@BASE:IRQ", ErrVirtioMMIO, s)
	}
	irq, _, _ = strings.Cut(irq, ":") // the optional platform device id
	sz, err1 := mm.ParseSize(size)
	b, err2 := strconv.ParseUint(base, 0, 64)
	g, err3 := strconv.ParseUint(irq, 0, 16)
	if err := errors.Join(err1, err2, err3); err != nil || sz == 0 || b+sz < b {
		return d, fmt.Errorf("%w=%q: bad number", ErrVirtioMMIO, s)
	}
	return VirtioMMIODevice{Base: PhysAddr(b), Size: sz, GSI: int(g)}, nil
}

// VirtioMMIODevices parses every virtio_mmio.device option of c.
func (c Cmdline) VirtioMMIODevices() ([]VirtioMMIODevice, error) {
	var ds []VirtioMMIODevice
	for _, o := range c.Options {
		if o.Key != "virtio_mmio.device" {
			continue
		}
		d, err := ParseVirtioMMIODevice(o.Value)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// VirtioGSI is the GSI of the virtio-mmio transport at base: from the
// command line's virtio_mmio.device entries if it has any, else from
// microvm's layout, given whether the second IOAPIC is present.
func VirtioGSI(c Cmdline, ioapic1 bool, base PhysAddr) (int, error) {
	ds, err := c.VirtioMMIODevices()
	if err != nil {
		return 0, err
	}
	if len(ds) > 0 {
		for _, d := range ds {
			if d.Base == base {
				return d.GSI, nil
			}
		}
		return 0, fmt.Errorf("%w: no entry for %#x on the command line", ErrVirtioMMIO, uint64(base))
	}
	irqBase, slots := 16, 8
	if ioapic1 {
		irqBase, slots = IOAPIC1GSIBase, 24
	}
	off := uint64(base) - VirtioMMIOBase
	if uint64(base) < VirtioMMIOBase || off%VirtioMMIOSlotSize != 0 || off/VirtioMMIOSlotSize >= uint64(slots) {
		return 0, fmt.Errorf("%w: %#x is not a microvm transport", ErrVirtioMMIO, uint64(base))
	}
	return irqBase + int(off/VirtioMMIOSlotSize), nil
}
