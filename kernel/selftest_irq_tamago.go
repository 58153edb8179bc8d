//go:build tamago

package kernel

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/trap"
)

// The irq self-test's parameters: rounds, how far ahead the timer is
// armed, how long a round may wait, and where its pages go in the window.
const (
	irqRounds       = 100
	irqTimerDelay   = 2 * time.Millisecond
	irqTimeout      = time.Second
	selftestIRQBase = SelftestBase + 2<<40
)

// The MC146818 RTC (microvm's rtc=on) is the one interrupt source behind
// the IOAPIC that needs no driver: ISA IRQ 8, which microvm wires to GSI 8
// of IOAPIC 0. Its periodic interrupt (register B bit PIE) fires at
// 32768 >> (rate-1) Hz, rate in register A bits 0-3; reading register C
// acknowledges it and lowers the line (MC146818A datasheet, "Registers").
const (
	rtcIndex    arch.Port = 0x70
	rtcData     arch.Port = 0x71
	rtcRegA               = 0x0a
	rtcRegB               = 0x0b
	rtcRegC               = 0x0c
	rtcPIE                = 1 << 6
	rtcRate1024           = 6 // 1024 Hz
	rtcGSI                = 8
	rtcRounds             = 20
	rtcSettle             = 5 * time.Millisecond // after the stop, before the final count
)

func rtcRead(reg uint8) uint8 {
	arch.Outb(rtcIndex, reg)
	return arch.Inb(rtcData)
}

func rtcWrite(reg, v uint8) {
	arch.Outb(rtcIndex, reg)
	arch.Outb(rtcData, v)
}

var (
	irqTestOnce sync.Once
	irqTestErr  error
	// rtcFired receives one value per RTC interrupt, as irqFired.
	rtcFired = make(chan struct{}, rtcRounds)
	// irqFired receives one value per LAPIC timer interrupt: sent by the
	// handler, in the service goroutine; buffered so that it never
	// blocks there.
	irqFired = make(chan struct{}, 1)
)

// selftestIRQ proves delivery without a device: irqRounds times, it arms
// the LAPIC timer one-shot on VectorSelftestTimer irqTimerDelay ahead,
// takes a demand page fault (with IF set, the interrupt pending close
// behind), then blocks on a channel that the vector's handler signals. The
// wake latency is from the timer's deadline to the blocked goroutine
// running again: the interrupt, the idle hook's wake, the service goroutine's
// handler and the channel hand-off.
func selftestIRQ(out io.Writer, frames *frame.Allocator, kernel *pt.Table) error {
	if !arch.InterruptsEnabled() {
		return errors.New("interrupts are disabled (IF=0) in a goroutine")
	}
	irqTestOnce.Do(func() {
		irqTestErr = errors.Join(
			arch.HandleIRQ(VectorSelftestTimer, "selftest: LAPIC timer", func() {
				select {
				case irqFired <- struct{}{}:
				default:
				}
			}),
			AttachIRQ(rtcGSI, "selftest: rtc", func() {
				rtcRead(rtcRegC) // acknowledge: the line falls
				select {
				case rtcFired <- struct{}{}:
				default:
				}
			}))
	})
	if irqTestErr != nil {
		return irqTestErr
	}
	for len(irqFired) > 0 { // a late interrupt of an earlier run
		<-irqFired
	}
	r := &demandResolver{frames: frames, table: kernel, base: selftestIRQBase, n: irqRounds, size: pt.Size4K}
	trap.SetWindowResolver(r.resolve)
	defer r.teardown()
	defer arch.StopLAPICTimer()

	count0 := arch.IRQCount(VectorSelftestTimer)
	var minLat, maxLat, sumLat time.Duration
	delivered := 0
	for i := range irqRounds {
		va := selftestIRQBase + mm.VirtAddr(i)*mm.PageSize
		deadline := boot.Board{}.Uptime() + irqTimerDelay
		if err := arch.ArmLAPICTimer(VectorSelftestTimer, irqTimerDelay); err != nil {
			return err
		}
		*word(va) = pattern(va) // a demand fault with IF=1
		if got := *word(va); got != pattern(va) {
			return fmt.Errorf("round %d: %#x reads %#x after the fault, want %#x", i, uint64(va), got, pattern(va))
		}
		select {
		case <-irqFired:
		case <-time.After(irqTimeout):
			return fmt.Errorf("irq: round %d: no interrupt within %v (%d/%d delivered, vector %#x counted %d)",
				i, irqTimeout, delivered, irqRounds, VectorSelftestTimer, arch.IRQCount(VectorSelftestTimer)-count0)
		}
		lat := max(boot.Board{}.Uptime()-deadline, 0)
		if delivered == 0 || lat < minLat {
			minLat = lat
		}
		maxLat = max(maxLat, lat)
		sumLat += lat
		delivered++
	}
	if r.faults != irqRounds {
		return fmt.Errorf("irq: %d page faults resolved with interrupts on, want %d", r.faults, irqRounds)
	}
	if n := arch.IRQCount(VectorSelftestTimer) - count0; n != irqRounds {
		return fmt.Errorf("irq: vector %#x counted %d interrupts, want %d", VectorSelftestTimer, n, irqRounds)
	}
	if err := selftestRTC(out); err != nil {
		return err
	}
	us := func(d time.Duration) int64 { return d.Microseconds() }
	fmt.Fprintf(out, "irq: %d/%d delivered, wake latency min/avg/max %d/%d/%d us\n",
		delivered, irqRounds, us(minLat), us(sumLat/time.Duration(delivered)), us(maxLat))
	fmt.Fprintf(out, "irq: %d page faults resolved with interrupts on\n", r.faults)
	return nil
}

// selftestRTC takes rtcRounds periodic RTC interrupts through the IOAPIC
// (GSI rtcGSI, routed by AttachIRQ) and stops them again.
func selftestRTC(out io.Writer) error {
	for len(rtcFired) > 0 {
		<-rtcFired
	}
	count0 := arch.IRQCount(gsiVectorBase + rtcGSI)
	start := boot.Board{}.Uptime()
	rtcWrite(rtcRegA, rtcRead(rtcRegA)&^0x0f|rtcRate1024)
	rtcWrite(rtcRegB, rtcRead(rtcRegB)|rtcPIE)
	rtcRead(rtcRegC) // an interrupt already latched would hold the line high
	stop := func() {
		rtcWrite(rtcRegB, rtcRead(rtcRegB)&^rtcPIE)
		rtcRead(rtcRegC)
	}
	timeout := time.After(irqTimeout)
	for i := range rtcRounds {
		select {
		case <-rtcFired:
		case <-timeout:
			stop()
			return fmt.Errorf("irq: rtc: %d/%d interrupts within %v (GSI %d, vector %#x counted %d)",
				i, rtcRounds, irqTimeout, rtcGSI, gsiVectorBase+rtcGSI, arch.IRQCount(gsiVectorBase+rtcGSI)-count0)
		}
	}
	el := boot.Board{}.Uptime() - start
	stop()
	// The RTC keeps firing (1024 Hz) until the stop: a slow host lets
	// more than rtcRounds through. An interrupt raised just before the
	// stop is taken within microseconds; after a pause the count is
	// final, and the interrupts command must show exactly it.
	time.Sleep(rtcSettle)
	counted := arch.IRQCount(gsiVectorBase+rtcGSI) - count0
	fmt.Fprintf(out, "irq: rtc: %d interrupts through the IOAPIC (GSI %d, vector %d) in %d ms, %d counted to the stop\n",
		rtcRounds, rtcGSI, gsiVectorBase+rtcGSI, el.Milliseconds(), counted)
	return nil
}
