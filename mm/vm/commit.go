package vm

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/pagoda-os/pagoda/mm"
)

// Commit accounting, as Linux's (mm/util.c __vm_enough_memory,
// Documentation/mm/overcommit-accounting.rst). Committed_AS counts the
// pages the kernel has promised: the pages of every mapping whose writes
// need memory of their own and that could not be found again elsewhere
// (a private writable mapping, anonymous or of a file), and the whole
// object of every shared anonymous mapping. A promise is made when the
// mapping is, not when its pages are touched, and it is checked against
// the overcommit policy then:
//
//	OvercommitGuess   (0, the default) refuse one request larger than
//	                  all managed memory and swap together; nothing else
//	OvercommitAlways  (1) never refuse
//	OvercommitNever   (2) refuse what would take Committed_AS to
//	                  CommitLimit: managed pages × ratio/100 + swap pages
//
// Committed_AS is counted in every mode. What is charged, and when
// (Linux's rules, each named after the function that applies it there):
//
//   - mmap (do_mmap, mmap_region's accountable_mapping): a private
//     mapping with PROT_WRITE is charged its pages and marked account
//     (VM_ACCOUNT); MAP_FIXED over accounted mappings is charged only the
//     difference, checked before anything is unmapped. A shared anonymous
//     mapping charges its object, once, for the object's size
//     (shmem_zero_setup's shmem_acct_size), whatever its protection.
//     MAP_NORESERVE exempts both (VM_NORESERVE), except under
//     OvercommitNever, which ignores it. Shared file mappings and
//     read-only private ones are not charged.
//   - mprotect (mprotect_fixup): adding PROT_WRITE to a private mapping
//     that is neither accounted nor MAP_NORESERVE charges its pages.
//   - fork (dup_mmap): the child's accounted VMAs are charged again; a
//     shared object is not (the child shares it).
//   - munmap, partial or whole, and Destroy give back the accounted
//     pages of what they unmap (a split VMA keeps the flag in both
//     parts); a shared object gives back its charge with its last VMA,
//     when its tmpfs file goes (shmem.go keeps what each object was
//     charged, as Linux's shmem inode keeps VM_NORESERVE).
//
// The account flag is part of what mergeable compares, so that merging
// and splitting keep Committed_AS equal to the accounted VMAs' pages plus
// the charged objects' pages (the tests recompute this after every step).
//
// Deviations from Linux, on purpose: mprotect removing PROT_WRITE keeps
// the charge (Linux drops it from an anonymous VMA that never had a page,
// one without an anon_vma); OvercommitNever subtracts neither Linux's
// user reserve (min(total_vm/32, 128 MiB) of the caller) nor its admin
// reserve from CommitLimit: there is one user, the shell; a MAP_NORESERVE
// shared anonymous mapping is never charged (Linux's shmem charges such a
// page when it is allocated); and Mprotect charges its whole range at
// once, before changing anything, where Linux charges VMA by VMA.
//
// Guarded by the kernel's serialization of address-space operations, as
// the rest of MM; never touched by the fault path.

// Overcommit is the overcommit policy (Linux's vm.overcommit_memory).
type Overcommit uint8

const (
	OvercommitGuess  Overcommit = iota // 0: heuristic (OVERCOMMIT_GUESS)
	OvercommitAlways                   // 1: never refuse (OVERCOMMIT_ALWAYS)
	OvercommitNever                    // 2: strict, up to CommitLimit (OVERCOMMIT_NEVER)
)

var overcommitNames = [...]string{"guess", "always", "never"}

func (o Overcommit) String() string {
	if int(o) < len(overcommitNames) {
		return overcommitNames[o]
	}
	return fmt.Sprintf("Overcommit(%d)", uint8(o))
}

// DefaultOvercommitRatio is the default percentage of managed memory that
// CommitLimit counts (Linux's vm.overcommit_ratio).
const DefaultOvercommitRatio = 50

// commitState is the MM's commit accounting.
type commitState struct {
	mode  Overcommit
	ratio uint64 // percent of managed pages in CommitLimit
	swap  uint64 // swap pages, as the kernel's swapon/swapoff set them
	// committed is Committed_AS in pages: the accounted VMAs' pages of
	// every live address space, plus the pages of every live charged
	// shared object, plus what callers of Commit have not given back.
	committed uint64
}

// SetOvercommit sets the policy and the ratio CommitLimit uses (any
// percentage; more than 100 promises more than memory). It applies to
// requests from now on: what is committed stays.
func (m *MM) SetOvercommit(mode Overcommit, ratio uint64) error {
	if mode > OvercommitNever {
		return fmt.Errorf("%w: overcommit mode %d (want 0, 1 or 2)", ErrInvalid, uint8(mode))
	}
	m.commit.mode, m.commit.ratio = mode, ratio
	return nil
}

// Overcommit returns the policy and the ratio.
func (m *MM) Overcommit() (Overcommit, uint64) { return m.commit.mode, m.commit.ratio }

// SetSwapPages sets the total swap pages that CommitLimit and the
// heuristic count (Linux's total_swap_pages), as swapon and swapoff
// change it. Committed memory is not rechecked (Linux's swapoff does not
// either).
func (m *MM) SetSwapPages(n uint64) { m.commit.swap = n }

// SwapPages is what SetSwapPages set.
func (m *MM) SwapPages() uint64 { return m.commit.swap }

// CommitLimit is the most pages OvercommitNever lets be committed:
// managed pages × ratio/100 + swap pages (as Linux vm_commit_limit, which
// meminfo shows in every mode).
func (m *MM) CommitLimit() uint64 {
	hi, lo := bits.Mul64(m.Frames.Stats().ManagedPages, m.commit.ratio)
	if hi >= 100 {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, 100)
	if q+m.commit.swap < q {
		return math.MaxUint64
	}
	return q + m.commit.swap
}

