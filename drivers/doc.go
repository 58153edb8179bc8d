// Package drivers is the root of Pagoda's device drivers:
// drivers/virtio/blk (virtio-blk over virtio-mmio, with its own split
// virtqueue on TamaGo's dma package) arrives with the file-mapping issue.
package drivers
