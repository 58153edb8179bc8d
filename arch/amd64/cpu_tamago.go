//go:build tamago

package amd64

// Port is an x86 I/O port number (SDM 1, 18.2 "I/O Port Addressing").
type Port uint16

// Inb reads a byte from an I/O port (IN AL, DX).
func Inb(p Port) uint8

// Outb writes a byte to an I/O port (OUT DX, AL).
func Outb(p Port, v uint8)

// Outl writes a doubleword to an I/O port (OUT DX, EAX).
func Outl(p Port, v uint32)

// RDTSC returns the time stamp counter (SDM 2B, RDTSC).
func RDTSC() uint64

// CPUID executes CPUID with EAX=leaf, ECX=subleaf (SDM 2A, CPUID).
func CPUID(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// Halt stops the CPU with interrupts disabled (CLI; HLT), for ever.
func Halt()

// TripleFault resets the CPU: it loads an empty IDT and raises an
// exception, which can then be delivered neither as itself nor as #DF
// (SDM 3A 6.15, "Interrupt 8—Double Fault Exception").
func TripleFault()

// Invlpg invalidates the TLB entries and paging-structure caches for the
// page holding va (SDM 2A, INVLPG).
func Invlpg(va uint64)

// FlushTLB invalidates every TLB entry, global ones included, by toggling
// CR4.PGE (SDM 3A 4.10.4.1).
func FlushTLB()

// LoadCR3 switches to the page tables rooted at pml4 (SDM 3A 4.5): the
// TLB keeps only global entries.
func LoadCR3(pml4 uint64) {
	loadCR3(pml4)
	loadedRoot = pml4 &^ 0xfff
}

func loadCR3(pml4 uint64)

// loadedRoot is the PML4 LoadCR3 loaded last (0 before the first): what
// CR3 holds from then on, since every load after boot's goes through
// LoadCR3. A Go variable, not a read of CR3, for the paths that ask on
// every system call and user copy (an assembly call costs its caller the
// spill of every live register). One CPU runs Go code today; with
// several it becomes per-CPU.
var loadedRoot uint64

// LoadedRoot is the physical address of the PML4 in CR3, as loaded by
// LoadCR3 (0 if nothing was yet).
func LoadedRoot() uint64 { return loadedRoot }

// CR3 returns the physical address of the current PML4 and its flags.
func CR3() uint64

// EnableWriteProtect sets CR0.WP: supervisor writes to read-only pages
// fault (SDM 3A 4.6.1).
func EnableWriteProtect()

// CR2 returns the linear address of the last page fault.
func CR2() uint64

// CrashStack points the stack pointer into page 0 and pushes: the fault a
// kernel stack overflow makes. Taken on its own IST stack, it gets a
// report instead of a triple fault. It does not return.
func CrashStack()
