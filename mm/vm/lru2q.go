package vm

import "math"

// lru2q is Linux's split LRU (mm/vmscan.c since 2.6.28, before MGLRU):
// anonymous and file pages on separate lists, each with an inactive and
// an active half, aged by two hands that read the hardware Accessed bit
// (folio_referenced), with vm.swappiness weighing anon against file.
//
// Which pages are file pages is Linux's folio_is_file_lru: page-cache
// pages of files that are not swap-backed. tmpfs pages, shared anonymous
// memory's included, go to swap, so they are on the anon lists with the
// private anonymous and swap-cache pages.
//
// The hands, per type (shrink_lruvec):
//
//   - New pages start at the front of the inactive list (lru_cache_add;
//     a refault within the working set starts on the active list:
//     workingset.go).
//   - When the inactive list is low (inactive_is_low: inactive × ratio <
//     active, the ratio √(10 × GiB of the type), 1 below a GiB), the
//     active hand (shrink_active_list) moves up to 32 pages from the
//     back of the active list to the front of the inactive one, clearing
//     their Accessed bits, used or not, and marks them workingset: a
//     page gets a second chance on the inactive list, not a place kept
//     on the active one.
//   - The inactive hand (shrink_inactive_list, folio_check_references)
//     takes the back of the inactive list: a page whose Accessed bit is
//     clear is the victim; a page found referenced is activated on the
//     second reference seen by the hand (PG_referenced), and rotated to
//     the inactive front on its first: every mapped page starts with the
//     reference of the fault that made it, so the hand looks twice
//     (anonymous pages as file pages since Linux 5.9, "mm/vmscan: protect
//     the workingset on anonymous LRU"; before, an anonymous page was
//     activated on its first). A page used once in passing, a file read
//     or a page of a loop larger than memory, never pushes the working
//     set off the active list.
//
// The balance (get_scan_count), simplified: no anon is scanned without a
// free swap slot (SCAN_FILE) or, with swappiness 0, while file pages
// remain; with swappiness 200 no file page is scanned while anon pages
// remain; otherwise victims are taken from the two types in proportion
// to each type's pages times its fraction (SCAN_FRACT), interleaved one
// victim at a time by a smooth weighted round robin. The fractions are
// Linux's since 5.8 ("mm: balance LRU lists based on relative
// thrashing"): swappiness for anon and 200 − swappiness for file, each
// divided by the type's recent cost, the I/O its reclaim caused. A type
// pays one per page written out by reclaim (an anonymous page to swap, a
// dirty file page queued for writeback: lru_note_cost from
// shrink_inactive_list) and one per refault of a page that had been
// active (lru_note_cost_refault in workingset_refault); both costs halve
// when their sum passes a quarter of the pages on the lists, so that
// only recent costs count. Left out: the priority-shifted batches,
// cache_trim_mode and file_is_tiny.
//
// Not modelled: VM_EXEC file pages kept active by the active hand, the
// referenced_ptes > 1 rule (the hand sees one bit for all PTEs), the
// per-CPU lru_add batches, mark_page_accessed from read(2) (only PTE
// Accessed bits count), unevictable pages.
type lru2q struct {
	lists
	env lruEnv
	// q by Linux's enum lru_list order: inactive anon, active anon,
	// inactive file, active file. A page's tag is its list's index + 1.
	q [4]lru
	// flags by frame-table index: pgReferenced, pgWorkingset. Cleared
	// when the page leaves memory (Forget).
	flags []uint8
	// credit is the weighted round robin's state, anon and file: the
	// type with more credit gives the next victim.
	credit [2]int64
	// activations counts promotions to an active list: by the inactive
	// hand and by refaults. With evictions, it ages the non-resident
	// counter (workingset.go).
	activations uint64
	// cost is each type's recent reclaim cost, anon and file
	// (lruvec->anon_cost, file_cost): pages written out and refaults
	// of workingset pages, halved as they age (NoteCost).
	cost [2]uint64
	// refaults is each type's refault activations at the end of the
	// last reclaim (lruvec->refaults); deact is how many active pages
	// this reclaim may still age though the inactive list is not low:
	// the refault activations since (Linux 5.9+'s sc->may_deactivate,
	// one for one).
	refaults [2]uint64
	deact    [2]uint64
}

// lruEnv is what lru2q asks of the reclaimer. No allocation, no lock:
// Victim runs in faults' reclaim.
type lruEnv interface {
	fileLRU(i uint32) bool // i is a file page (folio_is_file_lru)
	canSwap() bool         // a swap slot is free (can_reclaim_anon_pages)
	swappiness() int       // vm.swappiness, 0..200
}

