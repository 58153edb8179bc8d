//go:build tamago

package boot

import (
	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// ClockSource says how the TSC frequency was found.
var ClockSource string

// KVM's CPUID leaves (Linux Documentation/virt/kvm/x86/cpuid.rst).
const (
	cpuidHypervisorBase = 0x4000_0000
	cpuidKVMTSCKHz      = 0x4000_0010 // EAX: TSC frequency in kHz (QEMU with invtsc)
	cpuidAPM            = 0x8000_0007
	apmInvariantTSC     = 1 << 8
)

// calibrationWindow is how long the TSC is measured against the LAPIC
// timer: 25 ms of boot time for an error well under 0.1 %.
const calibrationWindow = 25_000_000 // LAPIC counts (ns)

// lapicTimeout gives up on a LAPIC timer that does not count: about 2 s
// at 5 GHz.
const lapicTimeout = 10_000_000_000

// calibrateClock finds the TSC frequency and starts the system clock from
// the TSC value at kernel entry.
//
// Under KVM with an invariant TSC, QEMU publishes the frequency in KVM's
// CPUID leaf 0x40000010. Everywhere else (TCG, whose TSC follows the
// host's at the host's rate, or KVM without that leaf) the TSC is measured
// against the LAPIC timer. Its current-count register can be read at any
// moment, so a vCPU descheduled by a loaded host delays the measurement
// without spoiling it, as it would spoil counting the edges of a periodic
// clock.
func calibrateClock() {
	hz := uint64(0)
	if maxLeaf, ok := kvmTSCInvariant(); ok && maxLeaf >= cpuidKVMTSCKHz {
		// A leaf beyond the hypervisor's maximum would answer with
		// some other leaf's data: ask only when it exists.
		if khz, _, _, _ := arch.CPUID(cpuidKVMTSCKHz, 0); khz != 0 {
			hz, ClockSource = uint64(khz)*1000, "kvm cpuid (invariant TSC)"
		}
	}
	if hz == 0 {
		var err error
		if hz, err = calibrateAgainstLAPIC(); err == nil {
			ClockSource = "TSC calibrated against the LAPIC timer"
		} else {
			hz, ClockSource = 1e9, "UNCALIBRATED: the LAPIC timer does not run; assuming 1 GHz"
		}
	}
	c := newTSCClock(bootTSC, hz)
	if now := arch.RDTSC(); c.nanos(now) < clock.nanos(now) {
		// Never step back: keep the time already reported.
		c.origin -= (uint64(clock.nanos(now)-c.nanos(now))*hz + 1e9 - 1) / 1e9
	}
	clock = c
}

// kvmTSCInvariant reports whether this is KVM with an invariant TSC, and
// KVM's largest CPUID leaf.
func kvmTSCInvariant() (maxLeaf uint32, ok bool) {
	maxLeaf, b, c, d := arch.CPUID(cpuidHypervisorBase, 0)
	if b != 0x4b4d564b || c != 0x564b4d56 || d != 0x4d { // "KVMKVMKVM\0\0\0"
		return 0, false
	}
	_, _, _, apm := arch.CPUID(cpuidAPM, 0)
	return maxLeaf, apm&apmInvariantTSC != 0
}

// calibrateAgainstLAPIC runs the LAPIC timer one-shot from 2^32-1, masked,
// and reads TSC and current count at the start and after
// calibrationWindow counts.
func calibrateAgainstLAPIC() (uint64, error) {
	lapicWrite(lapicSVR, lapicRead(lapicSVR)|lapicSVREnable|lapicSpuriousVector)
	lapicWrite(lapicLVTTimer, lapicLVTMasked) // one-shot, masked
	lapicWrite(lapicDivide, lapicDivideBy1)
	lapicWrite(lapicInitialCount, 0xffff_ffff)

	tsc0, count0 := lapicSample()
	for count0-lapicRead(lapicCurrentCount) < calibrationWindow {
		if lapicRead(lapicCurrentCount) == 0 || arch.RDTSC()-tsc0 > lapicTimeout {
			break // a timer that does not count fails in tscHzFromCounter
		}
	}
	tsc1, count1 := lapicSample()
	lapicWrite(lapicInitialCount, 0) // stop the timer
	return tscHzFromCounter(tsc0, count0, tsc1, count1, lapicTimerHz)
}

// lapicSample reads the timer's current count between two TSC readings,
// several times, and keeps the reading whose bracket is narrowest: the one
// least disturbed by the host.
func lapicSample() (tsc uint64, count uint32) {
	best := ^uint64(0)
	for range 16 {
		a := arch.RDTSC()
		c := lapicRead(lapicCurrentCount)
		b := arch.RDTSC()
		if b-a < best {
			best, tsc, count = b-a, a+(b-a)/2, c
		}
	}
	return tsc, count
}

// TSCHz is the TSC frequency the system clock runs on.
func TSCHz() uint64 { return clock.hz }
