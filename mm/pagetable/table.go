package pagetable

import (
	"errors"
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
)

// PageSize is the size of a leaf mapping.
type PageSize uint64

// The leaf sizes Pagoda maps.
const (
	Size4K PageSize = 1 << 12 // a PTE
	Size2M PageSize = 1 << 21 // a PDE with PS
)

func (s PageSize) String() string {
	if s == Size2M {
		return "2M"
	}
	return "4K"
}

// levels: 3 is the PML4, 2 the PDPT, 1 the page directory, 0 the page
// table. entries is the number of entries in every table.
const (
	levels  = 4
	entries = 512
)

// Errors of the pagetable package.
var (
	ErrInvalid   = errors.New("pagetable: invalid argument")
	ErrExists    = errors.New("pagetable: already mapped")
	ErrNotMapped = errors.New("pagetable: not mapped")
	ErrNoMemory  = errors.New("pagetable: out of memory for tables")
)

// FrameSource supplies the frames of intermediate tables.
type FrameSource interface {
	// AllocTable returns a zeroed 4 KiB frame, or ErrNoMemory.
	AllocTable() (mm.PhysAddr, error)
	// FreeTable takes back a frame from AllocTable.
	FreeTable(mm.PhysAddr)
}

// Table is a 4-level page table rooted at a PML4.
type Table struct {
	root mm.PhysAddr
	src  FrameSource
}

// New allocates an empty PML4.
func New(src FrameSource) (*Table, error) {
	root, err := src.AllocTable()
	if err != nil {
		return nil, err
	}
	return &Table{root: root, src: src}, nil
}

// Root is the PML4's physical address: what CR3 holds.
func (t *Table) Root() mm.PhysAddr { return t.root }

// table returns the 512 entries of the table at pa.
func table(pa mm.PhysAddr) *[entries]PTE {
	return (*[entries]PTE)(mm.DirectMap(pa, mm.PageSize))
}

// index is va's entry index in a table of the given level.
func index(va mm.VirtAddr, level int) int {
	// (& 63: the shift is below 64 for every level, and saying so spares
	// the compiler's check of it in every walk.)
	return int(va>>((mm.PageShift+9*uint(level))&63)) & (entries - 1)
}

// Canonical reports whether va is a canonical 48-bit address: bits 63:47
// all equal (SDM 3A 3.3.7.1).
func Canonical(va mm.VirtAddr) bool {
	top := va >> 47
	return top == 0 || top == 1<<17-1
}

func checkArgs(va mm.VirtAddr, size PageSize) error {
	if size != Size4K && size != Size2M {
		return fmt.Errorf("%w: page size %d", ErrInvalid, size)
	}
	if !Canonical(va) || uint64(va)&(uint64(size)-1) != 0 {
		return fmt.Errorf("%w: address %v for a %v page", ErrInvalid, va, size)
	}
	return nil
}

// checkPage panics when va, or pa (when checkPA), cannot be a page of
// the given size: the preconditions of Map, Unmap and Protect, checked
// in -tags mmdebug builds. Release builds compile the call out and
// return ErrInvalid instead.
func checkPage(va mm.VirtAddr, pa mm.PhysAddr, size PageSize, checkPA bool) {
	switch {
	case size != Size4K && size != Size2M:
		panic("pagetable: precondition: page size neither 4K nor 2M")
	case !Canonical(va):
		panic("pagetable: precondition: virtual address not canonical")
	case uint64(va)&(uint64(size)-1) != 0:
		panic("pagetable: precondition: virtual address not aligned to the page size")
	case checkPA && (uint64(pa)&(uint64(size)-1) != 0 || PTE(pa)&^addrMask != 0):
		panic("pagetable: precondition: physical address not aligned or beyond MAXPHYADDR")
	}
}

func leafLevel(size PageSize) int {
	if size == Size2M {
		return 1
	}
	return 0
}

