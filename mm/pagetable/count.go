package pagetable

import "github.com/pagoda-os/pagoda/mm"

// Tables counts the tables below PML4 entry i: its page-directory-
// pointer table, page directories and page tables (the PML4 itself is
// not counted, as Linux's mm_pgtables_bytes counts PUD, PMD and PTE
// tables but not the PGD). A page-directory entry whose 2 MiB lies in
// [skipStart, skipEnd) is not followed: such entries are another table's
// (Share). No allocation and no recursion: the OOM killer calls it in a
// fault.
func (t *Table) Tables(i int, skipStart, skipEnd mm.VirtAddr) uint64 {
	root := table(t.root)
	if i < 0 || i >= entries || root[i]&Present == 0 || root[i]&Huge != 0 {
		return 0
	}
	n := uint64(1)
	base := mm.VirtAddr(i) << 39
	for i3, e3 := range table(root[i].Addr()) {
		if e3&Present == 0 || e3&Huge != 0 {
			continue
		}
		n++
		for i2, e2 := range table(e3.Addr()) {
			va := base + mm.VirtAddr(i3)<<30 + mm.VirtAddr(i2)<<21
			if e2&Present == 0 || e2&Huge != 0 || va >= skipStart && va < skipEnd {
				continue
			}
			n++
		}
	}
	return n
}
