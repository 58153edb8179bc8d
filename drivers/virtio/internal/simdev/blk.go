package simdev

import (
	"encoding/binary"
	"sync/atomic"

	"github.com/pagoda-os/pagoda/mm"
)

// virtio-blk request types and statuses, VIRTIO 1.2 §5.2.6.
const (
	TypeIn    = 0
	TypeOut   = 1
	TypeFlush = 4
	TypeGetID = 8

	StatusOK     = 0
	StatusIOErr  = 1
	StatusUnsupp = 2
	// StatusNone is not a status: injected, it makes the device complete
	// the request without writing the status byte, with used.len 0.
	StatusNone = 0xfe

	headerSize = 16
	idBytes    = 20
)

// fetchLocked moves every new available chain into pending, checking its
// shape. Ordering: the avail idx is loaded atomically before the ring
// entries and descriptors, which the driver stored before it.
func (d *Device) fetchLocked() {
	q := &d.q
	n := uint16(q.num)
	idx := uint16(atomic.LoadUint32(d.arena.word(q.avail)) >> 16)
	for q.lastAvail != idx {
		if len(q.pending) == cap(q.pending) {
			d.violate("more than %d chains available", n)
			return
		}
		slot := q.lastAvail & (n - 1)
		head := binary.LittleEndian.Uint16(d.arena.Bytes(q.avail+4+2*mm.PhysAddr(slot), 2))
		q.lastAvail++
		if head >= n {
			d.violate("avail entry %d out of range", head)
			continue
		}
		if !d.walkLocked(head) {
			continue
		}
		q.pending = append(q.pending, pend{head: head, seq: q.seq})
		q.seq++
	}
}

// walkLocked follows the chain at head into q.segs[head], checking the
// rules of §2.7.4 and §2.7.5: indices in range, no loop, no descriptor in
// two pending chains, no INDIRECT (not negotiated), memory inside DMA,
// device-writable descriptors after device-readable ones.
func (d *Device) walkLocked(head uint16) bool {
	q := &d.q
	n := uint16(q.num)
	segs := q.segs[head][:0]
	id := head
	writable := false
	for {
		if len(segs) == int(n) {
			d.violate("chain at %d loops", head)
			return false
		}
		if q.busy[id] {
			d.violate("descriptor %d already in a pending chain", id)
			d.unbusyLocked(segs, head)
			return false
		}
		desc := d.arena.Bytes(q.desc+16*mm.PhysAddr(id), 16)
		s := seg{
			addr: mm.PhysAddr(binary.LittleEndian.Uint64(desc[0:])),
			len:  binary.LittleEndian.Uint32(desc[8:]),
		}
		flags := binary.LittleEndian.Uint16(desc[12:])
		next := binary.LittleEndian.Uint16(desc[14:])
		s.write = flags&2 != 0
		q.busy[id] = true
		segs = append(segs, s)
		switch {
		case flags&4 != 0:
			d.violate("INDIRECT descriptor %d", id)
		case !d.arena.Contains(s.addr, int(s.len)):
			d.violate("descriptor %d: buffer %v+%d outside DMA memory", id, s.addr, s.len)
		case writable && !s.write:
			d.violate("readable descriptor %d after a writable one", id)
		}
		writable = writable || s.write
		if flags&1 == 0 {
			break
		}
		if next >= n {
			d.violate("descriptor %d: next %d out of range", id, next)
			d.unbusyLocked(segs, head)
			return false
		}
		id = next
	}
	q.segs[head] = segs
	return true
}

// unbusyLocked frees the descriptors of a rejected chain.
func (d *Device) unbusyLocked(segs []seg, head uint16) {
	id := head
	for range segs {
		d.q.busy[id] = false
		desc := d.arena.Bytes(d.q.desc+16*mm.PhysAddr(id), 16)
		id = binary.LittleEndian.Uint16(desc[14:])
	}
}

// completeLocked serves k pending requests: all of them in fetch order,
// or (Reorder) k chosen at random, in random order.
func (d *Device) completeLocked(k int) {
	q := &d.q
	if d.Reorder {
		for i := 0; i < k; i++ {
			j := i + d.rng.IntN(len(q.pending)-i)
			q.pending[i], q.pending[j] = q.pending[j], q.pending[i]
		}
	}
	for i := 0; i < k; i++ {
		p := q.pending[i]
		for _, o := range q.pending[i+1:] {
			if o.seq < p.seq {
				d.stats.OutOfOrder++
				break
			}
		}
		written := d.serveLocked(p.head)
		// Free the chain's descriptors before returning it: the driver
		// may reuse them as soon as it sees the used entry.
		id := p.head
		for range q.segs[p.head] {
			q.busy[id] = false
			desc := d.arena.Bytes(q.desc+16*mm.PhysAddr(id), 16)
			id = binary.LittleEndian.Uint16(desc[14:])
		}
		slot := q.usedIdx & uint16(q.num-1)
		e := d.arena.Bytes(q.used+4+8*mm.PhysAddr(slot), 8)
		binary.LittleEndian.PutUint32(e[0:], uint32(p.head))
		binary.LittleEndian.PutUint32(e[4:], written)
		q.usedIdx++
		// The element (and the data) before the idx, §2.7.8.2.
		atomic.StoreUint32(d.arena.word(q.used), uint32(q.usedIdx)<<16)
		d.stats.Completed++
	}
	q.pending = append(q.pending[:0], q.pending[k:]...)
}

