package blk

import (
	"errors"
	"time"

	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/mm"
)

// The fault path. ReadPhys and WritePhys run in the page-fault handler,
// on the system stack, with interrupts off. They must not allocate Go
// memory, block, take a sleeping lock, defer, or format with fmt. So they
// use one request slot set aside at probe (its header, status byte and
// descriptor chain), move data directly between the device and the page
// frame at paddr (reached through the direct map, never Go heap, so no bounce buffer),
// and busy-poll the used ring until their request is back, recording on
// the way the completions of goroutine requests, whose waiters find them
// when they next look. The ring lock they share with goroutine context is
// a spinlock held only in short sections that cannot be preempted on one
// CPU (lock.Spin); finding it held is reported as ErrBusy.
//
// The error returned points into the fault slot and stays valid until the
// next ReadPhys or WritePhys.

// errSlotOwned: an earlier fault request timed out and the device has not
// returned it yet.
var errSlotOwned = errors.New("device still owns the fault slot")

// ReadPhys reads n bytes (a multiple of 512) at sector into the physically
// contiguous memory at paddr.
func (d *Disk) ReadPhys(sector uint64, paddr mm.PhysAddr, n int) error {
	return d.phys(typeIn, sector, paddr, n)
}

// WritePhys writes n bytes (a multiple of 512) at paddr to sector. On a
// read-only disk it fails with ErrReadOnly without sending anything.
func (d *Disk) WritePhys(sector uint64, paddr mm.PhysAddr, n int) error {
	return d.phys(typeOut, sector, paddr, n)
}

// faultSlot takes the fault path's request slot for a polled transfer
// of n bytes at sector, checked first: badLen, when not empty, says why
// n is no valid length. A failed check leaves the slot free; the error
// is the slot's own RequestError (no allocation).
func (d *Disk) faultSlot(typ uint32, sector uint64, n int, badLen string) (*request, error) {
	if !d.faultBusy.CompareAndSwap(false, true) {
		// Only one fault can be in progress on one CPU; a second is a
		// nested fault, or a host test misusing the slot.
		return nil, ErrBusy
	}
	r := d.fault
	e := &r.err
	*e = RequestError{Disk: d.name, Op: opName(typ), Sector: sector, Bytes: n, Err: ErrInvalid}
	switch {
	case badLen != "":
		e.Why = badLen
	case sector > d.Sectors() || uint64(n/SectorSize) > d.Sectors()-sector:
		e.Why = "beyond the end of the disk"
	case typ == typeOut && d.ReadOnly():
		e.Err = ErrReadOnly
	default:
		return r, nil
	}
	d.faultBusy.Store(false)
	return nil, e
}

func (d *Disk) phys(typ uint32, sector uint64, paddr mm.PhysAddr, n int) error {
	badLen := ""
	if n <= 0 || n%SectorSize != 0 {
		badLen = "length must be a positive multiple of 512"
	}
	r, err := d.faultSlot(typ, sector, n, badLen)
	if err != nil {
		return err
	}
	for done := 0; done < n && err == nil; {
		m := min(n-done, d.faultMax)
		err = d.physOne(r, typ, sector+uint64(done/SectorSize), paddr+mm.PhysAddr(done), m)
		done += m
	}
	d.faultBusy.Store(false)
	return err
}

// physOne runs one request on the fault slot and polls for it.
func (d *Disk) physOne(r *request, typ uint32, sector uint64, paddr mm.PhysAddr, n int) error {
	return d.physChain(r, typ, sector, n, func() []virtio.Buffer { return r.fill(typ, sector, paddr, n, d.segSize) })
}

// physChain runs one request of n data bytes on the fault slot, its
// chain built by fill once the slot is free, and polls for it. fill is
// a closure the caller does not let escape: no allocation.
func (d *Disk) physChain(r *request, typ uint32, sector uint64, n int, fill func() []virtio.Buffer) error {
	limit := d.cfg.LockTimeout
	// The header and status byte are rewritten below: not while the
	// device may still be reading an earlier request's.
	owned, err := d.q.ChainOwned(d.faultChain, limit)
	if err == nil && owned {
		err = errSlotOwned
	}
	var head uint16
	if err == nil {
		head, err = d.q.SubmitChain(d.faultChain, fill(), limit)
	}
	if err != nil {
		r.err = RequestError{Disk: d.name, Op: opName(typ), Sector: sector, Bytes: n, Err: ErrBusy, Why: err.Error()}
		return &r.err
	}
	d.q.Notify()
	var start time.Time
	for i := 0; ; i++ {
		if written, ok := d.q.Done(head); ok {
			err := r.result(&r.err, d.name, typ, sector, n, written)
			if e := d.q.ReleaseFault(head, limit); e != nil {
				r.err = RequestError{Disk: d.name, Op: opName(typ), Sector: sector, Bytes: n, Err: ErrBusy, Why: e.Error()}
				return &r.err
			}
			return err
		}
		if _, err := d.q.HarvestFault(limit); err != nil {
			r.err = RequestError{Disk: d.name, Op: opName(typ), Sector: sector, Bytes: n, Err: ErrBusy, Why: err.Error()}
			return &r.err
		}
		if i&1023 == 0 {
			if i == 0 {
				start = time.Now()
			} else if time.Since(start) > d.cfg.FaultTimeout {
				// The chain stays with the device; SubmitChain
				// refuses the slot until it comes back.
				r.err = RequestError{Disk: d.name, Op: opName(typ), Sector: sector, Bytes: n, Err: ErrIO, Why: "device timeout"}
				return &r.err
			}
		}
	}
}
