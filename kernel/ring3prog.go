package kernel

// ring3Program is the machine code selftest ring3 runs in ring 3: small
// programs at fixed offsets of one code page, each entered by setting RIP
// (ring3Entry). The bytes are hand-assembled; ring3prog_test.go decodes
// them and checks them against the listing below.
//
//	0x00  mov eax, 39            syscall 1: getpid's number
//	0x05  syscall                -> RAX 39, RCX 0x07, R11 RFLAGS
//	0x07  mov [rsp-8], rax       the result the kernel put in RAX
//	0x0c  mov rbx, rax
//	0x0f  mov eax, 60
//	0x14  syscall                -> RBX and [RSP-8] hold the result
//	0x16  mov rax, [rdi]         RDI: a kernel address -> #PF, P|U
//
//	0x40  mov byte [rdi], 0      RDI: the code page -> #PF, P|W|U
//	0x50  ud2                    -> #UD
//	0x58  hlt                    privileged -> #GP(0)
//
//	0x60  mov rax, imm64         XMM0 = ring3XMM
//	0x6a  movq xmm0, rax
//	0x6f  mov eax, 1000
//	0x74  syscall                -> the kernel runs Go code (SSE) meanwhile
//	0x76  movq rbx, xmm0
//	0x7b  mov eax, 1001
//	0x80  syscall                -> RBX = ring3XMM if XMM0 survived
//
//	0x90  mov rax, fs:[0]        the word at the FS base
//	0x99  syscall
//
//	0xa0  jmp $                  spin until an interrupt
//
//	0xb0  syscall                the round trip: SYSCALL out, SYSRETQ in,
//	0xb2  jmp 0xb0               one JMP, SYSCALL out again
var ring3Program = map[int][]byte{
	ring3Syscall: {
		0xb8, 0x27, 0x00, 0x00, 0x00, // mov eax, 39
		0x0f, 0x05, // syscall
		0x48, 0x89, 0x44, 0x24, 0xf8, // mov [rsp-8], rax
		0x48, 0x89, 0xc3, // mov rbx, rax
		0xb8, 0x3c, 0x00, 0x00, 0x00, // mov eax, 60
		0x0f, 0x05, // syscall
		0x48, 0x8b, 0x07, // mov rax, [rdi]
	},
	ring3Write: {0xc6, 0x07, 0x00}, // mov byte [rdi], 0
	ring3UD:    {0x0f, 0x0b},       // ud2
	ring3Hlt:   {0xf4},             // hlt
	ring3FPU: {
		0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // mov rax, 0x1122334455667788
		0x66, 0x48, 0x0f, 0x6e, 0xc0, // movq xmm0, rax
		0xb8, 0xe8, 0x03, 0x00, 0x00, // mov eax, 1000
		0x0f, 0x05, // syscall
		0x66, 0x48, 0x0f, 0x7e, 0xc3, // movq rbx, xmm0
		0xb8, 0xe9, 0x03, 0x00, 0x00, // mov eax, 1001
		0x0f, 0x05, // syscall
	},
	ring3FS: {
		0x64, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00, // mov rax, fs:[0]
		0x0f, 0x05, // syscall
	},
	ring3Spin: {0xeb, 0xfe},             // jmp $
	ring3Loop: {0x0f, 0x05, 0xeb, 0xfc}, // syscall; jmp back to it
}

// Offsets of ring3Program's entries in the code page, and the places the
// self-test checks RIP against.
const (
	ring3Syscall      = 0x00
	ring3AfterSyscall = 0x07 // RCX after the first syscall
	ring3KernelLoad   = 0x16 // after the second syscall: the #PF on a kernel address
	ring3Write        = 0x40
	ring3UD           = 0x50
	ring3Hlt          = 0x58
	ring3FPU          = 0x60
	ring3FS           = 0x90
	ring3Spin         = 0xa0
	ring3Loop         = 0xb0

	ring3XMM = 0x1122334455667788
)

// ring3Image is the code page's contents: ring3Program at its offsets,
// the rest INT3 (0xcc), so that a stray jump traps.
func ring3Image() []byte {
	page := make([]byte, 4096)
	for i := range page {
		page[i] = 0xcc
	}
	for off, code := range ring3Program {
		copy(page[off:], code)
	}
	return page
}
