package workload

// The reference policies: the page faults a run makes in a given number
// of frames, from empty memory, under Belady's optimal MIN and under the
// textbook online policies (exact LRU, FIFO, CLOCK). The lab prints them
// (lab optimum, and the thrash sweep's reference lines) and mm/vm's
// tests hold the kernel's policies against them.

// noFrames is the policies' panic for a frame count below 1, which
// the lab's parseOptimum refuses.
const noFrames = "workload: a policy run with no frames"

// RefString is a reference string with its pages renumbered densely,
// 0..distinct-1 in order of first reference, so that the policies keep
// arrays, not maps.
type RefString struct {
	ids []int32
	// Distinct is the number of distinct pages: the compulsory faults.
	Distinct int
	// From is the first reference whose fault is counted: the ones
	// before warm memory up, as a benchmark's untimed pass. 0 by default.
	From int
}

func NewRefString(trace []uint64) RefString {
	ids := make([]int32, len(trace))
	dense := map[uint64]int32{}
	for i, p := range trace {
		id, ok := dense[p]
		if !ok {
			if len(dense) == 1<<31-1 {
				panic("workload: more than 2^31-1 distinct pages")
			}
			id = int32(len(dense))
			dense[p] = id
		}
		ids[i] = id
	}
	return RefString{ids: ids, Distinct: len(dense)}
}

// FaultsMIN is Belady's MIN (Belady 1966; Mattson et al. 1970 proved it
// optimal): on a fault with every frame full, evict the resident page
// whose next reference is farthest in the future (or never comes). A
// backward pass finds each reference's next use; the resident pages sit
// in a max-heap on their next use, indexed by page so that a hit moves
// its page in place. O(N log F).
func (r RefString) FaultsMIN(frames int) int {
	if frames < 1 {
		panic(noFrames)
	}
	n := len(r.ids)
	next := make([]int, n) // next[i]: the index of the next reference to ids[i], or n
	last := make([]int, r.Distinct)
	for p := range last {
		last[p] = n
	}
	for i := n - 1; i >= 0; i-- {
		next[i] = last[r.ids[i]]
		last[r.ids[i]] = i
	}
	h := nextUseHeap{pos: make([]int, r.Distinct), key: make([]int, r.Distinct)}
	for p := range h.pos {
		h.pos[p] = -1
	}
	faults := 0
	for i, id := range r.ids {
		p := int(id)
		if h.pos[p] >= 0 {
			h.key[p] = next[i] // later than before: the page rises
			h.up(h.pos[p])
			continue
		}
		if i >= r.From {
			faults++
		}
		h.key[p] = next[i]
		if len(h.pages) < frames {
			h.pages = append(h.pages, p)
			h.pos[p] = len(h.pages) - 1
			h.up(h.pos[p])
			continue
		}
		h.pos[h.pages[0]] = -1 // the farthest next use: evicted
		h.pages[0], h.pos[p] = p, 0
		h.down(0)
	}
	return faults
}

// nextUseHeap is a max-heap of the resident pages on key, their next use;
// pos[p] is p's index in pages, or -1 when p is not resident.
type nextUseHeap struct {
	pages    []int
	pos, key []int
}

func (h *nextUseHeap) swap(i, j int) {
	h.pages[i], h.pages[j] = h.pages[j], h.pages[i]
	h.pos[h.pages[i]], h.pos[h.pages[j]] = i, j
}

func (h *nextUseHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if h.key[h.pages[parent]] >= h.key[h.pages[i]] {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

func (h *nextUseHeap) down(i int) {
	for {
		big := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h.pages) && h.key[h.pages[c]] > h.key[h.pages[big]] {
				big = c
			}
		}
		if big == i {
			return
		}
		h.swap(i, big)
		i = big
	}
}

// FaultsLRU is exact LRU: on a fault with every frame full, evict the
// page referenced least recently. The resident pages are a doubly linked
// list in recency order, in arrays indexed by page. O(N).
func (r RefString) FaultsLRU(frames int) int {
	if frames < 1 {
		panic(noFrames)
	}
	const none = -1
	prev, next := make([]int, r.Distinct), make([]int, r.Distinct)
	resident := make([]bool, r.Distinct)
	head, tail, size, faults := none, none, 0, 0 // head: most recent
	unlink := func(p int) {
		if prev[p] != none {
			next[prev[p]] = next[p]
		} else {
			head = next[p]
		}
		if next[p] != none {
			prev[next[p]] = prev[p]
		} else {
			tail = prev[p]
		}
	}
	for i, id := range r.ids {
		p := int(id)
		if resident[p] {
			unlink(p)
		} else {
			if i >= r.From {
				faults++
			}
			if size == frames {
				victim := tail
				unlink(victim)
				resident[victim] = false
			} else {
				size++
			}
			resident[p] = true
		}
		prev[p], next[p] = none, head
		if head != none {
			prev[head] = p
		}
		head = p
		if tail == none {
			tail = p
		}
	}
	return faults
}

// FaultsFIFO evicts the page loaded longest ago, references or not.
func (r RefString) FaultsFIFO(frames int) int {
	if frames < 1 {
		panic(noFrames)
	}
	slot := make([]int, frames) // the frames in load order, a ring from hand
	resident := make([]bool, r.Distinct)
	used, hand, faults := 0, 0, 0
	for i, id := range r.ids {
		p := int(id)
		if resident[p] {
			continue
		}
		if i >= r.From {
			faults++
		}
		if used < frames {
			slot[used] = p
			used++
		} else {
			resident[slot[hand]] = false
			slot[hand] = p
			hand = (hand + 1) % frames
		}
		resident[p] = true
	}
	return faults
}

// FaultsClock is CLOCK (second chance, Corbató 1968), with the
// hardware's Accessed bit as the reference bit: a reference sets its
// page's bit, a load too (the faulting access references the page); on
// a fault with every frame full, the hand clears set bits and evicts the
// first page whose bit is clear, and the new page takes its frame.
func (r RefString) FaultsClock(frames int) int {
	if frames < 1 {
		panic(noFrames)
	}
	slot := make([]int, frames)
	ref := make([]bool, frames)
	where := make([]int, r.Distinct) // p's frame + 1, or 0
	used, hand, faults := 0, 0, 0
	for i, id := range r.ids {
		p := int(id)
		if where[p] != 0 {
			ref[where[p]-1] = true
			continue
		}
		if i >= r.From {
			faults++
		}
		if used < frames {
			slot[used], ref[used] = p, true
			used++
			where[p] = used
			continue
		}
		for ref[hand] {
			ref[hand] = false
			hand = (hand + 1) % frames
		}
		where[slot[hand]] = 0
		slot[hand], ref[hand] = p, true
		where[p] = hand + 1
		hand = (hand + 1) % frames
	}
	return faults
}
