//go:build !tamago

package vm

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// memFile is a pagecache.Backing over a byte slice, recording the pages
// it reads and writes, with read and write errors injected per page. It
// allocates nothing in a fault while its records have room.
type memFile struct {
	data     []byte
	reads    []uint64
	writes   []uint64
	readErr  map[uint64]error
	writeErr map[uint64]error
	// faultWrites counts the writes made in faults; refuseFault makes
	// the backing refuse them, as ext2 does for a page with a hole.
	faultWrites int
	refuseFault bool
	// faultReads counts the reads made in faults (polled, fault set);
	// reads counts every read.
	faultReads int
	// onWrite, if set, runs in WritePage before the copy, as a write to
	// the page could while it is on its way out.
	onWrite func(idx uint64)
}

var (
	errDisk    = errors.New("disk error")
	errRefused = errors.New("no write in a fault")
)

func physBytes(pa mm.PhysAddr, n int) []byte {
	return mm.PhysBytes(pa, n)
}

func (b *memFile) ReadPage(idx uint64, pa mm.PhysAddr, n int, fault bool) error {
	b.reads = append(b.reads, idx)
	if fault {
		b.faultReads++
	}
	if err := b.readErr[idx]; err != nil {
		return err
	}
	off := int(idx) * pg
	m := copy(physBytes(pa, n), b.data[min(off, len(b.data)):min(off+n, len(b.data))])
	clear(physBytes(pa, n)[m:])
	return nil
}

func (b *memFile) WritePage(idx uint64, pa mm.PhysAddr, n int, fault bool) error {
	if fault {
		if b.refuseFault {
			return errRefused
		}
		b.faultWrites++
	} else {
		b.writes = append(b.writes, idx)
	}
	if b.onWrite != nil {
		b.onWrite(idx)
	}
	if err := b.writeErr[idx]; err != nil {
		return err
	}
	off := int(idx) * pg
	copy(b.data[off:min(off+n, len(b.data))], physBytes(pa, n))
	return nil
}

func (b *memFile) Truncate(size int64) error {
	if int(size) <= len(b.data) {
		b.data = b.data[:size]
	} else {
		b.data = append(b.data, make([]byte, int(size)-len(b.data))...)
	}
	return nil
}

// newFile caches a file holding data; check counts its pages from now.
func (e *env) newFile(data []byte) (*pagecache.File, *memFile) {
	b := &memFile{data: data, reads: make([]uint64, 0, 4096), writes: make([]uint64, 0, 4096),
		readErr: map[uint64]error{}, writeErr: map[uint64]error{}}
	f := e.cache.NewFile(b, fmt.Sprint("file", len(e.files)), int64(len(data)))
	e.files = append(e.files, f)
	return f, b
}

func (e *env) mmapFile(addr mm.VirtAddr, length uint64, prot Prot, flags Flags, f *pagecache.File, off uint64) mm.VirtAddr {
	e.t.Helper()
	va, err := e.cur.MmapFile(addr, length, prot, flags, f, off, true)
	if err != nil {
		e.t.Fatalf("mmap of %s (%v, %#x, %v, %v, %#x): %v", f.Name, addr, length, prot, flags, off, err)
	}
	e.check()
	return va
}

// filePattern is n bytes that differ from page to page.
func filePattern(seed byte, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i*7) + byte(i/pg)
	}
	return p
}

// cachePage is the frame caching page idx of f (the test fails if none).
func cachePage(t testing.TB, f *pagecache.File, idx uint64) mm.PFN {
	t.Helper()
	pfn, ok := f.Lookup(idx)
	if !ok {
		t.Fatalf("page %d of %s not cached", idx, f.Name)
	}
	return pfn
}

// fileBytes is the whole file as ReadAt has it.
func fileBytes(t testing.TB, f *pagecache.File) []byte {
	t.Helper()
	p := make([]byte, f.Size())
	if n, err := f.ReadAt(p, 0); n != len(p) || err != nil {
		t.Fatalf("ReadAt of %s: %d, %v", f.Name, n, err)
	}
	return p
}

