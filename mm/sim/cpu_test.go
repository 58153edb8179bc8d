//go:build !tamago

package sim

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// A handler that maps the page resolves the fault: the access is retried
// and completes, as after IRETQ.
func TestHandlerResolves(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0x40_0000_3000
	pa := m.frame(0, 0)
	var calls []mm.VirtAddr
	m.cpu.Handler = func(addr mm.VirtAddr, code uint64) bool {
		calls = append(calls, addr)
		if code != FaultWrite|FaultUser {
			t.Errorf("error code %#x, want 0x6", code)
			return false
		}
		m.mapPage(addr&^mm.PageMask, pa, open)
		return true
	}
	if err := m.cpu.Write(va+0x10, []byte("hello"), true); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0] != va+0x10 || m.cpu.CR2() != va+0x10 {
		t.Fatalf("handler called with %v, CR2 %v; want once with %v", calls, m.cpu.CR2(), va+0x10)
	}
	if got := m.mem.Bytes(pa+0x10, 5); string(got) != "hello" {
		t.Fatalf("frame holds %q", got)
	}
	if s := m.cpu.Stats(); s.Faults != 1 {
		t.Fatalf("%d faults, want 1", s.Faults)
	}
}

func TestHandlerFails(t *testing.T) {
	const va mm.VirtAddr = 0x3000
	for _, tc := range []struct {
		name     string
		handler  func(mm.VirtAddr, uint64) bool
		faults   uint64
		recurred bool
	}{
		{"no handler", nil, 1, false},
		{"unresolved", func(mm.VirtAddr, uint64) bool { return false }, 1, false},
		{"resolved but recurs", func(mm.VirtAddr, uint64) bool { return true }, MaxFaults, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMachine(t)
			m.cpu.Handler = tc.handler
			err := m.cpu.Fetch(va, true)
			var fe *FaultError
			if !errors.As(err, &fe) || *fe != (FaultError{Addr: va, Code: FaultUser | FaultFetch, Recurred: tc.recurred}) {
				t.Fatalf("got %#v", err)
			}
			if s := m.cpu.Stats(); s.Faults != tc.faults {
				t.Fatalf("%d faults, want %d", s.Faults, tc.faults)
			}
		})
	}
}

// Accesses go page by page: a fault on the second page leaves the first
// one written, and reports the second page's first address.
func TestAccessAcrossPages(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0x10_0000
	a, b := m.frame(0, 0), m.frame(0, 0)
	m.mapPage(va, b, open) // frames in the other order: no accidental contiguity
	m.mapPage(va+mm.PageSize, a, open)
	data := bytes.Repeat([]byte("0123456789abcdef"), 16)
	start := va + mm.PageSize - 100
	if err := m.cpu.Write(start, data, false); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.mem.Bytes(b+mm.PageSize-100, 100), data[:100]) || !bytes.Equal(m.mem.Bytes(a, len(data)-100), data[100:]) {
		t.Fatal("bytes did not land in the two frames")
	}
	got := make([]byte, len(data))
	if err := m.cpu.Read(start, got, false); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %q, %v", got, err)
	}

	end := va + 2*mm.PageSize
	err := m.cpu.Write(end-10, data, false)
	if code := fault(t, err, end); code != FaultWrite {
		t.Fatalf("error code %#x, want 0x2", code)
	}
	if !bytes.Equal(m.mem.Bytes(a+mm.PageSize-10, 10), data[:10]) {
		t.Fatal("the page before the fault was not written")
	}
}

// A non-canonical address is a #GP: the page-fault handler never sees it.
func TestNonCanonical(t *testing.T) {
	m := newMachine(t)
	m.cpu.Handler = func(mm.VirtAddr, uint64) bool {
		t.Error("page-fault handler called for a non-canonical address")
		return false
	}
	for _, va := range []mm.VirtAddr{1 << 47, 0xffff_7fff_ffff_f000, 0x0001_0000_0000_0000} {
		if _, err := m.cpu.Translate(va, DataRead, false); !errors.Is(err, ErrNonCanonical) {
			t.Errorf("%v: %v, want ErrNonCanonical", va, err)
		}
	}
}

// The access path allocates nothing, TLB hit or miss, so that fault-path
// tests can count allocations through it.
func TestAccessAllocs(t *testing.T) {
	m := newMachine(t)
	const va mm.VirtAddr = 0x7000
	m.mapPage(va, m.frame(0, 0), open)
	var buf [8]byte
	hit := testing.AllocsPerRun(100, func() {
		if err := m.cpu.Read(va, buf[:], false); err != nil {
			t.Fatal(err)
		}
	})
	miss := testing.AllocsPerRun(100, func() {
		m.cpu.InvalidatePage(va)
		if err := m.cpu.Write(va, buf[:], false); err != nil {
			t.Fatal(err)
		}
	})
	if hit != 0 || miss != 0 {
		t.Fatalf("allocations per access: %v on a hit, %v on a miss", hit, miss)
	}
}

func benchMachine(b *testing.B) (*machine, mm.VirtAddr) {
	m := newMachine(b)
	const va mm.VirtAddr = 0x7f00_0000_0000
	m.mapPage(va, m.frame(0, 0), open)
	return m, va
}

func BenchmarkReadTLBHit(b *testing.B) {
	m, va := benchMachine(b)
	var buf [8]byte
	b.ReportAllocs()
	for b.Loop() {
		if err := m.cpu.Read(va, buf[:], false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadTLBMiss(b *testing.B) {
	m, va := benchMachine(b)
	var buf [8]byte
	b.ReportAllocs()
	for b.Loop() {
		m.cpu.InvalidatePage(va)
		if err := m.cpu.Read(va, buf[:], false); err != nil {
			b.Fatal(err)
		}
	}
}