// Map maps the page of the given size at va to pa with flags (Writable,
// User, NoExecute, Global, WriteThrough, CacheDisable; Present is implied).
// It fails with ErrExists if any part of va's page is mapped, with
// ErrNoMemory if a table cannot be had; on failure nothing is left behind.
//
// Preconditions (checked with -tags mmdebug; ErrInvalid otherwise):
//   - size is Size4K or Size2M;
//   - va is canonical and aligned to size;
//   - pa is aligned to size and below 2^52 (MAXPHYADDR).
func (t *Table) Map(va mm.VirtAddr, pa mm.PhysAddr, size PageSize, flags PTE) error {
	if debug {
		checkPage(va, pa, size, true)
	}
	if err := checkArgs(va, size); err != nil {
		return err
	}
	if uint64(pa)&(uint64(size)-1) != 0 || PTE(pa)&^addrMask != 0 {
		return fmt.Errorf("%w: physical address %v for a %v page", ErrInvalid, pa, size)
	}
	if flags&^permissionMask != 0 {
		return fmt.Errorf("%w: flags %#x", ErrInvalid, uint64(flags))
	}
	leaf := leafLevel(size)
	var fresh [levels]mm.PhysAddr
	tbl, _, up, err := t.descend(va, leaf, flags&User != 0, &fresh)
	if err != nil {
		return err
	}
	e := &tbl[index(va, leaf)]
	if *e&Present != 0 {
		return fmt.Errorf("%w: %v", ErrExists, va)
	}
	up.apply()
	if leaf == 1 {
		flags |= Huge
	}
	*e = PTE(pa) | flags | Present
	return nil
}

// descend returns the table at level leaf that holds va's entry, making
// the missing tables above it (entries Present and Writable, with U/S
// when user: the leaf's entries decide). fresh receives the tables it
// made, n of them, for a caller that backs out later (rollback), and up
// the entries above that lack U/S, which a user caller sets (apply) once
// it cannot fail any more. On
// failure nothing it made is left: ErrNoMemory, or ErrExists when a
// larger page covers va. Map, MakePTEs and Share share it.
func (t *Table) descend(va mm.VirtAddr, leaf int, user bool, fresh *[levels]mm.PhysAddr) (tbl *[entries]PTE, n int, up userUpgrade, err error) {
	var lacking [levels]*PTE // existing entries above without U/S
	nl := 0
	tbl = table(t.root)
	for level := levels - 1; level > leaf; level-- {
		e := &tbl[index(va, level)]
		switch {
		case *e&Present == 0:
			pa, err := t.src.AllocTable()
			if err != nil {
				t.rollback(va, fresh[:n])
				return nil, 0, up, ErrNoMemory
			}
			fresh[n] = pa
			n++
			*e = PTE(pa) | Present | Writable
			if user {
				*e |= User
			}
		case *e&Huge != 0:
			t.rollback(va, fresh[:n])
			return nil, 0, up, fmt.Errorf("%w: %v lies in a larger page", ErrExists, va)
		case user && *e&User == 0:
			lacking[nl] = e
			nl++
		}
		tbl = table(e.Addr())
	}
	up = userUpgrade{lacking, nl}
	return tbl, n, up, nil
}

// userUpgrade is the existing entries above a leaf that lack U/S, which
// descend found for a user mapping; apply sets it, once the caller's own
// checks passed, so that a failed call changes nothing. A user access
// needs U/S at every level (SDM 3A 4.6.1); raising a right needs no
// invalidation (SDM 3A 4.10.4.3), and the leaf's own U/S still decides.
type userUpgrade struct {
	e [levels]*PTE
	n int
}

func (u *userUpgrade) apply() {
	for _, e := range u.e[:u.n] {
		*e |= User
	}
}

// allowUser sets U/S in the intermediate entries above va's leaf at the
// given level: a user access needs U/S at every level (SDM 3A 4.6.1).
// Raising a right needs no invalidation (SDM 3A 4.10.4.3).
func (t *Table) allowUser(va mm.VirtAddr, leaf int) {
	tbl := table(t.root)
	for level := levels - 1; level > leaf; level-- {
		e := &tbl[index(va, level)]
		*e |= User
		tbl = table(e.Addr())
	}
}

