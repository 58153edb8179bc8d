package vm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// Errors, as Linux's errno values for the same calls.
var (
	ErrInvalid  = errors.New("vm: invalid argument")       // EINVAL
	ErrNoMemory = errors.New("vm: cannot allocate memory") // ENOMEM
	ErrExists   = errors.New("vm: mapping exists")         // EEXIST
	ErrAccess   = errors.New("vm: permission denied")      // EACCES
	ErrIO       = errors.New("vm: input/output error")     // EIO
	ErrFault    = errors.New("vm: bad address")            // EFAULT
	// ErrNoDevice: a shared anonymous mapping in an MM without a
	// Shmem hook, which has nothing to make its object with (ENODEV,
	// mmap's error for what cannot be mapped).
	ErrNoDevice = errors.New("vm: no such device")
)

// Prot is a mapping's protection (PROT_* in Linux).
type Prot uint8

const (
	ProtNone  Prot = 0
	ProtRead  Prot = 1 << 0
	ProtWrite Prot = 1 << 1
	ProtExec  Prot = 1 << 2
	protMask       = ProtRead | ProtWrite | ProtExec
)

func (p Prot) String() string {
	b := []byte("---")
	if p&ProtRead != 0 {
		b[0] = 'r'
	}
	if p&ProtWrite != 0 {
		b[1] = 'w'
	}
	if p&ProtExec != 0 {
		b[2] = 'x'
	}
	return string(b)
}

// Flags are a mapping's flags (MAP_* in Linux).
type Flags uint32

const (
	MapShared Flags = 1 << iota
	MapPrivate
	MapAnonymous
	MapFixed
	MapFixedNoReplace
	MapPopulate
	MapNoReserve
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{MapShared, "shared"}, {MapPrivate, "private"}, {MapAnonymous, "anon"},
	{MapFixed, "fixed"}, {MapFixedNoReplace, "noreplace"}, {MapPopulate, "populate"},
	{MapNoReserve, "noreserve"},
}

func (f Flags) String() string {
	var n []string
	for _, x := range flagNames {
		if f&x.f != 0 {
			n = append(n, x.name)
		}
	}
	return strings.Join(n, ",")
}

// VMA is a virtual memory area: [Start, End) of the window, page-aligned.
type VMA struct {
	Start, End mm.VirtAddr
	Prot       Prot
	// Flags keeps the kind of the mapping: MapPrivate or MapShared, and
	// MapAnonymous; the call-time flags (fixed, populate...) are dropped.
	Flags Flags
	// file backs a file mapping (shared or private), and a shared
	// anonymous one, whose file is its object (shmem.go); pgoff is the
	// file's page index of Start, or for private anonymous memory the
	// linear page offset of Start in its anonymous object (Linux's
	// vm_pgoff: the address in pages when mapped, kept by mremap).
	file  *pagecache.File
	pgoff uint64
	// anon is a private VMA's anonymous object (rmap.go: Linux's
	// anon_vma), where its anonymous pages belong; nil for a shared
	// one. The VMA is a member of it and of every object up its chain.
	anon *anonObject
	// noWrite: a MAP_SHARED mapping of a file not opened for writing;
	// mprotect may not add PROT_WRITE (Linux: VM_MAYWRITE clear).
	noWrite bool
	// account: the VMA's pages are in Committed_AS (Linux: VM_ACCOUNT);
	// noReserve: mapped MAP_NORESERVE when the policy honoured it, so
	// that adding PROT_WRITE charges nothing (VM_NORESERVE). commit.go.
	account, noReserve bool
	// huge is madvise's MADV_HUGEPAGE or MADV_NOHUGEPAGE mark
	// (hugepage.go).
	huge hugeAdvice
}

// File is the file a VMA maps, or nil: for a shared anonymous VMA
// (Flags MapShared|MapAnonymous), its object, an unnamed tmpfs file.
func (v *VMA) File() *pagecache.File { return v.file }

// Offset is the file offset of Start (0 without a file, as Linux's maps
// shows private anonymous memory; a shared anonymous VMA's offset in its
// object, 0 unless it was split, as Linux shows shmem's vm_pgoff).
func (v *VMA) Offset() uint64 {
	if v.file == nil {
		return 0
	}
	return v.pgoff * mm.PageSize
}

// Pages is the VMA's length in pages.
func (v *VMA) Pages() uint64 { return uint64(v.End-v.Start) / mm.PageSize }

func (v *VMA) String() string {
	return fmt.Sprintf("%v-%v %v %v", v.Start, v.End, v.Prot, v.Flags)
}

