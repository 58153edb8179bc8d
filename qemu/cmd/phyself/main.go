// Command phyself makes a kernel ELF linked in the kernel window loadable
// by QEMU's PVH loader: `make kernel` runs it on build/pagoda after the
// link.
//
// The Go linker writes every program header with p_paddr = p_vaddr, and
// the PVH note (XEN_ELFNOTE_PHYS32_ENTRY, in .note.go.pvh) with the linked
// entry address. QEMU's PVH loader loads each segment at p_paddr and enters
// the note's address with paging off. Pagoda is linked at KWindow +
// physical (boot/memlayout.go), so both must be made physical: phyself
// subtracts the base from every p_paddr and from the note's entry that are
// at or above it, in place. That is what Linux's linker script does with
// AT(). Addresses below the base are left alone, so running it twice
// changes nothing.
//
// Usage: phyself -base 0xf0000000 KERNEL
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	base := flag.Uint64("base", 0, "virtual address of physical 0 (required)")
	flag.Parse()
	if flag.NArg() != 1 || *base == 0 {
		fmt.Fprintln(os.Stderr, "usage: phyself -base ADDR KERNEL")
		os.Exit(2)
	}
	path := flag.Arg(0)
	img, err := os.ReadFile(path)
	if err == nil {
		err = rewrite(img, *base)
	}
	if err == nil {
		err = os.WriteFile(path, img, 0o755)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "phyself: %s: %v\n", path, err)
		os.Exit(1)
	}
}