// Committed is Committed_AS in pages.
func (m *MM) Committed() uint64 { return m.commit.committed }

// Commit charges pages to Committed_AS if the policy allows (as Linux
// __vm_enough_memory), or returns ErrNoMemory and charges nothing. It is
// for callers outside mm/vm that promise memory (tmpfs pages); they give
// it back with Uncommit.
func (m *MM) Commit(pages uint64) error {
	c := &m.commit
	if pages == 0 {
		return nil // nothing promised (Linux's callers skip the call)
	}
	switch c.mode {
	case OvercommitGuess:
		// Linux: pages > totalram_pages() + total_swap_pages.
		total := m.Frames.Stats().ManagedPages + c.swap
		if pages > total {
			return fmt.Errorf("%w: commit of %d pages: more than memory and swap (%d pages)", ErrNoMemory, pages, total)
		}
	case OvercommitNever:
		// Linux counts the pages first, then requires the new total to
		// stay below the limit.
		if limit := m.CommitLimit(); c.committed+pages < c.committed || c.committed+pages >= limit {
			return fmt.Errorf("%w: commit of %d pages: %d pages committed, CommitLimit %d pages", ErrNoMemory, pages, c.committed, limit)
		}
	}
	c.committed += pages
	return nil
}

// Uncommit gives back pages Commit charged (as Linux vm_unacct_memory).
func (m *MM) Uncommit(pages uint64) {
	if pages > m.commit.committed {
		panic("vm.Uncommit: more than committed")
	}
	m.commit.committed -= pages
}

// mmapCommit is what mmap charged for a new VMA.
type mmapCommit struct {
	account   bool   // the VMA's pages are charged (VM_ACCOUNT)
	noReserve bool   // MAP_NORESERVE honoured (VM_NORESERVE)
	object    bool   // the new shared anonymous object is charged
	kept      uint64 // accounted pages of the mappings it replaces
}

// commitMmap charges a new mapping of [start, end) with prot and flags
// (file: of a file), as Linux do_mmap and mmap_region. It runs before
// any mapping the new one replaces (MAP_FIXED) is unmapped, so that a
// refusal changes nothing; the caller then unmaps those and calls keep.
func (as *AddressSpace) commitMmap(start, end mm.VirtAddr, prot Prot, flags Flags, file bool) (mmapCommit, error) {
	var c mmapCommit
	c.noReserve = flags&MapNoReserve != 0 && as.mm.commit.mode != OvercommitNever
	pages := uint64(end-start) / mm.PageSize
	switch {
	case c.noReserve:
		return c, nil
	case flags&MapShared != 0 && !file:
		c.object = true
	case flags&MapShared == 0 && prot&ProtWrite != 0:
		// What the replaced mappings had charged passes to the new one
		// (Linux: charged -= nr_accounted).
		c.account = true
		c.kept = as.accountedIn(start, end)
		pages -= c.kept
	default:
		return c, nil
	}
	if err := as.mm.Commit(pages); err != nil {
		return mmapCommit{}, err
	}
	return c, nil
}

// keep takes back the charge of the replaced mappings, which unmapping
// them gave back, for the new mapping.
func (c mmapCommit) keep(m *MM) { m.commit.committed += c.kept }

// accountedIn is the number of pages of accounted VMAs in [start, end).
func (as *AddressSpace) accountedIn(start, end mm.VirtAddr) uint64 {
	var n uint64
	for i := as.firstEndingAfter(start); i < len(as.vmas) && as.vmas[i].Start < end; i++ {
		if v := &as.vmas[i]; v.account {
			n += uint64(min(v.End, end)-max(v.Start, start)) / mm.PageSize
		}
	}
	return n
}

// chargedByWrite reports whether giving v PROT_WRITE charges its pages:
// a private mapping neither writable, accounted nor MAP_NORESERVE (as
// Linux mprotect_fixup).
func chargedByWrite(v *VMA) bool {
	return v.Flags&MapShared == 0 && v.Prot&ProtWrite == 0 && !v.account && !v.noReserve
}

// commitMprotect charges what giving [start, end) prot adds (the range is
// wholly mapped).
func (as *AddressSpace) commitMprotect(start, end mm.VirtAddr, prot Prot) error {
	if prot&ProtWrite == 0 {
		return nil
	}
	var pages uint64
	for i := as.firstEndingAfter(start); i < len(as.vmas) && as.vmas[i].Start < end; i++ {
		if v := &as.vmas[i]; chargedByWrite(v) {
			pages += uint64(min(v.End, end)-max(v.Start, start)) / mm.PageSize
		}
	}
	return as.mm.Commit(pages)
}

// commitFork charges the accounted VMAs of as again, for a child (as
// Linux dup_mmap, VMA by VMA), and returns what it charged; on refusal it
// gives back what it had.
func (as *AddressSpace) commitFork() (uint64, error) {
	var charged uint64
	for i := range as.vmas {
		v := &as.vmas[i]
		if !v.account {
			continue
		}
		if err := as.mm.Commit(v.Pages()); err != nil {
			as.mm.Uncommit(charged)
			return 0, err
		}
		charged += v.Pages()
	}
	return charged, nil
}

// uncommitVMA gives back what v's pages were charged (its part of a shared
// object is its object's, given back with the object).
func (as *AddressSpace) uncommitVMA(v *VMA) {
	if v.account {
		as.mm.Uncommit(v.Pages())
	}
}
