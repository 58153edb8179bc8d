package swap

import (
	"errors"
	"fmt"
	"slices"

	"github.com/pagoda-os/pagoda/mm"
)

// Errors of swap areas.
var (
	ErrFull    = errors.New("swap: no free swap slot")
	ErrBusy    = errors.New("swap: device is already a swap area")
	ErrNoArea  = errors.New("swap: not a swap area in use")
	ErrTooMany = errors.New("swap: too many swap areas")
	ErrInUse   = errors.New("swap: area still holds pages")
	ErrBadSlot = errors.New("swap: bad swap entry")
)

// Device is the disk under a swap area. ReadPhys, WritePhys,
// ReadPagesPhys and WritePagesPhys poll the device and neither allocate
// nor block: the fault path reads with them, and the reclaimer writes
// with them while it holds the kernel lock (drivers/virtio/blk.Disk).
// ReadAt and ReadPages are goroutine context and may sleep until the
// device's completion interrupt wakes the reader: swapon reads the
// header with ReadAt, and a user fault's retry path (ReadWait,
// ReadCluster with wait) its pages with ReadPages. The Pages calls move
// consecutive pages of the disk to or from frames anywhere in memory,
// in as few requests as the device allows (a cluster of slots).
type Device interface {
	Name() string
	Sectors() uint64
	ReadAt(p []byte, off int64) (int, error)
	ReadPhys(sector uint64, pa mm.PhysAddr, n int) error
	WritePhys(sector uint64, pa mm.PhysAddr, n int) error
	ReadPages(sector uint64, pages []mm.PhysAddr) error
	ReadPagesPhys(sector uint64, pages []mm.PhysAddr) error
	WritePagesPhys(sector uint64, pages []mm.PhysAddr) error
}

// Entry names a swapped page: an area and a slot in it. It is what a
// non-present PTE or a tmpfs page index holds for a page on swap. The
// zero Entry is no entry.
type Entry uint64

const (
	// MaxAreas is how many areas may be on at once (Linux MAX_SWAPFILES
	// is 32 less a few kept for migration entries).
	MaxAreas  = 32
	areaShift = 35 // slots below, area+1 above: 40 bits in all
	slotMask  = 1<<areaShift - 1
)

func makeEntry(area int, slot uint64) Entry { return Entry(uint64(area+1)<<areaShift | slot) }

// Area is the index of the entry's area in the Set.
func (e Entry) Area() int { return int(e>>areaShift) - 1 }

// Slot is the entry's slot (page) in its area.
func (e Entry) Slot() uint64 { return uint64(e) & slotMask }

func (e Entry) String() string { return fmt.Sprintf("swap %d:%d", e.Area(), e.Slot()) }

// Per-slot reference counts: how many PTEs, tmpfs pages (and the swap
// cache's pending readers) name the slot. A COW-shared page swapped out
// once has one slot with a count for each PTE.
const (
	slotBad = ^uint16(0)  // the header page or a bad page: never handed out
	maxRefs = slotBad - 1 // Dup beyond fails (Linux would chain counts)
	cluster = 256         // slots per allocation cluster (Linux SWAPFILE_CLUSTER)
)

// Area is one swap area: a device with a swap header, its slots, and the
// swap cache of its slots.
type Area struct {
	Dev      Device
	Header   Header
	Priority int
	// Draining: swapoff is bringing the pages back; no slot is handed
	// out meanwhile (Linux clears SWP_WRITEOK).
	Draining bool
	index    int
	refs     []uint16 // per slot; slot 0 is the header
	// cache is the swap cache: the frame holding a slot's page while it
	// is in memory as well (read ahead, shared after swap-in, or on its
	// way out), 0 if none. Dense, so the fault path never allocates.
	cache []mm.PFN
	// shadow is what the reclaimer left in a slot in use and not cached
	// when it evicted the slot's page (Linux keeps it in the swap
	// cache's xarray slot, mm/workingset.c): opaque here, 0 for none.
	// Dense like cache, so it costs 4 bytes a slot and never grows;
	// freeing the slot clears it, as Linux clear_shadow_from_swap_cache.
	shadow []uint32
	used   uint64 // slots with a reference
	cached uint64 // slots with a frame in the cache
	// Cluster allocation (Linux scan_swap_map_slots): slots are handed
	// out in order inside the current cluster, so that pages evicted
	// together sit together on the disk; a new cluster is a wholly free
	// one when there is one.
	next, end   uint64
	clusterFree []uint16 // free slots per cluster
}