const (
	pgReferenced uint8 = 1 << 0 // the inactive hand saw the page referenced once (PG_referenced)
	pgWorkingset uint8 = 1 << 1 // the page was active once (PG_workingset)
)

const (
	lruAnon = 0
	lruFile = 1

	lruInactive = 0
	lruActive   = 1

	deactivateBatch = 32 // pages the active hand moves at a time (SWAP_CLUSTER_MAX)
)

func newLRU2Q(l lists, env lruEnv) *lru2q {
	p := &lru2q{lists: l, env: env, flags: make([]uint8, l.frames.Span())}
	for k := range p.q {
		p.q[k] = lru{id: uint8(k + 1), front: noFrame, back: noFrame}
	}
	return p
}

func (p *lru2q) list(typ, half int) *lru { return &p.q[2*typ+half] }

func (p *lru2q) typeOf(i uint32) int {
	if p.env.fileLRU(i) {
		return lruFile
	}
	return lruAnon
}

func (p *lru2q) Name() string { return "lru2q" }

// Cycle begins (start) or ends a reclaim with the refault activations so
// far, as Linux's shrink_node compares them with those snapshot at the
// end of the last reclaim (snapshot_refaults). Where Linux then scans
// the active list as much as the inactive one, lru2q ages one active
// page for each page a refault activated: as much aging made the lab's
// Zipf runs at four times memory 3 to 4% worse and the loop's at twice
// 17%, where one for one keeps them and still gains at twice memory.
func (p *lru2q) Cycle(start bool, anon, file uint64) {
	now := [2]uint64{anon, file}
	if start {
		p.deact = [2]uint64{now[0] - p.refaults[0], now[1] - p.refaults[1]}
		return
	}
	p.refaults = now
	p.deact = [2]uint64{}
}

// Add puts a new page, or one reclaim kept, at the front of its type's
// inactive list.
func (p *lru2q) Add(i uint32) { p.pushFront(p.list(p.typeOf(i), lruInactive), i) }

func (p *lru2q) Remove(i uint32) { p.remove(&p.q[p.on(i)-1], i) }

// Rotate puts a page whose reclaim writeback ended at the back of its
// type's inactive list (lru_move_tail: off the active list if it was
// there), the next victim.
func (p *lru2q) Rotate(i uint32) {
	p.Remove(i)
	p.pushBack(p.list(p.typeOf(i), lruInactive), i)
}

// Forget clears the flags of a page leaving memory.
func (p *lru2q) Forget(i uint32) { p.flags[i] = 0 }

// AddActive puts a page that refaulted within the working set on its
// type's active list (workingset_refault's folio_set_active), workingset
// if it was before its eviction.
func (p *lru2q) AddActive(i uint32, workingset bool) {
	if workingset {
		p.flags[i] |= pgWorkingset
	}
	p.pushFront(p.list(p.typeOf(i), lruActive), i)
	p.activations++
}

// Workingset reports PG_workingset.
func (p *lru2q) Workingset(i uint32) bool { return p.flags[i]&pgWorkingset != 0 }

// Activations counts promotions to an active list.
func (p *lru2q) Activations() uint64 { return p.activations }

// WorkingsetSize is what a refault distance is compared with, as Linux
// 6.1 workingset_refault: the active file list, the inactive file list
// too for an anonymous page, and, when a swap slot is free, the active
// anon list and, for a file page, the inactive anon list.
func (p *lru2q) WorkingsetSize(file bool) uint64 {
	n := p.list(lruFile, lruActive).n
	if !file {
		n += p.list(lruFile, lruInactive).n
	}
	if p.env.canSwap() {
		n += p.list(lruAnon, lruActive).n
		if file {
			n += p.list(lruAnon, lruInactive).n
		}
	}
	return n
}

func (p *lru2q) Lists() []ListLen {
	return []ListLen{
		{"Inactive(anon)", p.q[0].pages}, {"Active(anon)", p.q[1].pages},
		{"Inactive(file)", p.q[2].pages}, {"Active(file)", p.q[3].pages},
	}
}

func (p *lru2q) lruOf(tag uint8) *lru { return &p.q[tag-1] }

// NoteCost charges a type with n pages of reclaim I/O: pages written
// out, or a workingset page refaulting (Linux's lru_note_cost). The
// costs halve once their sum passes a quarter of the listed pages.
func (p *lru2q) NoteCost(file bool, n uint64) {
	typ := lruAnon
	if file {
		typ = lruFile
	}
	p.cost[typ] += n
	if p.cost[lruAnon]+p.cost[lruFile] > (p.pages(lruAnon)+p.pages(lruFile))/4 {
		p.cost[lruAnon] /= 2
		p.cost[lruFile] /= 2
	}
}