// MAP_PRIVATE: reads map the cache's page read-only; a write copies it,
// and neither the cache nor the file sees the write; fork shares the
// private pages copy-on-write.
func TestFilePrivate(t *testing.T) {
	e := newEnv(t)
	as := e.cur
	data := filePattern(1, 3*pg)
	f, b := e.newFile(slices.Clone(data))
	va := e.mmapFile(0, 4*pg, rw, MapPrivate, f, 0)
	if got := e.read(va+10, 5); !bytes.Equal(got, data[10:15]) || as.LastKind != KindFileMajor {
		t.Fatalf("first read: %v, kind %v", got, as.LastKind)
	}
	if e.read(va+pg, 1); as.LastKind != KindFileHit {
		t.Fatalf("read of a page read ahead: %v", as.LastKind)
	}
	for i := range uint64(2) {
		l := pte(as, va+mm.VirtAddr(i)*pg)
		if l.Addr().PFN() != cachePage(t, f, i) || l&pt.Writable != 0 {
			t.Fatalf("page %d: PTE %#x, cache frame %#x: want it read-only", i, l, cachePage(t, f, i))
		}
	}
	if as.Stats.FileFaults != 2 || as.Stats.MajFaults != 1 || as.RSS() != 2 {
		t.Fatalf("stats %+v, RSS %d", as.Stats, as.RSS())
	}
	// A write after a read copies; a write with no PTE copies at once.
	e.write(va+pg+1, []byte{0xa1})
	e.write(va+2*pg+2, []byte{0xa2})
	for i := uint64(1); i < 3; i++ {
		l := pte(as, va+mm.VirtAddr(i)*pg)
		if l.Addr().PFN() == cachePage(t, f, i) || l&pt.Writable == 0 {
			t.Fatalf("page %d after a private write: PTE %#x", i, l)
		}
	}
	if as.Stats.COWFaults != 2 || as.RSS() != 3 {
		t.Fatalf("after private writes: stats %+v, RSS %d", as.Stats, as.RSS())
	}
	if !bytes.Equal(fileBytes(t, f), data) || f.DirtyPages() != 0 {
		t.Fatal("a private write reached the cache")
	}
	if got := e.read(va+pg, 3); !bytes.Equal(got, []byte{data[pg], 0xa1, data[pg+2]}) {
		t.Fatalf("private copy reads %v", got)
	}
	// Fork: the child sees the parent's private bytes; writes on either
	// side stay there.
	c := e.fork()
	e.write(va+pg+1, []byte{0xb1}) // parent: copies away from the child
	e.use(c)
	if got := e.read(va+pg+1, 1); got[0] != 0xa1 {
		t.Fatalf("child reads %#x", got[0])
	}
	e.write(va, []byte{0xc0}) // child: copies the cache page
	e.use(as)
	if got := e.read(va, 1); got[0] != data[0] {
		t.Fatalf("parent reads the child's write: %#x", got[0])
	}
	e.must(as.Msync(va, 3*pg, MsSync))
	if len(b.writes) != 0 || !bytes.Equal(b.data, data) || !bytes.Equal(fileBytes(t, f), data) {
		t.Fatalf("private mappings wrote the file: %v", b.writes)
	}
	e.destroy(c)
	e.destroyAll()
}

// MAP_SHARED: writes land in the cache page; every address space
// mapping the file sees them at once, and so does ReadAt (and the
// mappings see WriteAt).
func TestFileShared(t *testing.T) {
	e := newEnv(t)
	a := e.cur
	data := filePattern(2, 2*pg)
	f, _ := e.newFile(slices.Clone(data))
	va := e.mmapFile(0, 2*pg, rw, MapShared, f, 0)
	b := e.newSpace()
	vb := e.mmapFile(0, pg, rw, MapShared, f, pg) // the second page only
	e.use(a)
	e.write(va+pg+5, []byte{1, 2, 3})
	if l := pte(a, va+pg); l.Addr().PFN() != cachePage(t, f, 1) || l&(pt.Writable|pt.Dirty) != pt.Writable|pt.Dirty {
		t.Fatalf("shared PTE %#x, cache frame %#x", l, cachePage(t, f, 1))
	}
	e.use(b)
	if got := e.read(vb+5, 3); !bytes.Equal(got, []byte{1, 2, 3}) || b.LastKind != KindFileHit {
		t.Fatalf("other space reads %v (%v)", got, b.LastKind)
	}
	e.write(vb+9, []byte{9})
	e.use(a)
	if got := e.read(va+pg+9, 1); got[0] != 9 {
		t.Fatalf("first space reads %#x", got[0])
	}
	if got := fileBytes(t, f); got[pg+5] != 1 || got[pg+9] != 9 {
		t.Fatal("ReadAt does not see the mappings' writes")
	}
	if _, err := f.WriteAt([]byte{7}, 3); err != nil {
		t.Fatal(err)
	}
	if got := e.read(va+3, 1); got[0] != 7 {
		t.Fatalf("mapping does not see WriteAt: %#x", got[0])
	}
	// Fork shares the pages (no copy on either side).
	c := e.fork()
	e.use(c)
	e.write(va+11, []byte{11})
	e.use(a)
	if got := e.read(va+11, 1); got[0] != 11 {
		t.Fatal("parent does not see the child's shared write")
	}
	e.destroy(b)
	e.destroy(c)
	e.destroyAll()
}

