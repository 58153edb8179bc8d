//go:build !tamago

package sim

import (
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

const (
	// hugeSize is the size of the page a PDE with PS maps.
	hugeSize = 1 << 21
	// hugeAddrMask selects a 2 MiB page's address in its PDE, bits 51:21.
	hugeAddrMask pagetable.PTE = 0x000f_ffff_ffe0_0000
	// hugeReserved are the reserved bits 20:13 of a PDE with PS; bit 12
	// is PAT (SDM 3A Table 4-17).
	hugeReserved pagetable.PTE = 0x0000_0000_001f_e000
)

// rights are the access rights of a translation, combined over every
// entry it used (SDM 3A 4.6.1).
type rights struct {
	writable bool // R/W set at every level
	user     bool // U/S set at every level
	noExec   bool // XD set at some level
}

// deny reports whether the rights forbid the access and, if so, the
// error code of the protection fault. With CR0.WP=1 supervisor writes
// need R/W too; without SMAP and SMEP the supervisor may read, write and
// fetch user pages (SDM 3A 4.6.1).
func (r rights) deny(acc Access, user bool) (uint64, bool) {
	ok := !user || r.user
	switch acc {
	case DataWrite:
		ok = ok && r.writable
	case InstrFetch:
		ok = ok && !r.noExec
	}
	if ok {
		return 0, false
	}
	return FaultProtection | acc.code(user), true
}

// index is va's entry index in a table of the given level: 3 is the
// PML4, 0 the page table (SDM 3A Figure 4-8).
func index(va mm.VirtAddr, level int) int {
	return int(va>>(mm.PageShift+9*level)) & 511
}

// reserved reports whether e, a present entry of the given level, sets a
// bit reserved in 4-level paging with MAXPHYADDR 52: PS in a PML4E, PS
// in a PDPTE (1 GiB pages are not modeled), bits 20:13 of a 2 MiB PDE
// (SDM 3A Tables 4-15 to 4-18).
func reserved(e pagetable.PTE, level int) bool {
	switch level {
	case 3, 2:
		return e&pagetable.Huge != 0
	case 1:
		return e&pagetable.Huge != 0 && e&hugeReserved != 0
	}
	return false
}

// walk translates va for the access by reading the tables from CR3, as
// the page-miss handler does (SDM 3A 4.5.4). On success it sets A in every
// entry used and, for a write, D in the leaf (SDM 3A 4.8), and returns
// the translation to cache. On failure it returns the page fault's error
// code and changes nothing.
func (c *CPU) walk(va mm.VirtAddr, acc Access, user bool) (tlbEntry, uint64, bool) {
	var used [4]*pagetable.PTE
	r := rights{writable: true, user: true}
	table := c.cr3
	for level := 3; ; level-- {
		ep := entryAt(table + mm.PhysAddr(8*index(va, level)))
		e := *ep
		if e&pagetable.Present == 0 {
			return tlbEntry{}, acc.code(user), false
		}
		if reserved(e, level) {
			return tlbEntry{}, FaultProtection | FaultReserved | acc.code(user), false
		}
		used[3-level] = ep
		r.writable = r.writable && e&pagetable.Writable != 0
		r.user = r.user && e&pagetable.User != 0
		r.noExec = r.noExec || e&pagetable.NoExecute != 0
		if level > 1 || level == 1 && e&pagetable.Huge == 0 {
			table = e.Addr()
			continue
		}
		if code, denied := r.deny(acc, user); denied {
			return tlbEntry{}, code, false
		}
		for _, u := range used[:4-level] {
			if *u&pagetable.Accessed == 0 {
				*u |= pagetable.Accessed
			}
		}
		if acc == DataWrite && e&pagetable.Dirty == 0 {
			*ep |= pagetable.Dirty
		}
		t := tlbEntry{base: e.Addr(), rights: r, global: e&pagetable.Global != 0, dirty: *ep&pagetable.Dirty != 0}
		if level == 1 {
			t.base, t.huge = mm.PhysAddr(e&hugeAddrMask), true
		}
		return t, 0, true
	}
}
