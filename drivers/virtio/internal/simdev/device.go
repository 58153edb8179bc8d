package simdev

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/mm"
)

// Feature bits of virtio-blk, VIRTIO 1.2 §5.2.3.
const (
	FSizeMax = 1 << 1
	FSegMax  = 1 << 2
	FRO      = 1 << 5
	FBlkSize = 1 << 6
	FFlush   = 1 << 9
)

// Device is the model. Configure the exported fields before the driver
// first touches it; the setters are safe at any time.
type Device struct {
	Magic       uint32 // virtio.MagicValue unless set otherwise
	Version     uint32 // 2 unless set otherwise (1: legacy)
	DeviceID    uint32 // virtio.DeviceBlock unless set otherwise
	Offered     uint64 // device features
	QueueNumMax uint32
	SizeMax     uint32
	SegMax      uint32
	BlkSize     uint32
	// RejectFeatures makes the device clear FEATURES_OK.
	RejectFeatures bool
	// Reorder completes pending requests in random order and batches.
	Reorder bool
	// Sync serves requests inside the QueueNotify store.
	Sync bool
	// Record appends every request to Log (allocates).
	Record bool
	// Delay, if set, is how long the worker waits after a notify before
	// fetching, so that requests gather in the ring.
	Delay time.Duration

	arena *Arena
	disk  []byte // guarded by mu
	rng   *rand.Rand
	kick  chan struct{}
	stop  chan struct{}
	done  chan struct{}
	// IRQ receives a value (if there is room) each time the device raises
	// a used-buffer interrupt; a test's IRQ goroutine calls the driver's
	// Interrupt on it.
	IRQ chan struct{}

	mu         sync.Mutex
	status     uint32
	featSel    uint32
	drvSel     uint32
	driverFeat uint64
	queueSel   uint32
	gen        uint32
	genFlips   int
	isr        uint32
	q          queueState
	faults     map[uint64]byte // sector -> status to return
	dropIRQ    bool
	rejectWr   bool
	started    bool

	stats Stats
	Log   []Request // guarded by mu; see Snapshot
}

type queueState struct {
	num               uint32
	ready             bool
	desc, avail, used mm.PhysAddr
	lastAvail         uint16 // next avail index to fetch
	usedIdx           uint16
	seq               uint64 // fetch order of the next request
	busy              []bool // descriptor belongs to a pending chain
	pending           []pend
	segs              [][]seg // per head, reused
}

type pend struct {
	head uint16
	seq  uint64
}

type seg struct {
	addr  mm.PhysAddr
	len   uint32
	write bool
}

// Request is one request as the device saw it (with Record set).
type Request struct {
	Type   uint32
	Sector uint64
	Segs   []uint32 // data segment lengths
	Status byte
}

// Stats counts what the device did and what it found wrong.
type Stats struct {
	Requests   map[uint32]int // by request type
	MaxSegs    int            // most data segments in one request
	MaxSegLen  uint32         // longest data segment
	Completed  int
	OutOfOrder int      // completions overtaking an older pending request
	Interrupts int      // used-buffer interrupts raised (not suppressed)
	Notifies   int      // QueueNotify stores
	Violations []string // protocol errors by the driver
	Status     []uint32 // every value written to Status
}

// NewBlock returns a modern virtio-blk device of sectors 512-byte sectors
// serving DMA from arena, offering VERSION_1, SEG_MAX and FLUSH, with a
// queue of 64 and seg_max 8. Close stops its worker.
func NewBlock(arena *Arena, sectors uint64, seed uint64) *Device {
	d := &Device{
		Magic: virtio.MagicValue, Version: 2, DeviceID: virtio.DeviceBlock,
		Offered:     virtio.FVersion1 | FSegMax | FFlush,
		QueueNumMax: 64, SegMax: 8, BlkSize: 512,
		arena: arena, disk: make([]byte, sectors*512),
		rng:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		kick: make(chan struct{}, 1), stop: make(chan struct{}),
		done: make(chan struct{}), IRQ: make(chan struct{}, 1),
		faults: map[uint64]byte{},
	}
	d.stats.Requests = map[uint32]int{}
	return d
}

// Close stops the worker goroutine, if it was started.
func (d *Device) Close() {
	d.mu.Lock()
	started := d.started
	d.started = false
	d.mu.Unlock()
	if started {
		close(d.stop)
		<-d.done
	}
}

// Disk returns a copy of the backing store.
func (d *Device) Disk() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.disk...)
}

// SetDisk overwrites the backing store at byte offset off.
func (d *Device) SetDisk(off int, b []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	copy(d.disk[off:], b)
}

// SetFault makes every request touching sector complete with status
// (StatusIOErr, StatusUnsupp, or StatusNone for an unwritten status
// byte and used.len 0); status StatusOK removes the fault.
func (d *Device) SetFault(sector uint64, status byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if status == StatusOK {
		delete(d.faults, sector)
		return
	}
	d.faults[sector] = status
}

