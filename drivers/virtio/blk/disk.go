package blk

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/mm"
)

// SectorSize is the unit of virtio-blk addressing (§5.2.6): sectors are
// 512 bytes whatever the device's block size.
const SectorSize = 512

// Feature bits of virtio-blk, VIRTIO 1.2 §5.2.3, that Pagoda accepts.
const (
	fSizeMax = 1 << 1 // VIRTIO_BLK_F_SIZE_MAX: size_max bounds a segment
	fSegMax  = 1 << 2 // VIRTIO_BLK_F_SEG_MAX: seg_max bounds segments per request
	fRO      = 1 << 5 // VIRTIO_BLK_F_RO: the disk is read-only
	fBlkSize = 1 << 6 // VIRTIO_BLK_F_BLK_SIZE: blk_size is the logical block size
	fFlush   = 1 << 9 // VIRTIO_BLK_F_FLUSH: the FLUSH request exists

	supported = fSizeMax | fSegMax | fRO | fBlkSize | fFlush | virtio.FVersion1
)

// featureNames names the accepted features, in bit order.
var featureNames = []struct {
	bit  uint64
	name string
}{
	{fSizeMax, "size_max"}, {fSegMax, "seg_max"}, {fRO, "ro"},
	{fBlkSize, "blk_size"}, {fFlush, "flush"}, {virtio.FVersion1, "version_1"},
}

// Configuration space offsets, struct virtio_blk_config, §5.2.4.
const (
	cfgCapacity = 0  // u64, in 512-byte sectors
	cfgSizeMax  = 8  // u32
	cfgSegMax   = 12 // u32
	cfgBlkSize  = 20 // u32
)

// Errors of the package. Request failures are *RequestError values that
// unwrap to one of them.
var (
	ErrIO          = errors.New("I/O error")
	ErrUnsupported = errors.New("request not supported by the device")
	ErrReadOnly    = errors.New("read-only device")
	ErrInvalid     = errors.New("invalid request")
	ErrNoDevice    = errors.New("no such device")
	ErrBusy        = errors.New("fault request slot busy")
)

// Config tunes a Disk. Zero fields take the defaults.
type Config struct {
	Name         string        // "vda"...
	QueueSize    int           // descriptors, a power of two (256)
	Slots        int           // goroutine requests in flight at once (16)
	BounceSize   int           // bytes per goroutine request (64 KiB)
	PollInterval time.Duration // interrupt-mode re-poll period (5 ms)
	FaultTimeout time.Duration // fault path: wait for the device (10 s)
	LockTimeout  time.Duration // fault path: wait for the ring lock (1 s)
}

func (c *Config) defaults() {
	if c.QueueSize == 0 {
		c.QueueSize = 256
	}
	if c.Slots == 0 {
		c.Slots = 16
	}
	if c.BounceSize == 0 {
		c.BounceSize = 64 << 10
	}
	if c.PollInterval == 0 {
		c.PollInterval = 5 * time.Millisecond
	}
	if c.FaultTimeout == 0 {
		c.FaultTimeout = 10 * time.Second
	}
	if c.LockTimeout == 0 {
		c.LockTimeout = time.Second
	}
}

// maxSegs bounds the data segments of one request, whatever seg_max says,
// and faultSegs those of the fault path's reserved chain.
const (
	maxSegs   = 64
	faultSegs = 32
)

// Disk is one virtio-blk device, initialised and live (DRIVER_OK).
type Disk struct {
	name     string
	t        *virtio.Transport
	q        *virtio.Queue
	mem      virtio.Mem
	cfg      Config
	features uint64
	sectors  atomic.Uint64 // capacity; re-read on a config-change interrupt
	blkSize  uint32
	segMax   int // data segments per goroutine request
	segSize  int // bytes per data segment, a multiple of SectorSize
	maxXfer  int // bytes per goroutine request: bounce and segment limits

	slots chan *request // free goroutine request slots
	all   []*request    // every slot, the fault slot last, for Close

	fault      *request      // the fault path's slot
	faultChain *virtio.Chain // its reserved descriptors
	faultMax   int           // bytes per fault request
	faultBusy  atomic.Bool   // a fault request is in progress

	irq       atomic.Bool   // EnableInterrupts was called
	descWaits atomic.Uint64 // submissions that found too few free descriptors

	mu      sync.Mutex
	changed chan struct{} // guarded by mu: closed and replaced on progress
}

// request is a request slot: a 16-byte header (type, reserved, sector)
// followed by the status byte, in DMA memory, a bounce buffer (none for
// the fault slot), and a chain template with room for every segment.
type request struct {
	hdrPA    mm.PhysAddr
	hdr      []byte // [0:16] header, [16] status
	bouncePA mm.PhysAddr
	bounce   []byte
	bufs     []virtio.Buffer
	timer    *time.Timer  // interrupt-mode re-poll; nil for the fault slot
	err      RequestError // the fault path's error, returned by pointer
}

// New initialises the block device behind t (VIRTIO 1.2 §3.1.1): it
// negotiates features, reads the configuration, sets up queue 0 and the
// request slots in mem, and sets DRIVER_OK. The disk starts in polled
// mode. On failure the device is left FAILED and its memory freed.
func New(t *virtio.Transport, mem virtio.Mem, cfg Config) (*Disk, error) {
	cfg.defaults()
	if t.DeviceID() != virtio.DeviceBlock {
		return nil, fmt.Errorf("blk: %s at %v: device type %d: %w", cfg.Name, t.Base(), t.DeviceID(), ErrNoDevice)
	}
	feat, err := t.Negotiate(supported)
	if err != nil {
		return nil, fmt.Errorf("blk: %s: %w", cfg.Name, err)
	}
	d := &Disk{name: cfg.Name, t: t, mem: mem, cfg: cfg, features: feat,
		changed: make(chan struct{})}
	if err := d.setup(); err != nil {
		d.Close()
		t.Fail()
		return nil, fmt.Errorf("blk: %s at %v: %w", cfg.Name, t.Base(), err)
	}
	d.q.SetInterrupts(false)
	t.DriverOK()
	return d, nil
}