// msync(MS_SYNC) writes exactly the pages written through the mapping
// and cleans their PTEs: a second msync writes nothing, and a write
// after it dirties the page again (the TLB entry went with the bit).
func TestMsync(t *testing.T) {
	e := newEnv(t)
	as := e.cur
	f, b := e.newFile(filePattern(3, 4*pg))
	va := e.mmapFile(0, 4*pg, rw, MapShared, f, 0)
	e.read(va, 4*pg)
	e.write(va+pg, []byte{1})
	e.write(va+3*pg+7, []byte{3})
	e.must(as.Msync(va, 4*pg, MsSync))
	if !slices.Equal(b.writes, []uint64{1, 3}) || b.data[pg] != 1 || b.data[3*pg+7] != 3 {
		t.Fatalf("msync wrote %v", b.writes)
	}
	for i := range 4 {
		if l := pte(as, va+mm.VirtAddr(i)*pg); l&pt.Dirty != 0 {
			t.Fatalf("page %d: PTE %#x still dirty after msync", i, l)
		}
	}
	e.must(as.Msync(va, 4*pg, MsSync))
	if len(b.writes) != 2 {
		t.Fatalf("second msync wrote %v", b.writes[2:])
	}
	e.write(va+pg, []byte{4})
	e.must(as.Msync(va, 4*pg, MsSync))
	if !slices.Equal(b.writes[2:], []uint64{1}) || b.data[pg] != 4 {
		t.Fatalf("a write after msync: msync wrote %v", b.writes[2:])
	}
	// MS_ASYNC moves the Dirty bits to the cache and writes nothing; a
	// range msync writes only its pages.
	e.write(va, []byte{5})
	e.write(va+2*pg, []byte{6})
	e.must(as.Msync(va, 4*pg, MsAsync))
	if len(b.writes) != 3 || f.DirtyPages() != 2 || pte(as, va)&pt.Dirty != 0 {
		t.Fatalf("MS_ASYNC: writes %v, %d dirty in the cache", b.writes, f.DirtyPages())
	}
	e.must(as.Msync(va+2*pg, pg, MsSync))
	if !slices.Equal(b.writes[3:], []uint64{2}) || f.DirtyPages() != 1 {
		t.Fatalf("msync of one page wrote %v", b.writes[3:])
	}
	e.must(f.Sync())
	if !slices.Equal(b.writes[3:], []uint64{2, 0}) {
		t.Fatalf("sync wrote %v", b.writes[3:])
	}
	for _, c := range []struct {
		addr   mm.VirtAddr
		length uint64
		flags  MsyncFlags
		want   string
	}{
		{va + 1, pg, MsSync, "EINVAL"},
		{va, pg, MsSync | MsAsync, "EINVAL"},
		{va, pg, 8, "EINVAL"},
		{va, 5 * pg, MsSync, "ENOMEM"},
		{va, 0, MsSync, "ok"},
		{va, pg, MsInvalidate, "ok"},
	} {
		if got := errno(as.Msync(c.addr, c.length, c.flags)); got != c.want {
			t.Errorf("msync(%v, %#x, %#x): %s, want %s", c.addr, c.length, c.flags, got, c.want)
		}
	}
	e.destroyAll()
}

