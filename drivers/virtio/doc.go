// Package virtio is Pagoda's virtio-mmio transport and split virtqueue,
// written from VIRTIO 1.2 rather than taken from TamaGo, whose
// VirtualQueue has no descriptor chains and whose negotiation drops
// device feature bits.
//
// # Object model
//
// A Transport is one virtio-mmio register window (§4.2.2) reached through
// Regs: NewTransport checks the magic value, refuses legacy (Version 1)
// devices and reports empty slots (DeviceID 0) as ErrNoDevice; Negotiate
// runs §3.1.1 up to FEATURES_OK, accepting exactly supported ∩ offered
// and insisting on VIRTIO_F_VERSION_1; SetupQueue builds a Queue
// (§4.2.3.2); DriverOK makes the device live. Config32 and Config64 read
// the device configuration space under ConfigGeneration (§2.5.1).
//
// A Queue is one split virtqueue (§2.7) in DMA memory (Mem): descriptor
// table, available ring, used ring, in one page-aligned allocation. A
// chain is allocated from the descriptor free list by Submit, which
// fills it from []Buffer and publishes it; Notify kicks the device;
// Harvest moves used elements into per-chain records that Done reads;
// Release hands the chain's descriptors back. Reserve sets a chain aside
// for good for a submitter that may not wait for descriptors (the
// page-fault path), which uses SubmitChain, HarvestFault and ReleaseFault.
//
// # Invariants
//
//   - A descriptor is free, in a reserved chain, or in exactly one
//     allocated chain; nfree plus chain lengths equals the queue size.
//   - A chain is owned by the device from publication until its head id
//     is harvested from the used ring; only then may its buffers be read
//     (device-written data) or reused.
//   - Ring indices are free-running 16-bit counters and the queue size is
//     a power of two, so idx & (size-1) is the slot across wraparound.
//   - The available idx is stored after the ring entry and descriptors;
//     the used idx is loaded before the used elements and data (memory
//     ordering in publishLocked and harvestLocked: x86 TSO needs only
//     compiler ordering, which the atomic accesses give).
//   - Queue state is guarded by one spinlock whose sections never
//     allocate, block or yield, so that the fault path can take it on a
//     single CPU (lock.Spin). Completion records are atomics readable
//     without it.
//
// Locks: Queue.lock only, never held across a call out of the package.
//
// # Bare metal
//
// mmio_unsafe_tamago.go implements Regs with 32-bit atomic loads and
// stores on the uncached MMIO map; dma_tamago.go implements Mem on
// tamago/dma, whose region the kernel sets up once with InitDMA.
// microvm.go has QEMU microvm's slot geometry and interrupt lines and the
// parser of the virtio_mmio.device= parameters QEMU adds to the command
// line.
//
// # Missing
//
// Packed virtqueues (§2.8), indirect descriptors (VIRTIO_F_INDIRECT_DESC),
// event-index notification suppression (VIRTIO_F_EVENT_IDX) and the
// device's VIRTQ_USED_F_NO_NOTIFY hint (every submission notifies), queue
// reset, shared memory regions, and the PCI transport.
package virtio
