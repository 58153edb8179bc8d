package vm

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// Shared anonymous memory, as Linux's shmem_zero_setup: a MAP_SHARED |
// MAP_ANONYMOUS mapping maps an unnamed swap-backed file of its size,
// which the MM's Shmem hook makes (in the kernel, a file of an internal
// tmpfs instance, as Linux's shm_mnt, named "dev/zero"). From then on
// it is a MAP_SHARED file mapping at page offset 0: its pages are the
// file's page-cache pages, faulted by fileFault (a first touch fills a
// hole with zeros, a minor fault, as Linux's shmem_fault), shared by
// every VMA that maps the file (fork, split and merge go through the
// file's reverse map as for any file), on the reclaim lists through
// the cache's Tracker, and sent to swap by the tmpfs backing's
// WritePage like any tmpfs page. Only the VMA's Flags still say
// MapShared|MapAnonymous, so that maps and smaps show what Linux shows,
// "/dev/zero (deleted)".
//
// What vm keeps of each such file is its object record: its pages,
// which sharedPages adds up (the file's page index and table are Go
// slices made at mmap, so all objects together may not outgrow memory
// and swap),
// and whether mmap charged them to Committed_AS (Linux's
// shmem_acct_size, at setup unless MAP_NORESERVE is honoured). The
// record and the charge go when the file's last mapping does
// (unrefObject), which is also when tmpfs discards the file's data, as
// Linux gives the charge back when the inode goes (shmem_evict_inode).

// Partial unmaps (trimObject). Linux keeps every page of a shared
// anonymous object while any mapping of it is left (shmem_zero_setup's
// file lives as long as a VMA holds it), even pages no VMA maps any
// more: they can be reached again, since mremap may grow a VMA over
// them (up to the object's size; Linux raises SIGBUS only past i_size),
// and /proc/PID/map_files may map the file anew. Pagoda has no
// map_files and no other way to map the object (it has no name), so a
// page of it can be reached again only by a VMA that maps it, or one
// that maps a lower offset and grows up to it: a split, a fork or a
// move keeps the offsets, and mremap grows a VMA only at its end. The
// pages below the lowest offset any VMA of the object maps are thus
// lost for good, and Pagoda frees them when an unmap raises that offset
// (their memory, their swap, and their share of the charge), where
// Linux waits for the last unmap. Pages above it stay, as in Linux,
// mapped or not: some VMA may still grow over them.

// shmemObject is what the MM keeps of a live shared anonymous object.
type shmemObject struct {
	pages   uint64 // the object's size in pages
	account bool   // pages are in Committed_AS until the object goes
	// dead is how many pages at its start no VMA can reach any more:
	// freed and uncharged (trimObject); they stay in sharedPages, which
	// bounds the objects' page indexes, made at mmap for the whole size.
	dead uint64
}

// canMapShared reports why a shared anonymous mapping of size bytes
// cannot be made, checked before anything changes: no Shmem hook, or
// objects that would outgrow memory and swap.
func (m *MM) canMapShared(size uint64) error {
	if m.Shmem == nil {
		return fmt.Errorf("%w: no shared anonymous memory in this MM (no Shmem)", ErrNoDevice)
	}
	// Each object's page index is made now, on the Go heap: all of them
	// together may not outgrow what could hold their pages, memory and
	// swap (the sizes Linux's heuristic overcommit compares a request
	// with). Swap counts since the pages can go there.
	if m.sharedPages+size/mm.PageSize > m.Frames.Stats().ManagedPages+m.commit.swap {
		where := "memory"
		if m.commit.swap > 0 {
			where = "memory and swap"
		}
		return fmt.Errorf("%w: shared mappings of %#x more bytes would outgrow %s", ErrNoMemory, size, where)
	}
	return nil
}

// newObject makes the object of a new shared anonymous mapping of size
// bytes (shmem_zero_setup) and records it; account says whether mmap
// charged its pages. The caller maps the file at once (AddMapper).
func (m *MM) newObject(size uint64, account bool) (*pagecache.File, error) {
	f, err := m.Shmem(int64(size))
	if err != nil {
		return nil, fmt.Errorf("%w: shared anonymous memory: %w", ErrNoMemory, err)
	}
	m.objects[f] = shmemObject{pages: size / mm.PageSize, account: account}
	m.sharedPages += size / mm.PageSize
	return f, nil
}

// objectGone forgets the object f, whose last mapping went, and gives
// back its pages and charge.
func (m *MM) objectGone(f *pagecache.File) {
	o, ok := m.objects[f]
	if !ok {
		panic("vm.objectGone: a shared anonymous mapping's file is no object")
	}
	delete(m.objects, f)
	m.sharedPages -= o.pages
	if o.account {
		m.Uncommit(o.pages - o.dead)
	}
}

// trimObject frees the pages of shared anonymous object f below the
// lowest offset any of its VMAs maps, which no mapping can reach again
// (see Partial unmaps above): an unmap that left the object mapped
// calls it. Goroutine context.
func (m *MM) trimObject(f *pagecache.File) {
	o, ok := m.objects[f]
	if !ok {
		return
	}
	low := o.pages
	f.EachMapper(func(mp pagecache.Mapper) {
		as, ok := mp.(*AddressSpace)
		if !ok {
			return
		}
		for k := range as.vmas {
			if v := &as.vmas[k]; v.file == f {
				low = min(low, v.pgoff)
			}
		}
	})
	if low <= o.dead {
		return
	}
	f.PunchHole(o.dead, low)
	if o.account {
		m.Uncommit(low - o.dead)
	}
	o.dead = low
	m.objects[f] = o
}
