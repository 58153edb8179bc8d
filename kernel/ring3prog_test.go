package kernel

import (
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestRing3Program decodes the self-test's hand-assembled ring-3 code
// and checks every instruction against its listing, so that a wrong byte
// fails here rather than as a puzzling exit in QEMU.
func TestRing3Program(t *testing.T) {
	want := map[int][]string{
		ring3Syscall: {"mov eax, 0x27", "syscall", "mov qword ptr [rsp-0x8], rax", "mov rbx, rax", "mov eax, 0x3c", "syscall", "mov rax, qword ptr [rdi]"},
		ring3Write:   {"mov byte ptr [rdi], 0x0"},
		ring3UD:      {"ud2"},
		ring3Hlt:     {"hlt"},
		ring3FPU:     {"mov rax, 0x1122334455667788", "movq xmm0, rax", "mov eax, 0x3e8", "syscall", "movq rbx, xmm0", "mov eax, 0x3e9", "syscall"},
		ring3FS:      {"mov rax, qword ptr fs:[]", "syscall"}, // x86asm prints disp32 0 as []
		ring3Spin:    {"jmp .-0x2"},
		ring3Loop:    {"syscall", "jmp .-0x4"},
	}
	// Where the self-test expects RIP: after an instruction, or at one.
	marks := map[int]bool{ring3AfterSyscall: true, ring3KernelLoad: true}
	page := ring3Image()
	seen := map[int]bool{}
	for off, insts := range want {
		pc := off
		for i, w := range insts {
			inst, err := x86asm.Decode(page[pc:], 64)
			if err != nil {
				t.Fatalf("%#x (+%d): %v", off, i, err)
			}
			if got := x86asm.IntelSyntax(inst, 0, nil); got != w {
				t.Errorf("%#x: instruction %d at %#x is %q, want %q", off, i, pc, got, w)
			}
			pc += inst.Len
			if marks[pc] {
				seen[pc] = true
			}
		}
		if len(ring3Program[off]) != pc-off {
			t.Errorf("%#x: program is %d bytes, its instructions %d", off, len(ring3Program[off]), pc-off)
		}
		if page[pc] != 0xcc {
			t.Errorf("%#x: not followed by INT3", off)
		}
	}
	for m := range marks {
		if !seen[m] {
			t.Errorf("offset %#x is no instruction boundary", m)
		}
	}
	if len(want) != len(ring3Program) {
		t.Errorf("%d programs checked, %d exist", len(want), len(ring3Program))
	}
}
