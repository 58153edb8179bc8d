package virtio

import (
	"errors"
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
)

// virtio-mmio register offsets, VIRTIO 1.2 §4.2.2 (Version 2 layout). All
// are 32 bits wide and must be accessed with aligned 32-bit loads and
// stores (§4.2.2.2).
const (
	RegMagicValue        = 0x000 // "virt", little endian
	RegVersion           = 0x004 // 2 for the modern interface, 1 legacy
	RegDeviceID          = 0x008 // 0: no device in this slot
	RegVendorID          = 0x00c
	RegDeviceFeatures    = 0x010 // 32 feature bits, selected by ...
	RegDeviceFeaturesSel = 0x014 // ... this word index
	RegDriverFeatures    = 0x020
	RegDriverFeaturesSel = 0x024
	RegQueueSel          = 0x030
	RegQueueNumMax       = 0x034 // 0: the selected queue does not exist
	RegQueueNum          = 0x038
	RegQueueReady        = 0x044
	RegQueueNotify       = 0x050 // write the queue index to notify
	RegInterruptStatus   = 0x060
	RegInterruptACK      = 0x064
	RegStatus            = 0x070
	RegQueueDescLow      = 0x080
	RegQueueDescHigh     = 0x084
	RegQueueDriverLow    = 0x090 // the available ring
	RegQueueDriverHigh   = 0x094
	RegQueueDeviceLow    = 0x0a0 // the used ring
	RegQueueDeviceHigh   = 0x0a4
	RegConfigGeneration  = 0x0fc
	RegConfig            = 0x100 // device-specific configuration space

	// MagicValue is what RegMagicValue reads on every virtio-mmio device.
	MagicValue = 0x74726976
)

// Device status bits, VIRTIO 1.2 §2.1.
const (
	StatusAcknowledge      = 1
	StatusDriver           = 2
	StatusDriverOK         = 4
	StatusFeaturesOK       = 8
	StatusDeviceNeedsReset = 64
	StatusFailed           = 128
)

// Interrupt status bits, VIRTIO 1.2 §4.2.2 (InterruptStatus).
const (
	InterruptUsedBuffer   = 1 // a used ring was updated
	InterruptConfigChange = 2 // the configuration space changed
)

// Device types, VIRTIO 1.2 §5.
const (
	DeviceNone  = 0
	DeviceNet   = 1
	DeviceBlock = 2
)

// FVersion1 is VIRTIO_F_VERSION_1 (bit 32, VIRTIO 1.2 §6): the device
// complies with the modern interface. Pagoda drives modern devices only.
const FVersion1 = 1 << 32

// Errors of the transport.
var (
	ErrNoDevice  = errors.New("virtio: no device")
	ErrNotVirtio = errors.New("virtio: bad magic value (not a virtio-mmio device)")
	ErrLegacy    = errors.New("virtio: legacy virtio-mmio device (Version 1); " +
		"run QEMU with -global virtio-mmio.force-legacy=false")
	ErrFeatures = errors.New("virtio: feature negotiation failed")
	ErrQueue    = errors.New("virtio: queue setup failed")
	ErrNoMemory = errors.New("virtio: out of DMA memory")
	ErrBusy     = errors.New("virtio: ring lock held across a fault (kernel bug)")
	ErrTimeout  = errors.New("virtio: device did not respond")
)

// Regs is a device's register window: 32-bit loads and stores at an offset
// from its base. On bare metal they are uncached MMIO accesses
// (mmio_unsafe_tamago.go); host tests use a device model.
type Regs interface {
	Read32(off uint32) uint32
	Write32(off uint32, v uint32)
}

// Transport is one virtio-mmio device, from discovery to DRIVER_OK. Its
// methods are not safe for concurrent use until DriverOK, after which only
// Notify and the interrupt registers are touched, and those are safe.
type Transport struct {
	regs     Regs
	base     mm.PhysAddr // for messages only
	deviceID uint32
	features uint64 // negotiated: what the driver wrote and the device kept
}

// resetSpins bounds the wait for a reset to read back as 0.
const resetSpins = 1 << 20

// NewTransport checks the device at regs: the magic value, the modern
// interface (Version 2) and a nonzero device ID. It fails with
// ErrNoDevice for an empty slot, ErrLegacy for a Version 1 device and
// ErrNotVirtio for anything else that answers.
func NewTransport(regs Regs, base mm.PhysAddr) (*Transport, error) {
	if m := regs.Read32(RegMagicValue); m != MagicValue {
		return nil, fmt.Errorf("%w: %#x at %v", ErrNotVirtio, m, base)
	}
	id := regs.Read32(RegDeviceID)
	if id == DeviceNone {
		return nil, fmt.Errorf("%w at %v", ErrNoDevice, base)
	}
	switch v := regs.Read32(RegVersion); v {
	case 2:
	case 1:
		return nil, fmt.Errorf("%w: device %d at %v", ErrLegacy, id, base)
	default:
		return nil, fmt.Errorf("%w: version %d at %v", ErrNotVirtio, v, base)
	}
	return &Transport{regs: regs, base: base, deviceID: id}, nil
}

