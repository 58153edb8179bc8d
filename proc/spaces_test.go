//go:build !tamago

package proc

import (
	"errors"
	"testing"
	"time"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/sim"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// clock is a Machine whose cycle counter advances 10 a read.
type clock struct{ cycles uint64 }

func (c *clock) Uptime() time.Duration { return time.Duration(c.cycles) }
func (c *clock) Cycles() uint64        { c.cycles += 10; return c.cycles }
func (c *clock) Realtime() int64       { return 1_800_000_000e9 + int64(c.Uptime()) }
func (c *clock) Halt(uint8)            {}

// newSpaces is the address-space table over 16 MiB of simulated memory
// at base, its first space current on a simulated CPU.
func newSpaces(t *testing.T, base mm.PhysAddr) (*Spaces, *sim.CPU) {
	t.Helper()
	mem, done := sim.NewMemory(base, 16<<20)
	t.Cleanup(done)
	m, err := vm.NewMM(mem.Frames, mem.Tables, 1<<45, 1<<47, 0)
	if err != nil {
		t.Fatal(err)
	}
	cpu := sim.NewCPU()
	t.Cleanup(func() { cpu.LoadCR3(0) })
	s, err := NewSpaces(m, cpu.LoadCR3, &clock{})
	if err != nil {
		t.Fatal(err)
	}
	return s, cpu
}

// Resolve is the window's fault path: vm's result becomes the trap's
// reason, and a resolved fault maps the page.
func TestResolve(t *testing.T) {
	s, _ := newSpaces(t, 0x80_0000_0000)
	as := s.Current()
	ro, err := as.Mmap(0, mm.PageSize, vm.ProtRead, vm.MapPrivate|vm.MapAnonymous)
	if err != nil {
		t.Fatal(err)
	}
	rw, err := as.Mmap(0, mm.PageSize, vm.ProtRead|vm.ProtWrite, vm.MapPrivate|vm.MapAnonymous)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what   string
		va     mm.VirtAddr
		code   uint64
		ok     bool
		reason arch.Reason
	}{
		{"read of a read-only page", ro, 0, true, 0},
		{"write to a read-only page", ro, arch.PFWrite | arch.PFPresent, false, arch.ReasonProtection},
		{"write to a writable page", rw, arch.PFWrite, true, 0},
		{"fetch from a no-exec page", rw, arch.PFFetch, false, arch.ReasonProtection},
		{"read of nothing", rw + 16*mm.PageSize, 0, false, arch.ReasonNotMapped},
	} {
		ok, reason := s.Resolve(c.va, c.code)
		if ok != c.ok || (!ok && reason != c.reason) {
			t.Errorf("%s: %v %v, want %v %v", c.what, ok, reason, c.ok, c.reason)
		}
	}
}

// The trace records window faults while on, keeps the last TraceSize,
// and gives them back oldest first.
func TestTrace(t *testing.T) {
	s, _ := newSpaces(t, 0x81_0000_0000)
	as := s.Current()
	n := uint64(TraceSize + 10)
	base, err := as.Mmap(0, n*mm.PageSize, vm.ProtRead, vm.MapPrivate|vm.MapAnonymous|vm.MapNoReserve)
	if err != nil {
		t.Fatal(err)
	}
	s.Resolve(base, 0) // off: not recorded
	s.Trace().On()
	for i := range n {
		if ok, _ := s.Resolve(base+mm.VirtAddr(i)*mm.PageSize, 0); !ok {
			t.Fatalf("fault %d not resolved", i)
		}
	}
	tr := s.Trace()
	if tr.Recorded() != n {
		t.Fatalf("%d recorded, want %d", tr.Recorded(), n)
	}
	last := tr.Last(TraceSize + 100)
	if len(last) != TraceSize {
		t.Fatalf("%d entries kept, want %d", len(last), TraceSize)
	}
	for i, e := range last {
		want := base + mm.VirtAddr(uint64(i)+10)*mm.PageSize
		if e.Addr != want || e.Access != vm.Read || e.Cycles == 0 {
			t.Fatalf("entry %d: %+v, want address %v", i, e, want)
		}
	}
	tr.Off()
	s.Resolve(base, 0)
	if tr.Recorded() != n {
		t.Errorf("recorded while off")
	}
}

// The table's errors: an unknown ID, and freeing the current space.
func TestSpacesErrors(t *testing.T) {
	s, _ := newSpaces(t, 0x82_0000_0000)
	if err := s.Switch(42); !errors.Is(err, ErrNoAddressSpace) {
		t.Errorf("switch to 42: %v", err)
	}
	if err := s.Free(s.Current().ID); !errors.Is(err, ErrCurrent) {
		t.Errorf("free the current space: %v", err)
	}
	child, err := s.Fork()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Free(child.ID); err != nil {
		t.Fatal(err)
	}
	if len(s.List()) != 1 {
		t.Errorf("%d spaces after freeing the child", len(s.List()))
	}
}
