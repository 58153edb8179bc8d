package virtio

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pagoda-os/pagoda/lock"
	"github.com/pagoda-os/pagoda/mm"
)

// Split virtqueue layout, VIRTIO 1.2 §2.7: the descriptor table (16 bytes
// per descriptor, 16-byte aligned), the available ring written by the
// driver (flags, idx, ring[N], used_event; 2-byte aligned) and the used
// ring written by the device (flags, idx, ring[N] of {id, len},
// avail_event; 4-byte aligned).
const (
	descSize      = 16
	descFNext     = 1 // VIRTQ_DESC_F_NEXT, §2.7.5
	descFWrite    = 2 // VIRTQ_DESC_F_WRITE
	availFNoIntr  = 1 // VIRTQ_AVAIL_F_NO_INTERRUPT, §2.7.7
	usedElemSize  = 8
	ringHeader    = 4 // flags u16, idx u16
	maxQueueSize  = 32768
	doneBit       = 1 << 63 // in Queue.done: the device returned the chain
	ringAlignment = 4096
)

// Queue is one split virtqueue of a device. Chains are allocated from a
// free list of descriptors (Submit) or set aside once at initialisation
// for a context that may not wait (Reserve, SubmitChain); completions are
// harvested from the used ring into per-chain records (Harvest), which
// the chain's owner reads (Done) and then hands back (Release).
//
// Ownership: a descriptor is free, in a reserved chain, or in a chain the
// device owns from publication until its id appears in the used ring,
// after which the submitter owns it until Release. The used ring is
// consumed by whoever harvests first; records make the result reach the
// submitter whichever context harvested it.
type Queue struct {
	t     *Transport
	index uint32
	size  uint16 // N, a power of two
	mem   Mem
	ring  mm.PhysAddr // the allocation holding all three parts

	desc      []byte  // N descriptors: driver-written, device-read
	avail     []byte  // driver-written, device-read
	used      []byte  // device-written, driver-read
	availWord *uint32 // avail flags|idx<<16, stored atomically
	usedWord  *uint32 // used flags|idx<<16, loaded atomically

	lock lock.Spin // guards everything below except done
	// free[:nfree] are the free descriptors; nfree + descriptors in
	// chains (free or reserved) == size.
	free  []uint16
	nfree int
	// next[i] and length[h] shadow the chain links the driver wrote, so
	// that Release never trusts device-visible memory; length[h] != 0 only
	// for the head of an allocated or reserved chain.
	next     []uint16
	length   []uint16
	reserved []bool // reserved[h]: h heads a reserved chain
	inflight []bool // inflight[h]: the device owns the chain at h
	availIdx uint16 // next available ring index (free-running)
	flags    uint16 // available ring flags
	lastUsed uint16 // next used ring index to harvest (free-running)
	bogus    int    // used elements naming no in-flight chain: device bugs

	// done[h] is doneBit|used.len once the chain headed by h is returned,
	// 0 before. Written under lock by Harvest and Release; read
	// atomically without it by Done.
	done []atomic.Uint64
}