// setup reads the configuration and builds the queue and the slots.
func (d *Disk) setup() error {
	t := d.t
	d.sectors.Store(t.Config64(cfgCapacity))
	d.blkSize = SectorSize
	if d.features&fBlkSize != 0 {
		d.blkSize = t.Config32(cfgBlkSize)
	}
	d.segMax = 1 // without SEG_MAX, one data segment per request (as Linux)
	if d.features&fSegMax != 0 {
		d.segMax = max(1, int(min(t.Config32(cfgSegMax), maxSegs)))
	}
	d.segSize = max(d.cfg.BounceSize, 4096) &^ (SectorSize - 1)
	if d.features&fSizeMax != 0 {
		if sm := int(t.Config32(cfgSizeMax)); sm != 0 { // 0: no limit
			if sm < SectorSize {
				return fmt.Errorf("%w: size_max %d below one sector", ErrNoDevice, sm)
			}
			d.segSize = min(d.segSize, sm&^(SectorSize-1))
		}
	}
	q, err := t.SetupQueue(0, d.cfg.QueueSize, d.mem)
	if err != nil {
		return err
	}
	d.q = q
	// The fault chain takes at most half the ring; goroutine requests
	// must fit in what remains.
	fsegs := min(d.segMax, faultSegs, q.Size()/2-2)
	d.segMax = min(d.segMax, q.Size()-(fsegs+2)-2)
	if fsegs < 1 || d.segMax < 1 {
		return fmt.Errorf("%w: queue of %d descriptors too small", virtio.ErrQueue, q.Size())
	}
	if d.faultChain, err = q.Reserve(fsegs + 2); err != nil {
		return err
	}
	d.faultMax = fsegs * d.segSize
	d.maxXfer = min(d.cfg.BounceSize&^(SectorSize-1), d.segMax*d.segSize)
	if d.maxXfer < SectorSize {
		return fmt.Errorf("%w: bounce size %d", ErrInvalid, d.cfg.BounceSize)
	}
	d.slots = make(chan *request, d.cfg.Slots)
	for i := 0; i < d.cfg.Slots; i++ {
		r, err := d.newRequest(d.maxXfer, d.segMax)
		if err != nil {
			return err
		}
		r.timer = time.NewTimer(time.Hour)
		r.timer.Stop()
		d.slots <- r
	}
	d.fault, err = d.newRequest(0, fsegs)
	return err
}

func (d *Disk) newRequest(bounce, segs int) (*request, error) {
	r := &request{bufs: make([]virtio.Buffer, 0, segs+2)}
	var err error
	if r.hdrPA, r.hdr, err = d.mem.Alloc(32, 16); err != nil {
		return nil, err
	}
	d.all = append(d.all, r)
	if bounce > 0 {
		if r.bouncePA, r.bounce, err = d.mem.Alloc(bounce, 4096); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Close resets the device, so that it stops touching memory, and frees
// the rings and the slots. No request may be in progress.
func (d *Disk) Close() {
	d.t.Reset()
	if d.q != nil {
		d.q.Destroy()
	}
	for _, r := range d.all {
		d.mem.Free(r.hdrPA)
		if r.bounce != nil {
			d.mem.Free(r.bouncePA)
		}
	}
	d.all = nil
}

// Name is the disk's name: vda, vdb...
func (d *Disk) Name() string { return d.name }

// Base is the physical address of the device's registers.
func (d *Disk) Base() mm.PhysAddr { return d.t.Base() }

// Sectors is the capacity in 512-byte sectors.
func (d *Disk) Sectors() uint64 { return d.sectors.Load() }

// Size is the capacity in bytes.
func (d *Disk) Size() int64 { return int64(d.Sectors() * SectorSize) }

// ReadOnly reports whether VIRTIO_BLK_F_RO was negotiated.
func (d *Disk) ReadOnly() bool { return d.features&fRO != 0 }

// BlockSize is the device's logical block size (blk_size, or 512).
func (d *Disk) BlockSize() int { return int(d.blkSize) }

// SegMax is the number of data segments the driver puts in one request.
func (d *Disk) SegMax() int { return d.segMax }

// MaxTransfer is the most bytes one goroutine request carries; larger
// ReadAt and WriteAt calls are split.
func (d *Disk) MaxTransfer() int { return d.maxXfer }

// QueueSize is the number of descriptors of the request queue.
func (d *Disk) QueueSize() int { return d.q.Size() }

// Features names the negotiated features, in bit order.
func (d *Disk) Features() []string {
	var names []string
	for _, f := range featureNames {
		if d.features&f.bit != 0 {
			names = append(names, f.name)
		}
	}
	return names
}

func (d *Disk) String() string {
	ro := ""
	if d.ReadOnly() {
		ro = ", read-only"
	}
	return fmt.Sprintf("%s: virtio-blk at %v, %d sectors (%d MiB)%s", d.name, d.Base(), d.Sectors(), d.Size()>>20, ro)
}
