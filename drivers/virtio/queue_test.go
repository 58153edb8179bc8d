package virtio_test

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/drivers/virtio/internal/simdev"
)

func TestSetupQueue(t *testing.T) {
	tests := []struct {
		max, want, size int
		err             error
	}{
		{64, 256, 64, nil},
		{64, 100, 64, nil},
		{48, 256, 32, nil},
		{256, 16, 16, nil},
		{0, 256, 0, virtio.ErrQueue},
		{2, 256, 0, virtio.ErrQueue},
	}
	for _, tt := range tests {
		dev, a := newDevice(t)
		dev.QueueNumMax = uint32(tt.max)
		tr, err := virtio.NewTransport(dev, slotBase)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Negotiate(virtio.FVersion1); err != nil {
			t.Fatal(err)
		}
		q, err := tr.SetupQueue(0, tt.want, a)
		if !errors.Is(err, tt.err) {
			t.Fatalf("max %d want %d: %v, want %v", tt.max, tt.want, err, tt.err)
		}
		if err != nil {
			continue
		}
		if q.Size() != tt.size || q.Free() != tt.size {
			t.Errorf("max %d want %d: size %d free %d, want %d", tt.max, tt.want, q.Size(), q.Free(), tt.size)
		}
		if _, err := tr.SetupQueue(0, tt.want, a); !errors.Is(err, virtio.ErrQueue) {
			t.Errorf("second setup of a ready queue: %v", err)
		}
		if st, _ := dev.Snapshot(); len(st.Violations) != 0 {
			t.Errorf("violations: %v", st.Violations)
		}
	}
}

// liveQueue is a queue of 16 on a device serving requests synchronously.
func liveQueue(t *testing.T) (*virtio.Queue, *simdev.Device, *simdev.Arena) {
	t.Helper()
	dev, a := newDevice(t)
	dev.QueueNumMax = 16
	dev.Sync = true
	tr, err := virtio.NewTransport(dev, slotBase)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Negotiate(virtio.FVersion1 | simdev.FSegMax); err != nil {
		t.Fatal(err)
	}
	q, err := tr.SetupQueue(0, 16, a)
	if err != nil {
		t.Fatal(err)
	}
	tr.DriverOK()
	return q, dev, a
}

// readChain builds a one-sector read of sector: header, data, status.
func readChain(t *testing.T, a *simdev.Arena, sector uint64) []virtio.Buffer {
	hdr, h, err := a.Alloc(17, 16)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint64(h[8:], sector)
	h[16] = 0xff
	data, _, err := a.Alloc(512, 512)
	if err != nil {
		t.Fatal(err)
	}
	return []virtio.Buffer{{Addr: hdr, Len: 16}, {Addr: data, Len: 512, Writable: true}, {Addr: hdr + 16, Len: 1, Writable: true}}
}

// TestQueueFreeList fills the ring, checks that Submit refuses a chain it
// cannot hold without touching anything, and that the descriptors come
// back, and only back, through Release.
func TestQueueFreeList(t *testing.T) {
	q, dev, a := liveQueue(t)
	var heads []uint16
	for {
		head, ok := q.Submit(readChain(t, a, uint64(len(heads))))
		if !ok {
			break
		}
		heads = append(heads, head)
	}
	if len(heads) != 5 || q.Free() != 1 {
		t.Fatalf("%d chains of 3 in 16 descriptors, %d free", len(heads), q.Free())
	}
	if q.Harvest() != 0 {
		t.Fatal("harvested before notify")
	}
	q.Notify()
	if n := q.Harvest(); n != 5 {
		t.Fatalf("harvested %d, want 5", n)
	}
	for i, h := range heads {
		w, ok := q.Done(h)
		if !ok || w != 513 {
			t.Errorf("chain %d: done %v written %d, want 513", i, ok, w)
		}
		q.Release(h)
		if q.Free() != 1+3*(i+1) {
			t.Errorf("after %d releases: %d free", i+1, q.Free())
		}
		if _, ok := q.Done(h); ok {
			t.Errorf("chain %d still done after Release", i)
		}
	}
	st, _ := dev.Snapshot()
	if len(st.Violations) != 0 || st.Completed != 5 || st.Requests[simdev.TypeIn] != 5 {
		t.Errorf("device: %+v", st)
	}
}

