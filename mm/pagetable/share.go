package pagetable

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
)

// Shared page-directory entries. An address space's lower half holds the
// user's mappings and, in one 2 MiB-aligned range, the kernel's: the
// kernel window (README, "Memory layout"), which Go code runs in whatever
// CR3 holds. Share makes the range's page-directory entries of one table
// the same as another's, so that both tables reach the same 2 MiB pages
// and page tables, which stay the other table's: Unshare clears them
// again before the sharing table goes. Nothing of the shared range is
// ever mapped, unmapped or freed through the sharing table, and its
// entries never carry U/S unless the owner's do.

// Share sets the page-directory entries of t for [start, end) to those
// of the table rooted at owner, making the PML4 and PDPT entries above
// them as needed (supervisor-only, writable: the PDEs decide). The owner
// must have a page directory there; its entries are copied as they are,
// absent ones too, so the owner must not change them while they are
// shared (the kernel maps its window once, at boot). None may be set in
// t. On failure t is as it was.
//
// Preconditions: start and end are 2 MiB-aligned and canonical, start <
// end, and [start, end) lies in one 512 GiB PML4 entry's range.
func (t *Table) Share(owner mm.PhysAddr, start, end mm.VirtAddr) error {
	if err := checkShare(start, end); err != nil {
		return err
	}
	var src [levels]*[entries]PTE
	tbl := table(owner)
	for level := levels - 1; level > 1; level-- {
		e := tbl[index(start, level)]
		if e&Present == 0 || e&Huge != 0 {
			return fmt.Errorf("%w: the owner maps no page directory at %v", ErrNotMapped, start)
		}
		tbl = table(e.Addr())
		src[level-1] = tbl
	}
	var fresh [levels]mm.PhysAddr
	tbl, nfresh, _, err := t.descend(start, 1, false, &fresh)
	if err != nil {
		return err
	}
	for va := start; va < end; va += mm.VirtAddr(Size2M) {
		if tbl[index(va, 1)] != 0 {
			t.rollback(start, fresh[:nfresh])
			return fmt.Errorf("%w: %v", ErrExists, va)
		}
	}
	for va := start; va < end; va += mm.VirtAddr(Size2M) {
		tbl[index(va, 1)] = src[1][index(va, 1)]
	}
	return nil
}

// Unshare clears the page-directory entries of [start, end) that Share
// set, and frees the page directory and PDPT above them if that leaves
// them empty. The shared tables and pages are the owner's: none is
// freed. The caller unshares a table that no CPU has loaded, or one
// whose entries match the owner's, which stay; only freeing a table
// invalidates (one INVLPG, for the paging-structure caches).
//
// Preconditions: as Share's; Share succeeded for the range.
func (t *Table) Unshare(start, end mm.VirtAddr) error {
	if err := checkShare(start, end); err != nil {
		return err
	}
	var path [levels]*[entries]PTE
	tbl := table(t.root)
	for level := levels - 1; level > 1; level-- {
		path[level] = tbl
		e := tbl[index(start, level)]
		if e&Present == 0 || e&Huge != 0 {
			return fmt.Errorf("%w: no page directory at %v", ErrNotMapped, start)
		}
		tbl = table(e.Addr())
	}
	path[1] = tbl
	for va := start; va < end; va += mm.VirtAddr(Size2M) {
		tbl[index(va, 1)] = 0
	}
	t.prune(&path, start, 1, false)
	return nil
}

func checkShare(start, end mm.VirtAddr) error {
	const pml4Span = 1 << 39
	if start%mm.VirtAddr(Size2M) != 0 || end%mm.VirtAddr(Size2M) != 0 || start >= end ||
		!Canonical(start) || !Canonical(end-1) || start/pml4Span != (end-1)/pml4Span {
		return fmt.Errorf("%w: shared range [%v, %v)", ErrInvalid, start, end)
	}
	return nil
}