// rollback unlinks and frees tables Map allocated before failing; they
// are empty, and being new they were never in a TLB.
func (t *Table) rollback(va mm.VirtAddr, fresh []mm.PhysAddr) {
	if len(fresh) == 0 {
		return
	}
	// The first fresh table hangs from the deepest table that existed.
	tbl := table(t.root)
	for level := levels - 1; level > 0; level-- {
		e := &tbl[index(va, level)]
		if e.Addr() == fresh[0] {
			*e = 0
			break
		}
		tbl = table(e.Addr())
	}
	// Fresh tables link to each other: clear them, so that they go back
	// as zeroed as they came (a FrameSource may hand them out again as
	// they are).
	for _, pa := range fresh {
		clear(table(pa)[:])
		t.src.FreeTable(pa)
	}
}

// Unmap removes the page of the given size at va and returns the physical
// address it mapped. Tables left empty are freed. It fails with
// ErrNotMapped when no page of that size is mapped at va.
//
// Preconditions (checked with -tags mmdebug; ErrInvalid otherwise):
// size is Size4K or Size2M; va is canonical and aligned to size.
func (t *Table) Unmap(va mm.VirtAddr, size PageSize) (mm.PhysAddr, error) {
	if debug {
		checkPage(va, 0, size, false)
	}
	if err := checkArgs(va, size); err != nil {
		return 0, err
	}
	var path [levels]*[entries]PTE
	leaf := leafLevel(size)
	tbl := table(t.root)
	for level := levels - 1; level >= leaf; level-- {
		path[level] = tbl
		e := tbl[index(va, level)]
		if e&Present == 0 || (level > leaf && e&Huge != 0) || (level == 1 && leaf == 1 && e&Huge == 0) {
			return 0, fmt.Errorf("%w: no %v page at %v", ErrNotMapped, size, va)
		}
		if level > leaf {
			tbl = table(e.Addr())
		}
	}
	e := &path[leaf][index(va, leaf)]
	pa := e.Addr()
	*e = 0
	t.prune(&path, va, leaf, true)
	return pa, nil
}

// prune unlinks the tables on va's path, from level leaf up, that hold
// nothing any more, then invalidates va (a paging-structure cache may
// point at a table until the INVLPG; always when flush is set, else only
// if a table went), then frees them. path[l] is the table read at level
// l.
func (t *Table) prune(path *[levels]*[entries]PTE, va mm.VirtAddr, leaf int, flush bool) {
	var empty [levels]mm.PhysAddr
	nempty := 0
	for level := leaf + 1; level < levels; level++ {
		if !isEmpty(path[level-1]) {
			break
		}
		pe := &path[level][index(va, level)]
		empty[nempty] = pe.Addr()
		nempty++
		*pe = 0
	}
	if flush || nempty > 0 {
		invalidate(va, 1)
	}
	for _, tpa := range empty[:nempty] {
		t.src.FreeTable(tpa)
	}
}

// isEmpty reports whether a table holds nothing: no present entry and no
// software leaf (a non-present entry with data, see Set).
func isEmpty(tbl *[entries]PTE) bool {
	for _, e := range tbl {
		if e != 0 {
			return false
		}
	}
	return true
}

// leaf returns the present leaf entry mapping va and its size, or nil.
func (t *Table) leaf(va mm.VirtAddr) (*PTE, PageSize) {
	p, s := t.leafSlot(va)
	if p == nil || *p&Present == 0 {
		return nil, 0
	}
	return p, s
}

// permissionMask is what Protect may change.
const permissionMask = Writable | User | NoExecute | Global | WriteThrough | CacheDisable