func TestQueueReservedChain(t *testing.T) {
	q, dev, a := liveQueue(t)
	c, err := q.Reserve(4)
	if err != nil {
		t.Fatal(err)
	}
	if q.Free() != 12 || c.Len() != 4 {
		t.Fatalf("free %d chain %d", q.Free(), c.Len())
	}
	if _, err := q.Reserve(13); !errors.Is(err, virtio.ErrQueue) {
		t.Errorf("over-reserve: %v", err)
	}
	for i := 0; i < 3; i++ {
		head, err := q.SubmitChain(c, readChain(t, a, uint64(i)), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		// Not yet notified: the device still owns the chain.
		if _, err := q.SubmitChain(c, readChain(t, a, 0), time.Second); !errors.Is(err, virtio.ErrBusy) {
			t.Fatalf("resubmit of an owned chain: %v", err)
		}
		q.Notify()
		if n, err := q.HarvestFault(time.Second); n != 1 || err != nil {
			t.Fatalf("HarvestFault: %d, %v", n, err)
		}
		if w, ok := q.Done(head); !ok || w != 513 {
			t.Fatalf("done %v written %d", ok, w)
		}
		if err := q.ReleaseFault(head, time.Second); err != nil {
			t.Fatal(err)
		}
		if q.Free() != 12 {
			t.Fatalf("reserved chain leaked into the free list: %d free", q.Free())
		}
	}
	if st, _ := dev.Snapshot(); len(st.Violations) != 0 || st.Completed != 3 {
		t.Errorf("device: %+v", st)
	}
}

// TestQueueInterruptSuppression: the avail flag hint reaches the device.
func TestQueueInterruptSuppression(t *testing.T) {
	q, dev, a := liveQueue(t)
	for i, on := range []bool{false, true, false} {
		q.SetInterrupts(on)
		head, ok := q.Submit(readChain(t, a, 0))
		if !ok {
			t.Fatal("submit")
		}
		q.Notify()
		q.Harvest()
		q.Release(head)
		st, _ := dev.Snapshot()
		want := 0
		if i >= 1 {
			want = 1
		}
		if st.Interrupts != want {
			t.Errorf("step %d (interrupts %v): device raised %d, want %d", i, on, st.Interrupts, want)
		}
	}
}

// TestQueueIndexWrap runs more than 65,536 requests through a queue, in
// batches that do not divide 65,536, so that the free-running 16-bit
// available and used indexes wrap (§2.7.6, §2.7.8: they wrap naturally)
// in the middle of a batch: every request is still harvested in the
// batch that completed it, with its own result.
func TestQueueIndexWrap(t *testing.T) {
	q, dev, a := liveQueue(t)
	const batch, total = 5, 1<<16 + 1000
	chains := make([][]virtio.Buffer, batch)
	for i := range chains {
		chains[i] = readChain(t, a, uint64(i))
		dev.SetDisk(i*512, []byte{byte(i + 1)})
	}
	heads := make([]uint16, batch)
	for done := 0; done < total; done += batch {
		for i, c := range chains {
			a.Bytes(c[2].Addr, 1)[0] = 0xff // the status byte
			a.Bytes(c[1].Addr, 1)[0] = 0
			h, ok := q.Submit(c)
			if !ok {
				t.Fatalf("request %d: no free descriptors", done+i)
			}
			heads[i] = h
		}
		q.Notify()
		if n := q.Harvest(); n != batch {
			t.Fatalf("requests %d..%d: harvested %d of %d", done, done+batch-1, n, batch)
		}
		for i, h := range heads {
			w, ok := q.Done(h)
			if !ok || w != 513 {
				t.Fatalf("request %d: done %v written %d, want 513", done+i, ok, w)
			}
			if st, data := a.Bytes(chains[i][2].Addr, 1)[0], a.Bytes(chains[i][1].Addr, 1)[0]; st != 0 || data != byte(i+1) {
				t.Fatalf("request %d: status %d, data %d, want 0 and %d", done+i, st, data, i+1)
			}
			q.Release(h)
		}
	}
	if q.Free() != q.Size() || q.Bogus() != 0 {
		t.Errorf("after the wrap: %d of %d descriptors free, %d bogus used elements", q.Free(), q.Size(), q.Bogus())
	}
	st, _ := dev.Snapshot()
	if want := (total + batch - 1) / batch * batch; len(st.Violations) != 0 || st.Completed != want {
		t.Errorf("device completed %d, want %d; violations %v", st.Completed, want, st.Violations)
	}
}

var _ virtio.Mem = (*simdev.Arena)(nil)
