// Package kernel is Pagoda's composition root: it takes the machine that
// boot/ found and wires the subsystems together; the bare-metal main
// (pagoda/) then hands them to the shell (kernel/shell). It holds wiring
// only:
//
//	kmap.go, mmu_tamago.go   the kernel's page table, built and loaded
//	elfimage.go              the kernel image's segments, for kmap
//	spaces_tamago.go         the address spaces (proc) over the MM
//	window_unsafe_tamago.go  the window's real loads and stores
//	trap_tamago.go           the trap policy installed (InitTraps)
//	probe_unsafe_tamago.go   peek/poke/crash accessors (MachineProber)
//	files_tamago.go          virtio-blk disks, the page cache, the VFS,
//	                         /tmp and the flusher
//	reclaim.go               reclaim, swap areas and kswapd
//	irq_tamago.go            interrupt routing (IOAPIC, LAPIC timer)
//	overcommit.go, oom.go    mm.overcommit=, mm.oom= from the command line
//	zero_tamago.go           the page-zeroing strategy, measured at boot
//	selftest_*_tamago.go     the machine's self-tests (paging, TLB, IRQ,
//	                         ring 3), which the shell's selftest runs
//	ring3prog.go             the ring-3 self-test's machine code
//
// The subsystems it wires live below it: mm/ (memory), fs/ (ext2, the
// VFS), proc/ (address spaces, later processes), drivers/, arch/ and
// boot/. Nothing below kernel/ imports it, and kernel/ does not import
// the shell.
//
// Locking: the big kernel lock (lock.Kernel) is made at boot by
// kernel/pagoda, and
// given to the shell, the flusher and kswapd; the lock order of the
// layers below is drawn in mm/doc.go.
//
// Everything here except the bare-metal files (*_tamago.go, pagoda/)
// builds and is tested on the host.
package kernel
