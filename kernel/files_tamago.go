//go:build tamago

package kernel

import (
	"fmt"
	"io"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/drivers/virtio"
	"github.com/pagoda-os/pagoda/drivers/virtio/blk"
	"github.com/pagoda-os/pagoda/fs/ext2"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/lock"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// StartFiles finds the virtio-blk disks, makes the page cache and the
// file layer, mounts the first disk labelled ext2.RootLabel at /, a
// tmpfs at /tmp and one at /dev/shm (each half of memory, as Linux's
// default), and starts the background writeback under the big kernel
// lock. It reports each disk, each device that failed, and the tmpfs
// mounts on out.
func StartFiles(frames *frame.Allocator, big *lock.Kernel, out io.Writer) (*vfs.VFS, func(), error) {
	if err := virtio.InitDMA(mm.PhysAddr(boot.DMAStart), boot.DMASize); err != nil {
		return nil, nil, err
	}
	found, errs := blk.Probe()
	for _, err := range errs {
		fmt.Fprintf(out, "virtio-blk: %v\n", err)
	}
	disks := make([]vfs.Disk, len(found))
	for i, d := range found {
		disks[i] = d
		mode := "interrupts"
		// Completions wake waiting goroutines by interrupt; without one
		// the driver polls (the fault path always polls).
		if err := AttachVirtioIRQ(boot.PhysAddr(d.Base()), "virtio-blk "+d.Name(), d.Interrupt); err != nil {
			mode = fmt.Sprintf("polled (%v)", err)
		} else {
			d.EnableInterrupts()
		}
		fmt.Fprintf(out, "virtio-blk: %v, %s\n", d, mode)
	}
	v := vfs.NewVFS(pagecache.New(frames), disks)
	v.Clock = boot.Board{}.Realtime // the files' times: CLOCK_REALTIME
	for _, d := range disks {
		if label, err := ext2.Label(d); err == nil && label == ext2.RootLabel {
			if _, err := v.Mount(d.Name(), "/", false); err != nil {
				fmt.Fprintf(out, "root: %s: %v\n", d.Name(), err)
			} else {
				fmt.Fprintf(out, "root: %s (label %s) on /\n", d.Name(), label)
			}
			break
		}
	}
	// /dev/shm is where glibc's and musl's shm_open make their files,
	// a tmpfs as on Linux (systemd and initramfs-tools mount it).
	for _, dir := range []string{"/tmp", "/dev/shm"} {
		if m, err := v.MountTmpfs(dir, v.DefaultTmpfsPages()); err != nil {
			fmt.Fprintf(out, "tmpfs: %s: %v\n", dir, err)
		} else {
			fmt.Fprintf(out, "tmpfs: on %s, %d MiB\n", m.Path, m.Usage().Size>>20)
		}
	}
	return v, v.StartWriteback(big), nil
}