// fractions are get_scan_count's SCAN_FRACT shares of anon and file for
// swappiness sw: each type's swappiness weight over its recent cost.
func (p *lru2q) fractions(sw int64) (anon, file int64) {
	ca, cf := int64(p.cost[lruAnon]), int64(p.cost[lruFile])
	total := ca + cf
	ac, fc := total+ca, total+cf
	total = ac + fc
	return sw * (total + 1) / (ac + 1), (200 - sw) * (total + 1) / (fc + 1)
}

// pages is a type's pages on both its lists (a huge page counts 512).
func (p *lru2q) pages(typ int) uint64 {
	return p.list(typ, lruInactive).pages + p.list(typ, lruActive).pages
}

// scanType chooses the type the next victim comes from
// (get_scan_count, simplified as the type's comment says); false when
// no page may go.
func (p *lru2q) scanType() (int, bool) {
	anon, file := p.pages(lruAnon), p.pages(lruFile)
	if !p.env.canSwap() {
		anon = 0 // SCAN_FILE
	}
	sw := int64(p.env.swappiness())
	switch {
	case anon == 0 && file == 0:
		return 0, false
	case anon == 0 || sw == 0 && file > 0:
		return lruFile, true
	case file == 0 || sw == 200:
		return lruAnon, true
	}
	ap, fp := p.fractions(sw)
	w := [2]int64{int64(anon) * ap, int64(file) * fp}
	p.credit[lruAnon] += w[lruAnon]
	p.credit[lruFile] += w[lruFile]
	t := lruAnon
	if p.credit[lruFile] > p.credit[lruAnon] {
		t = lruFile
	}
	p.credit[t] -= w[lruAnon] + w[lruFile]
	return t, true
}

// inactiveLow is Linux's inactive_is_low for a type, in pages.
func (p *lru2q) inactiveLow(typ int) bool {
	in, act := p.list(typ, lruInactive).pages, p.list(typ, lruActive).pages
	ratio := uint64(1)
	if gb := (in + act) >> 18; gb > 0 { // 2^18 pages of 4 KiB a GiB
		ratio = uint64(math.Sqrt(float64(10 * gb)))
	}
	return in*ratio < act
}

// deactivate is the active hand (shrink_active_list).
func (p *lru2q) deactivate(typ int, referenced func(uint32) bool) {
	in, act := p.list(typ, lruInactive), p.list(typ, lruActive)
	if !p.inactiveLow(typ) {
		if p.deact[typ] > 0 && act.n > 0 {
			p.deact[typ]--
			// Refaults activated pages since the last reclaim: age
			// an active page for each, one per turn of the inactive
			// hand, so that the new working set can push the old one
			// out.
			i := act.back
			p.remove(act, i)
			referenced(i)
			p.flags[i] |= pgWorkingset
			p.pushFront(in, i)
		}
		return
	}
	for k := 0; k < deactivateBatch && act.n > 0 && p.inactiveLow(typ); k++ {
		i := act.back
		p.remove(act, i)
		referenced(i) // cleared: only a use from now on counts
		p.flags[i] |= pgWorkingset
		p.pushFront(in, i)
	}
}

// shrink is the inactive hand (shrink_inactive_list) over one turn of a
// type's inactive list, the active hand first if that list is low.
func (p *lru2q) shrink(typ int, referenced func(uint32) bool) (uint32, bool) {
	p.deactivate(typ, referenced)
	in, act := p.list(typ, lruInactive), p.list(typ, lruActive)
	for range in.n {
		i := in.back
		p.remove(in, i)
		if !referenced(i) {
			p.flags[i] &^= pgReferenced
			return i, true
		}
		if p.flags[i]&pgReferenced != 0 {
			p.flags[i] &^= pgReferenced
			p.pushFront(act, i)
			p.activations++
			continue
		}
		p.flags[i] |= pgReferenced
		p.pushFront(in, i)
	}
	return 0, false
}

// Victim takes the next page to reclaim: from the type scanType picks,
// or the other one if it has none that may go. Two rounds per type
// suffice: the first activates or marks every referenced page and
// clears its bits, so the second finds a victim unless the lists are
// empty.
func (p *lru2q) Victim(referenced func(uint32) bool) (uint32, bool) {
	t, ok := p.scanType()
	if !ok {
		return 0, false
	}
	for _, typ := range [2]int{t, 1 - t} {
		if typ == lruAnon && !p.env.canSwap() {
			continue
		}
		for range 2 {
			if i, ok := p.shrink(typ, referenced); ok {
				return i, true
			}
		}
	}
	return 0, false
}
