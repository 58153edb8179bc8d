package amd64

// IRQLine is one line of the interrupts command: a vector that has a
// handler or has fired.
type IRQLine struct {
	Vector int
	// GSI is the IOAPIC input routed to Vector; -1 for a local source
	// (the LAPIC timer) or none.
	GSI   int
	Count uint64
	Name  string
}

// IRQReport is what the interrupts command prints: the vectors in
// increasing order, and the interrupts that found the service goroutine
// already awake (Linux's MIS line counts a different kind of miss, but is
// the place such a figure goes).
type IRQReport struct {
	Lines      []IRQLine
	WakeMisses uint64
}
