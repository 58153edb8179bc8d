// Package blk is Pagoda's virtio-blk driver (VIRTIO 1.2 §5.2) over the
// virtio package's virtio-mmio transport and split virtqueue.
//
// # Object model
//
// A Disk is one block device, found by Probe (bare metal: QEMU microvm's
// 24 slots from slot 23 down, named vda, vdb... in that order) or
// ProbeSlots (any list of register windows), and initialised by New:
// features negotiated (SIZE_MAX, SEG_MAX, RO, BLK_SIZE, FLUSH,
// VERSION_1), configuration read (§5.2.4), queue 0 set up, DRIVER_OK.
//
// A request (§5.2.6) is a chain of a 16-byte header (type, reserved,
// sector; device-readable), data segments (device-writable for reads,
// readable for writes; at most SegMax of at most size_max bytes each) and
// one status byte (device-writable). The status byte starts as 0xff and
// counts only if used.len shows the device wrote it; IOERR becomes
// ErrIO, UNSUPP ErrUnsupported, an unwritten or unknown status ErrIO, all
// as a *RequestError carrying disk, operation and sector.
//
// Requests come from two contexts:
//
//   - Goroutines (ReadAt, WriteAt, Flush, ID) take one of Config.Slots
//     request slots (header, status, a bounce buffer in DMA memory),
//     copy through the bounce buffer, split transfers at MaxTransfer,
//     allocate descriptors from the queue's free list (waiting when there
//     are too few), and wait for their own chain. Any number may be in
//     flight at once; completions may come in any order.
//   - The page-fault handler (ReadPhys, WritePhys; fault.go) uses one slot
//     and one descriptor chain reserved at probe, transfers directly to
//     or from the page frame's physical address, and busy-polls: no
//     allocation, no blocking, no sleeping lock, no defer.
//
// A page vector (pages.go) moves consecutive sectors to or from page
// frames scattered in memory, one request for as many frames as the
// segment limits allow, without a bounce buffer: ReadPages in goroutine
// context, ReadPagesPhys and WritePagesPhys polled on the fault slot.
// Swap reads and writes its clusters of slots with them.
//
// Completion is polled (the waiter harvests the used ring and yields)
// until the kernel calls EnableInterrupts; then waiters block until
// Interrupt, called by the kernel's IRQ service goroutine, harvests and
// wakes them. Waiters also wake every PollInterval and poll, so a lost
// interrupt, or a completion that the fault path harvested (it can wake
// no one), costs latency, never a hang. The fault path gives up on a
// device that does not answer within FaultTimeout (ErrIO), and refuses
// its slot (ErrBusy) until the device returns the abandoned request.
//
// # Invariants
//
//   - A request slot is owned by one goroutine from <-slots to slots<-;
//     the fault slot by the fault in progress (faultBusy).
//   - A slot's header, status byte and bounce buffer are not touched by
//     the driver while the device owns its chain.
//   - Free descriptors + the fault chain + descriptors of chains in
//     flight or awaiting Release = QueueSize (checked by the tests after
//     every workload, with slots all free and the used ring empty).
//   - A write never reaches a disk that negotiated RO (ErrReadOnly,
//     nothing sent).
//
// Locks, never nested in one another, so there is no order to keep:
//
//	Disk.slots         a channel of free request slots (goroutines)
//	Disk.mu            the progress channel (goroutines)
//	virtio.Queue.lock  ring spinlock (goroutines and the fault path)
//
// # Missing
//
// Multiqueue (VIRTIO_BLK_F_MQ), DISCARD and WRITE_ZEROES, the geometry
// and topology fields, write-cache toggling (CONFIG_WCE), and any
// request merging or scheduling: requests go to the device in the order
// they are made (callers make page vectors of what they would merge). Sectors are always 512 bytes; BlockSize is reported,
// not enforced.
package blk
