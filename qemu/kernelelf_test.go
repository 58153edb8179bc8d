package qemu

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"testing"

	pboot "github.com/pagoda-os/pagoda/boot"
)

// The kernel the boot tests run is linked in the kernel window and loaded
// at its physical address: make kernel's post-link step (qemu/cmd/phyself)
// must have made every loadable segment's p_paddr its p_vaddr less
// boot.KWindow, inside the runtime region, and the PVH entry note
// (XEN_ELFNOTE_PHYS32_ENTRY, which QEMU enters with paging off) physical,
// inside the executable segment. QEMU would not load it otherwise, but
// this says why.
func TestKernelLoadAddresses(t *testing.T) {
	if skipReason != "" {
		t.Skip(skipReason)
	}
	img, err := os.ReadFile(kernelPath)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	start, end := uint64(pboot.RuntimeStart), uint64(pboot.RuntimeStart)+pboot.RuntimeSize
	var entry uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_NOTE {
			n := img[p.Off : p.Off+p.Filesz]
			for len(n) >= 12 {
				le := binary.LittleEndian
				namesz, descsz, typ := le.Uint32(n), le.Uint32(n[4:]), le.Uint32(n[8:])
				d := 12 + (namesz+3)&^3
				if typ == 18 && descsz == 8 { // XEN_ELFNOTE_PHYS32_ENTRY
					entry = le.Uint64(n[d:])
				}
				n = n[d+(descsz+3)&^3:]
			}
		}
	}
	if entry < start || entry >= end {
		t.Errorf("PVH entry %#x is not a physical address in the runtime region [%#x, %#x)", entry, start, end)
	}
	inText := false
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if p.Vaddr != p.Paddr+pboot.KWindow || p.Paddr < start || p.Paddr+p.Memsz > end {
			t.Errorf("segment at %#x: p_paddr %#x, want p_vaddr - %#x inside [%#x, %#x)",
				p.Vaddr, p.Paddr, uint64(pboot.KWindow), start, end)
		}
		if p.Flags&elf.PF_X != 0 && entry >= p.Paddr && entry < p.Paddr+p.Filesz {
			inText = true
		}
	}
	if !inText {
		t.Errorf("PVH entry %#x is in no executable segment", entry)
	}
	if text := f.Section(".text"); text == nil || text.Addr < pboot.KWindow+uint64(pboot.KernelText) || text.Addr >= pboot.KWindow+end {
		t.Errorf(".text is not linked in the kernel window at KWindow + KernelText and up")
	}
}