// DropInterrupts makes the device stop (or resume) signalling IRQ, as a
// lost interrupt would; InterruptStatus is still set.
func (d *Device) DropInterrupts(drop bool) {
	d.mu.Lock()
	d.dropIRQ = drop
	d.mu.Unlock()
}

// RejectWrites makes writes fail with IOERR whatever the features say,
// as a read-only medium behind a device that does not offer RO would.
func (d *Device) RejectWrites(reject bool) {
	d.mu.Lock()
	d.rejectWr = reject
	d.mu.Unlock()
}

// FlipGeneration makes the next n configuration reads each change
// ConfigGeneration, as a concurrent configuration change would.
func (d *Device) FlipGeneration(n int) {
	d.mu.Lock()
	d.genFlips = n
	d.mu.Unlock()
}

// Resize changes the capacity to sectors, bumps ConfigGeneration and
// raises the configuration-change interrupt (§2.5, §4.2.2).
func (d *Device) Resize(sectors uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	disk := make([]byte, sectors*512)
	copy(disk, d.disk)
	d.disk = disk
	d.gen++
	d.isr |= virtio.InterruptConfigChange
}

// DriverFeatures is the feature set the driver wrote.
func (d *Device) DriverFeatures() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.driverFeat
}

// Snapshot returns a copy of the statistics and the request log.
func (d *Device) Snapshot() (Stats, []Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stats
	s.Requests = map[uint32]int{}
	for k, v := range d.stats.Requests {
		s.Requests[k] = v
	}
	s.Violations = append([]string(nil), d.stats.Violations...)
	s.Status = append([]uint32(nil), d.stats.Status...)
	return s, append([]Request(nil), d.Log...)
}

// Pending counts requests fetched and not completed.
func (d *Device) Pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.q.pending)
}

func (d *Device) violate(format string, args ...any) {
	d.stats.Violations = append(d.stats.Violations, fmt.Sprintf(format, args...))
}

// Read32 implements virtio.Regs.
func (d *Device) Read32(off uint32) uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch off {
	case virtio.RegMagicValue:
		return d.Magic
	case virtio.RegVersion:
		return d.Version
	case virtio.RegDeviceID:
		return d.DeviceID
	case virtio.RegVendorID:
		return 0x554d4551 // "QEMU"
	case virtio.RegDeviceFeatures:
		if d.featSel > 1 {
			return 0
		}
		return uint32(d.Offered >> (32 * d.featSel))
	case virtio.RegQueueNumMax:
		if d.queueSel != 0 {
			return 0
		}
		return d.QueueNumMax
	case virtio.RegQueueReady:
		if d.queueSel == 0 && d.q.ready {
			return 1
		}
		return 0
	case virtio.RegInterruptStatus:
		return d.isr
	case virtio.RegStatus:
		return d.status
	case virtio.RegConfigGeneration:
		return d.gen
	}
	if off >= virtio.RegConfig {
		return d.configLocked(off - virtio.RegConfig)
	}
	d.violate("read of register %#x", off)
	return 0
}

// configLocked is the virtio_blk_config structure, §5.2.4.
// While generation flips are pending, each read returns a torn value
// (all bits inverted) and bumps the generation, as a read racing with an
// update would see.
func (d *Device) configLocked(off uint32) uint32 {
	v := d.configFieldLocked(off)
	if d.genFlips > 0 {
		d.genFlips--
		d.gen++
		return ^v
	}
	return v
}

func (d *Device) configFieldLocked(off uint32) uint32 {
	capacity := uint64(len(d.disk) / 512)
	switch off {
	case 0:
		return uint32(capacity)
	case 4:
		return uint32(capacity >> 32)
	case 8:
		return d.SizeMax
	case 12:
		return d.SegMax
	case 20:
		return d.BlkSize
	}
	return 0
}

// Write32 implements virtio.Regs.
func (d *Device) Write32(off uint32, v uint32) {
	d.mu.Lock()
	switch off {
	case virtio.RegDeviceFeaturesSel:
		d.featSel = v
	case virtio.RegDriverFeaturesSel:
		d.drvSel = v
	case virtio.RegDriverFeatures:
		if d.drvSel < 2 {
			sh := 32 * d.drvSel
			d.driverFeat = d.driverFeat&^(0xffffffff<<sh) | uint64(v)<<sh
		}
	case virtio.RegQueueSel:
		d.queueSel = v
	case virtio.RegQueueNum:
		d.q.num = v
	case virtio.RegQueueDescLow, virtio.RegQueueDescHigh:
		setHalf(&d.q.desc, off-virtio.RegQueueDescLow, v)
	case virtio.RegQueueDriverLow, virtio.RegQueueDriverHigh:
		setHalf(&d.q.avail, off-virtio.RegQueueDriverLow, v)
	case virtio.RegQueueDeviceLow, virtio.RegQueueDeviceHigh:
		setHalf(&d.q.used, off-virtio.RegQueueDeviceLow, v)
	case virtio.RegQueueReady:
		d.queueReadyLocked(v)
	case virtio.RegQueueNotify:
		d.stats.Notifies++
		if v != 0 || !d.q.ready || d.status&virtio.StatusDriverOK == 0 {
			d.violate("notify of queue %d (ready %v, status %#x)", v, d.q.ready, d.status)
			break
		}
		if d.Sync {
			d.fetchLocked()
			for len(d.q.pending) > 0 {
				d.completeLocked(len(d.q.pending))
			}
			irq := d.interruptLocked()
			d.mu.Unlock()
			d.signal(irq)
			return
		}
		select {
		case d.kick <- struct{}{}:
		default:
		}
	case virtio.RegInterruptACK:
		d.isr &^= v
	case virtio.RegStatus:
		d.statusLocked(v)
	default:
		d.violate("write of register %#x", off)
	}
	d.mu.Unlock()
}

