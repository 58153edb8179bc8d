// Package drivers is the root of Pagoda's device drivers: drivers/virtio
// (the virtio-mmio transport and Pagoda's own split virtqueue, on TamaGo's
// dma package) and drivers/virtio/blk (virtio-blk disks).
package drivers