// munmap of a dirty shared page hands its Dirty bit to the cache, and
// the next sync writes it; so does DONTNEED, and so does the end of the
// address space.
func TestUnmapKeepsDirty(t *testing.T) {
	e := newEnv(t)
	f, b := e.newFile(filePattern(4, 3*pg))
	va := e.mmapFile(0, 3*pg, rw, MapShared, f, 0)
	e.write(va, []byte{1})
	e.write(va+pg, []byte{2})
	e.write(va+2*pg, []byte{3})
	e.must(e.cur.Munmap(va, pg))
	e.must(e.cur.Madvise(va+pg, pg, AdviceDontNeed))
	if f.DirtyPages() != 2 {
		t.Fatalf("%d dirty pages in the cache, want 2", f.DirtyPages())
	}
	c := e.newSpace()
	e.destroy(e.spaces[0])
	if f.DirtyPages() != 3 || f.Mapped() {
		t.Fatalf("after the address space went: %d dirty, mapped %v", f.DirtyPages(), f.Mapped())
	}
	e.must(f.Sync())
	if !slices.Equal(b.writes, []uint64{0, 1, 2}) || b.data[0] != 1 || b.data[pg] != 2 || b.data[2*pg] != 3 {
		t.Fatalf("sync wrote %v", b.writes)
	}
	_ = c
	e.destroyAll()
}

// Past the end of file: the tail of the last page reads zeros, and a
// page wholly past it is a bus error, shared or private, read or write.
func TestFileBeyondEOF(t *testing.T) {
	e := newEnv(t)
	as := e.cur
	f, _ := e.newFile(filePattern(5, pg+100))
	for _, flags := range []Flags{MapShared, MapPrivate} {
		va := e.mmapFile(0, 3*pg, rw, flags, f, 0)
		if got := e.read(va+pg+100, pg-100); !bytes.Equal(got, make([]byte, pg-100)) {
			t.Fatalf("%v: the last page's tail is not zero", flags)
		}
		for _, a := range []Access{Read, Write} {
			bus := as.Stats.Bus
			if r := e.fault(va+2*pg, a); r != SigBus || as.LastKind != KindBus || as.Stats.Bus != bus+1 {
				t.Fatalf("%v: %v past the end: %v (%v)", flags, a, r, as.LastKind)
			}
			if pte(as, va+2*pg) != 0 {
				t.Fatalf("%v: a PTE past the end", flags)
			}
		}
		e.must(as.Munmap(va, 3*pg))
	}
	// An offset past the end: every page is.
	va := e.mmapFile(0, pg, ProtRead, MapPrivate, f, 4*pg)
	if r := e.fault(va, Read); r != SigBus {
		t.Fatalf("mapping past the end: %v", r)
	}
	e.destroyAll()
}

// Truncating a mapped file unmaps every page past the new end from every
// address space, private copies included; touching them is a bus error.
func TestFileTruncateMapped(t *testing.T) {
	e := newEnv(t)
	data := filePattern(6, 4*pg)
	f, _ := e.newFile(slices.Clone(data))
	a := e.cur
	sva := e.mmapFile(0, 4*pg, rw, MapShared, f, 0)
	e.read(sva, 4*pg)
	e.write(sva+3*pg, []byte{1}) // dirty, then truncated away
	b := e.newSpace()
	pva := e.mmapFile(0, 4*pg, rw, MapPrivate, f, 0)
	e.read(pva, 4*pg)
	e.write(pva+2*pg, []byte{2}) // a private copy
	e.write(pva+pg, []byte{3})   // a private copy that stays
	e.must(f.Truncate(pg + 10))
	for _, c := range []struct {
		as *AddressSpace
		va mm.VirtAddr
	}{{a, sva}, {b, pva}} {
		for i := 2; i < 4; i++ {
			if l := pte(c.as, c.va+mm.VirtAddr(i)*pg); l != 0 {
				t.Fatalf("as %d: page %d still mapped: %#x", c.as.ID, i, l)
			}
		}
		if pte(c.as, c.va) == 0 || pte(c.as, c.va+pg) == 0 {
			t.Fatalf("as %d: pages below the new end unmapped", c.as.ID)
		}
		e.use(c.as)
		for _, at := range []mm.VirtAddr{2 * pg, 3*pg + 5} {
			if r := e.fault(c.va+at, Read); r != SigBus {
				t.Fatalf("as %d: read at +%#x after truncate: %v", c.as.ID, at, r)
			}
		}
	}
	if a.RSS() != 2 || b.RSS() != 2 {
		t.Fatalf("RSS %d and %d after truncate, want 2", a.RSS(), b.RSS())
	}
	e.use(a)
	if got := e.read(sva+pg+10, 10); !bytes.Equal(got, make([]byte, 10)) {
		t.Fatal("the tail of the new last page is not zero in the shared mapping")
	}
	e.use(b)
	if got := e.read(pva+pg, 1); got[0] != 3 {
		t.Fatal("a private copy below the new end was lost")
	}
	// Growing again: the pages come back, zero.
	e.must(f.Truncate(3 * pg))
	if got := e.read(pva+2*pg, 4); !bytes.Equal(got, make([]byte, 4)) {
		t.Fatalf("grown page reads %v", got)
	}
	e.destroy(a)
	e.destroyAll()
}

