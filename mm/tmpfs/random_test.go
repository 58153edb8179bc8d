//go:build !tamago

package tmpfs

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// Random sequences of writes, truncates, faults, swap-outs, swapoffs,
// unlinks and renames, against a model: each file's bytes and the set of its pages
// charged to the limit. After every step the instance's invariants hold
// (check), and every file reads back as the model says.
func TestRandomOps(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomOps(t, seed, 1500) })
	}
}

// modelFile is what a file should hold.
type modelFile struct {
	f       *File
	data    []byte
	charged map[uint64]bool
}

func randomOps(t *testing.T, seed uint64, steps int) {
	r := rand.New(rand.NewPCG(seed, 77))
	limit := uint64(r.IntN(48) + 8)
	e := newEnv(t, limit)
	files := map[string]*modelFile{}
	used := func() uint64 {
		n := uint64(0)
		for _, m := range files {
			n += uint64(len(m.charged))
		}
		return n
	}
	pick := func() (string, *modelFile) {
		if len(files) == 0 {
			return "", nil
		}
		i := r.IntN(len(files))
		for name, m := range files {
			if i == 0 {
				return name, m
			}
			i--
		}
		return "", nil
	}
	for step := range steps {
		name, m := pick()
		op := r.IntN(11)
		if m == nil || op == 0 && len(files) < 5 {
			name = fmt.Sprintf("/f%d", step)
			files[name] = &modelFile{f: e.file(name), charged: map[uint64]bool{}}
			continue
		}
		switch op {
		case 1, 2, 3: // write
			off := int64(r.IntN(12 * pg))
			p := make([]byte, r.IntN(3*pg)+1)
			for i := range p {
				p[i] = byte(r.Uint32())
			}
			end := off + int64(len(p))
			var holes uint64
			for idx := uint64(off / pg); idx < pagesFor(end); idx++ {
				if !m.charged[idx] {
					holes++
				}
			}
			n, err := m.f.WriteAt(p, off)
			if used()+holes > limit {
				if n != 0 || !errors.Is(err, ErrNoSpace) {
					t.Fatalf("step %d: write over the limit: %d, %v", step, n, err)
				}
				break
			}
			if n != len(p) || err != nil {
				t.Fatalf("step %d: write: %d, %v", step, n, err)
			}
			if end > int64(len(m.data)) {
				m.data = append(m.data, make([]byte, end-int64(len(m.data)))...)
			}
			copy(m.data[off:], p)
			for idx := uint64(off / pg); idx < pagesFor(end); idx++ {
				m.charged[idx] = true
			}
		case 4: // truncate
			size := int64(r.IntN(14 * pg))
			e.must(m.f.Truncate(size))
			if size < int64(len(m.data)) {
				m.data = m.data[:size]
				for idx := range m.charged {
					if idx >= pagesFor(size) {
						delete(m.charged, idx)
					}
				}
			} else {
				m.data = append(m.data, make([]byte, size-int64(len(m.data)))...)
			}
		case 5: // fault
			if e.src.n < 8 {
				more := newStock(t, e.c.Frames, 64)
				e.src.frames = append(e.src.frames[:e.src.n], more.frames...)
				e.src.n = len(e.src.frames)
			}
			idx := uint64(r.IntN(14))
			pfn, out := m.f.pc.FaultPage(idx, e.src)
			var want []pagecache.Outcome
			switch {
			case idx >= pagesFor(int64(len(m.data))):
				want = []pagecache.Outcome{pagecache.Beyond}
			case m.charged[idx]:
				want = []pagecache.Outcome{pagecache.Hit, pagecache.Major}
			case used() < limit:
				want = []pagecache.Outcome{pagecache.Hit}
				m.charged[idx] = true
			default:
				want = []pagecache.Outcome{pagecache.IOError}
			}
			if out != want[0] && (len(want) == 1 || out != want[1]) {
				t.Fatalf("step %d: fault on page %d: %v, want %v", step, idx, out, want)
			}
			if out == pagecache.Hit || out == pagecache.Major {
				n := min(pg, len(m.data)-int(idx)*pg)
				got := mm.FrameBytes(pfn.Addr())
				if !bytes.Equal(got[:n], m.data[int(idx)*pg:][:n]) || !bytes.Equal(got[n:], make([]byte, pg-n)) {
					t.Fatalf("step %d: page %d faulted in: other bytes", step, idx)
				}
			}
		case 6: // swap-out of the whole file
			e.reclaim(m.f)
		case 7: // swapoff of an area, sometimes short of memory
			var hog []mm.PFN
			if r.IntN(3) == 0 {
				for {
					pfn, err := e.c.Frames.Alloc(0, frame.Kernel)
					if err != nil {
						break
					}
					hog = append(hog, pfn)
				}
			}
			area := uint64(r.IntN(2) + 1)
			if _, err := e.fs.Unswap(areaOf(area)); err != nil && (hog == nil || !errors.Is(err, ErrNoMemory)) {
				t.Fatalf("step %d: unswap: %v", step, err)
			}
			for _, pfn := range hog {
				e.c.Frames.Free(pfn, 0)
			}
			e.swap.area = 3 - e.swap.area // later swap-outs to the other area
		case 8: // unlink
			m.f.Close()
			e.must(e.fs.Unlink(name))
			delete(files, name)
		case 10: // rename, to a new name or over another file, whose data go
			to, old := pick()
			if r.IntN(2) == 0 {
				to, old = fmt.Sprintf("/r%d", step), nil
			}
			if to == name {
				break
			}
			e.must(e.fs.Rename(name, to, false))
			if old != nil {
				old.f.Close() // the last reference: discarded, uncharged
			}
			files[to] = m
			delete(files, name)
		case 9: // read through the page cache's own read (caches holes)
			if used() < limit && len(m.data) > 0 {
				idx := uint64(r.IntN(len(m.data))) / pg
				wasCharged := m.charged[idx]
				if _, err := m.f.pc.ReadAt(make([]byte, 1), int64(idx)*pg); err != nil {
					t.Fatalf("step %d: page cache read: %v", step, err)
				}
				if !wasCharged {
					m.charged[idx] = true
				}
			}
		}
		e.check()
		if got := e.fs.Statfs().Used; got != used() {
			t.Fatalf("step %d: %d pages used, model %d", step, got, used())
		}
		for name, m := range files {
			if got := e.read(m.f); !bytes.Equal(got, m.data) {
				t.Fatalf("step %d: %s reads other bytes than the model", step, name)
			}
		}
	}
	for _, m := range files {
		m.f.Close()
	}
	e.done()
}
