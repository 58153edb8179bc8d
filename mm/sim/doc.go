// Package sim is Pagoda's host simulator of the memory hardware: a
// physical memory and a software MMU that walks the page tables mm builds,
// in the format the CPU reads, and raises the page faults the CPU would.
// On the host, mm/pagetable, mm/vm and everything above them run against
// it; on bare metal the same code runs on the real MMU.
//
// Object model.
//
//	Memory       a byte arena registered at a physical base address
//	             (mm.RegisterArena), so that mm.DirectMap reaches it; its
//	             frames are handed out by a frame.Allocator built over it
//	TableSource  a pagetable.FrameSource over a frame.Allocator: zeroed
//	             page-table frames, with a live count a test compares with
//	             the tables it finds by walking
//	CPU          one logical processor: CR3, CR2, a TLB, and a fault
//	             handler standing in for the #PF vector
//
// What the CPU models, after the SDM volume 3A. 4-level paging (4.5)
// with CR0.WP=1, EFER.NXE=1 and CR4.PGE=1. A translation reads the
// PML4E, PDPTE, PDE and (unless the PDE has PS, a 2 MiB page) the PTE
// through mm.DirectMap. Access rights combine over every level (4.6.1):
// a write needs R/W at every level, for supervisor accesses too; a user
// access needs U/S at every level; an instruction fetch faults if XD is
// set at any level. A reserved bit (PS in a PML4E, bits 20:13 of a 2 MiB
// PDE) makes the translation invalid with RSVD in the error code (4.7).
// A successful translation sets A in every entry it used and, for a
// write, D in the leaf (4.8). A failed one is a page fault: CR2 is the
// address, the error code says P (protection, or 0 for not present), W/R,
// U/S, RSVD and I/D (4.7), and the handler decides. A handler that
// returns true resolved the fault, and the access is retried, as IRETQ
// retries the instruction; false, or a fault that recurs MaxFaults times,
// ends the access with a *FaultError. A non-canonical address is a #GP
// (ErrNonCanonical) and never reaches the handler.
//
// The TLB (4.10.2). A successful translation is cached, per 4 KiB page or
// per 2 MiB page, with the combined rights, the G flag and whether the
// leaf was dirty; not-present and reserved-bit translations are not. A
// cached translation is used as long as it is cached, whatever the tables
// say since: that is the point of the simulator. Code that changes a
// present entry and forgets INVLPG goes on translating the old way, and
// its host tests fail. An entry leaves only by InvalidatePage (INVLPG of
// any address in its page), Flush, LoadCR3 (all but global entries), or
// a page fault on its page (4.10.4.1). The TLB never evicts on its own,
// so a missing invalidation is always caught; a real TLB might hide it by
// evicting. As Intel processors do, a write through an entry loaded with
// D clear walks the tables again to set D, and an access the cached rights
// deny faults without a walk: the spurious fault of 4.10.4.3 when rights
// were raised without invalidation.
//
// Read, Write and Fetch access memory page by page, like a string
// instruction: each page is translated on its own, and a fault on a
// later page leaves the earlier ones done.
//
// Invariants: a TLB entry holds exactly what a successful walk returned
// when it was loaded (plus D once a write set it); a TableSource's live
// count is the number of frames it handed out and has not taken back,
// each in state frame.PageTable.
//
// Locking: none of its own. The CPU is one processor; a test drives it,
// and its Memory and TableSource, from one goroutine at a time, standing
// in for the kernel's goroutine that holds the big kernel lock. The
// arena registry (mm.RegisterArena) is the one shared structure, and mm
// locks it.
//
// Missing: more than one CPU (no shootdowns), PCID and INVPCID, 1 GiB
// pages (PS in a PDPTE is treated as reserved, as on a CPU without them),
// SMEP and SMAP (the supervisor may read, write and fetch user pages),
// protection keys, paging-structure caches (a freed table that is still
// cached is not detected), memory types (PWT, PCD, PAT are stored, not
// acted on), and any timing.
package sim