func setHalf(p *mm.PhysAddr, high uint32, v uint32) {
	if high != 0 {
		*p = *p&0xffffffff | mm.PhysAddr(v)<<32
	} else {
		*p = *p&^0xffffffff | mm.PhysAddr(v)
	}
}

// statusLocked follows §2.1 and §3.1: 0 resets, FEATURES_OK is kept only
// for an acceptable feature set, DRIVER_OK starts the worker.
func (d *Device) statusLocked(v uint32) {
	d.stats.Status = append(d.stats.Status, v)
	if v == 0 {
		d.status, d.driverFeat, d.isr = 0, 0, 0
		d.q = queueState{}
		return
	}
	if v&^d.status&virtio.StatusFeaturesOK != 0 {
		if d.driverFeat&^d.Offered != 0 {
			d.violate("driver accepted unoffered features %#x", d.driverFeat&^d.Offered)
			v &^= virtio.StatusFeaturesOK
		}
		if d.RejectFeatures || d.driverFeat&virtio.FVersion1 == 0 {
			v &^= virtio.StatusFeaturesOK
		}
	}
	if v&virtio.StatusDriverOK != 0 && v&virtio.StatusFeaturesOK == 0 {
		d.violate("DRIVER_OK without FEATURES_OK (%#x)", v)
	}
	d.status = v
	if v&virtio.StatusDriverOK != 0 && !d.started && !d.Sync {
		d.started = true
		go d.run()
	}
}

func (d *Device) queueReadyLocked(v uint32) {
	if d.queueSel != 0 || v != 1 {
		d.violate("QueueReady %d for queue %d", v, d.queueSel)
		return
	}
	n := d.q.num
	if n == 0 || n > d.QueueNumMax || n&(n-1) != 0 {
		d.violate("QueueNum %d (max %d)", n, d.QueueNumMax)
		return
	}
	if d.status&virtio.StatusFeaturesOK == 0 {
		d.violate("queue set up before FEATURES_OK")
	}
	if d.q.desc&15 != 0 || d.q.avail&1 != 0 || d.q.used&3 != 0 {
		d.violate("misaligned rings %v %v %v", d.q.desc, d.q.avail, d.q.used)
		return
	}
	if !d.arena.Contains(d.q.desc, 16*int(n)) || !d.arena.Contains(d.q.avail, 6+2*int(n)) ||
		!d.arena.Contains(d.q.used, 6+8*int(n)) {
		d.violate("rings outside DMA memory")
		return
	}
	d.q.ready = true
	d.q.busy = make([]bool, n)
	d.q.pending = make([]pend, 0, n)
	d.q.segs = make([][]seg, n)
	for i := range d.q.segs {
		d.q.segs[i] = make([]seg, 0, n)
	}
}

// run is the worker: it serves the queue after each notify until nothing
// is pending, completing in random batches and order if Reorder.
func (d *Device) run() {
	defer close(d.done)
	for {
		select {
		case <-d.kick:
		case <-d.stop:
			return
		}
		if d.Delay > 0 {
			time.Sleep(d.Delay)
		}
		for {
			d.mu.Lock()
			if !d.q.ready {
				d.mu.Unlock()
				break
			}
			d.fetchLocked()
			n := len(d.q.pending)
			if n == 0 {
				d.mu.Unlock()
				break
			}
			if d.Reorder {
				n = 1 + d.rng.IntN(n)
			}
			d.completeLocked(n)
			irq := d.interruptLocked()
			d.mu.Unlock()
			d.signal(irq)
		}
	}
}

// interruptLocked raises the used-buffer interrupt unless the driver
// asked for none (VIRTQ_AVAIL_F_NO_INTERRUPT, §2.7.7). It reports whether
// to signal IRQ.
func (d *Device) interruptLocked() bool {
	flags := atomic.LoadUint32(d.arena.word(d.q.avail)) & 0xffff
	d.isr |= virtio.InterruptUsedBuffer
	if flags&1 != 0 {
		return false
	}
	d.stats.Interrupts++
	return !d.dropIRQ
}

func (d *Device) signal(irq bool) {
	if !irq {
		return
	}
	select {
	case d.IRQ <- struct{}{}:
	default:
	}
}
