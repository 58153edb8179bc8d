// Package pagetable manages x86-64 4-level page tables (SDM 3A 4.5) held in
// physical memory: a PML4 whose entries point to page-directory-pointer
// tables, then page directories, then page tables. It maps 4 KiB pages and
// 2 MiB pages (a PDE with PS set), unmaps them, changes their protection,
// walks them level by level, and reads and clears the Accessed and Dirty
// bits the MMU sets.
//
// Object model. A Table is a root (the PML4's physical address) and the
// FrameSource its intermediate tables come from and go back to. Tables are
// reached through mm.DirectMap and hold nothing but entries. Intermediate
// entries are permissive (P, R/W, and U/S when a user mapping lies below):
// protection is decided by the leaf, so that Protect touches one entry (and,
// granting U/S, sets it in the entries above).
//
// Invariants:
//   - an intermediate table is present only while it holds a present entry:
//     Unmap frees tables that become empty, up to (not including) the PML4;
//   - a leaf is either a 4 KiB PTE or a 2 MiB PDE, never both for one
//     address;
//   - after Map, Unmap or Protect returns, no TLB holds the old
//     translation: every change to a present entry is followed by an
//     invalidation through the arch hook (tlb_tamago.go, tlb_host.go).
//
// Locking: a Table has no lock of its own. Callers hold the big kernel
// lock, directly or in a page fault taken by the goroutine that holds it;
// the MMU reads the entries concurrently, which is why every change to a
// present entry is one 8-byte store followed by an invalidation.
//
// Missing: 1 GiB pages, PCID, recursive or batched invalidation across
// address spaces.
package pagetable
