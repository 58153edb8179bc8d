//go:build tamago

package amd64

// Port is an x86 I/O port number (SDM 1, 18.2 "I/O Port Addressing").
type Port uint16

// Inb reads a byte from an I/O port (IN AL, DX).
func Inb(p Port) uint8

// Outb writes a byte to an I/O port (OUT DX, AL).
func Outb(p Port, v uint8)

// Inl reads a doubleword from an I/O port (IN EAX, DX).
func Inl(p Port) uint32

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