// A read error in a fault is a bus error; the next MS_SYNC msync reports
// it as EIO, once.
func TestFileReadError(t *testing.T) {
	e := newEnv(t)
	as := e.cur
	f, b := e.newFile(filePattern(7, 4*pg))
	va := e.mmapFile(0, 4*pg, rw, MapShared, f, 0)
	b.readErr[1] = errDisk
	if r := e.fault(va+pg, Read); r != SigBusIO || as.LastKind != KindBus {
		t.Fatalf("read of a bad page: %v (%v), want an I/O bus error", r, as.LastKind)
	}
	if err := as.Msync(va, 4*pg, MsSync); !errors.Is(err, ErrIO) {
		t.Fatalf("msync after the read error: %v", err)
	}
	if err := as.Msync(va, 4*pg, MsSync); err != nil {
		t.Fatalf("second msync: %v", err)
	}
	delete(b.readErr, 1)
	if r := e.fault(va+pg, Read); r != Resolved {
		t.Fatalf("read after the disk recovered: %v", r)
	}
	// A failed write: EIO, then the page is written by the next msync.
	e.write(va+pg, []byte{1})
	b.writeErr[1] = errDisk
	if err := as.Msync(va, 4*pg, MsSync); !errors.Is(err, ErrIO) {
		t.Fatalf("msync with a failing write: %v", err)
	}
	delete(b.writeErr, 1)
	if err := as.Msync(va, 4*pg, MsSync); err != nil || b.data[pg] != 1 {
		t.Fatalf("msync after the disk recovered: %v, byte %#x", err, b.data[pg])
	}
	e.destroyAll()
}

// MmapFile's errors, as mmap(2)'s; mprotect may not make a shared
// mapping of a read-only file writable (EACCES, as Linux's VM_MAYWRITE).
func TestMmapFileErrors(t *testing.T) {
	e := newEnv(t)
	as := e.cur
	f, _ := e.newFile(filePattern(8, 2*pg))
	for _, c := range []struct {
		name     string
		prot     Prot
		flags    Flags
		file     *pagecache.File
		off      uint64
		writable bool
		want     string
	}{
		{"shared writable of a read-only file", rw, MapShared, f, 0, false, "EACCES"},
		{"shared read-only of a read-only file", ProtRead, MapShared, f, 0, false, "ok"},
		{"private writable of a read-only file", rw, MapPrivate, f, 0, false, "ok"},
		{"unaligned offset", ProtRead, MapPrivate, f, 100, true, "EINVAL"},
		{"no file", ProtRead, MapPrivate, nil, 0, true, "EINVAL"},
		{"anonymous with a file", ProtRead, MapPrivate | MapAnonymous, f, 0, true, "EINVAL"},
		{"neither shared nor private", ProtRead, 0, f, 0, true, "EINVAL"},
		{"offset overflowing", ProtRead, MapPrivate, f, ^uint64(0) &^ mm.PageMask, true, "ENOMEM"},
		{"offset past the end", ProtRead, MapShared, f, 8 * pg, true, "ok"},
	} {
		va, err := as.MmapFile(0, pg, c.prot, c.flags, c.file, c.off, c.writable)
		if got := errno(err); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
		e.check()
		if err == nil {
			e.must(as.Munmap(va, pg))
		}
	}
	if _, err := as.MmapFile(0, 0, ProtRead, MapPrivate, f, 0, true); errno(err) != "EINVAL" {
		t.Errorf("length 0: %v", err)
	}
	ro, err := as.MmapFile(0, 2*pg, ProtRead, MapShared, f, 0, false)
	e.must(err)
	if err := as.Mprotect(ro+pg, pg, rw); errno(err) != "EACCES" {
		t.Errorf("mprotect writable of a shared read-only file: %v", err)
	}
	e.check()
	if r := e.fault(ro+pg, Write); r != SegvProtection {
		t.Errorf("write after the refused mprotect: %v", r)
	}
	e.must(as.Mprotect(ro, 2*pg, ProtRead|ProtExec))
	priv, err := as.MmapFile(0, pg, ProtRead, MapPrivate, f, 0, false)
	e.must(err)
	e.must(as.Mprotect(priv, pg, rw)) // private: the file never sees it
	e.destroyAll()
}

