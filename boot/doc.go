// Package boot is Pagoda's board for QEMU's microvm machine: everything
// between the firmware and the kernel's main.
//
// It implements TamaGo's runtime/goos hooks (board_unsafe_tamago.go):
// CPUInit is the PVH entry (entry_tamago.s), which saves the start_info
// pointer and the TSC, builds boot page tables and enters long mode;
// RamStart and RamSize place the Go runtime (memlayout.go); Printk writes
// to COM1 (console_tamago.go); Nanotime reads the TSC through a
// fixed-point clock (clock.go); Hwinit1 starts the console and calibrates
// the clock (clock_tamago.go) against the LAPIC timer, or takes KVM's
// CPUID frequency; Exit turns a runtime exit into a reset (exit_tamago.go).
//
// Object model. Machine is what the firmware said, parsed once in the
// package's init: the PVH start_info (pvh.go), the Layout of physical
// memory planned from its E820 map (memlayout.go), and the command line
// (cmdline.go). Board is the kernel's handle on the clock and the exit.
//
// Rules. Hwinit1 runs on the system stack before any package init: it
// must not defer (fmt does), block or allocate much, so firmware parsing,
// which formats errors, waits for init. The entry code runs before Go, in
// 32-bit mode, and shares its addresses with Go through memlayout.h,
// checked against memlayout.go by TestBootHeader.
//
// Exit statuses: Halt(n) makes QEMU exit with 2n+1 (isa-debug-exit); a
// panic or a kernel bug resets the machine, which QEMU reports as 0.
//
// Interrupts are arch/amd64's and the kernel's: the board only maps the
// virtio-mmio transports to their GSIs (irqmap.go).
//
// The wall clock (rtc.go, rtc_tamago.go): the CMOS RTC is read once, in
// init, and Board.Realtime is that time plus the uptime; the decoding of
// its registers (BCD or binary, 12- or 24-hour) is host-tested.
//
// Missing: setting the RTC, ACPI, SMP.
package boot
