package elf

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

const helloC = `#include <stdio.h>
int counter = 42;           /* .data */
char buffer[100000];        /* .bss, several pages */
int main(int argc, char **argv) {
	buffer[argc] = 1;
	printf("hello %d %s\n", counter, argv[0]);
	return 0;
}
`

// compile builds src with cc and flags in dir; it skips the test when cc
// is not installed.
func compile(t *testing.T, dir, cc, src, name string, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath(cc); err != nil {
		t.Skipf("%s is not installed (apt-get install gcc musl-tools): %v", cc, err)
	}
	c := filepath.Join(dir, name+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	args := append(append([]string{}, flags...), "-o", out, c)
	if b, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", cc, args, err, b)
	}
	return out
}

// parseFile runs Parse on the file at path.
func parseFile(t *testing.T, path string) (*Image, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return Parse(f, fi.Size())
}

// compareStd checks img against what the Go standard library's
// debug/elf reads from the same file: type, entry, every PT_LOAD's
// addresses, sizes and flags, PT_GNU_STACK, the program header count,
// and AT_PHDR computed from e_phoff.
func compareStd(t *testing.T, path string, img *Image) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		t.Fatalf("debug/elf: %v %v", f.Class, f.Machine)
	}
	if uint16(f.Type) != uint16(img.Type) || f.Entry != uint64(img.Entry) {
		t.Errorf("type %v entry %#x; debug/elf %v %#x", img.Type, img.Entry, f.Type, f.Entry)
	}
	if img.PhNum != len(f.Progs) {
		t.Errorf("PhNum %d, debug/elf %d", img.PhNum, len(f.Progs))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	phoff := binary.LittleEndian.Uint64(b[32:])
	var segs []Segment
	var stackExec bool
	var phdrAddr, brk uint64
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_GNU_STACK:
			stackExec = p.Flags&elf.PF_X != 0
		case elf.PT_LOAD:
			brk = max(brk, p.Vaddr+p.Memsz)
			if p.Off <= phoff && phoff < p.Off+p.Filesz {
				phdrAddr = p.Vaddr + phoff - p.Off
			}
			if p.Memsz == 0 {
				continue
			}
			var prot vm.Prot
			if p.Flags&elf.PF_R != 0 {
				prot |= vm.ProtRead
			}
			if p.Flags&elf.PF_W != 0 {
				prot |= vm.ProtWrite
			}
			if p.Flags&elf.PF_X != 0 {
				prot |= vm.ProtExec
			}
			v := mm.VirtAddr(p.Vaddr)
			segs = append(segs, Segment{
				Vaddr: v, Start: v &^ mm.PageMask, End: (v + mm.VirtAddr(p.Memsz) + mm.PageMask) &^ mm.PageMask,
				FileOff: p.Off, FileSize: p.Filesz, MemSize: p.Memsz, Prot: prot,
			})
		}
	}
	if len(segs) != len(img.Segments) {
		t.Fatalf("%d segments, debug/elf %d", len(img.Segments), len(segs))
	}
	for i := range segs {
		if segs[i] != img.Segments[i] {
			t.Errorf("segment %d: %v, debug/elf %v", i, img.Segments[i], segs[i])
		}
	}
	if img.StackExec != stackExec || uint64(img.PhdrAddr) != phdrAddr || uint64(img.Brk) != (brk+mm.PageMask)&^mm.PageMask {
		t.Errorf("StackExec %v PhdrAddr %v Brk %v; debug/elf %v %#x %#x", img.StackExec, img.PhdrAddr, img.Brk, stackExec, phdrAddr, brk)
	}
	if err := imageInvariants(img, int64(len(b))); err != "" {
		t.Error(err)
	}
}

// TestRealBinaries parses programs the host's compilers make and checks
// Parse against debug/elf: glibc and musl static executables, a glibc
// static PIE, and a dynamic program, which must be ErrDynamic.
func TestRealBinaries(t *testing.T) {
	for _, c := range []struct {
		name, cc string
		flags    []string
		typ      Type
	}{
		{"gcc -static", "gcc", []string{"-static", "-O2"}, TypeExec},
		{"musl-gcc -static", "musl-gcc", []string{"-static", "-O2"}, TypeExec},
		{"gcc -static-pie", "gcc", []string{"-static-pie", "-O2"}, TypeDyn},
		{"gcc -static -no-pie -z noseparate-code", "gcc", []string{"-static", "-no-pie", "-Wl,-z,noseparate-code"}, TypeExec},
		{"gcc -static -z execstack", "gcc", []string{"-static", "-Wl,-z,execstack"}, TypeExec},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := compile(t, t.TempDir(), c.cc, helloC, "hello", c.flags...)
			img, err := parseFile(t, path)
			if err != nil {
				t.Fatal(err)
			}
			if img.Type != c.typ {
				t.Errorf("type %v, want %v", img.Type, c.typ)
			}
			compareStd(t, path, img)
			if img.Type == TypeDyn {
				r, err := img.Rebase(img.BiasAt(ETDynBase))
				if err != nil {
					t.Fatal(err)
				}
				if r.Segments[0].Start != 0x555555554000 {
					t.Errorf("static PIE at %v, want 0x555555554000", r.Segments[0].Start)
				}
				if err := imageInvariants(r, 1<<40); err != "" {
					t.Error(err)
				}
			}
			t.Logf("%v entry %v phdr %v brk %v stack exec %v", img.Type, img.Entry, img.PhdrAddr, img.Brk, img.StackExec)
			for _, s := range img.Segments {
				t.Logf("  %v", s)
			}
		})
	}
	t.Run("gcc dynamic", func(t *testing.T) {
		path := compile(t, t.TempDir(), "gcc", helloC, "hello")
		_, err := parseFile(t, path)
		if !errors.Is(err, ErrDynamic) || linux.ErrnoOf(err) != linux.ELIBBAD {
			t.Fatalf("Parse of a dynamic program: %v, want ErrDynamic", err)
		}
		t.Log(err)
	})
}

// TestGoBinary parses a static Go program (CGO_ENABLED=0), which Go's
// own linker lays out: text with the headers at 0x400000, page-aligned
// segments, no .bss gap in the file.
func TestGoBinary(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	dir := t.TempDir()
	for name, src := range map[string]string{
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
		"go.mod":  "module hello\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(goCmd, "build", "-o", "hello", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	path := filepath.Join(dir, "hello")
	img, err := parseFile(t, path)
	if err != nil {
		t.Fatal(err)
	}
	compareStd(t, path, img)
	if img.Type != TypeExec || img.Segments[0].Start != 0x400000 {
		t.Errorf("Go program: %v at %v, want ET_EXEC at 0x400000", img.Type, img.Segments[0].Start)
	}
}

// TestBusybox parses Debian's busybox-static (apt-get install
// busybox-static), a static glibc ET_EXEC at 0x400000.
func TestBusybox(t *testing.T) {
	const path = "/bin/busybox"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no %s (apt-get install busybox-static): %v", path, err)
	}
	img, err := parseFile(t, path)
	if errors.Is(err, ErrDynamic) {
		t.Skipf("%s is the dynamic busybox, not busybox-static: %v", path, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	compareStd(t, path, img)
	if img.Type != TypeExec || img.Segments[0].Start != 0x400000 {
		t.Errorf("busybox: %v at %v, want ET_EXEC at 0x400000", img.Type, img.Segments[0].Start)
	}
	t.Logf("%v entry %v %d segments brk %v", img.Type, img.Entry, len(img.Segments), img.Brk)
}
