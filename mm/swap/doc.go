// Package swap will hold swap areas in Linux's mkswap format, swap slots
// and the swap cache. So far it has the swap header's parser: what swapon
// reads from the first page of a device before it trusts the rest.
//
// The header (Linux include/linux/swap.h, union swap_header) is one 4 KiB
// page: 1024 bytes left for boot code, then the info block (version,
// last_page, nr_badpages, UUID, label, the bad-page list) and, in the last
// ten bytes of the page, the magic "SWAPSPACE2". Page 0 is the header
// itself and never holds a swapped page; pages 1..last_page do, except the
// bad ones. Fields are little-endian: Linux also accepts a byte-swapped
// header from the other endianness, which an x86-only kernel refuses.
package swap
