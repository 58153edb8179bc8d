package proc

import (
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// TraceSize is how many faults the trace keeps: the last ones.
const TraceSize = 4096

// TraceEntry is one fault of the mapping window.
type TraceEntry struct {
	NS     int64 // time since boot
	Addr   mm.VirtAddr
	Access vm.Access
	Kind   vm.FaultKind
	Cycles uint64 // TSC cycles the resolution took
}

// Trace is a fixed-size ring of the last faults. Recording runs on the
// fault path: it writes into the array and allocates nothing.
type Trace struct {
	on  bool
	n   uint64 // entries recorded since the trace was turned on
	buf [TraceSize]TraceEntry
}

// On empties the trace and starts recording.
func (t *Trace) On() { t.on, t.n = true, 0 }

// Off stops recording; the entries stay.
func (t *Trace) Off() { t.on = false }

// Enabled reports whether the trace records.
func (t *Trace) Enabled() bool { return t.on }

// Recorded is the number of faults recorded since On.
func (t *Trace) Recorded() uint64 { return t.n }

// record keeps e. It runs on the fault path.
func (t *Trace) record(e TraceEntry) {
	t.buf[t.n%TraceSize] = e
	t.n++
}

// Last returns up to n of the most recent entries, oldest first.
func (t *Trace) Last(n int) []TraceEntry {
	k := min(uint64(n), t.n, TraceSize)
	out := make([]TraceEntry, 0, k)
	for i := t.n - k; i < t.n; i++ {
		out = append(out, t.buf[i%TraceSize])
	}
	return out
}