// PROT_NONE and back keeps a shared page's Dirty bit: msync writes it.
func TestFileProtNoneKeepsDirty(t *testing.T) {
	e := newEnv(t)
	as := e.cur
	f, b := e.newFile(filePattern(9, 2*pg))
	va := e.mmapFile(0, 2*pg, rw, MapShared, f, 0)
	e.write(va+pg, []byte{1})
	e.must(as.Mprotect(va, 2*pg, ProtNone))
	if r := e.fault(va+pg, Read); r != SegvProtection {
		t.Fatalf("read of PROT_NONE: %v", r)
	}
	e.must(as.Mprotect(va, 2*pg, rw))
	if got := e.read(va+pg, 1); got[0] != 1 {
		t.Fatalf("after PROT_NONE and back: %#x", got[0])
	}
	e.must(as.Msync(va, 2*pg, MsSync))
	if !slices.Equal(b.writes, []uint64{1}) || b.data[pg] != 1 {
		t.Fatalf("msync wrote %v", b.writes)
	}
	// msync while PROT_NONE finds the bit in the non-present entry.
	e.write(va, []byte{2})
	e.must(as.Mprotect(va, 2*pg, ProtNone))
	e.must(as.Msync(va, 2*pg, MsSync))
	if !slices.Equal(b.writes, []uint64{1, 0}) || b.data[0] != 2 {
		t.Fatalf("msync of PROT_NONE wrote %v", b.writes)
	}
	e.destroyAll()
}

// Splitting and merging file VMAs keeps the reverse map's count of them
// (check compares it after each step); the last munmap unmaps the file.
func TestFileVMASplitMerge(t *testing.T) {
	e := newEnv(t)
	as := e.cur
	f, _ := e.newFile(filePattern(10, 8*pg))
	g, _ := e.newFile(filePattern(11, 8*pg))
	va := e.mmapFile(a0, 8*pg, rw, MapShared, f, 0)
	e.read(va, 8*pg)
	e.must(as.Munmap(va+3*pg, 2*pg))
	if len(as.vmas) != 2 || f.Mappings(as) != 2 {
		t.Fatalf("%d VMAs, %d in the reverse map", len(as.vmas), f.Mappings(as))
	}
	if v := as.vmas[1]; v.Offset() != 5*pg {
		t.Fatalf("right part at offset %#x", v.Offset())
	}
	if got := e.read(va+5*pg, 8); !bytes.Equal(got, filePattern(10, 8*pg)[5*pg:5*pg+8]) {
		t.Fatal("right part reads other bytes")
	}
	e.must(as.Mprotect(va+pg, pg, ProtRead))
	if f.Mappings(as) != 4 {
		t.Fatalf("after mprotect: %d in the reverse map", f.Mappings(as))
	}
	e.must(as.Mprotect(va+pg, pg, rw))
	if f.Mappings(as) != 2 {
		t.Fatalf("after mprotect back: %d in the reverse map", f.Mappings(as))
	}
	// Mapping the hole again, at the right offset, merges all three.
	e.mmapFile(va+3*pg, 2*pg, rw, MapShared|MapFixed, f, 3*pg)
	if len(as.vmas) != 1 || f.Mappings(as) != 1 {
		t.Fatalf("refilled hole: %d VMAs, %d in the reverse map", len(as.vmas), f.Mappings(as))
	}
	// Not at the right offset, or another file, or private: no merge.
	e.mmapFile(va+8*pg, pg, rw, MapShared|MapFixed, f, 0)
	e.mmapFile(va+9*pg, pg, rw, MapShared|MapFixed, g, 2*pg)
	e.mmapFile(va+10*pg, pg, rw, MapPrivate|MapFixed, g, 3*pg)
	e.mmap(va+11*pg, pg, rw, priv|MapFixed)
	if len(as.vmas) != 5 || f.Mappings(as) != 2 || g.Mappings(as) != 2 {
		t.Fatalf("%d VMAs, %d and %d in the reverse maps", len(as.vmas), f.Mappings(as), g.Mappings(as))
	}
	// MAP_FIXED over a file mapping drops its reverse-map entry.
	e.mmap(va+8*pg, pg, rw, priv|MapFixed)
	e.must(as.Munmap(va, 3*pg))
	e.must(as.Munmap(va+3*pg, 5*pg))
	if f.Mapped() {
		t.Fatal("file still mapped after the last munmap")
	}
	e.must(as.Munmap(va+9*pg, 2*pg))
	if g.Mapped() {
		t.Fatal("second file still mapped")
	}
	e.destroyAll()
}

