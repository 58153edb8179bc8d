//go:build !tamago

package vm

import (
	"errors"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/sim"
)

func TestNewMMWindow(t *testing.T) {
	mem, unregister := sim.NewMemory(mm.PhysAddr(arenaFirst+arenas.Add(1)*arenaStep), 1<<20)
	defer unregister()
	for _, w := range []struct{ start, end mm.VirtAddr }{
		{winStart + 1, winEnd},
		{winStart, winEnd - pg/2},
		{winEnd, winStart},
		{winStart, winStart},
		{1 << 47, 1<<47 + pml4Span}, // not canonical
	} {
		if _, err := NewMM(mem.Frames, mem.Tables, w.start, w.end, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("window [%v, %v): %v", w.start, w.end, err)
		}
	}
}

// With a kernel PML4, every address space shares its entries outside the
// window, and Destroy leaves the kernel's tables alone.
func TestKernelHalf(t *testing.T) {
	base := mm.PhysAddr(arenaFirst + arenas.Add(1)*arenaStep)
	mem, unregister := sim.NewMemory(base, arenaSize)
	defer unregister()
	kernel, err := pt.New(mem.Tables)
	if err != nil {
		t.Fatal(err)
	}
	kpage, _ := mem.Frames.Alloc(0, frame.Kernel)
	const kva = mm.VirtAddr(1 << 30)
	if err := kernel.Map(kva, kpage.Addr(), pt.Size4K, pt.Writable); err != nil {
		t.Fatal(err)
	}
	mem.Bytes(kpage.Addr(), 1)[0] = 42
	kernelTables, free0 := mem.Tables.Live(), mem.Frames.Stats().FreePages
	m, err := NewMM(mem.Frames, mem.Tables, winStart, winEnd, kernel.Root())
	if err != nil {
		t.Fatal(err)
	}
	cpu := sim.NewCPU()
	var spaces []*AddressSpace
	for range 2 {
		as, err := m.NewAddressSpace()
		if err != nil {
			t.Fatal(err)
		}
		spaces = append(spaces, as)
		cpu.LoadCR3(as.Root())
		var b [1]byte
		if err := cpu.Read(kva, b[:], false); err != nil || b[0] != 42 {
			t.Fatalf("kernel page through as %d: %v %v", as.ID, b, err)
		}
		cpu.Handler = func(va mm.VirtAddr, code uint64) bool {
			return as.HandleFault(va, Write) == Resolved
		}
		if _, err := as.Mmap(winStart, pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous|MapPopulate); err != nil {
			t.Fatal(err)
		}
		if err := cpu.Write(winStart, []byte{byte(as.ID)}, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, as := range spaces {
		as.Destroy()
	}
	cpu.LoadCR3(kernel.Root())
	m.Drain()
	var b [1]byte
	if err := cpu.Read(kva, b[:], false); err != nil || b[0] != 42 {
		t.Fatalf("kernel page after Destroy: %v %v", b, err)
	}
	if mem.Tables.Live() != kernelTables || mem.Frames.Stats().FreePages != free0-1 {
		t.Fatalf("tables %d (kernel %d), free %d (before %d, less the zero page)",
			mem.Tables.Live(), kernelTables, mem.Frames.Stats().FreePages, free0)
	}
}

// TestOutOfMemory: a fault, a populate and a fork that run out of frames
// or tables fail cleanly, at every point where they can.
func TestOutOfMemory(t *testing.T) {
	t.Run("fork out of tables", func(t *testing.T) {
		e := newEnv(t)
		e.mmap(a0, 4*pg, rw, priv|MapFixed)
		e.mmap(a0+1<<30, 2*pg, rw, shar|MapFixed) // another PDPT entry
		e.mmap(a0+1<<30+2*pg, 2*pg, ProtNone, priv|MapFixed)
		e.write(a0, pattern(1))
		e.read(a0+pg, 1)
		e.write(a0+1<<30, pattern(2))
		e.must(e.cur.Mprotect(a0, pg, ProtNone))
		parent := e.cur
		for k := 0; ; k++ {
			e.m.Drain() // the reserve holds k tables after Fork's refill
			e.mem.Tables.Limit = e.mem.Tables.Live() + k
			c, err := parent.Fork()
			e.mem.Tables.Limit = 0
			if err == nil {
				if k < 6 { // a PML4, a PDPT, and a PD and a PT for each GiB
					t.Fatalf("fork with %d tables succeeded", k)
				}
				e.spaces = append(e.spaces, c)
				e.check()
				break
			}
			if !errors.Is(err, ErrNoMemory) {
				t.Fatalf("fork with %d tables: %v", k, err)
			}
			e.check()
		}
		e.must(parent.Mprotect(a0, pg, rw))
		e.wantBytes(a0, pattern(1))
		e.wantBytes(a0+1<<30, pattern(2))
		e.destroyAll()
	})
	t.Run("faults out of tables", func(t *testing.T) {
		e := newEnv(t)
		e.mmap(a0, pg, rw, priv|MapFixed)
		e.mmap(a0+pg, pg, rw, shar|MapFixed)
		e.m.Drain()
		e.mem.Tables.Limit = e.mem.Tables.Live()
		for _, c := range []struct {
			va mm.VirtAddr
			a  Access
		}{{a0, Read}, {a0, Write}, {a0 + pg, Read}, {a0 + pg, Write}} {
			if r := e.fault(c.va, c.a); r != OOM {
				t.Fatalf("%v of %v with no tables: %v", c.a, c.va, r)
			}
		}
		e.mem.Tables.Limit = 0
		e.mmap(a0+2*pg, pg, rw, shar|MapFixed|MapPopulate)
		e.write(a0+pg, pattern(3))
		e.destroyAll()
	})
	t.Run("faults out of frames", func(t *testing.T) {
		e := newEnv(t)
		e.mmap(a0, 4*pg, rw, priv|MapFixed)
		e.mmap(a0+4*pg, pg, rw, shar|MapFixed)
		e.read(a0, 1) // zero page, and the tables
		e.write(a0+pg, []byte{1})
		c := e.fork()
		e.m.Drain()
		var hog []mm.PFN
		for {
			pfn, err := e.mem.Frames.Alloc(0, frame.Kernel)
			if err != nil {
				break
			}
			hog = append(hog, pfn)
		}
		for _, c := range []struct {
			va mm.VirtAddr
			a  Access
		}{{a0, Write}, {a0 + pg, Write}, {a0 + 2*pg, Write}, {a0 + 4*pg, Read}} {
			if r := e.fault(c.va, c.a); r != OOM {
				t.Fatalf("%v of %v with no frames: %v", c.a, c.va, r)
			}
		}
		if e.cur.Stats.OOM != 4 {
			t.Fatalf("OOM count %d", e.cur.Stats.OOM)
		}
		if _, err := e.cur.Mmap(a0+8*pg, 2*pg, rw, priv|MapFixed|MapPopulate); err != nil {
			t.Fatalf("populate is best effort: %v", err)
		}
		e.wantResident(a0+8*pg, false, false)
		if _, err := e.cur.Fork(); !errors.Is(err, ErrNoMemory) {
			t.Fatalf("fork with no frames: %v", err)
		}
		e.check()
		for _, pfn := range hog {
			e.mem.Frames.Free(pfn, 0)
		}
		e.write(a0, []byte{2})
		e.destroy(c)
		e.destroyAll()
	})
}

// The kernel's hole: mmap never places a mapping there, refuses one
// asked for there (ENOMEM, as Linux for addresses past TASK_SIZE), and
// munmap of it is EINVAL; a gap that straddles it is used on both sides.
func TestHole(t *testing.T) {
	e := newEnv(t)
	hs, he := winEnd-64*pg, winEnd-32*pg
	e.m.HoleStart, e.m.HoleEnd = hs, he
	if _, err := e.cur.Mmap(hs-pg, 2*pg, ProtRead, MapPrivate|MapAnonymous|MapFixed); !errors.Is(err, ErrNoMemory) {
		t.Errorf("MAP_FIXED across the hole: %v, want ErrNoMemory", err)
	}
	if err := e.cur.Munmap(hs, pg); !errors.Is(err, ErrInvalid) {
		t.Errorf("munmap of the hole: %v, want ErrInvalid", err)
	}
	// 32 pages fit above the hole, then the next mapping goes below it.
	above := e.mmap(0, 32*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	if above != he {
		t.Errorf("first mapping at %v, want %v (above the hole)", above, he)
	}
	below := e.mmap(0, 2*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	if below != hs-2*pg {
		t.Errorf("second mapping at %v, want %v (below the hole)", below, hs-2*pg)
	}
	if got := e.mmap(hs, pg, ProtRead, MapPrivate|MapAnonymous); got >= hs && got < he {
		t.Errorf("a hint in the hole placed a mapping at %v", got)
	}
	e.write(below, []byte{1})
	e.check()
}

// User: an address space for ring 3 maps every page with U/S, and its
// fork child too; the kernel's own do not (env.invariants checks each
// leaf against its space's User).
func TestUserPages(t *testing.T) {
	e := newEnv(t)
	e.cur.User = true
	va := e.mmap(0, 4*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
	e.write(va, []byte{1})
	e.read(va+pg, 1)
	if pte(e.cur, va)&pt.User == 0 || pte(e.cur, va+pg)&pt.User == 0 {
		t.Fatalf("user pages without U/S: %#x %#x", pte(e.cur, va), pte(e.cur, va+pg))
	}
	child := e.fork()
	e.use(child)
	e.write(va, []byte{2}) // a COW copy
	if pte(child, va)&pt.User == 0 {
		t.Errorf("the fork child's COW copy lacks U/S: %#x", pte(child, va))
	}
	e.check()
}
