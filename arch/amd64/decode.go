package amd64

import (
	"errors"

	"golang.org/x/arch/x86/x86asm"
)

// ErrDecode is returned for bytes that are not one whole 64-bit
// instruction.
var ErrDecode = errors.New("amd64: cannot decode instruction")

// Instruction is one decoded 64-bit mode instruction.
type Instruction struct {
	Len  int    // length in bytes
	Text string // Intel syntax, as the SDM writes it
}

// DecodeInstruction decodes the instruction at the start of code; fault
// reports use it to show what the faulting RIP was executing.
func DecodeInstruction(code []byte) (Instruction, error) {
	inst, err := x86asm.Decode(code, 64)
	if err != nil {
		return Instruction{}, errors.Join(ErrDecode, err)
	}
	if inst.Op == 0 {
		// x86asm reports a truncated instruction as a lone prefix.
		return Instruction{}, ErrDecode
	}
	return Instruction{Len: inst.Len, Text: x86asm.IntelSyntax(inst, 0, nil)}, nil
}