// serveLocked executes the request at head, §5.2.6: header (type,
// reserved, sector) readable, data, status byte writable. It returns
// used.len: every device-writable byte of the chain, as QEMU counts it.
func (d *Device) serveLocked(head uint16) uint32 {
	segs := d.q.segs[head]
	var written uint32
	for _, s := range segs {
		if s.write {
			written += s.len
		}
	}
	if len(segs) < 2 {
		d.violate("chain at %d has %d descriptors", head, len(segs))
		return 0
	}
	hdr, status := segs[0], segs[len(segs)-1]
	if hdr.write || hdr.len != headerSize {
		d.violate("header descriptor: len %d writable %v", hdr.len, hdr.write)
		return 0
	}
	if !status.write || status.len != 1 {
		d.violate("status descriptor: len %d writable %v", status.len, status.write)
		return 0
	}
	h := d.arena.Bytes(hdr.addr, headerSize)
	typ := binary.LittleEndian.Uint32(h[0:])
	if binary.LittleEndian.Uint32(h[4:]) != 0 {
		d.violate("nonzero reserved field in header")
	}
	sector := binary.LittleEndian.Uint64(h[8:])
	data := segs[1 : len(segs)-1]
	d.stats.Requests[typ]++
	st := d.execLocked(typ, sector, data)
	if d.Record {
		r := Request{Type: typ, Sector: sector, Status: st}
		for _, s := range data {
			r.Segs = append(r.Segs, s.len)
		}
		d.Log = append(d.Log, r)
	}
	if st == StatusNone {
		return 0
	}
	d.arena.Bytes(status.addr, 1)[0] = st
	return written
}

// execLocked checks the data segments against the request type and the
// negotiated limits, then moves the data.
func (d *Device) execLocked(typ uint32, sector uint64, data []seg) byte {
	var total uint64
	for _, s := range data {
		total += uint64(s.len)
		want := typ == TypeIn || typ == TypeGetID
		if s.write != want {
			d.violate("type %d: data segment writable=%v", typ, s.write)
		}
		if d.driverFeat&FSizeMax != 0 && s.len > d.SizeMax {
			d.violate("segment of %d bytes > size_max %d", s.len, d.SizeMax)
		}
		d.stats.MaxSegLen = max(d.stats.MaxSegLen, s.len)
	}
	d.stats.MaxSegs = max(d.stats.MaxSegs, len(data))
	if d.driverFeat&FSegMax != 0 && len(data) > int(d.SegMax) {
		d.violate("%d segments > seg_max %d", len(data), d.SegMax)
	}
	switch typ {
	case TypeIn, TypeOut:
		if len(data) == 0 || total%512 != 0 {
			d.violate("type %d with %d data bytes", typ, total)
			return StatusIOErr
		}
	case TypeFlush:
		if d.driverFeat&FFlush == 0 {
			d.violate("FLUSH without VIRTIO_BLK_F_FLUSH")
		}
		if len(data) != 0 {
			d.violate("FLUSH with data")
		}
	case TypeGetID:
		if total != idBytes {
			d.violate("GET_ID with %d data bytes", total)
		}
	default:
		return StatusUnsupp
	}
	for s, st := range d.faults {
		if s >= sector && s < sector+max(total/512, 1) {
			return st
		}
	}
	if sector > uint64(len(d.disk))/512 || total > uint64(len(d.disk))-sector*512 {
		return StatusIOErr
	}
	off := sector * 512
	switch typ {
	case TypeIn:
		for _, s := range data {
			copy(d.arena.Bytes(s.addr, int(s.len)), d.disk[off:])
			off += uint64(s.len)
		}
	case TypeOut:
		if d.Offered&FRO != 0 || d.rejectWr {
			return StatusIOErr // QEMU: writes to a read-only drive fail
		}
		for _, s := range data {
			copy(d.disk[off:], d.arena.Bytes(s.addr, int(s.len)))
			off += uint64(s.len)
		}
	case TypeGetID:
		id := d.arena.Bytes(data[0].addr, int(data[0].len))
		clear(id)
		copy(id, "simdev-serial")
	}
	return StatusOK
}
