package qemu

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The Linux guest of make linux-guest: Debian's cloud kernel and an
// initramfs of busybox-static and the user programs, booted on the same
// machine as Pagoda (Options.Args) so that the same static binary can be
// measured on both.

// LinuxKernel and LinuxInitrd are what make linux-guest builds.
const (
	LinuxKernel = "build/linux/vmlinuz"
	LinuxInitrd = "build/linux/initramfs.gz"
)

// LinuxAppend is the Linux guest's command line before the user's
// additions. microvm has no PIT, HPET or ACPI PM timer (pit=off), so
// Linux can calibrate neither the TSC nor the LAPIC timer and stops at
// "tsc: Marking TSC unstable"; both frequencies are given instead:
//   - tsc_early_khz: under icount the TSC counts instructions, one per
//     virtual ns, so 1 GHz; under plain TCG the guest reads the host's
//     TSC, whose frequency is taken from the host's /proc/cpuinfo (an
//     approximation: host time is what such runs measure anyway), and
//     tsc=reliable, without which the clocksource watchdog soon finds
//     the host's TSC out of step with the ticks of QEMU's virtual clock
//     and falls back to jiffies: clock_gettime then moves in 4 ms steps;
//   - lapic_timer_period: QEMU's APIC timer counts virtual ns (1 GHz,
//     divide by 1), so 4,000,000 cycles per tick of Debian's HZ=250.
//
// quiet keeps the kernel's messages out of the console transcript.
func LinuxAppend(icount bool) (string, error) {
	tsc := "tsc_early_khz=1000000"
	if !icount {
		mhz, err := hostMHz()
		if err != nil {
			return "", err
		}
		tsc = fmt.Sprintf("tsc_early_khz=%d tsc=reliable", int(mhz*1000))
	}
	return "console=ttyS0 quiet " + tsc + " lapic_timer_period=4000000", nil
}

// hostMHz is the first "cpu MHz" of the host's /proc/cpuinfo.
func hostMHz() (float64, error) {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "cpu MHz" {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("qemu: no cpu MHz in /proc/cpuinfo: cannot give the Linux guest its TSC frequency (use ICOUNT=1)")
}

// LinuxPoweroff is QEMU's exit status when the Linux guest powers off
// (ACPI S5): the status a Pagoda panic gives (PanicStatus), but from
// Linux a normal end.
const LinuxPoweroff = 0
