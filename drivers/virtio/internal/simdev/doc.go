// Package simdev is a model of a virtio-mmio block device for host tests:
// the register file of VIRTIO 1.2 §4.2.2 and a virtio-blk device (§5.2)
// that serves one split virtqueue (§2.7) out of an Arena, checking every
// chain the driver makes.
//
// The model behaves like QEMU 7.2's virtio-blk-device where that matters:
// writes to a read-only disk complete with IOERR, requests past the end
// complete with IOERR, unknown request types with UNSUPP, and used.len
// counts every device-writable byte of the chain. Unlike QEMU it records
// protocol violations instead of ignoring or aborting on them, and it can
// complete requests out of order, inject error statuses, leave the status
// byte unwritten, refuse FEATURES_OK and lose interrupts.
//
// By default requests are served by a worker goroutine, as QEMU's I/O
// thread would, concurrently with the driver; Sync serves them inside the
// QueueNotify store instead. Per-request work allocates nothing unless
// Record is set, so that the driver's allocation-free paths can be
// measured with the device running.
package simdev
