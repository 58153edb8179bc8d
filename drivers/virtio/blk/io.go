package blk

import (
	"encoding/binary"
	"fmt"
	"runtime"

	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/mm"
)

// Request types and statuses, VIRTIO 1.2 §5.2.6.
const (
	typeIn    = 0
	typeOut   = 1
	typeFlush = 4
	typeGetID = 8

	statusOK     = 0
	statusIOErr  = 1
	statusUnsupp = 2
	// statusUnset is stored in the status byte before submission: a
	// device that returns the chain without writing the byte leaves it.
	statusUnset = 0xff

	headerSize = 16
	idBytes    = 20 // GET_ID: up to 20 bytes, §5.2.6
)

// RequestError is a failed request: its operation, disk, position and
// the sentinel (ErrIO, ErrUnsupported, ErrReadOnly, ErrInvalid, ErrBusy)
// it unwraps to.
type RequestError struct {
	Disk   string
	Op     string // "read", "write", "flush", "get-id"
	Sector uint64
	Bytes  int
	Err    error
	Why    string // what went wrong, when Err alone does not say
}

func (e *RequestError) Error() string {
	s := "blk: " + e.Disk + ": " + e.Op
	if e.Op == "read" || e.Op == "write" {
		s += fmt.Sprintf(" of %d bytes at sector %d", e.Bytes, e.Sector)
	}
	s += ": " + e.Err.Error()
	if e.Why != "" {
		s += " (" + e.Why + ")"
	}
	return s
}

func (e *RequestError) Unwrap() error { return e.Err }

func opName(typ uint32) string {
	switch typ {
	case typeIn:
		return "read"
	case typeOut:
		return "write"
	case typeFlush:
		return "flush"
	}
	return "get-id"
}

// check validates a transfer of n bytes at byte offset off.
func (d *Disk) check(typ uint32, n int, off int64) error {
	why := ""
	switch {
	case off < 0 || off%SectorSize != 0 || n%SectorSize != 0:
		why = "offset and length must be multiples of 512"
	case uint64(off) > d.Size64() || uint64(n) > d.Size64()-uint64(off):
		why = "beyond the end of the disk"
	case typ == typeOut && d.ReadOnly():
		return &RequestError{Disk: d.name, Op: "write", Sector: uint64(off) / SectorSize, Bytes: n, Err: ErrReadOnly}
	default:
		return nil
	}
	return &RequestError{Disk: d.name, Op: opName(typ), Sector: uint64(max(off, 0)) / SectorSize, Bytes: n, Err: ErrInvalid, Why: why}
}

// Size64 is Size as a uint64.
func (d *Disk) Size64() uint64 { return d.Sectors() * SectorSize }

// ReadAt reads len(p) bytes at byte offset off (both multiples of 512)
// through a bounce buffer, in requests of at most MaxTransfer bytes. It
// blocks; many goroutines may read and write at once.
func (d *Disk) ReadAt(p []byte, off int64) (int, error) {
	return d.transfer(typeIn, p, off)
}

// WriteAt writes p at byte offset off, as ReadAt reads. On a read-only
// disk it fails with ErrReadOnly without sending anything.
func (d *Disk) WriteAt(p []byte, off int64) (int, error) {
	return d.transfer(typeOut, p, off)
}

func (d *Disk) transfer(typ uint32, p []byte, off int64) (int, error) {
	if err := d.check(typ, len(p), off); err != nil {
		return 0, err
	}
	r := <-d.slots
	defer func() { d.slots <- r }()
	done := 0
	for done < len(p) {
		n := min(len(p)-done, d.maxXfer)
		sector := uint64(off+int64(done)) / SectorSize
		if typ == typeOut {
			copy(r.bounce, p[done:done+n])
		}
		if err := d.do(r, typ, sector, n); err != nil {
			return done, err
		}
		if typ == typeIn {
			copy(p[done:done+n], r.bounce[:n])
		}
		done += n
	}
	return done, nil
}

// Flush asks the device to make completed writes durable
// (VIRTIO_BLK_T_FLUSH). Without VIRTIO_BLK_F_FLUSH the device has no
// volatile cache to flush, and Flush returns nil at once.
func (d *Disk) Flush() error {
	if d.features&fFlush == 0 {
		return nil
	}
	r := <-d.slots
	defer func() { d.slots <- r }()
	return d.do(r, typeFlush, 0, 0)
}

// ID returns the device's serial (VIRTIO_BLK_T_GET_ID): up to 20 bytes,
// NUL-terminated when shorter. Devices may answer ErrUnsupported.
func (d *Disk) ID() (string, error) {
	r := <-d.slots
	defer func() { d.slots <- r }()
	if err := d.do(r, typeGetID, 0, idBytes); err != nil {
		return "", err
	}
	id := r.bounce[:idBytes]
	for i, c := range id {
		if c == 0 {
			id = id[:i]
			break
		}
	}
	return string(id), nil
}

