package blk

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/drivers/virtio/internal/simdev"
)

func TestFeatures(t *testing.T) {
	const mq, indirect, discard = 1 << 12, 1 << 28, 1 << 13
	tests := []struct {
		name    string
		offered uint64
		want    []string
		ro      bool
		segMax  int
	}{
		{"qemu default", virtio.FVersion1 | simdev.FSegMax | simdev.FFlush | simdev.FBlkSize | mq | discard | indirect,
			[]string{"seg_max", "blk_size", "flush", "version_1"}, false, 8},
		{"read-only", virtio.FVersion1 | simdev.FRO | simdev.FSizeMax,
			[]string{"size_max", "ro", "version_1"}, true, 1},
		{"bare", virtio.FVersion1, []string{"version_1"}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 64, func(d *simdev.Device) { d.Offered = tt.offered; d.SizeMax = 4096 }, Config{})
			if got := e.disk.Features(); !slices.Equal(got, tt.want) {
				t.Errorf("Features %v, want %v", got, tt.want)
			}
			want := tt.offered & supported
			if got := e.dev.DriverFeatures(); got != want {
				t.Errorf("device saw %#x, want %#x", got, want)
			}
			if e.disk.ReadOnly() != tt.ro || e.disk.SegMax() != tt.segMax {
				t.Errorf("ReadOnly %v SegMax %d", e.disk.ReadOnly(), e.disk.SegMax())
			}
			if e.disk.Sectors() != 64 || e.disk.Size() != 64*512 || e.disk.Name() != "vda" || e.disk.Base() != slotBase {
				t.Errorf("geometry: %v", e.disk)
			}
			if st := e.checkDevice(t); st.Status[len(st.Status)-1] != 15 {
				t.Errorf("final status %#x, want DRIVER_OK", st.Status[len(st.Status)-1])
			}
		})
	}
}

// TestRoundTrip writes and reads back transfers of every interesting size
// and checks both the data on the device and the requests it received:
// split at MaxTransfer, segments no longer than size_max, at most
// seg_max of them, right types and sectors.
func TestRoundTrip(t *testing.T) {
	geometries := []struct {
		name    string
		sizeMax uint32 // 0: SIZE_MAX not offered
		segMax  uint32
		bounce  int
		segSize int // expected
		maxXfer int // expected
	}{
		{"size_max 4K seg_max 4", 4096, 4, 64 << 10, 4096, 16384},
		{"size_max 3000", 3000, 4, 64 << 10, 2560, 10240},
		{"no size_max", 0, 8, 32 << 10, 32 << 10, 32 << 10},
		{"seg_max 1", 4096, 1, 64 << 10, 4096, 4096},
	}
	for _, g := range geometries {
		t.Run(g.name, func(t *testing.T) {
			e := newEnv(t, 1024, func(d *simdev.Device) {
				d.Offered = virtio.FVersion1 | simdev.FSegMax | simdev.FFlush
				if g.sizeMax != 0 {
					d.Offered |= simdev.FSizeMax
				}
				d.SizeMax, d.SegMax, d.Record = g.sizeMax, g.segMax, true
			}, Config{BounceSize: g.bounce, QueueSize: 64})
			d := e.disk
			if d.segSize != g.segSize || d.MaxTransfer() != g.maxXfer {
				t.Fatalf("segment %d transfer %d, want %d %d", d.segSize, d.MaxTransfer(), g.segSize, g.maxXfer)
			}
			r := rand.New(rand.NewPCG(1, 2))
			seg := g.segSize * int(g.segMax)
			for _, n := range []int{512, 4096, 4608, seg - 512, seg, seg + 512, 3*g.maxXfer + 512} {
				off := 512 * r.IntN(1024-n/512+1)
				data := fill(r, n)
				_, before := e.dev.Snapshot()
				if k, err := d.WriteAt(data, int64(off)); k != n || err != nil {
					t.Fatalf("WriteAt %d at %d: %d, %v", n, off, k, err)
				}
				equal(t, "device after WriteAt", e.diskBytes(off, n), data)
				got := make([]byte, n)
				if k, err := d.ReadAt(got, int64(off)); k != n || err != nil {
					t.Fatalf("ReadAt %d at %d: %d, %v", n, off, k, err)
				}
				equal(t, "ReadAt", got, data)
				_, log := e.dev.Snapshot()
				checkRequests(t, log[len(before):], off, n, g.maxXfer, g.segSize)
			}
			if err := d.Flush(); err != nil {
				t.Fatal(err)
			}
			if st := e.checkDevice(t); st.Requests[simdev.TypeFlush] != 1 {
				t.Errorf("flushes seen %d", st.Requests[simdev.TypeFlush])
			}
			e.checkIdle(t)
		})
	}
}