// Smaps counts a file page mapped by one address space as private (the
// cache's own reference maps nothing), by two as shared.
func TestFileSmaps(t *testing.T) {
	e := newEnv(t)
	f, _ := e.newFile(filePattern(12, 2*pg))
	va := e.mmapFile(0, 2*pg, rw, MapShared, f, 0)
	e.read(va, 1)
	e.write(va+pg, []byte{1})
	if s := e.cur.Smaps()[0]; s.Rss != 2*pg || s.Pss != 2*pg || s.PrivateClean != pg || s.PrivateDirty != pg || s.SharedClean+s.SharedDirty != 0 {
		t.Fatalf("one mapper: %+v", s)
	}
	c := e.fork()
	if s := c.Smaps()[0]; s.Pss != pg || s.SharedClean != pg || s.SharedDirty != pg {
		t.Fatalf("two mappers: %+v", s)
	}
	if s := e.cur.Smaps()[0]; s.Anonymous != 0 {
		t.Fatalf("a shared file mapping counts %d bytes anonymous", s.Anonymous)
	}
	smapsAt := func(va mm.VirtAddr) Smaps {
		for _, s := range e.cur.Smaps() {
			if s.VMA.Start == va {
				return s
			}
		}
		t.Fatalf("no mapping at %v", va)
		return Smaps{}
	}
	// A private mapping: its written page is an anonymous copy, the page
	// only read is the cache's.
	pv := e.mmapFile(0, 2*pg, rw, MapPrivate, f, 0)
	e.read(pv, 1)
	e.write(pv+pg, []byte{2})
	if s := smapsAt(pv); s.Rss != 2*pg || s.Anonymous != pg {
		t.Fatalf("private mapping: %+v", s)
	}
	e.destroy(c)
	e.destroyAll()
}

// The file fault paths allocate nothing: a cache hit, a major fault
// (polled read with readahead), and the copy of a private write.
func TestFaultAllocsFileHit(t *testing.T) {
	e := newEnv(t)
	f, _ := e.newFile(filePattern(13, pg))
	f.Truncate((allocRuns + 1) * pg)
	fileBytes(t, f)
	base := e.mmapFile(0, (allocRuns+1)*pg, ProtRead, MapPrivate, f, 0)
	faultAllocs(t, e, base, Read, &e.cur.Stats.FileFaults)
	if e.cur.Stats.MajFaults != 0 || e.cur.LastKind != KindFileHit {
		t.Fatalf("%d major faults, last %v", e.cur.Stats.MajFaults, e.cur.LastKind)
	}
	e.destroyAll()
}

func TestFaultAllocsFileMajor(t *testing.T) {
	const runs, stride = 50, 8 // each fault reads 4 pages: within the reserve
	e := newEnv(t)
	f, b := e.newFile(make([]byte, (runs+1)*stride*pg))
	base := e.mmapFile(0, (runs+1)*stride*pg, ProtRead, MapShared, f, 0)
	va := base
	if a := testing.AllocsPerRun(runs, func() {
		if e.cur.HandleFault(va, Read) != Resolved {
			panic("fault not resolved")
		}
		va += stride * pg
	}); a != 0 {
		t.Errorf("%v allocations per major fault", a)
	}
	if n := e.cur.Stats.MajFaults; n != runs+1 || len(b.reads) != 4*(runs+1) {
		t.Errorf("%d major faults, %d pages read, want %d and %d", n, len(b.reads), runs+1, 4*(runs+1))
	}
	e.check()
	e.destroyAll()
}

func TestFaultAllocsFileCOW(t *testing.T) {
	e := newEnv(t)
	f, _ := e.newFile(filePattern(14, pg))
	f.Truncate((allocRuns + 1) * pg)
	fileBytes(t, f)
	base := e.mmapFile(0, (allocRuns+1)*pg, rw, MapPrivate, f, 0)
	e.read(base, (allocRuns+1)*pg) // read-only PTEs to the cache's pages
	faultAllocs(t, e, base, Write, &e.cur.Stats.COWFaults)
	e.destroyAll()
}