// Protect replaces the permission and cache flags of the page of the given
// size at va, keeping its address and its Accessed and Dirty bits.
//
// Preconditions (checked with -tags mmdebug; ErrInvalid otherwise):
// size is Size4K or Size2M; va is canonical and aligned to size.
func (t *Table) Protect(va mm.VirtAddr, size PageSize, flags PTE) error {
	if debug {
		checkPage(va, 0, size, false)
	}
	if err := checkArgs(va, size); err != nil {
		return err
	}
	if flags&^permissionMask != 0 {
		return fmt.Errorf("%w: flags %#x", ErrInvalid, uint64(flags))
	}
	e, s := t.leaf(va)
	if e == nil || s != size {
		return fmt.Errorf("%w: no %v page at %v", ErrNotMapped, size, va)
	}
	if flags&User != 0 {
		t.allowUser(va, leafLevel(size))
	}
	*e = *e&^permissionMask | flags
	invalidate(va, 1)
	return nil
}

// Translate returns the physical address va maps to and the leaf entry.
func (t *Table) Translate(va mm.VirtAddr) (mm.PhysAddr, PTE, bool) {
	e, s := t.leaf(va)
	if e == nil {
		return 0, 0, false
	}
	base := e.Addr()
	if s == Size2M {
		base = mm.PhysAddr(*e & hugeAddrMask)
	}
	return base + mm.PhysAddr(uint64(va)&(uint64(s)-1)), *e, true
}

// TestAndClear clears bit (Accessed or Dirty) in the leaf mapping va and
// reports whether it was set. A cleared bit is invalidated from the TLB,
// or the CPU would go on using the cached entry without setting it again.
func (t *Table) TestAndClear(va mm.VirtAddr, bit PTE) (bool, error) {
	if bit != Accessed && bit != Dirty {
		return false, fmt.Errorf("%w: TestAndClear(%#x)", ErrInvalid, uint64(bit))
	}
	if !Canonical(va) {
		return false, fmt.Errorf("%w: %v is not canonical", ErrInvalid, va)
	}
	e, s := t.leaf(va)
	if e == nil {
		return false, fmt.Errorf("%w: %v", ErrNotMapped, va)
	}
	if *e&bit == 0 {
		return false, nil
	}
	*e &^= bit
	invalidate(va&^mm.VirtAddr(s-1), 1)
	return true, nil
}

// Level is one step of a walk.
type Level struct {
	// Table is the physical address of the table read at this level.
	Table mm.PhysAddr
	// Index is the entry's index in it.
	Index int
	// Entry is the entry's value.
	Entry PTE
}

// EntryAddr is the physical address of the entry.
func (l Level) EntryAddr() mm.PhysAddr { return l.Table + mm.PhysAddr(8*l.Index) }

// LevelNames names the levels from the top: index 0 is the PML4.
var LevelNames = [levels]string{"PML4", "PDPT", "PD", "PT"}

// Walk is the record of a walk through the tables for one address.
type Walk struct {
	// Levels read, from the PML4 down; N of them are valid.
	Levels [levels]Level
	N      int
	// Mapped: the walk reached a present leaf, which maps PA with Size.
	Mapped bool
	PA     mm.PhysAddr
	Size   PageSize
}

// Span is the size of the address range the last entry the walk read
// covers: 512 GiB for a PML4E, 1 GiB for a PDPTE, 2 MiB for a PDE, 4 KiB
// for a PTE. A walk that stopped at a non-present entry shows that whole
// range unmapped. 0 for a walk that read nothing (non-canonical).
func (w Walk) Span() uint64 {
	if w.N == 0 {
		return 0
	}
	return uint64(Size4K) << (9 * (levels - w.N))
}

// Walk walks the tables for va, recording every level it reads. It stops
// at a non-present entry (the last recorded) or at the leaf.
func (t *Table) Walk(va mm.VirtAddr) Walk {
	var w Walk
	if !Canonical(va) {
		return w
	}
	tpa := t.root
	for level := levels - 1; level >= 0; level-- {
		i := index(va, level)
		e := table(tpa)[i]
		w.Levels[w.N] = Level{Table: tpa, Index: i, Entry: e}
		w.N++
		if e&Present == 0 {
			return w
		}
		if level == 0 || (level == 1 && e&Huge != 0) {
			w.Mapped, w.Size = true, Size4K
			if level == 1 {
				w.Size = Size2M
			}
			w.PA = e.Addr() + mm.PhysAddr(uint64(va)&(uint64(w.Size)-1))
			if level == 1 {
				w.PA = mm.PhysAddr(e&hugeAddrMask) + mm.PhysAddr(uint64(va)&(uint64(Size2M)-1))
			}
			return w
		}
		if e&Huge != 0 {
			return w // 1 GiB page: not followed
		}
		tpa = e.Addr()
	}
	return w
}

