//go:build tamago

package amd64

import (
	"encoding/binary"
)

// MaxCPUs is the number of CPUs Pagoda has per-CPU state for. Only the
// boot CPU runs today; SMP raises it, and sets up each further CPU with
// initCPU, run on that CPU.
const MaxCPUs = 1

// PerCPU is the state of one CPU's trap entry: what must not be shared
// when two CPUs take traps at once. Each CPU reaches its own through the
// GS segment base (MSR IA32_GS_BASE, SDM 3A 3.4.4.1 and SDM 4 Table 2-2),
// which initCPU points at it: the trap stubs read their fields as
// PerCPU_field(GS), with no global variable, and Go code calls ThisCPU.
//
// Why GS: TamaGo's runtime keeps g in thread-local storage at -8(FS),
// setting IA32_FS_BASE in runtime·settls (sys_tamago_amd64.s), and Go code
// on tamago/amd64 never uses GS. GS's base is read by the segment
// override of one instruction, where the alternative, the local APIC ID
// indexing an array, would take an MMIO read (or CPUID) and a global
// table. Nothing writes GS's base after initCPU: the only loads of the GS
// selector (which set the base), in the boot entry (boot/entry_tamago.s)
// and in TamaGo's AP start-up (amd64/smp.s), come before it.
//
// Other layers keep their per-CPU variables in arrays of MaxCPUs entries
// indexed by Index, as Linux's DEFINE_PER_CPU variables are found from
// the CPU's per-CPU base: package trap's window resolver is one.
//
// Where ring 3 and SMP plug in:
//   - SMP: each application processor runs initCPU(i) on itself, which
//     loads its own GDT and TSS (a TSS descriptor is marked busy by LTR,
//     so no two CPUs can share one) and points its GS at cpus[i]. The IDT
//     and the handler are shared (vectors_tamago.go).
//   - Ring 3: tss.RSP0 will hold the kernel stack a trap from user mode
//     lands on (gates without IST), and gdt gains the user code and data
//     segments (DPL 3) that SYSRET and IRETQ load. A trap or SYSCALL from
//     ring 3 will find GS pointing at user state: the entry must SWAPGS
//     first, with this structure kept in IA32_KERNEL_GS_BASE while user
//     code runs (SDM 2B, SWAPGS).
//
// The fields read by assembly come first; their offsets reach it through
// go_asm.h.
type PerCPU struct {
	// self is this structure: GS:0, read by ThisCPU.
	self *PerCPU
	// trapFrame is the frame of the trap being dispatched, and onG0
	// whether it interrupted g0; written by trapCommon, read by dispatch,
	// on this CPU only, with interrupts off.
	trapFrame uintptr
	onG0      bool
	// systemG is this CPU's g0, the g of its M's system stack: a trap
	// that interrupted g0 cannot go through runtime.systemstack. Written
	// once (SetSystemG) before traps are taken.
	systemG uintptr

	index int // this CPU's number: cpus[index] is this structure

	gdt       [gdtEntries]uint64
	tss       [tssSize]byte
	gdtr      [10]byte
	istStacks [3][istSize]byte  // IST1-IST3: page faults, double faults, other exceptions
	irqStack  [irqStackLen]byte // IST4: external interrupts
}

// cpus holds every CPU's PerCPU; only initCPU and BootCPU index it, every
// other access goes through GS.
var cpus [MaxCPUs]PerCPU

// The 64-bit TSS (SDM 3A 8.7, Figure 8-11) is packed: RSP0 sits at offset
// 4, so it is laid out by hand rather than as a Go struct.
const (
	tssSize      = 104
	tssIST1      = 0x24 // IST1..IST7, 8 bytes each
	tssIOMapBase = 0x66
)

// GDT: null, kernel code, kernel data, and the TSS descriptor, which
// takes two entries in long mode (SDM 3A 8.2.3).
const (
	gdtEntries  = 5
	tssSelector = 0x18
)

// IST slots (1-based, as a gate names them) and their sizes.
const (
	istPageFault   = 1
	istDoubleFault = 2
	istOther       = 3
	istIRQ         = 4
	istSize        = 64 << 10
	irqStackLen    = 4 << 10 // irqEntry uses under 64 bytes
)

func setGSBase(p *PerCPU)
func loadTables(gdtr, idtr uintptr, tss uint16)

// ThisCPU is the PerCPU of the CPU the caller runs on. A goroutine that
// may move to another CPU must not keep the result; on one CPU it cannot
// move.
//
// Preconditions: initCPU has run on this CPU (InitTraps on the boot CPU);
// before, GS's base is 0 and this reads page 0.
func ThisCPU() *PerCPU

// BootCPU is CPU 0's PerCPU, which exists before initCPU (hwinit1 records
// its g0 there).
func BootCPU() *PerCPU { return &cpus[0] }

// Index is the CPU's number, 0 for the boot CPU: the index into other
// layers' per-CPU arrays of MaxCPUs entries.
func (c *PerCPU) Index() int { return c.index }

// SetSystemG records g0's address, the g of this CPU's system stack; the
// board calls it on the boot CPU from code that runs on g0 (runtime.GetG
// there).
func (c *PerCPU) SetSystemG(g uintptr) { c.systemG = g }

// initCPU fills CPU i's GDT and TSS, points its GS at it and loads its
// GDT, TR and the shared IDT.
//
// Preconditions: it runs on CPU i, with interrupts off; installGates has
// filled the IDT.
func initCPU(i int) {
	c := &cpus[i]
	c.self, c.index = c, i
	for s := range c.istStacks {
		top := addrOf(&c.istStacks[s][istSize-64])
		binary.LittleEndian.PutUint64(c.tss[tssIST1+8*s:], top)
	}
	irqTop := addrOf(&c.irqStack[irqStackLen-64])
	binary.LittleEndian.PutUint64(c.tss[tssIST1+8*(istIRQ-1):], irqTop)
	binary.LittleEndian.PutUint16(c.tss[tssIOMapBase:], tssSize) // no I/O bitmap

	c.gdt[1] = 0x00209a0000000000 // kernel code, L=1
	c.gdt[2] = 0x0000920000000000 // kernel data
	base, limit := addrOf(&c.tss), uint64(tssSize-1)
	c.gdt[3] = limit&0xffff | (base&0xffffff)<<16 | 0x89<<40 | (limit>>16&0xf)<<48 | (base>>24&0xff)<<56
	c.gdt[4] = base >> 32
	putPointer(&c.gdtr, uint16(sizeOf(&c.gdt)-1), addrOf(&c.gdt))

	setGSBase(c)
	loadTables(uintptr(addrOf(&c.gdtr)), uintptr(addrOf(&idtr)), tssSelector)
}

func putPointer(b *[10]byte, limit uint16, base uint64) {
	b[0], b[1] = byte(limit), byte(limit>>8)
	for i := range 8 {
		b[2+i] = byte(base >> (8 * i))
	}
}
