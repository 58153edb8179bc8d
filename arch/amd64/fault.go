package amd64

import (
	"fmt"
	"strings"
)

// Page-fault error code bits (SDM 3A 4.7, Figure 4-12).
const (
	PFPresent  = 1 << 0 // P: 1 = protection violation, 0 = page not present
	PFWrite    = 1 << 1 // W/R: the access was a write
	PFUser     = 1 << 2 // U/S: the access was in user mode
	PFReserved = 1 << 3 // RSVD: a reserved bit was set in a paging entry
	PFFetch    = 1 << 4 // I/D: the access was an instruction fetch
)

// Access is the kind of memory access that faulted.
type Access uint8

const (
	Read Access = iota
	Write
	Execute
)

func (a Access) String() string {
	switch a {
	case Write:
		return "write"
	case Execute:
		return "execute"
	}
	return "read"
}

// AccessOf is the access an error code describes.
func AccessOf(code uint64) Access {
	switch {
	case code&PFFetch != 0:
		return Execute
	case code&PFWrite != 0:
		return Write
	}
	return Read
}

// DescribeErrorCode spells out a page-fault error code:
// "not present, write, supervisor".
func DescribeErrorCode(code uint64) string {
	var parts []string
	if code&PFPresent != 0 {
		parts = append(parts, "protection violation")
	} else {
		parts = append(parts, "not present")
	}
	parts = append(parts, AccessOf(code).String())
	if code&PFUser != 0 {
		parts = append(parts, "user")
	} else {
		parts = append(parts, "supervisor")
	}
	if code&PFReserved != 0 {
		parts = append(parts, "reserved bit set")
	}
	return strings.Join(parts, ", ")
}

// Reason says why a fault could not be resolved.
type Reason uint8

const (
	ReasonNotMapped  Reason = iota // no mapping covers the address
	ReasonProtection               // the mapping forbids the access
	ReasonBus                      // beyond the end of a backing object, or an I/O error
	ReasonNoMemory                 // no frame could be had
)

func (r Reason) String() string {
	switch r {
	case ReasonProtection:
		return "protection violation"
	case ReasonBus:
		return "bus error"
	case ReasonNoMemory:
		return "out of memory"
	}
	return "not mapped"
}

// FaultError is the value of the panic an unresolvable page fault raises
// in the faulting goroutine; recover() returns it.
type FaultError struct {
	Addr        uint64 // CR2
	Access      Access
	Reason      Reason
	Code        uint64 // the error code
	RIP         uint64 // the faulting instruction
	Instruction string // RIP disassembled, when it could be read
}

func (e *FaultError) Error() string {
	s := fmt.Sprintf("%s of %#x: %s", e.Access, e.Addr, e.Reason)
	if e.Instruction != "" {
		s += fmt.Sprintf(" (at %#x: %s)", e.RIP, e.Instruction)
	}
	return s
}
