// Addresses used by entry_tamago.s before Go runs: physical, but for
// KWINDOW (a virtual address) and DIRECT_MAP_PML4 (a PML4 index).
// Keep in step with the constants in memlayout.go (TestBootHeader checks).

#define RUNTIME_START		0x01000000
#define BOOT_PML4		(RUNTIME_START+0x0000)
#define BOOT_PDPT		(RUNTIME_START+0x1000)
#define BOOT_PT			(RUNTIME_START+0x2000)
#define BOOT_PD			(RUNTIME_START+0x3000)
#define BOOT_TABLES_SIZE	0x7000
#define BOOT_SCRATCH		(RUNTIME_START+0x7000)
#define BOOT_STACK_TOP		(RUNTIME_START+0xf000)
#define BOOT_MMIO_START		0xfe000000
#define KWINDOW			0xf0000000
#define KWINDOW_SIZE		0x08000000
#define DIRECT_MAP_PML4		0x111
