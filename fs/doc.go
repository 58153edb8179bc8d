// Package fs is the root of Pagoda's file systems: fs/ext2 reads and
// writes ext2 over a block device; fs/vfs is the file layer (disks, the
// mount table, path resolution, files, the flusher). tmpfs, whose pages
// are swap-backed, lives in mm/tmpfs as Linux keeps shmem in mm/.
package fs