// Slots is the number of usable slots.
func (a *Area) Slots() uint64 { return a.Header.Slots() }

// Used is the number of slots holding a page.
func (a *Area) Used() uint64 { return a.used }

// Index is the area's index, as entries name it.
func (a *Area) Index() int { return a.index }

// Stats are the swap layer's counters.
type Stats struct {
	SwapIns   uint64 // pages read from swap (pswpin)
	SwapOuts  uint64 // pages written to swap (pswpout)
	Readahead uint64 // of the pages read, those read ahead of a fault
}

// Set is every swap area in use.
type Set struct {
	areas [MaxAreas]*Area
	// order is the areas by priority, highest first; allocation takes
	// from the first with a free slot, and rotates among equal ones.
	order    []*Area
	nextPrio int // the priority of the next area given none (Linux: -2, -3...)
	Stats    Stats
}

// NewSet makes an empty set.
func NewSet() *Set { return &Set{nextPrio: -2} }

// Areas lists the areas by priority, highest first.
func (s *Set) Areas() []*Area { return slices.Clone(s.order) }

// Area is the area an entry names, or nil.
func (s *Set) Area(e Entry) *Area {
	i := e.Area()
	if i < 0 || i >= MaxAreas {
		return nil
	}
	return s.areas[i]
}

// Totals are the slots of all areas and those in use.
func (s *Set) Totals() (slots, used uint64) {
	for _, a := range s.order {
		slots += a.Slots()
		used += a.used
	}
	return slots, used
}

// Cached is the number of pages in the swap cache.
func (s *Set) Cached() uint64 {
	var n uint64
	for _, a := range s.order {
		n += a.cached
	}
	return n
}

// On makes dev a swap area (Linux swapon): it reads and checks the
// header, and uses the pages it names. prio < 0 with auto set picks the
// next automatic priority.
func (s *Set) On(dev Device, prio int, auto bool) (*Area, error) {
	for _, a := range s.order {
		if a.Dev == dev {
			return nil, fmt.Errorf("%w: %s", ErrBusy, dev.Name())
		}
	}
	idx := slices.Index(s.areas[:], nil)
	if idx < 0 {
		return nil, ErrTooMany
	}
	page := make([]byte, PageSize)
	if _, err := dev.ReadAt(page, 0); err != nil {
		return nil, fmt.Errorf("swap: reading the header of %s: %w", dev.Name(), err)
	}
	h, err := ParseHeader(page, int64(dev.Sectors())*512)
	if err != nil {
		return nil, err
	}
	if auto {
		prio = s.nextPrio
		s.nextPrio--
	}
	a := newArea(dev, h, prio, idx)
	s.areas[idx] = a
	s.order = append(s.order, a)
	slices.SortStableFunc(s.order, func(x, y *Area) int { return y.Priority - x.Priority })
	return a, nil
}

func newArea(dev Device, h Header, prio, idx int) *Area {
	n := uint64(h.LastPage) + 1
	a := &Area{Dev: dev, Header: h, Priority: prio, index: idx,
		refs: make([]uint16, n), cache: make([]mm.PFN, n), shadow: make([]uint32, n),
		clusterFree: make([]uint16, (n+cluster-1)/cluster)}
	a.refs[0] = slotBad
	for _, b := range h.BadPages {
		a.refs[b] = slotBad
	}
	for i := range a.refs {
		if a.refs[i] == 0 {
			a.clusterFree[i/cluster]++
		}
	}
	return a
}

