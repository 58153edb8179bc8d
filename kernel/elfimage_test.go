//go:build !tamago

package kernel

import (
	"debug/elf"
	"errors"
	"os"
	"testing"
)

// The test binary itself is an ELF64 image: ParseSegments must agree with
// debug/elf on its PT_LOAD segments.
func TestParseSegmentsOfTestBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Skipf("host binary is not ELF: %v", err)
	}
	defer f.Close()
	segs, err := ParseSegments(data[:4096])
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		s := segs[i]
		if uint64(s.Start) != p.Vaddr&^0xfff || uint64(s.End) < p.Vaddr+p.Memsz ||
			s.Write != (p.Flags&elf.PF_W != 0) || s.Exec != (p.Flags&elf.PF_X != 0) {
			t.Errorf("segment %d: %+v, debug/elf says %+v", i, s, p.ProgHeader)
		}
		i++
	}
	if i != len(segs) {
		t.Errorf("%d segments, debug/elf has %d", len(segs), i)
	}
}

func TestParseSegmentsErrors(t *testing.T) {
	exe, _ := os.Executable()
	good, _ := os.ReadFile(exe)
	good = good[:4096]
	for _, tc := range []struct {
		name string
		mod  func(b []byte) []byte
	}{
		{"short", func(b []byte) []byte { return b[:10] }},
		{"magic", func(b []byte) []byte { b[0] = 0; return b }},
		{"32-bit", func(b []byte) []byte { b[4] = 1; return b }},
		{"phentsize", func(b []byte) []byte { b[ePhentsize] = 32; return b }},
		{"phoff past end", func(b []byte) []byte { b[ePhoff+3] = 0xff; return b }},
		{"no phdrs", func(b []byte) []byte { b[ePhnum], b[ePhnum+1] = 0, 0; return b }},
	} {
		b := append([]byte(nil), good...)
		if _, err := ParseSegments(tc.mod(b)); !errors.Is(err, ErrELF) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func FuzzParseSegments(f *testing.F) {
	exe, _ := os.Executable()
	if b, err := os.ReadFile(exe); err == nil {
		f.Add(b[:1024])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		segs, err := ParseSegments(b)
		if err != nil {
			return
		}
		for _, s := range segs {
			if s.Start >= s.End || s.Start&0xfff != 0 || s.End&0xfff != 0 || (s.Write && s.Exec) {
				t.Fatalf("bad segment %+v", s)
			}
		}
	})
}
