// Physical addresses used by entry_tamago.s before Go runs.
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