// SetupQueue initialises queue index with at most want descriptors
// (rounded down to a power of two no larger than QueueNumMax), following
// VIRTIO 1.2 §4.2.3.2. It runs after Negotiate and before DriverOK.
func (t *Transport) SetupQueue(index uint32, want int, mem Mem) (*Queue, error) {
	t.regs.Write32(RegQueueSel, index)
	if t.regs.Read32(RegQueueReady) != 0 {
		return nil, fmt.Errorf("%w: queue %d of %v already in use", ErrQueue, index, t.base)
	}
	max := int(t.regs.Read32(RegQueueNumMax))
	if max == 0 {
		return nil, fmt.Errorf("%w: queue %d of %v does not exist", ErrQueue, index, t.base)
	}
	n := 1
	for n*2 <= min(max, want, maxQueueSize) {
		n *= 2
	}
	if n < 4 {
		return nil, fmt.Errorf("%w: queue %d of %v: size %d too small", ErrQueue, index, t.base, n)
	}
	descBytes := descSize * n
	availOff := descBytes
	usedOff := (availOff + ringHeader + 2*n + 2 + 3) &^ 3
	total := usedOff + ringHeader + usedElemSize*n + 2
	pa, buf, err := mem.Alloc(total, ringAlignment)
	if err != nil {
		return nil, fmt.Errorf("%w: rings of queue %d of %v: %v", ErrNoMemory, index, t.base, err)
	}
	clear(buf)
	q := &Queue{
		t: t, index: index, size: uint16(n), mem: mem, ring: pa,
		desc:     buf[:descBytes],
		avail:    buf[availOff:usedOff],
		used:     buf[usedOff:total],
		free:     make([]uint16, n),
		nfree:    n,
		next:     make([]uint16, n),
		length:   make([]uint16, n),
		reserved: make([]bool, n),
		inflight: make([]bool, n),
		done:     make([]atomic.Uint64, n),
	}
	q.availWord = word(q.avail, 0)
	q.usedWord = word(q.used, 0)
	for i := range q.free { // pop order 0, 1, 2...
		q.free[i] = uint16(n - 1 - i)
	}
	t.regs.Write32(RegQueueNum, uint32(n))
	writeAddr(t.regs, RegQueueDescLow, pa)
	writeAddr(t.regs, RegQueueDriverLow, pa+mm.PhysAddr(availOff))
	writeAddr(t.regs, RegQueueDeviceLow, pa+mm.PhysAddr(usedOff))
	t.regs.Write32(RegQueueReady, 1)
	return q, nil
}

func writeAddr(r Regs, low uint32, pa mm.PhysAddr) {
	r.Write32(low, uint32(pa))
	r.Write32(low+4, uint32(pa>>32))
}

// Size is the number of descriptors.
func (q *Queue) Size() int { return int(q.size) }

// Index is the queue's index in its device.
func (q *Queue) Index() uint32 { return q.index }

// Free counts the free descriptors (for tests and statistics).
func (q *Queue) Free() int {
	q.lock.Lock()
	defer q.lock.Unlock()
	return q.nfree
}

// Bogus counts used-ring elements that named no chain in flight.
func (q *Queue) Bogus() int {
	q.lock.Lock()
	defer q.lock.Unlock()
	return q.bogus
}

// Submit allocates a chain for bufs from the free list, fills it and makes
// it available to the device. It returns ok == false, having changed
// nothing, when fewer than len(bufs) descriptors are free; the caller
// waits for a Release and retries. The caller must then Notify.
//
// Preconditions: 0 < len(bufs) <= Size(); device-readable buffers precede
// device-writable ones (§2.7.4.2).
func (q *Queue) Submit(bufs []Buffer) (head uint16, ok bool) {
	if len(bufs) == 0 || len(bufs) > int(q.size) {
		panic("virtio.Queue.Submit: bad chain length")
	}
	q.lock.Lock()
	if q.nfree < len(bufs) {
		q.lock.Unlock()
		return 0, false
	}
	q.nfree -= len(bufs)
	ids := q.free[q.nfree : q.nfree+len(bufs)]
	head = ids[len(ids)-1]
	prev := -1
	for i := len(ids) - 1; i >= 0; i-- {
		if prev >= 0 {
			q.next[prev] = ids[i]
		}
		prev = int(ids[i])
	}
	q.fillLocked(head, bufs)
	q.length[head] = uint16(len(bufs))
	q.publishLocked(head)
	q.lock.Unlock()
	return head, true
}

// Chain is a descriptor chain reserved for one submitter that may not
// wait for free descriptors: the fault path. It is reused for every
// request of that submitter, one at a time.
type Chain struct {
	head uint16
	n    int
}

