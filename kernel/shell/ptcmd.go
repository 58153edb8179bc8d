package shell

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// cmdPt walks the kernel page table for ADDR and prints every level read:
// the table's name and index, the entry's physical address, its raw value
// and its flags; then the translation, or where the walk stopped.
func cmdPt(sh *Shell, args []string) error {
	v, err := mm.ParseSize(args[0])
	if err != nil {
		return err
	}
	va := mm.VirtAddr(v)
	if !pt.Canonical(va) {
		return fmt.Errorf("%v is not a canonical address (bits 63:47 must be equal)", va)
	}
	w := sh.cfg.Kernel.Walk(va)
	for i := range w.N {
		l := w.Levels[i]
		sh.Printf("%-4s[%3d] @%#-10x = 0x%016x  %s\n", pt.LevelNames[i], l.Index, uint64(l.EntryAddr()), uint64(l.Entry), l.Entry.FlagString())
	}
	if !w.Mapped {
		sh.Printf("%v: not mapped: the %s entry is not present\n", va, pt.LevelNames[w.N-1])
		return nil
	}
	leaf := w.Levels[w.N-1].Entry
	access := "read"
	if leaf.Has(pt.Writable) {
		access += ", write"
	}
	if !leaf.Has(pt.NoExecute) {
		access += ", execute"
	}
	who := "supervisor"
	if leaf.Has(pt.User) {
		who = "user"
	}
	sh.Printf("%v -> %v (%v page): %s; %s\n", va, w.PA, w.Size, access, who)
	return nil
}