// fill writes the header of a request and its chain into r.bufs: header
// (device-readable), the n data bytes at data split into segments of at
// most segSize (device-writable when the device writes them), and the
// status byte (device-writable), §5.2.6.
func (r *request) fill(typ uint32, sector uint64, data mm.PhysAddr, n, segSize int) []virtio.Buffer {
	bufs := r.header(typ, sector)
	write := typ == typeIn || typ == typeGetID
	for o := 0; o < n; o += segSize {
		l := min(segSize, n-o)
		bufs = append(bufs, virtio.Buffer{Addr: data + mm.PhysAddr(o), Len: uint32(l), Writable: write})
	}
	return append(bufs, virtio.Buffer{Addr: r.hdrPA + headerSize, Len: 1, Writable: true})
}

// header writes a request's header and status byte (unset) and starts
// its chain in r.bufs with the header (device-readable), §5.2.6.
func (r *request) header(typ uint32, sector uint64) []virtio.Buffer {
	binary.LittleEndian.PutUint32(r.hdr[0:], typ)
	binary.LittleEndian.PutUint32(r.hdr[4:], 0)
	binary.LittleEndian.PutUint64(r.hdr[8:], sector)
	r.hdr[headerSize] = statusUnset
	return append(r.bufs[:0], virtio.Buffer{Addr: r.hdrPA, Len: headerSize})
}

// result turns a returned chain into an error: the status byte, which is
// valid only if the device wrote it (used.len covers it), §5.2.6. It
// fills e, so that the fault path need not allocate.
func (r *request) result(e *RequestError, name string, typ uint32, sector uint64, n int, written uint32) error {
	*e = RequestError{Disk: name, Op: opName(typ), Sector: sector, Bytes: n, Err: ErrIO}
	st := r.hdr[headerSize]
	switch {
	case written == 0:
		e.Why = "status not written"
	case st == statusOK && (typ == typeIn || typ == typeGetID) && written < uint32(n)+1:
		e.Why = "short read"
	case st == statusOK:
		return nil
	case st == statusIOErr:
	case st == statusUnsupp:
		e.Err = ErrUnsupported
	default:
		e.Why = "bad status byte"
	}
	return e
}

// do runs one request of n data bytes from r's bounce buffer and waits
// for it.
func (d *Disk) do(r *request, typ uint32, sector uint64, n int) error {
	return d.run(r, typ, sector, n, r.fill(typ, sector, r.bouncePA, n, d.segSize))
}

// run submits the chain bufs of a request of n data bytes and waits for
// it.
func (d *Disk) run(r *request, typ uint32, sector uint64, n int, bufs []virtio.Buffer) error {
	head := d.submit(r, bufs)
	d.q.Notify()
	written := d.wait(r, head)
	err := r.result(new(RequestError), d.name, typ, sector, n, written)
	d.q.Release(head)
	d.progress()
	return err
}

// submit puts bufs on the queue, waiting for enough free descriptors.
func (d *Disk) submit(r *request, bufs []virtio.Buffer) uint16 {
	for {
		ch := d.event()
		if head, ok := d.q.Submit(bufs); ok {
			return head
		}
		// Descriptors come back when their owners, woken by a
		// harvest, release them.
		d.descWaits.Add(1)
		if d.q.Harvest() > 0 {
			d.progress()
		}
		d.sleep(r, ch)
	}
}

// wait blocks until the chain at head is returned, and reports used.len.
// Whoever harvests records the completion: this goroutine, another
// waiter, Interrupt, or the fault path; each wakeup re-checks.
func (d *Disk) wait(r *request, head uint16) uint32 {
	for {
		ch := d.event()
		if written, ok := d.q.Done(head); ok {
			return written
		}
		if d.q.Harvest() > 0 {
			d.progress()
			continue
		}
		d.sleep(r, ch)
	}
}

// event returns the channel the next progress will close. Waiters take it
// before checking their condition, so that no progress is missed.
func (d *Disk) event() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.changed
}

// progress wakes every waiter: chains were harvested or descriptors freed.
func (d *Disk) progress() {
	d.mu.Lock()
	close(d.changed)
	d.changed = make(chan struct{})
	d.mu.Unlock()
}

// sleep waits for the next progress. In polled mode it only yields: the
// caller polls the used ring again. In interrupt mode it blocks on ch,
// but never longer than PollInterval, so that a lost interrupt (or a
// completion harvested by the fault path, which cannot wake anyone)
// delays a waiter instead of hanging it.
func (d *Disk) sleep(r *request, ch <-chan struct{}) {
	if !d.irq.Load() {
		runtime.Gosched()
		return
	}
	r.timer.Reset(d.cfg.PollInterval)
	select {
	case <-ch:
		r.timer.Stop()
	case <-r.timer.C:
	}
}
