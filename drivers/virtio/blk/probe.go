package blk

import (
	"fmt"

	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/mm"
)

// Slot is a virtio-mmio transport slot to probe.
type Slot struct {
	Base mm.PhysAddr
	Regs virtio.Regs
}

// ProbeSlots initialises every block device in slots, which are in naming
// order, and returns the disks named vda, vdb... A name goes to every
// slot that holds a block device, even one that fails, so that names do
// not shift when a disk breaks. Empty slots and other device types are
// skipped silently; failures are returned, one error per slot, and
// skipped.
func ProbeSlots(slots []Slot, mem virtio.Mem, cfg Config) ([]*Disk, []error) {
	var disks []*Disk
	var errs []error
	n := 0
	for _, s := range slots {
		if s.Regs.Read32(virtio.RegMagicValue) != virtio.MagicValue {
			errs = append(errs, fmt.Errorf("blk: slot at %v: %w", s.Base, virtio.ErrNotVirtio))
			continue
		}
		if s.Regs.Read32(virtio.RegDeviceID) != virtio.DeviceBlock {
			continue
		}
		c := cfg
		c.Name = DiskName(n)
		n++
		t, err := virtio.NewTransport(s.Regs, s.Base)
		if err != nil {
			errs = append(errs, fmt.Errorf("blk: %s: %w", c.Name, err))
			continue
		}
		d, err := New(t, mem, c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		disks = append(disks, d)
	}
	return disks, errs
}

// DiskName is the name of the i-th disk: vda..vdz, vdaa..., as Linux's
// virtblk_name_format.
func DiskName(i int) string {
	suffix := ""
	for i++; i > 0; i = (i - 1) / 26 {
		suffix = string(rune('a'+(i-1)%26)) + suffix
	}
	return "vd" + suffix
}

// Lookup finds a disk by name.
func Lookup(disks []*Disk, name string) (*Disk, error) {
	for _, d := range disks {
		if d.Name() == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("blk: %s: %w", name, ErrNoDevice)
}