// checkRequests checks the log of one WriteAt then ReadAt of n bytes at
// off: each split into requests of maxXfer, each of segments of segSize.
func checkRequests(t *testing.T, log []simdev.Request, off, n, maxXfer, segSize int) {
	t.Helper()
	var want []simdev.Request
	for _, typ := range []uint32{simdev.TypeOut, simdev.TypeIn} {
		for done := 0; done < n; done += maxXfer {
			m := min(maxXfer, n-done)
			r := simdev.Request{Type: typ, Sector: uint64(off+done) / 512}
			for o := 0; o < m; o += segSize {
				r.Segs = append(r.Segs, uint32(min(segSize, m-o)))
			}
			want = append(want, r)
		}
	}
	if len(log) != len(want) {
		t.Fatalf("%d bytes at %d: %d requests, want %d: %+v", n, off, len(log), len(want), log)
	}
	for i := range want {
		if log[i].Type != want[i].Type || log[i].Sector != want[i].Sector || !slices.Equal(log[i].Segs, want[i].Segs) || log[i].Status != 0 {
			t.Fatalf("%d bytes at %d: request %d is %+v, want %+v", n, off, i, log[i], want[i])
		}
	}
}

func TestFlushWithoutFeature(t *testing.T) {
	e := newEnv(t, 64, func(d *simdev.Device) { d.Offered = virtio.FVersion1 }, Config{})
	if err := e.disk.Flush(); err != nil {
		t.Fatal(err)
	}
	if st := e.checkDevice(t); st.Notifies != 0 || len(st.Requests) != 0 {
		t.Errorf("flush sent without VIRTIO_BLK_F_FLUSH: %+v", st)
	}
}

func TestID(t *testing.T) {
	e := newEnv(t, 64, nil, Config{})
	id, err := e.disk.ID()
	if err != nil || id != "simdev-serial" {
		t.Fatalf("ID %q, %v", id, err)
	}
	e.dev.SetFault(0, simdev.StatusUnsupp)
	if _, err := e.disk.ID(); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("ID with UNSUPP: %v", err)
	}
	e.checkDevice(t)
}

// TestStatusErrors injects each bad outcome and expects the error it
// must become, on both paths, and the slot usable afterwards.
func TestStatusErrors(t *testing.T) {
	tests := []struct {
		status byte
		want   error
		why    string
	}{
		{simdev.StatusIOErr, ErrIO, ""},
		{simdev.StatusUnsupp, ErrUnsupported, ""},
		{simdev.StatusNone, ErrIO, "status not written"},
		{7, ErrIO, "bad status byte"},
	}
	for _, tt := range tests {
		e := newEnv(t, 256, nil, Config{})
		d := e.disk
		e.dev.SetFault(40, tt.status)
		frame, _, _ := e.arena.Alloc(4096, 4096)
		buf := make([]byte, 8192)
		ops := []struct {
			name string
			run  func() error
		}{
			{"ReadAt", func() error { _, err := d.ReadAt(buf, 36*512); return err }},
			{"WriteAt", func() error { _, err := d.WriteAt(buf, 36*512); return err }},
			{"ReadPhys", func() error { return d.ReadPhys(40, frame, 4096) }},
			{"WritePhys", func() error { return d.WritePhys(33, frame, 4096) }},
		}
		for _, op := range ops {
			err := op.run()
			var re *RequestError
			if !errors.Is(err, tt.want) || !errors.As(err, &re) || re.Why != tt.why {
				t.Errorf("status %d: %s: %v, want %v (%s)", tt.status, op.name, err, tt.want, tt.why)
				continue
			}
			if re.Disk != "vda" || re.Sector < 33 || re.Sector > 40 {
				t.Errorf("status %d: %s: error context %+v", tt.status, op.name, re)
			}
		}
		// A request clear of the bad sector succeeds.
		if _, err := d.ReadAt(buf, 0); err != nil {
			t.Errorf("status %d: clean read: %v", tt.status, err)
		}
		if err := d.ReadPhys(48, frame, 4096); err != nil {
			t.Errorf("status %d: clean ReadPhys: %v", tt.status, err)
		}
		e.checkDevice(t)
		e.checkIdle(t)
	}
}

