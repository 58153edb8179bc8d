package proc

import (
	"errors"
	"fmt"
	"slices"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// Spaces is the kernel's set of address spaces. One is current: its PML4
// is in CR3, and the mapping window's faults go to it. The shell's memory
// commands act on the current one.
type Spaces struct {
	MM      *vm.MM
	spaces  []*vm.AddressSpace // by ID
	current *vm.AddressSpace
	// load makes a PML4 current: CR3 on bare metal, the simulated CPU
	// on the host.
	load func(root mm.PhysAddr)
	// freed keeps the counters of destroyed address spaces for vmstat.
	freed vm.Stats
	// trace records window faults while on; clock times them.
	trace Trace
	clock Machine
}

// ErrCurrent is returned for freeing the current address space.
var ErrCurrent = errors.New("cannot free the current address space")

// ErrNoAddressSpace is returned for an address-space ID that does not exist.
var ErrNoAddressSpace = errors.New("no such address space")

// NewSpaces makes the first address space and makes it current.
// The clock times traced faults (nil: the trace records no times).
func NewSpaces(m *vm.MM, load func(root mm.PhysAddr), clock Machine) (*Spaces, error) {
	s := &Spaces{MM: m, load: load, clock: clock}
	as, err := s.New()
	if err != nil {
		return nil, err
	}
	s.switchTo(as)
	return s, nil
}

// New makes an empty address space.
func (s *Spaces) New() (*vm.AddressSpace, error) {
	as, err := s.MM.NewAddressSpace()
	if err != nil {
		return nil, err
	}
	s.spaces = append(s.spaces, as)
	return as, nil
}

// Current is the current address space.
func (s *Spaces) Current() *vm.AddressSpace { return s.current }

// List returns the address spaces by ID.
func (s *Spaces) List() []*vm.AddressSpace { return slices.Clone(s.spaces) }

func (s *Spaces) find(id int) (int, error) {
	for i, as := range s.spaces {
		if as.ID == id {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%w: %d", ErrNoAddressSpace, id)
}

// Switch makes address space id current.
func (s *Spaces) Switch(id int) error {
	i, err := s.find(id)
	if err != nil {
		return err
	}
	s.switchTo(s.spaces[i])
	return nil
}

// Activate loads the current address space's PML4 again: whoever takes
// the big kernel lock after a process ran finds that process's in CR3.
func (s *Spaces) Activate() { s.load(s.current.Root()) }

func (s *Spaces) switchTo(as *vm.AddressSpace) {
	s.current = as
	s.load(as.Root())
}

// Free destroys address space id, which must not be current.
func (s *Spaces) Free(id int) error {
	i, err := s.find(id)
	if err != nil {
		return err
	}
	as := s.spaces[i]
	if as == s.current {
		return fmt.Errorf("%w: switch to another first", ErrCurrent)
	}
	s.freed.Add(as.Stats)
	as.Destroy()
	s.spaces = slices.Delete(s.spaces, i, i+1)
	return nil
}

// Fork makes a copy-on-write child of the current address space.
func (s *Spaces) Fork() (*vm.AddressSpace, error) {
	child, err := s.current.Fork()
	if err != nil {
		return nil, err
	}
	s.spaces = append(s.spaces, child)
	return child, nil
}

// Resolve is the mapping window's fault resolver: the current address
// space handles the fault. It runs on the fault path.
func (s *Spaces) Resolve(va mm.VirtAddr, code uint64) (bool, arch.Reason) {
	access := vm.Read
	switch {
	case code&arch.PFFetch != 0:
		access = vm.Exec
	case code&arch.PFWrite != 0:
		access = vm.Write
	}
	var r vm.Result
	if s.trace.on && s.clock != nil {
		t0 := s.clock.Cycles()
		r = s.current.HandleFault(va, access)
		s.trace.record(TraceEntry{NS: s.clock.Uptime().Nanoseconds(), Addr: va, Access: access,
			Kind: s.current.LastKind, Cycles: s.clock.Cycles() - t0})
	} else {
		r = s.current.HandleFault(va, access)
	}
	switch r {
	case vm.Resolved:
		return true, 0
	case vm.SegvProtection:
		return false, arch.ReasonProtection
	case vm.OOM:
		return false, arch.ReasonNoMemory
	case vm.SigBus, vm.SigBusIO:
		return false, arch.ReasonBus
	}
	return false, arch.ReasonNotMapped
}

// Reaped is an address space the OOM killer chose, as ReapKilled tore it
// down.
type Reaped struct {
	ID      int
	Kill    vm.Kill
	Current bool // it was current: emptied, not freed
}

// ReapKilled tears down the address spaces the OOM killer chose (vm's
// oom.go: their private memory is gone already): one that is not current
// is freed, as a killed process exits; the current one is emptied, and
// stays current. Goroutine context.
func (s *Spaces) ReapKilled() []Reaped {
	var out []Reaped
	for _, as := range slices.Clone(s.spaces) {
		k, killed := as.Killed()
		if !killed {
			continue
		}
		r := Reaped{ID: as.ID, Kill: k, Current: as == s.current}
		if r.Current {
			as.Reap()
		} else if err := s.Free(as.ID); err != nil {
			panic("Spaces.ReapKilled: " + err.Error()) // not current: Free cannot fail
		}
		out = append(out, r)
	}
	return out
}

// Trace is the record of window faults (the shell's trace command).
func (s *Spaces) Trace() *Trace { return &s.trace }

// Totals sums the counters of every address space, freed ones included.
func (s *Spaces) Totals() vm.Stats {
	t := s.freed
	for _, as := range s.spaces {
		t.Add(as.Stats)
	}
	return t
}