// Leaf returns the leaf entry for va and its size, present or not: ok is
// false when no table reaches va's leaf level. A non-present leaf may hold
// software data (see Set); the MMU ignores it.
func (t *Table) Leaf(va mm.VirtAddr) (e PTE, size PageSize, ok bool) {
	p, s := t.leafSlot(va)
	if p == nil {
		return 0, 0, false
	}
	return *p, s, true
}

// leafSlot returns the slot of va's leaf: the PTE when a page table
// covers va, the PDE when a 2 MiB page does; nil otherwise.
func (t *Table) leafSlot(va mm.VirtAddr) (*PTE, PageSize) {
	if !Canonical(va) {
		return nil, 0
	}
	// Unrolled: every fault and every user copy by the walk asks.
	e := &table(t.root)[va>>39&(entries-1)] // PML4E
	if *e&Present == 0 || *e&Huge != 0 {
		return nil, 0
	}
	e = &table(e.Addr())[va>>30&(entries-1)] // PDPTE (no 1 GiB pages)
	if *e&Present == 0 || *e&Huge != 0 {
		return nil, 0
	}
	e = &table(e.Addr())[va>>21&(entries-1)] // PDE
	switch {
	case *e&Present == 0:
		return nil, 0
	case *e&Huge != 0:
		return e, Size2M
	}
	return &table(e.Addr())[va>>12&(entries-1)], Size4K // PTE
}

// Set replaces the 4 KiB leaf for va with e, which may be non-present
// software data (a PROT_NONE page or a swap entry: mm/vm's leaf.go),
// and invalidates the TLB. The page table covering va must exist: after Map, Set changes
// the leaf in place (copy-on-write, protection); Set never creates or
// frees tables. A leaf set non-present keeps its table alive: Unmap of
// that address (or Clear) removes it.
func (t *Table) Set(va mm.VirtAddr, e PTE) error {
	if err := checkArgs(va, Size4K); err != nil {
		return err
	}
	p, s := t.leafSlot(va)
	if p == nil || s != Size4K {
		return fmt.Errorf("%w: no page table for %v", ErrNotMapped, va)
	}
	if e&Present != 0 && e&Huge != 0 {
		return fmt.Errorf("%w: Set with PS", ErrInvalid)
	}
	old := *p
	*p = e
	if old&Present != 0 {
		invalidate(va, 1)
	}
	return nil
}

// Clear removes the 4 KiB leaf for va, present or not, returning what it
// held, and frees tables left empty, as Unmap does.
func (t *Table) Clear(va mm.VirtAddr) (PTE, error) {
	p, s := t.leafSlot(va)
	if p == nil || s != Size4K || *p == 0 {
		return 0, fmt.Errorf("%w: %v", ErrNotMapped, va)
	}
	old := *p
	if old&Present != 0 {
		_, err := t.Unmap(va, Size4K)
		return old, err
	}
	// A software leaf: make it present for Unmap's bookkeeping, which
	// then clears it and frees the tables it leaves empty.
	*p = Present
	_, err := t.Unmap(va, Size4K)
	return old, err
}

// Root entries. RootEntries exposes the PML4 to the code that shares its
// kernel half between tables (mm/vm): entries outside the caller's own
// range point to tables the caller does not own.
func (t *Table) RootEntries() *[entries]PTE { return table(t.root) }

// Release frees the PML4. Every entry must be clear: the caller has
// unmapped its pages and cleared the entries it shared.
func (t *Table) Release() {
	if !isEmpty(table(t.root)) {
		panic("pagetable.Release: PML4 still has entries")
	}
	t.src.FreeTable(t.root)
	t.root = 0
}
