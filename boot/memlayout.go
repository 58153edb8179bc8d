package boot

// The physical memory map of Pagoda on QEMU microvm.
//
//	0x0000_0000 +-------------------------------+
//	            | page 0 (never mapped)         |
//	0x0000_1000 +-------------------------------+
//	            | low memory: firmware data,    |  reserved: the PVH start_info,
//	            | start_info, command line,     |  memory map and command line
//	            | BIOS areas (E820 holes)       |  live here; copied at boot
//	0x0010_0000 +-------------------------------+
//	            | managed (mm/frame)            |
//	0x0100_0000 +-------------------------------+ RuntimeStart (goos.RamStart)
//	            |  +0x0000 boot PML4            |
//	            |  +0x1000 boot PDPT            |  built by entry_tamago.s:
//	            |  +0x2000 boot PT (0-2 MiB)    |  identity map of [0, 4 GiB),
//	            |  +0x3000 boot PD x4           |  the kernel window and the
//	            |  +0x7000 entry scratch        |  direct map; the kernel's own
//	            |                               |  tables (kernel/kmap.go)
//	            |                               |  replace them
//	            |  ...     entry stack (top     |
//	            |          +0xf000)             |
//	            |  +0x1_0000 kernel text, data, |  the ELF, linked at KWindow +
//	            |  bss, then the Go heap        |  physical, -T 0xf101_0000
//	            |  ... Go stack at the top      |  (RamStackOffset below end)
//	0x0700_0000 +-------------------------------+ DMAStart
//	            | DMA region (tamago/dma)       |  virtio rings and buffers
//	0x0800_0000 +-------------------------------+ DMAStart + DMASize
//	            | managed (mm/frame)            |
//	            | ... up to the end of low RAM  |  (at most 3 GiB on microvm)
//	            +-------------------------------+
//	            | 32-bit hole: virtio-mmio at   |
//	            | 0xfeb0_0000, IOAPIC, LAPIC    |
//	            +-------------------------------+ 0x1_0000_0000 (4 GiB)
//	            | managed: RAM above 4 GiB      |  when -m exceeds low RAM
//	            +-------------------------------+
//
// Only the E820 ranges of type RAM from the PVH memory map are ever used;
// everything above is clipped against them.
//
// Virtually (README, "Memory layout"), nothing of this is identity-mapped
// once the kernel's own table is loaded (kernel/kmap.go). The runtime
// region, kernel image included, runs in the kernel window at KWindow +
// physical: TamaGo keeps the Go heap and the TLS below 4 GiB, so the window
// sits at the top of the low 4 GiB, the one hole in a user's lower half.
// Every other physical address is reached through the direct map at
// mm.DirectMapBase + physical. The boot map (entry_tamago.s) has both, and
// the identity map of [4 KiB, 4 GiB) that cpuinit runs on before it jumps
// into the window.
const (
	// RuntimeStart is goos.RamStart: where TamaGo's runtime region begins.
	RuntimeStart PhysAddr = 0x0100_0000
	// RuntimeSize is goos.RamSize: text, data, Go heap and stacks.
	RuntimeSize = 0x0600_0000
	// KernelText is the physical load address of the kernel's text; it
	// is linked at KWindow + KernelText (the Makefile's -T).
	KernelText PhysAddr = RuntimeStart + 0x1_0000

	// KWindow is the virtual address of physical 0 in the kernel window,
	// [KWindow, KWindow+KWindowSize), where the runtime region runs. Only
	// the runtime region is mapped there; the rest of the window is
	// reserved, so that the region can grow without a change to the
	// user's layout. The boot map covers all of it (PD3 entries 384-447).
	KWindow     = 0xf000_0000
	KWindowSize = 0x0800_0000

	// Boot page tables and entry scratch, at the bottom of the runtime
	// region, below the kernel text (see memlayout.h).
	BootPML4       = RuntimeStart + 0x0000
	BootPDPT       = RuntimeStart + 0x1000
	BootPT         = RuntimeStart + 0x2000
	BootPD         = RuntimeStart + 0x3000
	BootTablesSize = 0x7000
	BootScratch    = RuntimeStart + 0x7000
	BootStackTop   = RuntimeStart + 0xf000
	// BootMMIOStart is where the boot map switches to uncached pages.
	BootMMIOStart PhysAddr = 0xfe00_0000

	// DMAStart and DMASize bound the region handed to tamago/dma.
	DMAStart PhysAddr = RuntimeStart + RuntimeSize
	DMASize           = 0x0100_0000

	// LowReserved is the end of the first MiB, kept for firmware data.
	LowReserved PhysAddr = 0x10_0000
)

// Layout is the physical memory plan computed from the firmware map.
type Layout struct {
	// RAM is every usable (E820 type 1) range of the firmware map, sorted
	// and merged.
	RAM []AddrRange
	// Managed is RAM less low memory, the runtime region and the DMA
	// region: what mm/frame will own.
	Managed []AddrRange
}

// Total is the sum of RAM: Linux's MemTotal before kernel reservations.
func (l Layout) Total() uint64 { return sumRanges(l.RAM) }

// ManagedBytes is the sum of Managed.
func (l Layout) ManagedBytes() uint64 { return sumRanges(l.Managed) }

// Plan builds the Layout from the firmware memory map. It fails with
// ErrNoRoom when the runtime and DMA regions are not wholly inside RAM, for
// QEMU's -m too small to run the kernel.
func Plan(entries []MemmapEntry) (Layout, error) {
	var ram []AddrRange
	for _, e := range entries {
		if e.Type != E820RAM || e.Size == 0 {
			continue
		}
		end := e.Addr + e.Size
		if end < e.Addr { // wraps: clip at the top of the address space
			end = ^uint64(0) &^ (PageSize - 1)
		}
		r := AddrRange{Start: PhysAddr(alignUp(e.Addr, PageSize)), End: PhysAddr(end &^ (PageSize - 1))}
		if r.Start < r.End {
			ram = append(ram, r)
		}
	}
	ram = normalize(ram)
	l := Layout{RAM: ram}
	reserved := []AddrRange{
		{Start: 0, End: LowReserved},
		{Start: RuntimeStart, End: RuntimeStart + RuntimeSize},
		{Start: DMAStart, End: DMAStart + DMASize},
	}
	for _, r := range reserved[1:] {
		if !covered(ram, r) {
			return l, ErrNoRoom
		}
	}
	l.Managed = subtract(ram, reserved)
	return l, nil
}

// PageSize is the x86-64 base page size.
const PageSize = 4096

func alignUp(v, a uint64) uint64 {
	if v+a-1 < v {
		return v &^ (a - 1)
	}
	return (v + a - 1) &^ (a - 1)
}

func sumRanges(rs []AddrRange) uint64 {
	var n uint64
	for _, r := range rs {
		n += r.Size()
	}
	return n
}