// Direct: a private write with no PTE copies the cache page at once.
func TestFaultAllocsFileCOWDirect(t *testing.T) {
	e := newEnv(t)
	f, _ := e.newFile(filePattern(15, pg))
	f.Truncate((allocRuns + 1) * pg)
	fileBytes(t, f)
	base := e.mmapFile(0, (allocRuns+1)*pg, rw, MapPrivate, f, 0)
	faultAllocs(t, e, base, Write, &e.cur.Stats.COWFaults)
	if st := e.m.Frames.Stats(); st.Pages[frame.PageCache] != allocRuns+1 {
		t.Fatalf("%d page-cache frames", st.Pages[frame.PageCache])
	}
	e.destroyAll()
}

// BenchmarkFaultFileHit maps cached file pages: the fault path of a
// page-cache hit.
func BenchmarkFaultFileHit(b *testing.B) {
	e := newEnv(b)
	e.nocheck = true
	f, _ := e.newFile(make([]byte, benchPages*pg))
	fileBytes(b, f)
	base := e.mmapFile(0, benchPages*pg, ProtRead, MapPrivate, f, 0)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for range b.N {
		if i == benchPages {
			b.StopTimer()
			dropAll(e, base)
			i = 0
			b.StartTimer()
		}
		if e.cur.HandleFault(base+mm.VirtAddr(i)*pg, Read) != Resolved {
			b.Fatal("fault not resolved")
		}
		i++
	}
}

// Fault-around: a read fault on a file page of a user address space
// maps the neighbours the page cache holds, within the aligned window,
// the VMA and the file; not pages the cache lacks, not on a write, not
// in the shell's (supervisor) address spaces.
func TestFaultAround(t *testing.T) {
	e := newEnv(t)
	e.cur.User = true
	const pages = 40
	f, _ := e.newFile(filePattern(3, pages*pg-100)) // the last page partial
	// Every page in the cache but page 20; the VMA starts at file page 2.
	buf := make([]byte, pages*pg)
	f.ReadAt(buf[:20*pg], 0)
	f.ReadAt(buf[21*pg:pages*pg-100], 21*pg)
	if _, ok := f.Lookup(20); ok {
		t.Fatal("page 20 cached: the test needs it absent")
	}
	va := e.mmapFile(0, (pages-2)*pg, ProtRead, MapPrivate, f, 2*pg)
	mapped := func(i int) bool { return pte(e.cur, va+mm.VirtAddr(i)*pg)&pt.Present != 0 }
	faults := e.cur.Stats.Faults
	e.read(va+5*pg, 1) // file page 7: window of VMA pages [0, 16) (aligned on addresses)
	if got := e.cur.Stats.Faults - faults; got != 1 {
		t.Fatalf("%d faults for one read", got)
	}
	wstart := (va + 5*pg) &^ (16*pg - 1)
	base := int((int64(wstart) - int64(va)) / pg) // the window's first page, as a VMA page number
	for i := 0; i < pages-2; i++ {
		want := i >= max(base, 0) && i < base+16 && i+2 != 20
		if mapped(i) != want {
			t.Errorf("VMA page %d (file page %d): mapped %v, want %v", i, i+2, mapped(i), want)
		}
	}
	for i := max(base, 0); i < base+16; i++ {
		if i+2 != 20 {
			e.read(va+mm.VirtAddr(i)*pg, 1)
		}
	}
	if got := e.cur.Stats.Faults - faults; got != 1 {
		t.Errorf("reading the window took %d faults, want the first one only", got)
	}
	// A write fault copies its page and maps nothing else.
	e.use(e.newSpace())
	e.cur.User = true
	wa := e.mmapFile(0, 16*pg, ProtRead|ProtWrite, MapPrivate, f, 0)
	e.write(wa+16*pg-1, []byte{1})
	for i := 0; i < 15; i++ {
		if pte(e.cur, wa+mm.VirtAddr(i)*pg)&pt.Present != 0 {
			t.Errorf("a write fault mapped page %d too", i)
		}
	}
	// The shell's address spaces fault page by page.
	e.use(e.newSpace())
	ka := e.mmapFile(0, 16*pg, ProtRead, MapPrivate, f, 0)
	e.read(ka, 1)
	if pte(e.cur, ka+pg)&pt.Present != 0 {
		t.Error("a supervisor address space faulted around")
	}
	e.check()
}
