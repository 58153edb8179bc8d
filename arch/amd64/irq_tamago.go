//go:build tamago

package amd64

import (
	"math/bits"
	"runtime"
	"sync/atomic"
	"time"
)

// External interrupts (vectors 32-254), delivered to goroutines.
//
// The interrupt stub (irqEntry, irq_tamago.s) runs no Go code: it sets the
// vector's bit in irqPending and sends the EOI. The scheduler's idle hook
// (WakeService) then wakes one service goroutine, ServeIRQs, with the
// TamaGo runtime's Wake; not the stub, because an interrupt may land while
// the runtime changes its timer heap, which Wake changes too. ServeIRQs calls
// the Go handler registered for each pending vector, in ordinary goroutine
// context: a handler may allocate, lock and block (briefly: it delays the
// other vectors' handlers).
//
// From a device's line to a handler:
//
//	device asserts GSI n -> IOAPIC pin, redirection entry (RouteIRQ) -> vector v
//	-> local APIC -> IDT[v] -> vectorTable -> irqEntry (IST4): pending |= 1<<v, EOI
//	-> scheduler idle -> WakeService -> ServeIRQs wakes from time.Sleep -> HandleIRQ's fn for v
//
// Interrupts are taken only when InitIRQs has run (STI): the IDT covers all
// 256 vectors from InitTraps on, and InitIRQs puts the local APIC in a
// known state first. Traps (vectors 0-31) still run with IF clear: their
// gates are interrupt gates, which clear IF, and IRETQ restores the
// interrupted IF; nothing on the trap path sets it.

// irqPoll bounds ServeIRQs's sleep: the time a lost wakeup can cost.
const irqPoll = 10 * time.Millisecond

// The interrupt state below is shared by every CPU (the IOAPICs deliver
// to APIC 0 alone today; the stub's LOCK-prefixed updates are safe from
// several CPUs); each CPU's IST4 stack is in its PerCPU.
var (
	// irqPending has one bit per vector. irqEntry sets bits with LOCK
	// OR; ServeIRQs takes each word with an atomic swap to zero. A bit
	// set means: the vector fired at least once since ServeIRQs last
	// took its word.
	irqPending [4]uint64

	// irqCounts counts the interrupts taken per vector (LOCK INC in
	// irqEntry; read atomically). irqWakeMisses counts interrupts whose
	// WakeG found the service goroutine not asleep.
	irqCounts     [256]uint64
	irqWakeMisses uint64

	// serviceG is the g of the goroutine running ServeIRQs, 0 before it
	// starts; written once, read by irqEntry.
	serviceG uintptr

	// irqHandlers holds the handler of each vector; set once per vector
	// by HandleIRQ, read by ServeIRQs without a lock.
	irqHandlers [256]atomic.Pointer[irqHandler]

	irqsOn bool // InitIRQs has run
)

type irqHandler struct {
	name string
	fn   func()
}

func sti()
func cli()
func rflags() uint64

// InterruptsEnabled reports whether the CPU takes external interrupts
// (RFLAGS.IF) at the point of the call.
func InterruptsEnabled() bool { return rflags()&rflagsIF != 0 }

// InitIRQs puts the local APIC in a known state and enables interrupts:
// software-enabled with VectorSpurious as its spurious vector, task
// priority 0 (accept every vector), and every local interrupt source masked
// except LINT1 (NMI): the timer, LINT0 (ExtINT from a PIC microvm does not
// have), thermal, performance counters and errors. The IOAPICs' entries
// are masked until RouteIRQ unmasks one.
//
// Preconditions: InitTraps has run (the IDT covers all 256 vectors).
func InitIRQs(ioapics []IOAPIC) {
	if BootCPU().self == nil {
		panic("amd64.InitIRQs: InitTraps has not run")
	}
	for _, r := range []uintptr{lapicLVTTimer, lapicLVTLINT0, lapicLVTThermal, lapicLVTPerf, lapicLVTError} {
		lapicWrite(r, lapicLVTMasked)
	}
	lapicWrite(lapicInitialCount, 0)
	lapicWrite(lapicTPR, 0)
	lapicWrite(lapicSVR, lapicSVREnable|VectorSpurious)
	for _, a := range ioapics {
		for pin := range a.Pins {
			ioapicWriteEntry(a, pin, MaskedEntry)
		}
	}
	irqsOn = true
	sti()
}

// HandleIRQ makes fn the handler of vector, under name (which the
// interrupts command shows). fn runs in ServeIRQs's goroutine after the
// vector fired at least once; several interrupts may make one call.
func HandleIRQ(vector int, name string, fn func()) error {
	if err := checkIRQVector(vector); err != nil {
		return err
	}
	if !irqHandlers[vector].CompareAndSwap(nil, &irqHandler{name: name, fn: fn}) {
		return ErrBusy
	}
	return nil
}

// IRQName is the name vector's handler was registered under; "" if none.
func IRQName(vector int) string {
	if h := irqHandlers[vector&0xff].Load(); h != nil {
		return h.name
	}
	return ""
}

// IRQCount is the number of interrupts taken on vector.
func IRQCount(vector int) uint64 { return atomic.LoadUint64(&irqCounts[vector&0xff]) }

// IRQWakeMisses is the number of interrupts that found the service
// goroutine awake (busy with handlers, or about to sleep).
func IRQWakeMisses() uint64 { return atomic.LoadUint64(&irqWakeMisses) }

// ServeIRQs is the service goroutine: go ServeIRQs() once, after InitIRQs.
// It never returns. It records its g for irqEntry's WakeG, then loops:
// take the pending bitmap (an atomic swap to zero per word), call the
// handler of every pending vector, and sleep when nothing was pending.
//
// The lost-wakeup race, and why it is bounded: an interrupt that arrives
// after the swap found nothing and before time.Sleep has armed the
// goroutine's timer finds no timer to expire (WakeG fails, irqWakeMisses
// counts it). Its bit stays set, and the sleep ends by itself after
// irqPoll, at most: a handler is late by up to irqPoll, never lost. The
// same holds for an interrupt taken while handlers run: the next loop
// finds its bit without sleeping.
// WakeService wakes the service goroutine when an interrupt is pending.
// The scheduler's idle hook calls it (boot.OnIdle), where no timer is
// being changed; the interrupt stub itself only records the vector.
func WakeService() {
	g := atomic.LoadUintptr(&serviceG)
	if g == 0 {
		return
	}
	for w := range irqPending {
		if atomic.LoadUint64(&irqPending[w]) != 0 {
			if !runtime.Wake(uint(g)) {
				atomic.AddUint64(&irqWakeMisses, 1)
			}
			return
		}
	}
}

func ServeIRQs() {
	g, _ := runtime.GetG()
	atomic.StoreUintptr(&serviceG, uintptr(g))
	for {
		found := false
		for w := range irqPending {
			pending := atomic.SwapUint64(&irqPending[w], 0)
			for pending != 0 {
				v := w*64 + bits.TrailingZeros64(pending)
				pending &= pending - 1
				found = true
				if h := irqHandlers[v].Load(); h != nil {
					h.fn()
				}
			}
		}
		if !found {
			time.Sleep(irqPoll)
		}
	}
}