// Reserve takes n descriptors out of the free list for good, as a chain
// for SubmitChain. It runs at initialisation, in goroutine context.
func (q *Queue) Reserve(n int) (*Chain, error) {
	q.lock.Lock()
	defer q.lock.Unlock()
	if n <= 0 || q.nfree < n {
		return nil, fmt.Errorf("%w: cannot reserve %d of %d free descriptors", ErrQueue, n, q.nfree)
	}
	q.nfree -= n
	ids := q.free[q.nfree : q.nfree+n]
	head := ids[n-1]
	for i := n - 1; i > 0; i-- {
		q.next[ids[i]] = ids[i-1]
	}
	q.length[head] = uint16(n)
	q.reserved[head] = true
	return &Chain{head: head, n: n}, nil
}

// Len is the number of descriptors in c.
func (c *Chain) Len() int { return c.n }

// SubmitChain makes bufs available to the device in c's descriptors. It
// is for the fault path: it does not allocate or yield, and fails with
// ErrBusy if the ring lock stays held for limit, or if c is still owned
// by the device from an earlier request that timed out.
//
// Preconditions: 0 < len(bufs) <= c.Len(); readable buffers first.
func (q *Queue) SubmitChain(c *Chain, bufs []Buffer, limit time.Duration) (head uint16, err error) {
	if len(bufs) == 0 || len(bufs) > c.n {
		panic("virtio.Queue.SubmitChain: bad chain length")
	}
	if !q.lock.LockFault(limit) {
		return 0, ErrBusy
	}
	if q.inflight[c.head] {
		// The device still owns the chain: an earlier request timed out.
		q.lock.Unlock()
		return 0, ErrBusy
	}
	// A result left by a request that timed out and completed since is
	// stale: drop it.
	q.done[c.head].Store(0)
	q.fillLocked(c.head, bufs)
	q.publishLocked(c.head)
	q.lock.Unlock()
	return c.head, nil
}

// ChainOwned reports whether the device still owns c from an earlier
// SubmitChain (one that its submitter gave up waiting for). The buffers
// of such a request, its header included, must not be rewritten. Fault
// path: it does not yield, and fails with ErrBusy after limit.
func (q *Queue) ChainOwned(c *Chain, limit time.Duration) (bool, error) {
	if !q.lock.LockFault(limit) {
		return false, ErrBusy
	}
	owned := q.inflight[c.head]
	q.lock.Unlock()
	return owned, nil
}

// fillLocked writes bufs into the chain at head, following q.next. The
// descriptors are plain stores: publishLocked orders them before the
// device can see the chain.
func (q *Queue) fillLocked(head uint16, bufs []Buffer) {
	id := head
	for i, b := range bufs {
		d := q.desc[int(id)*descSize : int(id+1)*descSize]
		var flags uint16
		var next uint16
		if b.Writable {
			flags |= descFWrite
		}
		if i < len(bufs)-1 {
			flags |= descFNext
			next = q.next[id]
		}
		binary.LittleEndian.PutUint64(d[0:], uint64(b.Addr))
		binary.LittleEndian.PutUint32(d[8:], b.Len)
		binary.LittleEndian.PutUint16(d[12:], flags)
		binary.LittleEndian.PutUint16(d[14:], next)
		id = next
	}
}

// publishLocked puts head in the available ring and then advances the
// available idx, as §2.7.13 requires. Ordering: on x86 (TSO) stores
// become visible to other agents, the device included, in program order,
// so the descriptors and the ring entry are visible before the new idx
// as long as the compiler keeps the order; the atomic store of the idx
// word is a compiler barrier (and an XCHG, a full fence, on amd64). This
// is Linux's virtio_wmb, which is barrier() on x86.
func (q *Queue) publishLocked(head uint16) {
	slot := int(q.availIdx & (q.size - 1))
	binary.LittleEndian.PutUint16(q.avail[ringHeader+2*slot:], head)
	q.inflight[head] = true
	q.availIdx++
	atomic.StoreUint32(q.availWord, uint32(q.flags)|uint32(q.availIdx)<<16)
}

