package virtio_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/drivers/virtio/internal/simdev"
	"github.com/pagoda-os/pagoda/mm"
)

const (
	arenaBase = mm.PhysAddr(0x4000_0000)
	slotBase  = mm.PhysAddr(0xfeb0_2e00)
)

func newDevice(t *testing.T) (*simdev.Device, *simdev.Arena) {
	t.Helper()
	a := simdev.NewArena(arenaBase, 1<<20)
	d := simdev.NewBlock(a, 2048, 1)
	t.Cleanup(d.Close)
	return d, a
}

func TestNegotiate(t *testing.T) {
	const (
		segMax   = 1 << 2
		ro       = 1 << 5
		flush    = 1 << 9
		mq       = 1 << 12 // offered, not supported
		indirect = 1 << 28
	)
	tests := []struct {
		name      string
		offered   uint64
		supported uint64
		want      uint64
	}{
		{"exact", virtio.FVersion1 | segMax | flush, virtio.FVersion1 | segMax | flush, virtio.FVersion1 | segMax | flush},
		{"offered extra", virtio.FVersion1 | segMax | mq | indirect | ro, virtio.FVersion1 | segMax | ro, virtio.FVersion1 | segMax | ro},
		{"supported extra", virtio.FVersion1 | flush, virtio.FVersion1 | segMax | ro | flush, virtio.FVersion1 | flush},
		{"version_1 implied", virtio.FVersion1 | segMax, segMax, virtio.FVersion1 | segMax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev, _ := newDevice(t)
			dev.Offered = tt.offered
			tr, err := virtio.NewTransport(dev, slotBase)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tr.Negotiate(tt.supported)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || tr.Features() != tt.want {
				t.Errorf("accepted %#x, Features %#x, want %#x", got, tr.Features(), tt.want)
			}
			if df := dev.DriverFeatures(); df != tt.want {
				t.Errorf("device saw driver features %#x, want %#x", df, tt.want)
			}
			// §3.1.1: reset, ACKNOWLEDGE, DRIVER, FEATURES_OK, each
			// adding to the previous.
			st, _ := dev.Snapshot()
			want := []uint32{0, 1, 3, 11}
			if !slices.Equal(st.Status, want) {
				t.Errorf("status writes %v, want %v", st.Status, want)
			}
			if tr.Status() != 11 {
				t.Errorf("status %#x, want FEATURES_OK kept", tr.Status())
			}
		})
	}
}

func TestNegotiateFailures(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*simdev.Device)
		want  error
	}{
		{"no version_1", func(d *simdev.Device) { d.Offered = 1 << 2 }, virtio.ErrFeatures},
		{"FEATURES_OK refused", func(d *simdev.Device) { d.RejectFeatures = true }, virtio.ErrFeatures},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev, _ := newDevice(t)
			tt.setup(dev)
			tr, err := virtio.NewTransport(dev, slotBase)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tr.Negotiate(virtio.FVersion1 | 1<<2); !errors.Is(err, tt.want) {
				t.Fatalf("Negotiate: %v, want %v", err, tt.want)
			}
			if tr.Status()&virtio.StatusFailed == 0 {
				t.Errorf("status %#x: FAILED not set", tr.Status())
			}
			if tr.Status()&virtio.StatusFeaturesOK != 0 {
				t.Errorf("status %#x: FEATURES_OK set", tr.Status())
			}
		})
	}
}

func TestNewTransport(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*simdev.Device)
		want  error
	}{
		{"modern", func(*simdev.Device) {}, nil},
		{"legacy", func(d *simdev.Device) { d.Version = 1 }, virtio.ErrLegacy},
		{"empty slot", func(d *simdev.Device) { d.DeviceID = 0 }, virtio.ErrNoDevice},
		{"bad magic", func(d *simdev.Device) { d.Magic = 0x12345678 }, virtio.ErrNotVirtio},
		{"version 3", func(d *simdev.Device) { d.Version = 3 }, virtio.ErrNotVirtio},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev, _ := newDevice(t)
			tt.setup(dev)
			tr, err := virtio.NewTransport(dev, slotBase)
			if !errors.Is(err, tt.want) {
				t.Fatalf("NewTransport: %v, want %v", err, tt.want)
			}
			if err == nil && (tr.DeviceID() != virtio.DeviceBlock || tr.Base() != slotBase) {
				t.Errorf("DeviceID %d Base %v", tr.DeviceID(), tr.Base())
			}
			if st, _ := dev.Snapshot(); len(st.Status) != 0 {
				t.Errorf("status written %v while only probing", st.Status)
			}
		})
	}
}

// TestConfigGeneration makes the device tear the first reads of the
// configuration space: the driver must retry until ConfigGeneration is
// stable, or it would read inverted halves.
func TestConfigGeneration(t *testing.T) {
	for flips := 0; flips <= 5; flips++ {
		dev, _ := newDevice(t)
		tr, err := virtio.NewTransport(dev, slotBase)
		if err != nil {
			t.Fatal(err)
		}
		dev.FlipGeneration(flips)
		if c := tr.Config64(0); c != 2048 {
			t.Errorf("flips %d: capacity %#x, want 2048", flips, c)
		}
		dev.FlipGeneration(flips)
		if s := tr.Config32(12); s != 8 {
			t.Errorf("flips %d: seg_max %#x, want 8", flips, s)
		}
	}
}

func TestMicrovmSlots(t *testing.T) {
	// QEMU puts the first device in slot 23 and announces it as
	// 512@0xfeb02e00:47.
	if b, g := virtio.MicrovmSlot(23), virtio.MicrovmGSI(23); b != 0xfeb02e00 || g != 47 {
		t.Errorf("slot 23: %v irq %d", b, g)
	}
	if b, g := virtio.MicrovmSlot(0), virtio.MicrovmGSI(0); b != 0xfeb00000 || g != 24 {
		t.Errorf("slot 0: %v irq %d", b, g)
	}
}
