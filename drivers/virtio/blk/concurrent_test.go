package blk

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/drivers/virtio/internal/simdev"
)

// irqService is the kernel's IRQ service goroutine: it calls Interrupt
// each time the device raises its line, until stopped.
func irqService(t *testing.T, e *env) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-e.dev.IRQ:
				e.disk.Interrupt()
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
}

// TestConcurrent runs more goroutines than the ring has descriptors, each
// writing, reading back and checking its own region with transfers of
// random size, on a device that completes in random batches and order.
// Large requests need 6 of the 10 descriptors left by the fault chain, so
// submissions must wait for descriptors as well as for slots.
func TestConcurrent(t *testing.T) {
	modes := []struct {
		name string
		irq  bool
		drop bool
	}{
		{"polled", false, false},
		{"interrupts", true, false},
		{"lost interrupts", true, true},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			const workers, region, iters = 40, 64 * 512, 12
			e := newEnv(t, workers*region/512, func(d *simdev.Device) {
				d.Offered |= simdev.FSizeMax
				d.QueueNumMax, d.SegMax, d.SizeMax = 16, 4, 4096
				d.Reorder, d.Delay = true, 20*time.Microsecond
			}, Config{Slots: 8, PollInterval: time.Millisecond})
			d := e.disk
			if d.q.Size() != 16 || d.faultChain.Len() != 6 || d.SegMax() != 4 {
				t.Fatalf("queue %d fault chain %d segments %d", d.q.Size(), d.faultChain.Len(), d.SegMax())
			}
			if m.irq {
				e.dev.DropInterrupts(m.drop)
				irqService(t, e)
				d.EnableInterrupts()
			}
			model := make([]byte, workers*region)
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(w), 7))
					base := w * region
					for i := 0; i < iters; i++ {
						n := 512 * (1 + r.IntN(region/512))
						off := base + 512*r.IntN((region-n)/512+1)
						data := fill(r, n)
						if _, err := d.WriteAt(data, int64(off)); err != nil {
							errs <- err
							return
						}
						copy(model[off:], data)
						got := make([]byte, region)
						if _, err := d.ReadAt(got, int64(base)); err != nil {
							errs <- err
							return
						}
						for j := range got {
							if got[j] != model[base+j] {
								errs <- fmt.Errorf("worker %d iteration %d: byte %d differs", w, i, j)
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			equal(t, "disk against the model", e.dev.Disk(), model)
			st := e.checkDevice(t)
			if st.OutOfOrder == 0 {
				t.Error("no request completed out of order")
			}
			if d.descWaits.Load() == 0 {
				t.Error("no submission waited for descriptors")
			}
			if m.irq && !m.drop && st.Interrupts == 0 {
				t.Error("interrupt mode: the device raised no interrupt")
			}
			if !m.irq && st.Interrupts != 0 {
				t.Errorf("polled mode: %d interrupts not suppressed", st.Interrupts)
			}
			e.checkIdle(t)
		})
	}
}

// TestManySmall: a hundred goroutines of one-sector writes on a ring of 8
// descriptors (one request at a time beside the fault chain) all get
// through, in the order each goroutine issued them.
func TestManySmall(t *testing.T) {
	e := newEnv(t, 4096, func(d *simdev.Device) {
		d.QueueNumMax = 8
		d.Reorder = true
	}, Config{Slots: 32})
	d := e.disk
	if d.q.Size() != 8 {
		t.Fatalf("queue %d", d.q.Size())
	}
	var wg sync.WaitGroup
	for w := 0; w < 100; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := []byte{byte(w)}
			buf := make([]byte, 512)
			for i := 0; i < 20; i++ {
				buf[0] = b[0] + byte(i)
				if _, err := d.WriteAt(buf, int64(w*512)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for w := 0; w < 100; w++ {
		if got := e.diskBytes(w*512, 1)[0]; got != byte(w)+19 {
			t.Errorf("sector %d: %d", w, got)
		}
	}
	e.checkDevice(t)
	e.checkIdle(t)
}

func TestProbeSlots(t *testing.T) {
	a := simdev.NewArena(arenaBase, arenaSize)
	mk := func(sectors uint64, f func(*simdev.Device)) *simdev.Device {
		d := simdev.NewBlock(a, sectors, 1)
		if f != nil {
			f(d)
		}
		t.Cleanup(d.Close)
		return d
	}
	devs := []*simdev.Device{
		mk(8, func(d *simdev.Device) { d.DeviceID = 0 }), // empty slot
		mk(16, nil), // vda
		mk(8, func(d *simdev.Device) { d.DeviceID = 1 }), // a network card
		mk(8, func(d *simdev.Device) { d.Version = 1 }),  // vdb: legacy
		mk(8, func(d *simdev.Device) { d.Magic = 0 }),    // not virtio
		mk(32, nil), // vdc
		mk(8, func(d *simdev.Device) { d.RejectFeatures = true }),  // vdd: refuses
		mk(64, func(d *simdev.Device) { d.Offered |= simdev.FRO }), // vde
	}
	var slots []Slot
	for i, d := range devs {
		slots = append(slots, Slot{Base: virtio.MicrovmSlot(23 - i), Regs: d})
	}
	disks, errs := ProbeSlots(slots, a, Config{QueueSize: 16, Slots: 2})
	want := []struct {
		name    string
		sectors uint64
		slot    int
	}{{"vda", 16, 22}, {"vdc", 32, 18}, {"vde", 64, 16}}
	if len(disks) != len(want) {
		t.Fatalf("%d disks: %v (errors %v)", len(disks), disks, errs)
	}
	for i, w := range want {
		d := disks[i]
		if d.Name() != w.name || d.Sectors() != w.sectors || d.Base() != virtio.MicrovmSlot(w.slot) {
			t.Errorf("disk %d: %v, want %s of %d sectors in slot %d", i, d, w.name, w.sectors, w.slot)
		}
	}
	if !disks[2].ReadOnly() {
		t.Error("vde not read-only")
	}
	wantErrs := []error{virtio.ErrLegacy, virtio.ErrNotVirtio, virtio.ErrFeatures}
	if len(errs) != len(wantErrs) {
		t.Fatalf("errors %v", errs)
	}
	for i, w := range wantErrs {
		if !errors.Is(errs[i], w) {
			t.Errorf("error %d: %v, want %v", i, errs[i], w)
		}
	}
	for _, d := range disks {
		if _, err := d.ReadAt(make([]byte, 512), 0); err != nil {
			t.Errorf("%s: %v", d.Name(), err)
		}
	}
	if dd, err := Lookup(disks, "vdc"); err != nil || dd != disks[1] {
		t.Errorf("Lookup vdc: %v, %v", dd, err)
	}
	if _, err := Lookup(disks, "vdb"); !errors.Is(err, ErrNoDevice) {
		t.Errorf("Lookup vdb: %v", err)
	}
}

func TestDiskName(t *testing.T) {
	for i, want := range map[int]string{0: "vda", 1: "vdb", 25: "vdz", 26: "vdaa", 27: "vdab", 701: "vdzz", 702: "vdaaa"} {
		if got := DiskName(i); got != want {
			t.Errorf("DiskName(%d) = %s, want %s", i, got, want)
		}
	}
}
