package blk

import "github.com/pagoda-os/pagoda/drivers/virtio"

// EnableInterrupts switches the disk from polling to interrupts: the
// kernel has routed the device's interrupt line and will call Interrupt
// for it. Waiters then block instead of polling the used ring, and the
// device is told it may interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT cleared).
func (d *Disk) EnableInterrupts() {
	d.q.SetInterrupts(true)
	d.irq.Store(true)
	d.progress() // waiters still yielding re-check and block
}

// Interrupt services the device's interrupt, in goroutine context (the
// kernel's IRQ service goroutine, never the ISR itself): it reads and
// acknowledges InterruptStatus (§4.2.3.4), re-reads the capacity on a
// configuration change (§5.2.4: the device may be resized), harvests the
// used ring and wakes every waiter. It wakes them even when it harvested
// nothing, as completions the fault path harvested have no other waker.
func (d *Disk) Interrupt() {
	st := d.t.InterruptStatus()
	if st&virtio.InterruptConfigChange != 0 {
		d.sectors.Store(d.t.Config64(cfgCapacity))
	}
	d.q.Harvest()
	d.progress()
}