// Off removes an area (Linux swapoff, once the caller has brought every
// page back): it fails while a slot still has a reference or a cached
// frame.
func (s *Set) Off(a *Area) error {
	if s.areas[a.index] != a {
		return ErrNoArea
	}
	if a.used > 0 || a.cached > 0 {
		return fmt.Errorf("%w: %d slots, %d cached", ErrInUse, a.used, a.cached)
	}
	s.areas[a.index] = nil
	s.order = slices.DeleteFunc(s.order, func(x *Area) bool { return x == a })
	return nil
}

// Find is the area on dev, or nil.
func (s *Set) Find(dev Device) *Area {
	for _, a := range s.order {
		if a.Dev == dev {
			return a
		}
	}
	return nil
}

// Alloc takes a free slot with one reference, from the highest-priority
// area that has one; areas of equal priority take turns. No allocation:
// the reclaimer calls it with memory short.
func (s *Set) Alloc() (Entry, error) {
	for i, a := range s.order {
		slot, ok := a.alloc()
		if !ok {
			continue
		}
		// Round robin among equal priorities: move a behind its peers.
		j := i
		for j+1 < len(s.order) && s.order[j+1].Priority == a.Priority {
			s.order[j], s.order[j+1] = s.order[j+1], s.order[j]
			j++
		}
		return makeEntry(a.index, slot), nil
	}
	return 0, ErrFull
}

// alloc takes the next slot of the current cluster, or starts a new one.
func (a *Area) alloc() (uint64, bool) {
	if a.used == a.Slots() || a.Draining {
		return 0, false
	}
	for {
		for a.next < a.end {
			slot := a.next
			a.next++
			if a.refs[slot] == 0 {
				a.take(slot)
				return slot, true
			}
		}
		if !a.newCluster() {
			break
		}
	}
	// No wholly free cluster: the first free slot anywhere.
	for slot, r := range a.refs {
		if r == 0 {
			a.take(uint64(slot))
			a.next, a.end = uint64(slot)+1, min(uint64(slot)/cluster*cluster+cluster, uint64(len(a.refs)))
			return uint64(slot), true
		}
	}
	return 0, false
}

// newCluster points next at the first cluster, after the current one,
// whose slots are all free (bad ones aside); false if there is none.
func (a *Area) newCluster() bool {
	n := uint64(len(a.clusterFree))
	start := a.end / cluster
	for k := range n {
		c := (start + k) % n
		first, last := c*cluster, min(c*cluster+cluster, uint64(len(a.refs)))
		if a.clusterFree[c] > 0 && uint64(a.clusterFree[c]) == a.goodSlots(first, last) {
			a.next, a.end = first, last
			return true
		}
	}
	return false
}

// goodSlots counts the slots of [first, last) that are not bad.
func (a *Area) goodSlots(first, last uint64) uint64 {
	n := last - first
	if first == 0 {
		n-- // the header
	}
	for _, b := range a.Header.BadPages {
		if uint64(b) >= first && uint64(b) < last {
			n--
		}
	}
	return n
}

func (a *Area) take(slot uint64) {
	a.refs[slot] = 1
	a.used++
	a.clusterFree[slot/cluster]--
}

// slot checks an entry against its area.
func (s *Set) slot(e Entry) (*Area, uint64, bool) {
	a := s.Area(e)
	if a == nil || e.Slot() >= uint64(len(a.refs)) {
		return nil, 0, false
	}
	r := a.refs[e.Slot()]
	if r == 0 || r == slotBad {
		return nil, 0, false
	}
	return a, e.Slot(), true
}

// Dup takes one more reference to a slot (fork copying a swap PTE).
func (s *Set) Dup(e Entry) error {
	a, slot, ok := s.slot(e)
	if !ok {
		return fmt.Errorf("%w: %v", ErrBadSlot, e)
	}
	if a.refs[slot] == maxRefs {
		return fmt.Errorf("%w: %v has %d references", ErrFull, e, maxRefs)
	}
	a.refs[slot]++
	return nil
}

