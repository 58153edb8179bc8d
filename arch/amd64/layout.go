package amd64

// The kernel's virtual layout, as far as arch code needs it (README,
// "Memory layout"; mm and boot take these constants from here, the bottom
// of the import graph).
const (
	// DirectMapBase is where every kernel page table maps physical
	// address 0: RAM read/write and no-execute, MMIO uncached, at
	// DirectMapBase + physical. It is Linux's PAGE_OFFSET without KASLR,
	// PML4 entry 273. The boot page tables map it too (physical [0, 4 GiB)),
	// so it works from the first Go instruction on.
	DirectMapBase = 0xffff_8880_0000_0000
)
