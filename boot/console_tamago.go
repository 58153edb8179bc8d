//go:build tamago

package boot

import (
	"time"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// The COM1 16550 UART (PC16550D datasheet; QEMU hw/char/serial.c).
const (
	com1Base arch.Port = 0x3f8
	uartRBR            = 0      // receive buffer (read)
	uartTHR            = 0      // transmit holding (write)
	uartIER            = 1      // interrupt enable
	uartLSR            = 5      // line status
	lsrDR              = 1 << 0 // data ready
	lsrTHRE            = 1 << 5 // transmit holding register empty
)

type uart struct{ base arch.Port }

var com1 = uart{base: com1Base}

// init disables UART interrupts and leaves everything else as the
// firmware set it. In particular it does not touch the FIFO control
// register: enabling or resetting the FIFO drops any byte already
// received, and a scripted session's first byte may be waiting there.
func (u uart) init() {
	arch.Outb(u.base+uartIER, 0)
}

func (u uart) tx(c byte) {
	for arch.Inb(u.base+uartLSR)&lsrTHRE == 0 {
	}
	arch.Outb(u.base+uartTHR, c)
}

func (u uart) rx() (byte, bool) {
	if arch.Inb(u.base+uartLSR)&lsrDR == 0 {
		return 0, false
	}
	return arch.Inb(u.base + uartRBR), true
}

// consoleWriter writes to COM1, turning "\n" into "\r\n" as a terminal's
// onlcr would.
type consoleWriter struct{}

func (consoleWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		printk(c)
	}
	return len(p), nil
}

// pollInterval is how often an idle console is polled for input: short
// enough to keep up with a pasted script at 16550 speed in QEMU.
const pollInterval = 200 * time.Microsecond

// readConsole delivers every byte received on COM1 to ch, in order.
func readConsole(ch chan<- byte) {
	for {
		c, ok := com1.rx()
		if !ok {
			time.Sleep(pollInterval)
			continue
		}
		ch <- c
	}
}