// Refs is the slot's reference count (0 for a free or unknown one).
func (s *Set) Refs(e Entry) int {
	a, slot, ok := s.slot(e)
	if !ok {
		return 0
	}
	return int(a.refs[slot])
}

// Put drops one reference and returns how many are left. With the last,
// the slot is free again, and a frame the swap cache held for it is
// taken out and returned: the caller drops the cache's reference to it.
// No allocation (the fault path).
func (s *Set) Put(e Entry) (left int, uncached mm.PFN) {
	a, slot, ok := s.slot(e)
	if !ok {
		return 0, 0
	}
	a.refs[slot]--
	if a.refs[slot] == 0 {
		a.used--
		a.clusterFree[slot/cluster]++
		a.shadow[slot] = 0
		if uncached = a.cache[slot]; uncached != 0 {
			a.cache[slot] = 0
			a.cached--
		}
	}
	return int(a.refs[slot]), uncached
}

// Cache is the swap cache's frame for e, if any. No allocation.
func (s *Set) Cache(e Entry) (mm.PFN, bool) {
	a, slot, ok := s.slot(e)
	if !ok || a.cache[slot] == 0 {
		return 0, false
	}
	return a.cache[slot], true
}

// SetCache puts pfn in the swap cache as e's page (pfn 0 takes it out).
// No allocation.
func (s *Set) SetCache(e Entry, pfn mm.PFN) {
	a, slot, ok := s.slot(e)
	if !ok {
		return
	}
	switch {
	case a.cache[slot] == 0 && pfn != 0:
		a.cached++
	case a.cache[slot] != 0 && pfn == 0:
		a.cached--
	}
	a.cache[slot] = pfn
}

// SetShadow leaves shadow in e's slot, whose page the reclaimer has just
// evicted (the slot is in use and not cached). No allocation.
func (s *Set) SetShadow(e Entry, shadow uint32) {
	if a, slot, ok := s.slot(e); ok && a.cache[slot] == 0 {
		a.shadow[slot] = shadow
	}
}

// Shadow is e's shadow, or 0 (tests, and what a reader would ask).
func (s *Set) Shadow(e Entry) uint32 {
	if a, slot, ok := s.slot(e); ok {
		return a.shadow[slot]
	}
	return 0
}

// TakeShadow returns e's shadow, or 0, and clears it: the page is being
// read back (as Linux's swap-in reads the shadow its swap cache slot
// holds, and replaces it with the page). No allocation.
func (s *Set) TakeShadow(e Entry) uint32 {
	a, slot, ok := s.slot(e)
	if !ok {
		return 0
	}
	sh := a.shadow[slot]
	a.shadow[slot] = 0
	return sh
}

// Shadows counts a's slots holding a shadow (tests).
func (a *Area) Shadows() int {
	n := 0
	for _, sh := range a.shadow {
		if sh != 0 {
			n++
		}
	}
	return n
}

// Write writes the page at pa to e's slot, polling the device.
func (s *Set) Write(e Entry, pa mm.PhysAddr) error {
	a, slot, ok := s.slot(e)
	if !ok {
		return ErrBadSlot
	}
	if err := a.Dev.WritePhys(slot*(PageSize/512), pa, PageSize); err != nil {
		return err
	}
	s.Stats.SwapOuts++
	return nil
}

// Read reads e's page into pa, polling the device: it runs in page
// faults (no allocation, no blocking).
func (s *Set) Read(e Entry, pa mm.PhysAddr) error {
	a, slot, ok := s.slot(e)
	if !ok {
		return ErrBadSlot
	}
	if err := a.Dev.ReadPhys(slot*(PageSize/512), pa, PageSize); err != nil {
		return err
	}
	s.Stats.SwapIns++
	return nil
}

