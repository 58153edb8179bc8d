package blk

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/drivers/virtio/internal/simdev"
	"github.com/pagoda-os/pagoda/mm"
)

// TestPages moves page vectors of scattered frames with each of the three
// calls, under segment limits that make one request carry several frames,
// a frame take two segments, or a page need more than one request, and
// checks the data and the requests the device saw: one per group of as
// many frames as a request carries, each frame its own segments.
func TestPages(t *testing.T) {
	for _, c := range []struct {
		name             string
		segMax, sizeMax  uint32
		perGoroutine     int // frames in one goroutine request
		perFault         int // and in one fault request
		segsPerPage      int
		throughOnePerReq bool // per == 0: a page in pieces
	}{
		{"4 segments", 4, 4096, 4, 4, 1, false},
		{"half-page segments", 8, 2048, 4, 4, 2, false},
		{"wide", 64, 65536, 30, 30, 1, false}, // a ring of 64, the fault chain taking half
		{"a page too big for a request", 1, 2048, 0, 0, 2, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, 1024, func(d *simdev.Device) {
				d.Offered |= simdev.FSizeMax
				d.SegMax, d.SizeMax, d.Record = c.segMax, c.sizeMax, true
			}, Config{QueueSize: 128})
			d := e.disk
			if got := d.pagesPer(d.segMax); got != c.perGoroutine {
				t.Fatalf("frames per goroutine request %d, want %d", got, c.perGoroutine)
			}
			if got := d.pagesPer(d.faultChain.Len() - 2); got != c.perFault {
				t.Fatalf("frames per fault request %d, want %d", got, c.perFault)
			}
			r := rand.New(rand.NewPCG(7, 8))
			orig := fill(r, 1024*512)
			e.dev.SetDisk(0, orig)
			for _, n := range []int{1, 3, 4, 5, 17, 40} {
				// Frames allocated two at a time, the second used: no
				// two of them adjacent.
				pages := make([]mm.PhysAddr, n)
				views := make([][]byte, n)
				for i := range pages {
					e.arena.Alloc(4096, 4096)
					pages[i], views[i], _ = e.arena.Alloc(4096, 4096)
				}
				slices.Reverse(pages) // and in no order
				slices.Reverse(views)
				sector := uint64(r.IntN(128-n+1)) * 8
				check := func(what string, want []byte) {
					t.Helper()
					for i, v := range views {
						equal(t, what, v, want[i*4096:][:4096])
					}
				}
				for _, call := range []struct {
					name  string
					typ   uint32
					f     func(uint64, []mm.PhysAddr) error
					per   int
					fault bool
				}{
					{"ReadPages", simdev.TypeIn, d.ReadPages, c.perGoroutine, false},
					{"ReadPagesPhys", simdev.TypeIn, d.ReadPagesPhys, c.perFault, true},
					{"WritePagesPhys", simdev.TypeOut, d.WritePagesPhys, c.perFault, true},
				} {
					if call.typ == simdev.TypeOut {
						for _, v := range views {
							copy(v, fill(r, 4096))
						}
					} else {
						for _, v := range views {
							clear(v)
						}
					}
					_, before := e.dev.Snapshot()
					if err := call.f(sector, pages); err != nil {
						t.Fatalf("%s of %d: %v", call.name, n, err)
					}
					if call.typ == simdev.TypeOut {
						for i, v := range views {
							copy(orig[sector*512+uint64(i*4096):], v)
						}
						equal(t, call.name, e.diskBytes(int(sector*512), n*4096), orig[sector*512:][:n*4096])
					} else {
						check(call.name, orig[sector*512:])
					}
					_, log := e.dev.Snapshot()
					log = log[len(before):]
					var want []simdev.Request
					switch {
					case c.throughOnePerReq:
						for i := range n {
							for o := 0; o < 4096; o += 2048 {
								want = append(want, simdev.Request{Type: call.typ, Sector: sector + uint64(i*8+o/512), Segs: []uint32{2048}})
							}
						}
					default:
						for i := 0; i < n; i += call.per {
							q := simdev.Request{Type: call.typ, Sector: sector + uint64(i*8)}
							for range min(call.per, n-i) * c.segsPerPage {
								q.Segs = append(q.Segs, uint32(4096/c.segsPerPage))
							}
							want = append(want, q)
						}
					}
					if len(log) != len(want) {
						t.Fatalf("%s of %d: %d requests, want %d", call.name, n, len(log), len(want))
					}
					for i := range want {
						if log[i].Type != want[i].Type || log[i].Sector != want[i].Sector || !slices.Equal(log[i].Segs, want[i].Segs) {
							t.Fatalf("%s of %d: request %d %+v, want %+v", call.name, n, i, log[i], want[i])
						}
					}
				}
			}
			e.checkDevice(t)
			e.checkIdle(t)
		})
	}
}

// TestPagesErrors: an I/O error in any request of a vector is the
// call's; a vector beyond the disk or a write to a read-only disk sends
// nothing; the fault path's calls allocate nothing.
func TestPagesErrors(t *testing.T) {
	e := newEnv(t, 256, func(d *simdev.Device) { d.Sync = true }, Config{})
	d := e.disk
	pages := make([]mm.PhysAddr, 20)
	for i := range pages {
		pages[i], _, _ = e.arena.Alloc(4096, 4096)
	}
	e.dev.SetFault(200, simdev.StatusIOErr) // in the second fault request of a vector at 64
	if err := d.ReadPagesPhys(64, pages); !errors.Is(err, ErrIO) {
		t.Errorf("ReadPagesPhys over a bad sector: %v, want ErrIO", err)
	}
	if err := d.ReadPages(192, pages[:8]); !errors.Is(err, ErrIO) {
		t.Errorf("ReadPages over a bad sector: %v, want ErrIO", err)
	}
	if err := d.WritePagesPhys(248, pages[:2]); !errors.Is(err, ErrInvalid) {
		t.Errorf("WritePagesPhys beyond the end: %v, want ErrInvalid", err)
	}
	if err := d.ReadPages(248, pages[:2]); !errors.Is(err, ErrInvalid) {
		t.Errorf("ReadPages beyond the end: %v, want ErrInvalid", err)
	}
	for name, f := range map[string]func() error{
		"read":  func() error { return d.ReadPagesPhys(0, pages) },
		"write": func() error { return d.WritePagesPhys(8, pages[:16]) },
	} {
		var err error
		if allocs := testing.AllocsPerRun(50, func() {
			if e := f(); e != nil {
				err = e
			}
		}); allocs != 0 {
			t.Errorf("%s: %v allocations per call", name, allocs)
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	e.checkDevice(t)
	e.checkIdle(t)
}
