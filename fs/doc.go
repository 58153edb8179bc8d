// Package fs is the root of Pagoda's file systems: fs/ext2 reads and
// writes ext2 over a block device. tmpfs, whose pages are swap-backed,
// lives in mm/tmpfs as Linux keeps shmem in mm/.
package fs