// ReadWait reads e's page into pa in goroutine context, through the
// device's ReadAt: on virtio-blk the reader sleeps until the completion
// interrupt wakes it, instead of polling. A user fault's retry path
// reads with it (mm/vm retry.go); it may allocate and block.
func (s *Set) ReadWait(e Entry, pa mm.PhysAddr) error {
	a, slot, ok := s.slot(e)
	if !ok {
		return ErrBadSlot
	}
	if _, err := a.Dev.ReadAt(mm.PhysBytes(pa, PageSize), int64(slot*PageSize)); err != nil {
		return err
	}
	s.Stats.SwapIns++
	return nil
}

// run checks that the len(pages) slots from first are in use in one
// area, and returns it and first's slot.
func (s *Set) run(first Entry, n int) (*Area, uint64, bool) {
	a, slot, ok := s.slot(first)
	if !ok || n == 0 || slot+uint64(n) > uint64(len(a.refs)) {
		return nil, 0, false
	}
	for x := slot + 1; x < slot+uint64(n); x++ {
		if a.refs[x] == 0 || a.refs[x] == slotBad {
			return nil, 0, false
		}
	}
	return a, slot, true
}

// WriteCluster writes the pages at pages to the len(pages) slots from
// first, all in use in one area, polling the device: one request for the
// cluster where the device takes that many segments (the reclaimer's
// swap-out of pages it evicts together). No allocation.
func (s *Set) WriteCluster(first Entry, pages []mm.PhysAddr) error {
	a, slot, ok := s.run(first, len(pages))
	if !ok {
		return ErrBadSlot
	}
	if err := a.Dev.WritePagesPhys(slot*(PageSize/512), pages); err != nil {
		return err
	}
	s.Stats.SwapOuts += uint64(len(pages))
	return nil
}

// ReadCluster reads the len(pages) slots from first, all in use in one
// area, into the frames at pages: polling the device (the fault path: no
// allocation, no blocking), or with wait set in goroutine context,
// sleeping until the device's interrupt (a user fault's retry path).
// One request for the cluster where the device takes that many segments
// (swap readahead).
func (s *Set) ReadCluster(first Entry, pages []mm.PhysAddr, wait bool) error {
	a, slot, ok := s.run(first, len(pages))
	if !ok {
		return ErrBadSlot
	}
	var err error
	if wait {
		err = a.Dev.ReadPages(slot*(PageSize/512), pages)
	} else {
		err = a.Dev.ReadPagesPhys(slot*(PageSize/512), pages)
	}
	if err != nil {
		return err
	}
	s.Stats.SwapIns += uint64(len(pages))
	return nil
}

// Window is the readahead window around a slot: the aligned block of
// span slots holding it (a power of two: Linux's page-cluster 3 makes at
// most 8, its ceiling of 5 makes 32), the entries of that block in use
// and not cached, e excluded, in slot order, written into buf (no
// allocation); it returns how many.
func (s *Set) Window(e Entry, span uint64, buf []Entry) int {
	a, slot, ok := s.slot(e)
	if !ok {
		return 0
	}
	first := slot &^ (span - 1)
	n := 0
	for x := first; x < first+span && x < uint64(len(a.refs)) && n < len(buf); x++ {
		if x == slot || a.refs[x] == 0 || a.refs[x] == slotBad || a.cache[x] != 0 {
			continue
		}
		buf[n] = makeEntry(a.index, x)
		n++
	}
	return n
}

// Each calls fn for every entry of a in use, in slot order (swapoff).
func (a *Area) Each(fn func(e Entry, refs int, cached mm.PFN) bool) {
	for slot, r := range a.refs {
		if r == 0 || r == slotBad {
			continue
		}
		if !fn(makeEntry(a.index, uint64(slot)), int(r), a.cache[slot]) {
			return
		}
	}
}

// Contains reports whether e names a slot of a.
func (a *Area) Contains(e Entry) bool { return e.Area() == a.index }