// Notify tells the device to look at the available ring (§4.2.3.3). The
// MMIO store follows the idx store in program order and x86 does not
// reorder stores, so the device sees the idx. Safe in the fault path.
func (q *Queue) Notify() { q.t.notify(q.index) }

// SetInterrupts sets or clears VIRTQ_AVAIL_F_NO_INTERRUPT (§2.7.7): a hint
// that the driver is polling and needs no used-buffer interrupts.
func (q *Queue) SetInterrupts(on bool) {
	q.lock.Lock()
	defer q.lock.Unlock()
	q.flags = availFNoIntr
	if on {
		q.flags = 0
	}
	atomic.StoreUint32(q.availWord, uint32(q.flags)|uint32(q.availIdx)<<16)
}

// Harvest consumes the used ring in goroutine context, recording each
// returned chain for Done. It returns how many chains it recorded.
func (q *Queue) Harvest() int {
	q.lock.Lock()
	n := q.harvestLocked()
	q.lock.Unlock()
	return n
}

// HarvestFault is Harvest for the fault path: it never yields and fails
// with ErrBusy after limit.
func (q *Queue) HarvestFault(limit time.Duration) (int, error) {
	if !q.lock.LockFault(limit) {
		return 0, ErrBusy
	}
	n := q.harvestLocked()
	q.lock.Unlock()
	return n, nil
}

// harvestLocked reads used elements up to the device's idx. Ordering: the
// atomic load of the idx word comes first and x86 does not reorder loads
// with loads, so the elements (and the data the device wrote before
// them) read afterwards are at least as new as the idx; the atomic load
// keeps the compiler from hoisting them (Linux's virtio_rmb).
func (q *Queue) harvestLocked() int {
	idx := uint16(atomic.LoadUint32(q.usedWord) >> 16)
	n := 0
	for q.lastUsed != idx {
		slot := int(q.lastUsed & (q.size - 1))
		e := q.used[ringHeader+usedElemSize*slot:]
		id := binary.LittleEndian.Uint32(e[0:])
		ln := binary.LittleEndian.Uint32(e[4:])
		q.lastUsed++
		if id >= uint32(q.size) || !q.inflight[id] {
			q.bogus++
			continue
		}
		q.inflight[id] = false
		q.done[id].Store(doneBit | uint64(ln))
		n++
	}
	return n
}

// Done reports whether the chain headed by head has been returned, and the
// number of bytes the device wrote into it (used.len, §2.7.8). It takes
// no lock.
func (q *Queue) Done(head uint16) (written uint32, ok bool) {
	v := q.done[head].Load()
	return uint32(v), v&doneBit != 0
}

// Release hands a returned chain back: its descriptors go to the free
// list, or stay with their Chain if reserved. Goroutine context; the fault
// path uses ReleaseFault.
//
// Preconditions: Done(head) reported true.
func (q *Queue) Release(head uint16) {
	q.lock.Lock()
	q.releaseLocked(head)
	q.lock.Unlock()
}

// ReleaseFault is Release for the fault path.
func (q *Queue) ReleaseFault(head uint16, limit time.Duration) error {
	if !q.lock.LockFault(limit) {
		return ErrBusy
	}
	q.releaseLocked(head)
	q.lock.Unlock()
	return nil
}

func (q *Queue) releaseLocked(head uint16) {
	if q.done[head].Load() == 0 || q.length[head] == 0 {
		panic("virtio.Queue.Release: chain not returned by the device")
	}
	q.done[head].Store(0)
	if q.reserved[head] {
		return
	}
	id := head
	for i := uint16(0); i < q.length[head]; i++ {
		q.free[q.nfree] = id
		q.nfree++
		id = q.next[id]
	}
	q.length[head] = 0
}

// Destroy frees the ring memory. The device must have been reset first
// (Transport.Reset), so that it no longer reads or writes the rings.
func (q *Queue) Destroy() {
	q.mem.Free(q.ring)
	q.desc, q.avail, q.used = nil, nil, nil
}
