package blk

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pagoda-os/pagoda/drivers/virtio/internal/simdev"
)

// TestPhys moves data between the disk and "page frames" given by
// physical address, in sizes that take one or several fault requests,
// and checks the device got the frames' addresses directly (no bounce).
func TestPhys(t *testing.T) {
	e := newEnv(t, 1024, func(d *simdev.Device) {
		d.Offered |= simdev.FSizeMax
		d.SegMax, d.SizeMax, d.Record = 4, 4096, true
	}, Config{QueueSize: 64})
	d := e.disk
	if d.faultMax != 16384 {
		t.Fatalf("fault transfer %d, want 4 segments of 4096", d.faultMax)
	}
	r := rand.New(rand.NewPCG(5, 6))
	orig := fill(r, 1024*512)
	e.dev.SetDisk(0, orig)
	for _, n := range []int{512, 4096, 16384, 16384 + 4096, 40960} {
		frame, view, err := e.arena.Alloc(n, 4096)
		if err != nil {
			t.Fatal(err)
		}
		sector := uint64(r.IntN(1024 - n/512 + 1))
		_, before := e.dev.Snapshot()
		if err := d.ReadPhys(sector, frame, n); err != nil {
			t.Fatalf("ReadPhys %d: %v", n, err)
		}
		equal(t, "ReadPhys", view, orig[sector*512:][:n])
		data := fill(r, n)
		copy(view, data)
		if err := d.WritePhys(sector, frame, n); err != nil {
			t.Fatalf("WritePhys %d: %v", n, err)
		}
		copy(orig[sector*512:], data)
		equal(t, "WritePhys", e.diskBytes(int(sector*512), n), data)
		_, log := e.dev.Snapshot()
		log = log[len(before):]
		var want []simdev.Request
		for _, typ := range []uint32{simdev.TypeIn, simdev.TypeOut} {
			for done := 0; done < n; done += 16384 {
				q := simdev.Request{Type: typ, Sector: sector + uint64(done/512)}
				for o := done; o < min(n, done+16384); o += 4096 {
					q.Segs = append(q.Segs, uint32(min(4096, n-o)))
				}
				want = append(want, q)
			}
		}
		if len(log) != len(want) {
			t.Fatalf("%d bytes: requests %+v, want %+v", n, log, want)
		}
		for i := range want {
			if log[i].Type != want[i].Type || log[i].Sector != want[i].Sector || !slices.Equal(log[i].Segs, want[i].Segs) {
				t.Fatalf("%d bytes: request %d %+v, want %+v", n, i, log[i], want[i])
			}
		}
	}
	e.checkDevice(t)
	e.checkIdle(t)
}

// TestPhysNoAllocs: the fault path allocates nothing. AllocsPerRun runs
// with GOMAXPROCS 1, where a device goroutine would only get the CPU
// when the polling fault path is preempted, so the device serves inside
// the notify store (allocation-free too, and counted).
func TestPhysNoAllocs(t *testing.T) {
	e := newEnv(t, 256, func(d *simdev.Device) { d.Sync = true }, Config{})
	frame, _, _ := e.arena.Alloc(4096, 4096)
	for name, f := range map[string]func() error{
		"read":  func() error { return e.disk.ReadPhys(8, frame, 4096) },
		"write": func() error { return e.disk.WritePhys(16, frame, 4096) },
		"ioerr": func() error {
			if err := e.disk.ReadPhys(200, frame, 4096); !errors.Is(err, ErrIO) {
				return errors.New("no error")
			}
			return nil
		},
	} {
		e.dev.SetFault(200, simdev.StatusIOErr)
		var err error
		if allocs := testing.AllocsPerRun(100, func() {
			if e := f(); e != nil {
				err = e
			}
		}); allocs != 0 {
			t.Errorf("%s: %v allocations per ReadPhys", name, allocs)
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	e.checkDevice(t)
}

// TestFaultHarvestsForOthers: goroutine requests are waiting, in
// interrupt mode with interrupts lost and a re-poll period too long to
// matter, when a fault request is submitted behind them. The fault path
// must record their completions on its way to its own, and the next
// Interrupt must then wake them although the used ring holds nothing new.
func TestFaultHarvestsForOthers(t *testing.T) {
	e := newEnv(t, 256, func(d *simdev.Device) {
		d.Delay = 50 * time.Millisecond // let requests gather before serving
	}, Config{PollInterval: time.Hour})
	d := e.disk
	e.dev.DropInterrupts(true)
	d.EnableInterrupts()
	orig := fill(rand.New(rand.NewPCG(8, 9)), 256*512)
	e.dev.SetDisk(0, orig)
	const readers = 6
	var finished atomic.Int32
	var wg sync.WaitGroup
	free := d.q.Free()
	for i := 0; i < readers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			if _, err := d.ReadAt(buf, int64(i)*4096); err != nil {
				t.Error(err)
			}
			equal(t, "reader", buf, orig[i*4096:][:4096])
			finished.Add(1)
		}()
	}
	for d.q.Free() != free-3*readers {
		runtime.Gosched()
	}
	frame, view, _ := e.arena.Alloc(4096, 4096)
	if err := d.ReadPhys(100, frame, 4096); err != nil {
		t.Fatal(err)
	}
	equal(t, "ReadPhys", view, orig[100*512:][:4096])
	if n := d.q.Harvest(); n != 0 {
		t.Fatalf("the fault path left %d completions in the used ring", n)
	}
	time.Sleep(10 * time.Millisecond)
	if n := finished.Load(); n != 0 {
		t.Fatalf("%d readers finished before any wakeup", n)
	}
	d.Interrupt()
	wg.Wait()
	e.checkIdle(t)
}

// TestFaultTimeout: a device that never answers makes the fault path fail
// with ErrIO after FaultTimeout, not hang; the slot is refused (ErrBusy)
// while the device owns it, and usable again once it is returned.
func TestFaultTimeout(t *testing.T) {
	e := newEnv(t, 256, func(d *simdev.Device) {
		d.Delay = 300 * time.Millisecond
	}, Config{FaultTimeout: 50 * time.Millisecond})
	d := e.disk
	frame, _, _ := e.arena.Alloc(4096, 4096)
	err := d.ReadPhys(0, frame, 4096)
	var re *RequestError
	if !errors.As(err, &re) || !errors.Is(err, ErrIO) || re.Why != "device timeout" {
		t.Fatalf("ReadPhys on a slow device: %v", err)
	}
	if err := d.ReadPhys(0, frame, 4096); !errors.Is(err, ErrBusy) {
		t.Fatalf("ReadPhys while the slot is owned: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	d.q.Harvest()
	d.cfg.FaultTimeout = 2 * time.Second
	if err := d.ReadPhys(0, frame, 4096); err != nil {
		t.Fatalf("ReadPhys after the device answered: %v", err)
	}
	e.checkIdle(t)
}
