//go:build tamago

package boot

// The PVH entry (entry_tamago.s) is the symbol cpuinit, reached from the
// runtime's _rt0_amd64_tamago through runtime/goos.CPUInit: it has no Go
// declaration. It stores what it must hand to Go here.
//
// Set by entry_tamago.s before the runtime starts; in DATA (non-zero
// initial values) so that nothing can clear them after the entry code ran.
var (
	startInfoPA uint64 = ^uint64(0) // EBX at the PVH entry
	bootTSC     uint64 = ^uint64(0) // TSC at the PVH entry
)