// findVMA returns the index of the VMA containing va, or -1. Binary
// search: O(log n), no allocation (fault path).
func (as *AddressSpace) findVMA(va mm.VirtAddr) int {
	lo, hi := 0, len(as.vmas)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch v := &as.vmas[m]; {
		case va < v.Start:
			hi = m
		case va >= v.End:
			lo = m + 1
		default:
			return m
		}
	}
	return -1
}

// firstEndingAfter is the index of the first VMA with End > va.
func (as *AddressSpace) firstEndingAfter(va mm.VirtAddr) int {
	lo, hi := 0, len(as.vmas)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if as.vmas[m].End <= va {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// overlaps reports whether any VMA intersects [start, end).
func (as *AddressSpace) overlaps(start, end mm.VirtAddr) bool {
	i := as.firstEndingAfter(start)
	return i < len(as.vmas) && as.vmas[i].Start < end
}

// splitAt makes va a VMA boundary if a VMA strictly contains it.
//
// Preconditions (checked with -tags mmdebug): va is page-aligned.
func (as *AddressSpace) splitAt(va mm.VirtAddr) {
	if debug && va&mm.PageMask != 0 {
		panic("vm.splitAt: precondition: address not page-aligned")
	}
	i := as.findVMA(va)
	if i < 0 || as.vmas[i].Start == va {
		return
	}
	if debug && va&hugeMask != 0 {
		if _, size, ok := as.table.Leaf(va); ok && size == pt.Size2M {
			panic("vm.splitAt: precondition: a huge page straddles " + va.String())
		}
	}
	left := as.vmas[i]
	right := left
	left.End = va
	right.Start = va
	right.pgoff += uint64(va-left.Start) / mm.PageSize
	as.refObject(&right)
	as.vmas[i] = left
	as.vmas = append(as.vmas, VMA{})
	copy(as.vmas[i+2:], as.vmas[i+1:])
	as.vmas[i+1] = right
}

// updateVMAs makes addr and end VMA boundaries, calls fn on each VMA of
// [addr, end), then merges what now can be (the shape of Linux's
// mprotect_fixup and madvise_update_vma): mprotect and madvise's huge-
// page marks.
func (as *AddressSpace) updateVMAs(addr, end mm.VirtAddr, fn func(v *VMA)) {
	as.splitAt(addr)
	as.splitAt(end)
	first := as.firstEndingAfter(addr)
	last := first
	for ; last < len(as.vmas) && as.vmas[last].Start < end; last++ {
		fn(&as.vmas[last])
	}
	for i := last - 1; i >= first; i-- {
		as.mergeAround(i)
	}
}

// mergeable reports whether b can be appended to a: alike, with offsets
// that run on (anonymous ones too, as Linux's vm_pgoff check), and
// anonymous objects that allow it (is_mergeable_anon_vma).
func mergeable(a, b *VMA) bool {
	if a.End != b.Start || a.Prot != b.Prot || a.Flags != b.Flags || a.file != b.file || a.noWrite != b.noWrite ||
		a.account != b.account || a.noReserve != b.noReserve || a.huge != b.huge {
		return false
	}
	return a.pgoff+a.Pages() == b.pgoff && anonMergeable(a.anon, b.anon)
}

// mergeAround merges VMAs i-1, i, i+1 where compatible (as Linux
// vma_merge). The merged VMA keeps the object a page may belong to:
// of two objects, an unused one goes.
func (as *AddressSpace) mergeAround(i int) {
	for _, j := range [2]int{i, i - 1} {
		if j < 0 || j+1 >= len(as.vmas) {
			continue
		}
		if a, b := &as.vmas[j], &as.vmas[j+1]; mergeable(a, b) {
			if a.anon != b.anon && a.anon.unused() {
				a.anon, b.anon = b.anon, a.anon
			}
			a.End = b.End
			as.unrefObject(b)
			as.vmas = append(as.vmas[:j+1], as.vmas[j+2:]...)
		}
	}
}

// refObject takes a VMA's reference to the file that backs it, whose
// reverse map then lists this address space once more, and makes it a
// member of its anonymous objects.
func (as *AddressSpace) refObject(v *VMA) {
	as.linkAnon(v)
	if v.file != nil {
		v.file.AddMapper(as)
	}
}

// unrefObject drops the references refObject took. The last mapping of a
// shared anonymous object takes the object with it: tmpfs discards the
// file's data (its unmap hook, within RemoveMapper), and the MM its
// record and charge (objectGone).
func (as *AddressSpace) unrefObject(v *VMA) {
	as.unlinkAnon(v)
	if v.file == nil {
		return
	}
	v.file.RemoveMapper(as)
	if v.Flags&MapAnonymous != 0 && !v.file.Mapped() {
		as.mm.objectGone(v.file)
	}
}
