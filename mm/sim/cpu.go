//go:build !tamago

package sim

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// Page-fault error code bits (SDM 3A 4.7, Figure 4-12).
const (
	FaultProtection uint64 = 1 << 0 // P: 1 protection or reserved bit, 0 not present
	FaultWrite      uint64 = 1 << 1 // W/R: the access was a write
	FaultUser       uint64 = 1 << 2 // U/S: the access was made in user mode
	FaultReserved   uint64 = 1 << 3 // RSVD: an entry had a reserved bit set
	FaultFetch      uint64 = 1 << 4 // I/D: the access was an instruction fetch
)

// CodeString names the bits of a page-fault error code: "P W U", and "NP"
// when P is 0 (not present).
func CodeString(code uint64) string {
	var b strings.Builder
	if code&FaultProtection != 0 {
		b.WriteString("P")
	} else {
		b.WriteString("NP")
	}
	for _, f := range []struct {
		bit  uint64
		name string
	}{{FaultWrite, "W"}, {FaultUser, "U"}, {FaultReserved, "RSVD"}, {FaultFetch, "I"}} {
		if code&f.bit != 0 {
			b.WriteString(" " + f.name)
		}
	}
	return b.String()
}

// MaxFaults is how many page faults one page of one access may raise
// before the CPU gives up on a handler that keeps saying it resolved
// them. Hardware would retry forever; a legitimate access faults at most
// a few times (a spurious fault on a stale TLB entry, then the real one).
const MaxFaults = 8

// Access is the kind of a memory access.
type Access uint8

// The kinds of access, as the error code tells them apart.
const (
	DataRead Access = iota
	DataWrite
	InstrFetch
)

func (a Access) String() string {
	switch a {
	case DataRead:
		return "read"
	case DataWrite:
		return "write"
	case InstrFetch:
		return "fetch"
	}
	return fmt.Sprintf("access(%d)", uint8(a))
}

// code is the error-code bits that describe the access itself.
func (a Access) code(user bool) uint64 {
	var c uint64
	switch a {
	case DataWrite:
		c = FaultWrite
	case InstrFetch:
		c = FaultFetch
	}
	if user {
		c |= FaultUser
	}
	return c
}

// ErrNonCanonical is the #GP a non-canonical address raises instead of a
// page fault (SDM 3A 3.3.7.1).
var ErrNonCanonical = errors.New("sim: #GP: non-canonical address")

// FaultError is a page fault the handler did not resolve.
type FaultError struct {
	// Addr is the faulting address, as CR2 holds it.
	Addr mm.VirtAddr
	// Code is the error code (FaultProtection, FaultWrite, ...).
	Code uint64
	// Recurred: the handler said it resolved the fault, MaxFaults times,
	// and the access faulted again each time.
	Recurred bool
}

func (e *FaultError) Error() string {
	s := fmt.Sprintf("sim: page fault at %v, error code %#x (%s)", e.Addr, e.Code, CodeString(e.Code))
	if e.Recurred {
		s += fmt.Sprintf(", still faulting after %d resolutions", MaxFaults)
	}
	return s
}

// Stats counts what a CPU did.
type Stats struct {
	// Hits are translations served by the TLB, including those whose
	// cached rights denied the access.
	Hits uint64
	// Misses are page walks: TLB misses, and writes through an entry
	// loaded with D clear.
	Misses uint64
	// Faults are page faults raised, resolved or not.
	Faults uint64
}

// CPU is one simulated processor in 64-bit mode with CR0.WP=1,
// CR4.PGE=1 and EFER.NXE=1.
type CPU struct {
	// Handler is the #PF vector: it is called with CR2 and the error code
	// and returns whether it resolved the fault. nil resolves nothing.
	Handler func(addr mm.VirtAddr, code uint64) bool

	cr3    mm.PhysAddr
	loaded bool // LoadCR3 was called
	cr2    mm.VirtAddr
	tlb    tlb
	stats  Stats
}

var _ pagetable.TLB = (*CPU)(nil)

// NewCPU returns a CPU with an empty TLB and no page tables: LoadCR3
// must come before the first access.
func NewCPU() *CPU { return &CPU{tlb: newTLB()} }