// DeviceID is the device type (DeviceBlock...).
func (t *Transport) DeviceID() uint32 { return t.deviceID }

// Base is the physical address of the register window.
func (t *Transport) Base() mm.PhysAddr { return t.base }

// Features is the negotiated feature set.
func (t *Transport) Features() uint64 { return t.features }

// Negotiate runs the first half of the initialisation sequence, VIRTIO 1.2
// §3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, read the device's
// features, write supported ∩ offered, FEATURES_OK, and read the status
// back to see that the device kept FEATURES_OK. The device must offer
// VIRTIO_F_VERSION_1. On failure the device is left with FAILED set. It
// returns the accepted set, which Features reports from then on.
func (t *Transport) Negotiate(supported uint64) (uint64, error) {
	if err := t.Reset(); err != nil {
		return 0, err
	}
	t.regs.Write32(RegStatus, StatusAcknowledge)
	t.regs.Write32(RegStatus, StatusAcknowledge|StatusDriver)
	var offered uint64
	for sel := uint32(0); sel < 2; sel++ {
		t.regs.Write32(RegDeviceFeaturesSel, sel)
		offered |= uint64(t.regs.Read32(RegDeviceFeatures)) << (32 * sel)
	}
	if offered&FVersion1 == 0 {
		t.Fail()
		return 0, fmt.Errorf("%w: device at %v does not offer VIRTIO_F_VERSION_1", ErrFeatures, t.base)
	}
	accepted := supported&offered | FVersion1
	for sel := uint32(0); sel < 2; sel++ {
		t.regs.Write32(RegDriverFeaturesSel, sel)
		t.regs.Write32(RegDriverFeatures, uint32(accepted>>(32*sel)))
	}
	st := uint32(StatusAcknowledge | StatusDriver | StatusFeaturesOK)
	t.regs.Write32(RegStatus, st)
	if t.regs.Read32(RegStatus)&StatusFeaturesOK == 0 {
		t.Fail()
		return 0, fmt.Errorf("%w: device at %v refused features %#x", ErrFeatures, t.base, accepted)
	}
	t.features = accepted
	return accepted, nil
}

// Reset writes 0 to Status and waits for it to read back 0 (§2.4).
func (t *Transport) Reset() error {
	t.regs.Write32(RegStatus, 0)
	for i := 0; i < resetSpins; i++ {
		if t.regs.Read32(RegStatus) == 0 {
			return nil
		}
	}
	return fmt.Errorf("%w: reset of %v", ErrTimeout, t.base)
}

// Fail sets FAILED: the driver gave up on the device (§2.1).
func (t *Transport) Fail() {
	t.regs.Write32(RegStatus, t.regs.Read32(RegStatus)|StatusFailed)
}

// DriverOK sets DRIVER_OK, the last step of §3.1.1: the device is live.
func (t *Transport) DriverOK() {
	t.regs.Write32(RegStatus, t.regs.Read32(RegStatus)|StatusDriverOK)
}

// Status reads the device status register.
func (t *Transport) Status() uint32 { return t.regs.Read32(RegStatus) }

// Config32 reads the 32-bit field at off in the device configuration
// space.
func (t *Transport) Config32(off uint32) uint32 {
	for {
		gen := t.regs.Read32(RegConfigGeneration)
		v := t.regs.Read32(RegConfig + off)
		if t.regs.Read32(RegConfigGeneration) == gen {
			return v
		}
	}
}

// Config64 reads the 64-bit field at off as two 32-bit halves, retrying
// until ConfigGeneration is the same before and after, so that the halves
// belong to one version of the field (§2.5.1, §4.2.2.2).
func (t *Transport) Config64(off uint32) uint64 {
	for {
		gen := t.regs.Read32(RegConfigGeneration)
		lo := t.regs.Read32(RegConfig + off)
		hi := t.regs.Read32(RegConfig + off + 4)
		if t.regs.Read32(RegConfigGeneration) == gen {
			return uint64(hi)<<32 | uint64(lo)
		}
	}
}

// InterruptStatus reads and acknowledges the pending interrupt causes
// (InterruptStatus, then InterruptACK with the same bits, §4.2.2).
func (t *Transport) InterruptStatus() uint32 {
	st := t.regs.Read32(RegInterruptStatus)
	if st != 0 {
		t.regs.Write32(RegInterruptACK, st)
	}
	return st
}

// notify tells the device that queue index has new available buffers
// (§4.2.3.3). It is safe at any time after the queue is ready, from any
// context, including the fault path.
func (t *Transport) notify(index uint32) { t.regs.Write32(RegQueueNotify, index) }
