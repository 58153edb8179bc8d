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
//   - Ring 3 (user_tamago.go) is in place: the GDT holds user code and
//     data segments laid out for SYSRET, the SYSCALL MSRs point at
//     syscallEntry, and while ring 3 runs this structure's address sits
//     in IA32_KERNEL_GS_BASE: every entry from ring 3 (SYSCALL, or a gate
//     whose frame has CS.RPL = 3) executes SWAPGS first, and the way back
//     executes it last (SDM 2B, SWAPGS). Kernel code never runs with the
//     user's GS, except the few instructions of the entry stubs around
//     SWAPGS; an NMI or machine check landing there would find the
//     user's GS (Linux's paranoid entry reads IA32_GS_BASE to tell;
//     Pagoda has no NMI source).
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

	// Ring 3 (user_tamago.s), this CPU only, with interrupts off.
	// userRegs is the *UserRegs of the last Switch, valid while ring 3
	// runs: the exit stubs store ring 3's registers there. kernelSP is the stack
	// pointer of Switch's caller, which every exit resumes on, and
	// kernelBP its frame pointer;
	// kernelFSBase the Go runtime's FS base (g at -8(FS)), put back
	// before any Go code runs; userSP the syscall stub's scratch slot
	// for ring 3's RSP. Why ring 3 stopped goes into the UserRegs
	// (UserRegs.Exit).
	userRegs     uintptr
	kernelSP     uintptr
	kernelBP     uintptr
	kernelFSBase uint64
	userSP       uint64

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
	tssRSP0      = 0x04
	tssIST1      = 0x24 // IST1..IST7, 8 bytes each
	tssIOMapBase = 0x66
)

// The GDT (SDM 3A 3.4.5), laid out as SYSCALL and SYSRET require (SDM
// 2B, SYSCALL and SYSRET; AMD APM 2, 6.1.1): SYSCALL loads CS from
// IA32_STAR[47:32] and SS from that +8; SYSRETQ loads CS from
// IA32_STAR[63:48]+16 and SS from that +8, both with RPL 3. With the base
// 0x23, Linux's __USER32_CS, ring 3 gets Linux's selectors: __USER_DS
// 0x2b and __USER_CS 0x33.
//
//	0x00  null
//	0x08  kernel code, 64-bit           SYSCALL's CS
//	0x10  kernel data                   SYSCALL's SS
//	0x18  unused (null)
//	0x20  unused (null): __USER32_CS    SYSRET's base; no compatibility-mode
//	                                    segment, so ring 3 cannot leave 64-bit
//	                                    mode (IA32_CSTAR is never used)
//	0x28  user data, DPL 3 (0x2b)       SYSRETQ's SS
//	0x30  user code, 64-bit, DPL 3 (0x33)  SYSRETQ's CS
//	0x38  TSS, two entries (SDM 3A 8.2.3)
const (
	gdtEntries  = 9
	kernelDS    = 0x10
	user32CS    = 0x23
	userDS      = 0x2b
	userCS      = 0x33
	tssSelector = 0x38

	gdtKernelCode = 0x00209a0000000000 // P, DPL 0, code exec/read, L
	gdtKernelData = 0x0000920000000000 // P, DPL 0, data read/write
	gdtUserData   = 0x0000f20000000000 // P, DPL 3, data read/write
	gdtUserCode   = 0x0020fa0000000000 // P, DPL 3, code exec/read, L
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
	// RSP0 is the stack a trap from ring 3 lands on through a gate
	// without IST (SDM 3A 6.14.4). Every gate has one today, so the CPU
	// never reads it; it points at the other exceptions' IST stack
	// rather than at address 0, should a gate ever lose its IST.
	binary.LittleEndian.PutUint64(c.tss[tssRSP0:], addrOf(&c.istStacks[istOther-1][istSize-64]))

	c.gdt[kernelCS>>3] = gdtKernelCode
	c.gdt[kernelDS>>3] = gdtKernelData
	c.gdt[userDS>>3] = gdtUserData
	c.gdt[userCS>>3] = gdtUserCode
	base, limit := addrOf(&c.tss), uint64(tssSize-1)
	c.gdt[tssSelector>>3] = limit&0xffff | (base&0xffffff)<<16 | 0x89<<40 | (limit>>16&0xf)<<48 | (base>>24&0xff)<<56
	c.gdt[tssSelector>>3+1] = base >> 32
	putPointer(&c.gdtr, uint16(sizeOf(&c.gdt)-1), addrOf(&c.gdt))

	// loadTables also loads null selectors into DS, ES, FS and GS, which
	// resets GS's base on some CPUs: GS is pointed at c after it.
	loadTables(uintptr(addrOf(&c.gdtr)), uintptr(addrOf(&idtr)), tssSelector)
	setGSBase(c)
	initUserEntry()
}

func putPointer(b *[10]byte, limit uint16, base uint64) {
	b[0], b[1] = byte(limit), byte(limit>>8)
	for i := range 8 {
		b[2+i] = byte(base >> (8 * i))
	}
}
