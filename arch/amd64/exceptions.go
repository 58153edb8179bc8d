package amd64

// Exception vectors (SDM 3A 6.15).
const (
	VectorDivideError       = 0
	VectorDebug             = 1
	VectorBreakpoint        = 3
	VectorInvalidOpcode     = 6
	VectorDoubleFault       = 8
	VectorGeneralProtection = 13
	VectorPageFault         = 14
	VectorX87Exception      = 16
	VectorAlignmentCheck    = 17
	VectorSIMDException     = 19
)

// VectorNames names the exception vectors 0-31.
var VectorNames = [32]string{
	"divide error", "debug", "NMI", "breakpoint", "overflow", "BOUND range exceeded",
	"invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack-segment fault", "general protection",
	"page fault", "reserved", "x87 FPU error", "alignment check", "machine check",
	"SIMD floating-point", "virtualization", "control protection", "reserved", "reserved",
	"reserved", "reserved", "reserved", "reserved", "hypervisor injection",
	"VMM communication", "security", "reserved",
}