// Batch access to a page table. Fork copies the entries of a parent's
// page tables 512 at a time (Linux's copy_pte_range), which a walk per
// page would make five times as costly. PTEs and MakePTEs hand out the
// page table (level 0) covering an address; the caller reads and writes
// its entries as Set would (never a present entry with PS), and
// invalidates the TLB itself for entries it changed (InvalidateRange).

// PTEs returns the page table covering va, or nil when no table reaches
// level 0 there (a missing entry above it, or a 2 MiB page).
func (t *Table) PTEs(va mm.VirtAddr) *[entries]PTE {
	if !Canonical(va) {
		return nil
	}
	// Unrolled, as leafSlot: a fault asks it first.
	e := table(t.root)[va>>39&(entries-1)]
	if e&Present == 0 || e&Huge != 0 {
		return nil
	}
	e = table(e.Addr())[va>>30&(entries-1)]
	if e&Present == 0 || e&Huge != 0 {
		return nil
	}
	e = table(e.Addr())[va>>21&(entries-1)]
	if e&Present == 0 || e&Huge != 0 {
		return nil
	}
	return table(e.Addr())
}

// SetPTE replaces the entry for va in ptes, the page table covering va
// (from PTEs or MakePTEs), as Set does without its walk: it invalidates
// the TLB entry when the old one was present.
func SetPTE(ptes *[entries]PTE, va mm.VirtAddr, e PTE) {
	p := &ptes[PTEIndex(va)]
	old := *p
	*p = e
	if old&Present != 0 {
		invalidate(va, 1)
	}
}

// MakePTEs returns the page table covering va, making it and the tables
// above it as Map would; user sets U/S at every level above it.
func (t *Table) MakePTEs(va mm.VirtAddr, user bool) (*[entries]PTE, error) {
	if !Canonical(va) {
		return nil, fmt.Errorf("%w: %v is not canonical", ErrInvalid, va)
	}
	var fresh [levels]mm.PhysAddr
	tbl, _, up, err := t.descend(va, 0, user, &fresh)
	if err != nil {
		return nil, err
	}
	up.apply()
	return tbl, nil
}

// PTEIndex is va's index in the page table covering it.
func PTEIndex(va mm.VirtAddr) int { return index(va, 0) }

// Prune frees the page table covering va if every entry of it is clear,
// then each table above it left empty, as Unmap does after the last
// entry goes: for callers that cleared entries through PTEs. The TLB's
// paging-structure caches may still point at a freed table, so it
// invalidates va's translation (INVLPG drops them, SDM 3A 4.10.4.1)
// before freeing.
func (t *Table) Prune(va mm.VirtAddr) {
	if !Canonical(va) {
		return
	}
	var path [levels]*[entries]PTE
	tbl := table(t.root)
	for level := levels - 1; level > 0; level-- {
		path[level] = tbl
		e := tbl[index(va, level)]
		if e&Present == 0 || e&Huge != 0 {
			return
		}
		tbl = table(e.Addr())
	}
	path[0] = tbl
	t.prune(&path, va, 0, false)
}

// FreeBelow frees every table under PML4 entry i and clears the entry:
// the end of an address space, which needs no walk per page to prune
// (Linux's free_pgtables at exit). The caller has cleared every leaf
// below, unshared what it shared (Unshare), and no CPU has the table
// loaded.
func (t *Table) FreeBelow(i int) {
	root := table(t.root)
	if i < 0 || i >= entries || root[i]&Present == 0 {
		return
	}
	t.freeTree(root[i].Addr(), levels-2)
	root[i] = 0
}

// freeTree frees the table at pa (at level) and every table below it.
func (t *Table) freeTree(pa mm.PhysAddr, level int) {
	tbl := table(pa)
	if level > 0 {
		for _, e := range tbl {
			if e&Present != 0 && e&Huge == 0 {
				t.freeTree(e.Addr(), level-1)
			}
		}
	} else if debug && !isEmpty(tbl) {
		panic("pagetable.FreeBelow: a page table still has entries")
	}
	clear(tbl[:])
	t.src.FreeTable(pa)
}
