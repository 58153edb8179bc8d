package amd64

import (
	"errors"
	"testing"
)

func TestDecodeInstruction(t *testing.T) {
	for _, tc := range []struct {
		code []byte
		len  int
		text string
	}{
		{[]byte{0x48, 0x8b, 0x03}, 3, "mov rax, qword ptr [rbx]"},
		{[]byte{0xc6, 0x00, 0x2a, 0x90}, 3, "mov byte ptr [rax], 0x2a"},
		{[]byte{0x0f, 0x01, 0x38}, 3, "invlpg byte ptr [rax]"},
		{[]byte{0xf3, 0x48, 0xab}, 3, "rep stosq qword ptr [rdi]"},
	} {
		got, err := DecodeInstruction(tc.code)
		if err != nil || got.Len != tc.len || got.Text != tc.text {
			t.Errorf("% x: %+v, %v; want len %d %q", tc.code, got, err, tc.len, tc.text)
		}
	}
	for _, bad := range [][]byte{nil, {0x48}, {0x0f, 0xfb}, {0x8b}, {0x06}, {0xd6}} {
		if _, err := DecodeInstruction(bad); !errors.Is(err, ErrDecode) {
			t.Errorf("% x: err %v, want ErrDecode", bad, err)
		}
	}
}

func FuzzDecodeInstruction(f *testing.F) {
	f.Add([]byte{0x48, 0x8b, 0x03})
	f.Fuzz(func(t *testing.T, code []byte) {
		inst, err := DecodeInstruction(code)
		if err == nil && (inst.Len < 1 || inst.Len > 15 || inst.Len > len(code) || inst.Text == "") {
			t.Fatalf("% x: %+v", code, inst)
		}
	})
}