func TestReadOnly(t *testing.T) {
	e := newEnv(t, 64, func(d *simdev.Device) { d.Offered |= simdev.FRO }, Config{})
	d := e.disk
	orig := fill(rand.New(rand.NewPCG(3, 4)), 64*512)
	e.dev.SetDisk(0, orig)
	frame, _, _ := e.arena.Alloc(4096, 4096)
	if _, err := d.WriteAt(make([]byte, 512), 0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("WriteAt: %v", err)
	}
	if err := d.WritePhys(0, frame, 4096); !errors.Is(err, ErrReadOnly) {
		t.Errorf("WritePhys: %v", err)
	}
	got := make([]byte, 4096)
	if _, err := d.ReadAt(got, 4096); err != nil {
		t.Fatal(err)
	}
	equal(t, "read of a read-only disk", got, orig[4096:8192])
	st := e.checkDevice(t)
	if st.Requests[simdev.TypeOut] != 0 || st.Requests[simdev.TypeIn] != 1 {
		t.Errorf("device saw %v", st.Requests)
	}
	equal(t, "read-only disk", e.dev.Disk(), orig)
}

// TestWriteRejectedByDevice: a device that fails writes without having
// offered RO yields ErrIO.
func TestWriteRejectedByDevice(t *testing.T) {
	e := newEnv(t, 64, nil, Config{})
	e.dev.RejectWrites(true)
	if _, err := e.disk.WriteAt(make([]byte, 512), 0); !errors.Is(err, ErrIO) {
		t.Errorf("WriteAt: %v", err)
	}
}

func TestInvalid(t *testing.T) {
	e := newEnv(t, 64, nil, Config{})
	d := e.disk
	frame, _, _ := e.arena.Alloc(4096, 4096)
	cases := []struct {
		name string
		err  error
	}{
		{"odd offset", func() error { _, err := d.ReadAt(make([]byte, 512), 100); return err }()},
		{"odd length", func() error { _, err := d.WriteAt(make([]byte, 100), 0); return err }()},
		{"negative", func() error { _, err := d.ReadAt(make([]byte, 512), -512); return err }()},
		{"past end", func() error { _, err := d.ReadAt(make([]byte, 1024), 63*512); return err }()},
		{"far past end", func() error { _, err := d.ReadAt(make([]byte, 512), 1<<40); return err }()},
		{"phys odd", d.ReadPhys(0, frame, 1000)},
		{"phys zero", d.WritePhys(0, frame, 0)},
		{"phys past end", d.ReadPhys(62, frame, 4096)},
	}
	for _, c := range cases {
		if !errors.Is(c.err, ErrInvalid) {
			t.Errorf("%s: %v", c.name, c.err)
		}
	}
	if st := e.checkDevice(t); st.Notifies != 0 {
		t.Errorf("invalid requests reached the device: %+v", st.Requests)
	}
	if n, err := d.ReadAt(nil, 64*512); n != 0 || err != nil {
		t.Errorf("empty read at the end: %d, %v", n, err)
	}
}

func TestConfigChange(t *testing.T) {
	e := newEnv(t, 64, nil, Config{})
	e.dev.Resize(128)
	if e.disk.Sectors() != 64 {
		t.Fatal("capacity changed before the interrupt")
	}
	e.disk.Interrupt()
	if e.disk.Sectors() != 128 {
		t.Fatalf("capacity %d after config-change interrupt", e.disk.Sectors())
	}
	if isr := e.dev.Read32(virtio.RegInterruptStatus); isr != 0 {
		t.Errorf("interrupt status %#x not acknowledged", isr)
	}
	if _, err := e.disk.ReadAt(make([]byte, 512), 100*512); err != nil {
		t.Errorf("read in the new space: %v", err)
	}
}

func TestClose(t *testing.T) {
	e := newEnv(t, 64, nil, Config{})
	if _, err := e.disk.ReadAt(make([]byte, 4096), 0); err != nil {
		t.Fatal(err)
	}
	e.disk.Close()
	if n := e.arena.Live(); n != 0 {
		t.Errorf("%d DMA allocations left after Close", n)
	}
	if st := e.dev.Read32(virtio.RegStatus); st != 0 {
		t.Errorf("status %#x after Close, want reset", st)
	}
}
