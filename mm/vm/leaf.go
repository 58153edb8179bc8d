package vm

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// A leaf is the last entry of a page-table walk: a PTE, or a PDE with PS
// for a 2 MiB page. The MMU reads only present leaves; a non-present one
// is the MM's to use (SDM 3A Table 4-19: every bit but P is ignored), and
// Pagoda keeps two things there, told apart by software bits:
//
//	bit 10 set      a swap entry in bits 12 and up (swap.Entry); Linux's
//	                x86 swp_entry layout differs, the idea is the same
//	bit 9 set       a PROT_NONE page: the frame in bits 12 and up, its A
//	                and D bits kept for when the page comes back (as Linux
//	                pte_modify)
//
// LeafOf reads an entry as a Leaf; swapLeaf and protNoneLeaf write the
// two software forms. Nothing else tests or sets these bits.
const (
	softProtNone pt.PTE = 1 << 9  // AVL, SDM 3A Table 4-19
	softSwap     pt.PTE = 1 << 10 // AVL, SDM 3A Table 4-19

	// swapEntryBits is how many bits of a swap entry a leaf keeps.
	swapEntryBits = 40
)

// LeafState is what a leaf holds, as the fault path, fork, mprotect,
// reclaim and the statistics read it.
type LeafState uint8

const (
	// LeafAbsent: an empty entry; nothing was mapped yet, or it was
	// dropped. A fault fills it (anonFault, fileFault).
	LeafAbsent LeafState = iota
	// LeafZero: present and read-only, mapping the shared zero page. A
	// write gives it a frame of its own (cowFault).
	LeafZero
	// LeafWritable: present and writable. In a private mapping the frame
	// is this address space's alone (Linux's "private" page); in a shared
	// one it is the shared object's page.
	LeafWritable
	// LeafCOW: present and write-protected, not the zero page. In a
	// writable private mapping the frame is shared copy-on-write (after
	// fork, or a shared swap slot) and a write copies it or reuses it in
	// place (cowFault); in other mappings the protection says read-only.
	LeafCOW
	// LeafProtNone: not present, keeping its frame under PROT_NONE.
	LeafProtNone
	// LeafSwap: not present, holding a swap entry (swapFault).
	LeafSwap
)

var leafStateNames = [...]string{"absent", "zero", "writable", "cow", "prot-none", "swap"}

func (s LeafState) String() string {
	if int(s) < len(leafStateNames) {
		return leafStateNames[s]
	}
	return "LeafState(" + fmt.Sprint(uint8(s)) + ")"
}

// Leaf is one leaf entry, decoded. It is a value: reading it allocates
// nothing, and the fault path uses it.
type Leaf struct {
	PTE   pt.PTE      // the entry as the table holds it
	Size  pt.PageSize // Size4K for a PTE, Size2M for a PDE with PS
	State LeafState
}

// LeafOf decodes e, a leaf of the given size in one of m's address
// spaces. A non-present entry that holds something and is not a swap
// entry keeps a frame: PROT_NONE. The empty entry, every first touch's,
// is decoded inline (LeafAbsent is the zero LeafState): the fault path
// pays for a call only when there is something to decode.
func (m *MM) LeafOf(e pt.PTE, size pt.PageSize) Leaf {
	if e == 0 {
		return Leaf{Size: size}
	}
	return m.decodeLeaf(e, size)
}

// decodeLeaf is LeafOf for a non-empty entry.
func (m *MM) decodeLeaf(e pt.PTE, size pt.PageSize) Leaf {
	l := Leaf{PTE: e, Size: size}
	switch {
	case e&pt.Present == 0 && e&softSwap != 0:
		l.State = LeafSwap
	case e&pt.Present == 0:
		l.State = LeafProtNone
	case e&pt.Writable != 0:
		l.State = LeafWritable
	case l.PFN() == m.zero || l.Size == pt.Size2M && l.PFN() == m.hugeZero:
		l.State = LeafZero
	default:
		l.State = LeafCOW
	}
	return l
}

// leafAt reads and decodes the leaf for va. A missing table reads as
// LeafAbsent.
func (as *AddressSpace) leafAt(va mm.VirtAddr) Leaf {
	e, size, ok := as.table.Leaf(va)
	if !ok {
		size = pt.Size4K
	}
	return as.mm.LeafOf(e, size)
}

// HasFrame reports whether the leaf keeps a frame: the zero page, a
// present page, or a PROT_NONE page.
func (l Leaf) HasFrame() bool {
	return l.State != LeafAbsent && l.State != LeafSwap
}

// PFN is the first frame of a leaf that keeps one (HasFrame).
func (l Leaf) PFN() mm.PFN {
	a := l.PTE.Addr()
	if l.Size == pt.Size2M {
		a &^= mm.PhysAddr(pt.Size2M - 1) // bit 12 of a PDE is PAT
	}
	return a.PFN()
}

// PFNAt is the frame the leaf maps va to: PFN, or for a 2 MiB leaf the
// frame of va's 4 KiB within it.
func (l Leaf) PFNAt(va mm.VirtAddr) mm.PFN {
	if l.Size == pt.Size2M {
		return l.PFN() + mm.PFN((va&hugeMask)/mm.PageSize)
	}
	return l.PFN()
}

// Entry is the swap entry of a LeafSwap leaf.
func (l Leaf) Entry() swap.Entry {
	return swap.Entry(l.PTE>>mm.PageShift) & (1<<swapEntryBits - 1)
}

// Pages is how many 4 KiB pages the leaf covers.
func (l Leaf) Pages() uint64 { return uint64(l.Size) / mm.PageSize }

func (l Leaf) String() string {
	switch {
	case l.State == LeafSwap:
		return fmt.Sprintf("%v %v %v", l.State, l.Size, l.Entry())
	case l.HasFrame():
		return fmt.Sprintf("%v %v pfn %#x", l.State, l.Size, uint64(l.PFN()))
	}
	return l.State.String()
}

// swapLeaf is the non-present entry that holds ent.
func swapLeaf(ent swap.Entry) pt.PTE { return softSwap | pt.PTE(ent)<<mm.PageShift }

// protNoneLeaf is the non-present entry that keeps pfn under PROT_NONE,
// with the Accessed and Dirty bits of old.
func protNoneLeaf(pfn mm.PFN, old pt.PTE) pt.PTE {
	return pt.PTE(pfn.Addr()) | softProtNone | old&(pt.Accessed|pt.Dirty)
}
