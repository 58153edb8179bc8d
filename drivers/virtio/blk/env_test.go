package blk

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/drivers/virtio/internal/simdev"
	"github.com/pagoda-os/pagoda/mm"
)

const (
	arenaBase = mm.PhysAddr(0x1000_0000)
	arenaSize = 16 << 20
	slotBase  = mm.PhysAddr(0xfeb0_2e00)
)

// env is a disk on a simulated device, with the arena serving both as
// DMA memory and as "page frames" for the fault path.
type env struct {
	dev   *simdev.Device
	arena *simdev.Arena
	disk  *Disk
}

// newEnv makes a device of sectors sectors, lets setup adjust it (before
// the driver sees it), and initialises a Disk with cfg.
func newEnv(t *testing.T, sectors uint64, setup func(*simdev.Device), cfg Config) *env {
	t.Helper()
	a := simdev.NewArena(arenaBase, arenaSize)
	dev := simdev.NewBlock(a, sectors, uint64(len(t.Name())))
	if setup != nil {
		setup(dev)
	}
	t.Cleanup(dev.Close)
	tr, err := virtio.NewTransport(dev, slotBase)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name == "" {
		cfg.Name = "vda"
	}
	d, err := New(tr, a, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{dev: dev, arena: a, disk: d}
}

// fill returns n pseudo-random bytes.
func fill(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// checkDevice fails the test on any protocol violation the device saw.
func (e *env) checkDevice(t *testing.T) simdev.Stats {
	t.Helper()
	st, _ := e.dev.Snapshot()
	for _, v := range st.Violations {
		t.Errorf("device: %s", v)
	}
	return st
}

// checkIdle checks that every descriptor and slot is back: free
// descriptors are the ring less the fault chain, every goroutine slot is
// free, and nothing is left in the used ring.
func (e *env) checkIdle(t *testing.T) {
	t.Helper()
	d := e.disk
	if n := d.q.Harvest(); n != 0 {
		t.Errorf("%d completions nobody harvested", n)
	}
	if got, want := d.q.Free(), d.q.Size()-d.faultChain.Len(); got != want {
		t.Errorf("free descriptors %d, want %d", got, want)
	}
	if len(d.slots) != cap(d.slots) {
		t.Errorf("%d of %d request slots free", len(d.slots), cap(d.slots))
	}
	if d.q.Bogus() != 0 {
		t.Errorf("%d bogus used elements", d.q.Bogus())
	}
	if e.dev.Pending() != 0 {
		t.Errorf("device has %d pending requests", e.dev.Pending())
	}
}

func (e *env) diskBytes(off, n int) []byte { return e.dev.Disk()[off : off+n] }

func equal(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: differs at byte %d (len %d vs %d)", what, i, len(got), len(want))
	}
}
