//go:build tamago

package blk

import "github.com/pagoda-os/pagoda/drivers/virtio"

// Probe initialises the block devices in QEMU microvm's 24 virtio-mmio
// slots, from slot 23 down (QEMU's fill order, so that the first -drive
// is vda), with DMA memory from virtio.InitDMA, which must have run. It
// returns the disks in polled mode and one error per slot that holds a
// block device which could not be initialised.
func Probe() ([]*Disk, []error) {
	slots := make([]Slot, 0, virtio.MicrovmSlots)
	for i := virtio.MicrovmSlots - 1; i >= 0; i-- {
		base := virtio.MicrovmSlot(i)
		slots = append(slots, Slot{Base: base, Regs: virtio.MMIO(base)})
	}
	return ProbeSlots(slots, virtio.DMA(), Config{})
}