// LoadCR3 switches to the tables rooted at the PML4 at root: it drops
// every TLB entry but the global ones (SDM 3A 4.10.4.1), and makes this
// CPU's TLB the one pagetable's invalidations reach.
//
// Preconditions: root is page-aligned (CR3's PWT and PCD are not modeled).
func (c *CPU) LoadCR3(root mm.PhysAddr) {
	if root&mm.PageMask != 0 {
		panic("sim.CPU.LoadCR3: root not page-aligned")
	}
	c.cr3, c.loaded = root, true
	c.tlb.dropNonGlobal()
	pagetable.SetHostTLB(c)
}

// CR3 is the root of the current tables.
func (c *CPU) CR3() mm.PhysAddr { return c.cr3 }

// CR2 is the address of the last page fault.
func (c *CPU) CR2() mm.VirtAddr { return c.cr2 }

// Stats returns the counters.
func (c *CPU) Stats() Stats { return c.stats }

// InvalidatePage drops the TLB entry of the page holding va, whatever its
// size, as INVLPG does (SDM 3A 4.10.4.1). It implements pagetable.TLB.
func (c *CPU) InvalidatePage(va mm.VirtAddr) { c.tlb.invalidate(va) }

// Flush drops every TLB entry, global ones included. It implements
// pagetable.TLB.
func (c *CPU) Flush() { c.tlb.flush() }

// Cached reports whether the TLB holds a translation for va.
func (c *CPU) Cached(va mm.VirtAddr) bool {
	_, ok := c.tlb.lookup(va)
	return ok
}

// Translate performs the translation of an access to va, as the access
// itself would: through the TLB, walking and setting A and D on a miss,
// raising page faults into the Handler and retrying while it resolves
// them. It returns the physical address, a *FaultError for a fault left
// unresolved, or ErrNonCanonical.
func (c *CPU) Translate(va mm.VirtAddr, acc Access, user bool) (mm.PhysAddr, error) {
	if !c.loaded {
		panic("sim.CPU: access before LoadCR3")
	}
	if !pagetable.Canonical(va) {
		return 0, fmt.Errorf("%w: %v", ErrNonCanonical, va)
	}
	for n := 1; ; n++ {
		pa, code, ok := c.translate(va, acc, user)
		if ok {
			return pa, nil
		}
		c.stats.Faults++
		c.cr2 = va
		if c.Handler == nil || !c.Handler(va, code) {
			return 0, &FaultError{Addr: va, Code: code}
		}
		if n == MaxFaults {
			return 0, &FaultError{Addr: va, Code: code, Recurred: true}
		}
	}
}

// translate is one attempt: the physical address, or the error code of
// the page fault the attempt raises. A fault drops va's TLB entry, as a
// #PF does (SDM 3A 4.10.4.1), so that the retry walks the tables.
func (c *CPU) translate(va mm.VirtAddr, acc Access, user bool) (mm.PhysAddr, uint64, bool) {
	if e, ok := c.tlb.lookup(va); ok {
		if code, denied := e.rights.deny(acc, user); denied {
			c.stats.Hits++
			c.tlb.invalidate(va)
			return 0, code, false
		}
		if acc != DataWrite || e.dirty {
			c.stats.Hits++
			return e.addr(va), 0, true
		}
		// A write through an entry loaded with D clear: walk again to
		// set D in the leaf (SDM 3A 4.8), as Intel processors do.
	}
	c.stats.Misses++
	e, code, ok := c.walk(va, acc, user)
	if !ok {
		c.tlb.invalidate(va)
		return 0, code, false
	}
	c.tlb.insert(va, e)
	return e.addr(va), 0, true
}

// Read copies len(p) bytes from va into p, page by page.
func (c *CPU) Read(va mm.VirtAddr, p []byte, user bool) error {
	for len(p) > 0 {
		n := min(len(p), mm.PageSize-int(va&mm.PageMask))
		pa, err := c.Translate(va, DataRead, user)
		if err != nil {
			return err
		}
		copy(p[:n], mm.PhysBytes(pa, n))
		p = p[n:]
		va += mm.VirtAddr(n)
	}
	return nil
}

// Write copies p to va, page by page.
func (c *CPU) Write(va mm.VirtAddr, p []byte, user bool) error {
	for len(p) > 0 {
		n := min(len(p), mm.PageSize-int(va&mm.PageMask))
		pa, err := c.Translate(va, DataWrite, user)
		if err != nil {
			return err
		}
		copy(mm.PhysBytes(pa, n), p[:n])
		p = p[n:]
		va += mm.VirtAddr(n)
	}
	return nil
}

// Fetch fetches the instruction byte at va.
func (c *CPU) Fetch(va mm.VirtAddr, user bool) error {
	_, err := c.Translate(va, InstrFetch, user)
	return err
}
