// Package swap holds swap areas in Linux's mkswap format, their slots,
// and the swap cache.
//
// The header (Linux include/linux/swap.h, union swap_header) is one 4 KiB
// page: 1024 bytes left for boot code, then the info block (version,
// last_page, nr_badpages, UUID, label, the bad-page list) and, in the last
// ten bytes of the page, the magic "SWAPSPACE2". Page 0 is the header
// itself and never holds a swapped page; pages 1..last_page do, except the
// bad ones. Fields are little-endian: Linux also accepts a byte-swapped
// header from the other endianness, which an x86-only kernel refuses.
//
// A Set is every area in use, by priority. A swapped page is named by an
// Entry (area, slot), which non-present PTEs and tmpfs page indexes hold.
// Each slot has a reference count: one per PTE (or tmpfs page) naming
// it, so that a page shared copy-on-write by a fork is written out once
// and read back once. Slots are handed out in clusters of 256, in order,
// so that pages evicted together sit together on the disk and swap-in
// readahead (Window: the aligned block of up to 32 slots around a
// fault's, Linux's page-cluster up to its ceiling of 5) reads neighbours
// that are likely wanted too.
//
// A run of consecutive slots in use moves as one page vector of the
// device (WriteCluster, ReadCluster): one request for the run, into or
// out of frames anywhere in memory, as Linux's block layer merges the
// bios of one plug. The reclaimer writes the pages of a scan's batch so,
// and a swap-in reads its slot with its readahead so.
//
// The swap cache maps a slot to the frame holding its page while the
// page is in memory as well: read ahead, or swapped in by one of the PTEs
// sharing the slot. A fault finds the page there without I/O. Its index
// is dense (one entry per slot, made at swapon), and every call the fault
// path makes (Cache, Read, ReadCluster, WriteCluster, Put, Window) works
// without allocating.
//
// Locking: a Set and its Areas have no lock of their own. Callers hold
// the big kernel lock (swapon, swapoff, reclaim's swap-out), or run in a
// page fault taken by the goroutine that holds it (swap-in). The device
// below may take its own spinlock (the virtio queue's) for polled I/O.
//
// Missing: discard (TRIM) of freed slots.
package swap
