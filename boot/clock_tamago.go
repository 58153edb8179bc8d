//go:build tamago

package boot

import (
	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// ClockSource says how the TSC frequency was found.
var ClockSource string

// The MC146818 CMOS RTC (ports 0x70/0x71), whose periodic interrupt flag
// ticks at 32768 >> (rate-1) Hz whenever PIE is set, interrupt line masked
// or not. QEMU emulates it on microvm (rtc=on) against the host clock
// (-rtc clock=host, the default) or the virtual clock (-rtc clock=vm).
const (
	cmosIndex arch.Port = 0x70
	cmosData  arch.Port = 0x71
	cmosNMIOff          = 0x80
	rtcRegA             = 0x0a
	rtcRegB             = 0x0b
	rtcRegC             = 0x0c
	regADV32K           = 0x20 // divider: 32.768 kHz time base
	regARate1024        = 6    // 32768 >> 5 = 1024 Hz
	regBPIE             = 0x40
	regCPF              = 0x40
	rtcTickHz           = 1024
	// calibrationTicks periods of 1/1024 s: 62.5 ms of boot time.
	calibrationTicks = 64
	// A tick that has not come after this many TSC counts (about 2 s at
	// 5 GHz) means there is no RTC.
	tickTimeout = 10_000_000_000
)

// KVM's CPUID leaves (Linux Documentation/virt/kvm/x86/cpuid.rst).
const (
	cpuidHypervisorBase = 0x4000_0000
	cpuidKVMTSCKHz      = 0x4000_0010 // EAX: TSC frequency in kHz (QEMU with invtsc)
	cpuidAPM            = 0x8000_0007
	apmInvariantTSC     = 1 << 8
)

func cmosRead(reg uint8) uint8 {
	arch.Outb(cmosIndex, cmosNMIOff|reg)
	return arch.Inb(cmosData)
}

func cmosWrite(reg, v uint8) {
	arch.Outb(cmosIndex, cmosNMIOff|reg)
	arch.Outb(cmosData, v)
}

// calibrateClock finds the TSC frequency and starts the system clock from
// the TSC value at kernel entry.
//
// Under KVM with an invariant TSC, QEMU publishes the frequency in KVM's
// CPUID leaf 0x40000010. Everywhere else (TCG, whose TSC follows the host's
// at the host's rate, or KVM without that leaf) the TSC is measured against
// the RTC's periodic flag.
func calibrateClock() {
	hz := uint64(0)
	if kvmTSCInvariant() {
		if khz, _, _, _ := arch.CPUID(cpuidKVMTSCKHz, 0); khz != 0 {
			hz, ClockSource = uint64(khz)*1000, "kvm cpuid (invariant TSC)"
		}
	}
	if hz == 0 {
		var err error
		if hz, err = calibrateAgainstRTC(); err == nil {
			ClockSource = "TSC calibrated against the CMOS RTC"
		} else {
			hz, ClockSource = 1e9, "UNCALIBRATED: no RTC (QEMU microvm needs rtc=on); assuming 1 GHz"
		}
	}
	c := newTSCClock(bootTSC, hz)
	if now := arch.RDTSC(); c.nanos(now) < clock.nanos(now) {
		// Never step back: keep the time already reported.
		c.origin -= (uint64(clock.nanos(now)-c.nanos(now))*hz + 1e9 - 1) / 1e9
	}
	clock = c
}

func kvmTSCInvariant() bool {
	_, b, c, d := arch.CPUID(cpuidHypervisorBase, 0)
	if b != 0x4b4d564b || c != 0x564b4d56 || d != 0x4d { // "KVMKVMKVM\0\0\0"
		return false
	}
	_, _, _, apm := arch.CPUID(cpuidAPM, 0)
	return apm&apmInvariantTSC != 0
}

func calibrateAgainstRTC() (uint64, error) {
	if cmosRead(rtcRegC) == 0xff {
		return 0, errTicks // floating bus: no RTC
	}
	a, b := cmosRead(rtcRegA), cmosRead(rtcRegB)
	cmosWrite(rtcRegA, regADV32K|regARate1024)
	cmosWrite(rtcRegB, b|regBPIE)
	cmosRead(rtcRegC)

	var stamps [calibrationTicks + 1]uint64
	var err error
	for i := range stamps {
		start := arch.RDTSC()
		for cmosRead(rtcRegC)&regCPF == 0 {
			if arch.RDTSC()-start > tickTimeout {
				err = errTicks
				break
			}
		}
		if err != nil {
			break
		}
		stamps[i] = arch.RDTSC()
	}

	cmosWrite(rtcRegB, b)
	cmosWrite(rtcRegA, a)
	cmosRead(rtcRegC)
	if err != nil {
		return 0, err
	}
	return tscHzFromTicks(stamps[:], rtcTickHz)
}

// TSCHz is the TSC frequency the system clock runs on.
func TSCHz() uint64 { return clock.hz }

// Uptime is the time since kernel entry, in nanoseconds.
func Uptime() int64 { return nanotime() }
