//go:build !tamago

package vm

// A plain reference model of address spaces: per address space a map from
// page to what is there (protection, private bytes, a shared anonymous
// object's page or a file's page), and the operations that the randomized test and
// the fuzz target apply both to it and to the real code. One file is
// there to map: the model keeps its bytes as the page cache has them
// (whole pages: a shared store past the end of file stays in its page
// until the file grows over it).

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
)

// mobj is a shared object of the model: its pages by index, nil = zero.
type mobj struct {
	pages map[uint64]*[pg]byte
}

// mfile is the model's file: its size, and its pages' bytes as cached.
type mfile struct {
	size int64
	buf  []byte // whole pages, zero past size
}

// page is file page idx, nil past the end of file.
func (f *mfile) page(idx uint64) *[pg]byte {
	if idx*pg >= uint64(f.size) {
		return nil
	}
	return (*[pg]byte)(f.buf[idx*pg:])
}

// truncate sets the size, as pagecache.File.Truncate: the pages past the
// end go, the bytes past it in the last page read zero.
func (f *mfile) truncate(size int64) {
	clear(f.buf[min(f.size, size):])
	n := int((size + pg - 1) / pg * pg)
	if n <= len(f.buf) {
		f.buf = f.buf[:n]
	} else {
		f.buf = append(f.buf, make([]byte, n-len(f.buf))...)
	}
	f.size = size
}

// mpage is one mapped page of the model.
type mpage struct {
	prot Prot
	obj  *mobj // nil: private
	// mf: a page of the file, page idx; fshared for MAP_SHARED, noWrite
	// for a shared mapping of the file opened read-only.
	mf      *mfile
	fshared bool
	noWrite bool
	idx     uint64
	data    *[pg]byte // private contents, nil = zero (a file's page for mf)
	// resident: a PTE is there (the page was touched, populated or
	// inherited, and not dropped since).
	resident bool
}

// mspace is an address space of the model.
type mspace struct {
	pages map[mm.VirtAddr]*mpage
}

func (s *mspace) clone() *mspace {
	c := &mspace{pages: make(map[mm.VirtAddr]*mpage, len(s.pages))}
	for va, p := range s.pages {
		q := *p
		if p.data != nil {
			d := *p.data
			q.data = &d
		}
		c.pages[va] = &q
	}
	return c
}

func (s *mspace) free(start, end mm.VirtAddr) bool {
	for va := start; va < end; va += pg {
		if s.pages[va] != nil {
			return false
		}
	}
	return true
}

func (s *mspace) covered(start, end mm.VirtAddr) bool {
	for va := start; va < end; va += pg {
		if s.pages[va] == nil {
			return false
		}
	}
	return true
}

// bytesOf is the page's content as the model has it.
// hugeFilled reports whether the code may have a page resident that the
// model does not, in user address spaces (TestRandomOperationsTHP): a
// page without a private copy, which a fault on another page mapped
// with its huge page (hugepage.go), or with the cached file pages
// around it (fault-around). Its bytes are compared all the same.
func (p *mpage) hugeFilled() bool {
	return hugeLengths && p.data == nil
}

func (p *mpage) bytesOf() *[pg]byte {
	switch {
	case p.obj != nil:
		return p.obj.pages[p.idx]
	case p.mf != nil && p.data == nil:
		return p.mf.page(p.idx)
	}
	return p.data
}

var zeroPage [pg]byte

// opKind is an operation of a sequence.
type opKind uint8

const (
	opMmap opKind = iota
	opMunmap
	opMprotect
	opMadvise
	opMincore
	opRead
	opWrite
	opFetch
	opFork
	opSwitch
	opDestroy
	opMmapFile
	opTruncate
	opMsync
	opSync
	opMremap
	opReclaim
	opSwapoff
	numOps
)

var opNames = [numOps]string{"mmap", "munmap", "mprotect", "madvise", "mincore", "read", "write", "fetch", "fork", "switch", "destroy",
	"mmapfile", "truncate", "msync", "sync", "mremap", "reclaim", "swapoff"}

// op is one operation; which fields count depends on kind.
type op struct {
	kind   opKind
	addr   mm.VirtAddr
	length uint64
	prot   Prot
	flags  Flags
	advice Advice
	which  int  // opSwitch, opDestroy: an address space by position
	fill   byte // opWrite: the first byte written; the others count up
	// opMmapFile: the file offset, and whether the file is open for
	// writing; opTruncate: the size (in off).
	off      uint64
	writable bool
	// opMremap: the VMA by position (which), the old range's page
	// offset in it (off) and length, the new length, flags and fixed
	// address (addr); opReclaim: how many pages (length).
	newLen uint64
	rflags RemapFlags
}

func (o op) String() string {
	switch o.kind {
	case opMmap:
		return fmt.Sprintf("mmap(%v, %#x, %v, %v)", o.addr, o.length, o.prot, o.flags)
	case opMmapFile:
		return fmt.Sprintf("mmapfile(%v, %#x, %v, %v, off %#x, writable %v)", o.addr, o.length, o.prot, o.flags, o.off, o.writable)
	case opTruncate:
		return fmt.Sprintf("truncate(%#x)", o.off)
	case opSync:
		return "sync"
	case opMprotect:
		return fmt.Sprintf("mprotect(%v, %#x, %v)", o.addr, o.length, o.prot)
	case opMadvise:
		return fmt.Sprintf("madvise(%v, %#x, %d)", o.addr, o.length, o.advice)
	case opSwitch, opDestroy:
		return fmt.Sprintf("%s(%d)", opNames[o.kind], o.which)
	case opFork:
		return "fork"
	case opMremap:
		return fmt.Sprintf("mremap(VMA %d + %d pages, %#x, %#x, %#x, %v)", o.which, o.off, o.length, o.newLen, uint8(o.rflags), o.addr)
	case opReclaim:
		return fmt.Sprintf("reclaim(%d)", o.length)
	case opSwapoff:
		return "swapoff"
	}
	return fmt.Sprintf("%s(%v, %#x)", opNames[o.kind], o.addr, o.length)
}

// source is where a sequence's choices come from: a seeded generator, or
// fuzz input.
type source interface {
	intn(n int) int
}

// The region the sequences work in: 96 pages across a page-table (2 MiB)
// boundary, near the window's start; an address sometimes falls just
// below the window or near its end.
const (
	regionStart = winStart + 2<<20 - 48*pg
	regionPages = 96
)

func genAddr(s source) mm.VirtAddr {
	switch s.intn(32) {
	case 0:
		return winStart - pg
	case 1, 2, 3, 4, 5, 6, 7: // where mappings without a usable hint go
		return winEnd - mm.VirtAddr(1+s.intn(48))*pg
	case 8:
		return regionStart + mm.VirtAddr(s.intn(regionPages*pg)) // unaligned, mostly
	}
	return regionStart + mm.VirtAddr(s.intn(regionPages))*pg
}

// hugeLengths makes genLength give lengths of 2 MiB and more now and
// then, room for huge pages (TestRandomOperationsTHP).
var hugeLengths bool

func genLength(s source) uint64 {
	switch s.intn(16) {
	case 0:
		return 0
	case 1:
		return uint64(1 + s.intn(8*pg)) // any byte count
	case 2, 3:
		if hugeLengths {
			return uint64(512+s.intn(1100)) * pg
		}
	}
	return uint64(1+s.intn(8)) * pg
}

func genProt(s source) Prot {
	if s.intn(32) == 0 {
		return Prot(8 << s.intn(5)) // an unknown bit
	}
	if s.intn(2) == 0 {
		return ProtRead | ProtWrite
	}
	return Prot(s.intn(8))
}

// opWeights is how often each operation comes, out of their sum: enough
// mmaps that most accesses find memory, enough forks that pages are
// shared.
var opWeights = [numOps]int{opMmap: 6, opMunmap: 1, opMprotect: 3, opMadvise: 2, opMincore: 1,
	opRead: 8, opWrite: 10, opFetch: 2, opFork: 2, opSwitch: 2, opDestroy: 1,
	opMmapFile: 4, opTruncate: 1, opMsync: 1, opSync: 1, opMremap: 3, opReclaim: 2, opSwapoff: 1}

func pickOp(s source) opKind {
	sum := 0
	for _, w := range opWeights {
		sum += w
	}
	n := s.intn(sum)
	for k, w := range opWeights {
		if n < w {
			return opKind(k)
		}
		n -= w
	}
	return opRead
}

// genOp makes the next operation; nspaces is how many are live, mapped
// the current space's mapped pages in address order.
func genOp(s source, nspaces int, mapped []mm.VirtAddr) op {
	o := op{kind: pickOp(s)}
	switch o.kind {
	case opMmap:
		o.addr, o.length, o.prot = genAddr(s), genLength(s), genProt(s)
		switch s.intn(16) {
		case 0:
			o.flags = MapShared | MapPrivate
		case 1:
			o.flags = 0
		default:
			o.flags = []Flags{MapPrivate, MapShared}[s.intn(3)&1]
		}
		if s.intn(16) != 0 {
			o.flags |= MapAnonymous
		}
		switch s.intn(4) {
		case 0:
			o.flags |= MapFixed
		case 1:
			o.flags |= MapFixedNoReplace
		}
		if s.intn(4) == 0 {
			o.flags |= MapPopulate
		}
		if s.intn(8) == 0 {
			o.flags |= MapNoReserve
		}
	case opMmapFile:
		o.addr, o.length, o.prot = genAddr(s), genLength(s), genProt(s)
		o.flags = []Flags{MapPrivate, MapShared}[s.intn(2)]
		switch s.intn(16) {
		case 0:
			o.flags = MapShared | MapPrivate
		case 1:
			o.flags |= MapAnonymous
		}
		switch s.intn(4) {
		case 0:
			o.flags |= MapFixed
		case 1:
			o.flags |= MapFixedNoReplace
		}
		if s.intn(4) == 0 {
			o.flags |= MapPopulate
		}
		o.off = uint64(s.intn(8)) * pg
		if s.intn(16) == 0 {
			o.off += uint64(1 + s.intn(pg-1))
		}
		o.writable = s.intn(4) != 0
	case opTruncate:
		o.off = uint64(s.intn(8)) * pg
		if s.intn(2) == 0 {
			o.off += uint64(s.intn(pg))
		}
	case opMsync:
		o.addr, o.length = genAddr(s), genLength(s)
	case opMunmap:
		o.addr, o.length = genAddr(s), genLength(s)
		if s.intn(2) == 0 {
			o.length = pg
		}
	case opMincore:
		o.addr, o.length = genAddr(s), genLength(s)
	case opMprotect:
		o.addr, o.length, o.prot = genAddr(s), genLength(s), genProt(s)
	case opMadvise:
		o.addr, o.length = genAddr(s), genLength(s)
		o.advice = AdviceDontNeed
		if s.intn(4) == 0 {
			o.advice = Advice(s.intn(int(AdviceNoHugePage) + 2))
		}
	case opRead, opWrite, opFetch:
		o.addr = regionStart + mm.VirtAddr(s.intn(regionPages*pg))
		switch s.intn(4) {
		case 0: // where mappings without a usable hint go
			o.addr = winEnd - mm.VirtAddr(1+s.intn(48*pg))
		case 1, 2:
			if len(mapped) > 0 {
				o.addr = mapped[s.intn(len(mapped))] + mm.VirtAddr(s.intn(pg))
			}
		}
		o.length = uint64(1 + s.intn(3*pg))
		if s.intn(2) == 0 {
			o.length = uint64(1 + s.intn(16))
		}
		o.fill = byte(s.intn(256))
	case opSwitch, opDestroy:
		o.which = s.intn(max(nspaces, 1))
	case opMremap:
		o.which, o.off = s.intn(16), uint64(s.intn(4))
		o.length, o.newLen = uint64(1+s.intn(3))*pg, genLength(s)
		o.rflags = RemapMayMove
		switch s.intn(8) {
		case 0:
			o.rflags = 0
		case 1, 2:
			o.rflags |= RemapFixed
			o.addr = genAddr(s)
		case 3:
			o.rflags = RemapFlags(s.intn(8))
			o.addr = genAddr(s)
		}
	case opReclaim:
		o.length = uint64(1 + s.intn(16))
	case opFork:
		if nspaces >= 4 {
			o.kind = opSwitch // keep the number of spaces small
			o.which = s.intn(nspaces)
		}
	}
	return o
}

// runner applies operations to the real code (through env) and to the
// model, and compares.
type runner struct {
	e      *env
	models []*mspace // parallel to e.spaces
	cur    int
	buf    [3 * pg]byte
	// The file, its backing, and the model's file.
	f  *pagecache.File
	fb *memFile
	mf *mfile
}

// modelFileSize is the file's size at the start: five pages and a half.
const modelFileSize = 5*pg + pg/2

func newRunner(e *env) *runner {
	r := &runner{e: e, models: []*mspace{{pages: map[mm.VirtAddr]*mpage{}}}}
	data := filePattern(0x40, modelFileSize)
	r.f, r.fb = e.newFile(bytes.Clone(data))
	r.mf = &mfile{}
	r.mf.truncate(modelFileSize)
	copy(r.mf.buf, data)
	return r
}

// apply applies o to both sides and returns a description of the first
// difference, or "".
func (r *runner) apply(o op) string {
	e := r.e
	as, m := e.cur, r.models[r.cur]
	switch o.kind {
	case opMmap:
		va, err := as.Mmap(o.addr, o.length, o.prot, o.flags)
		mva, want := r.mmap(m, o)
		if errno(err) != want {
			return fmt.Sprintf("got %s, want %s", errno(err), want)
		}
		if err != nil {
			return ""
		}
		if o.flags&(MapFixed|MapFixedNoReplace) != 0 || mva != 0 {
			if va != mva {
				return fmt.Sprintf("mapped at %v, want %v", va, mva)
			}
		} else if va != r.highestGap(m, o.length, o.flags&MapPrivate != 0 && o.flags&MapShared == 0) {
			return fmt.Sprintf("mapped at %v, want the highest gap %v", va, r.highestGap(m, o.length, o.flags&MapPrivate != 0 && o.flags&MapShared == 0))
		}
		r.place(m, va, o)
	case opMmapFile:
		va, err := as.MmapFile(o.addr, o.length, o.prot, o.flags, r.f, o.off, o.writable)
		mva, want := r.mmap(m, o)
		if errno(err) != want {
			return fmt.Sprintf("got %s, want %s", errno(err), want)
		}
		if err != nil {
			return ""
		}
		if o.flags&(MapFixed|MapFixedNoReplace) != 0 || mva != 0 {
			if va != mva {
				return fmt.Sprintf("mapped at %v, want %v", va, mva)
			}
		} else if va != r.highestGap(m, o.length, false) {
			return fmt.Sprintf("mapped at %v, want the highest gap %v", va, r.highestGap(m, o.length, false))
		}
		r.place(m, va, o)
	case opTruncate:
		if err := r.f.Truncate(int64(o.off)); err != nil {
			return fmt.Sprintf("truncate: %v", err)
		}
		r.mf.truncate(int64(o.off))
		keep := (o.off + pg - 1) / pg
		for _, ms := range r.models {
			for _, p := range ms.pages {
				if p.mf != nil && p.idx >= keep {
					p.resident, p.data = false, nil
				}
			}
		}
	case opMsync:
		err := as.Msync(o.addr, o.length, MsSync)
		want, _ := rangeErr(m, o.addr, o.length)
		if errno(err) != want {
			return fmt.Sprintf("got %s, want %s", errno(err), want)
		}
	case opSync:
		if err := r.f.Sync(); err != nil {
			return fmt.Sprintf("sync: %v", err)
		}
		if !bytes.Equal(r.fb.data, r.mf.buf[:r.mf.size]) {
			return "after sync, the backing holds other bytes than the model's file"
		}
	case opMunmap:
		err := as.Munmap(o.addr, o.length)
		want := "ok"
		size, _ := pageRound(o.length)
		switch {
		case o.addr&mm.PageMask != 0 || o.length == 0:
			want = "EINVAL"
		case !as.inWindow(o.addr, size):
			want = "EINVAL"
		default:
			for va := o.addr; va < o.addr+mm.VirtAddr(size); va += pg {
				delete(m.pages, va)
			}
		}
		if errno(err) != want {
			return fmt.Sprintf("got %s, want %s", errno(err), want)
		}
	case opMprotect:
		err := as.Mprotect(o.addr, o.length, o.prot)
		want, end := rangeErr(m, o.addr, o.length)
		if o.prot&^protMask != 0 {
			want = "EINVAL"
		}
		for va := o.addr; want == "ok" && o.prot&ProtWrite != 0 && va < end; va += pg {
			if m.pages[va].noWrite {
				want = "EACCES"
			}
		}
		if errno(err) != want {
			return fmt.Sprintf("got %s, want %s", errno(err), want)
		}
		if want == "ok" {
			for va := o.addr; va < end; va += pg {
				m.pages[va].prot = o.prot
			}
		}
	case opMadvise:
		err := as.Madvise(o.addr, o.length, o.advice)
		want, end := rangeErr(m, o.addr, o.length)
		if o.advice > AdviceNoHugePage {
			want = "EINVAL"
		}
		if errno(err) != want {
			return fmt.Sprintf("got %s, want %s", errno(err), want)
		}
		if want == "ok" && o.advice == AdviceDontNeed {
			for va := o.addr; va < end; va += pg {
				p := m.pages[va]
				p.resident = false
				if p.obj == nil {
					p.data = nil
				}
			}
		}
	case opMincore:
		got, err := as.Mincore(o.addr, o.length)
		want, end := rangeErr(m, o.addr, o.length)
		if errno(err) != want {
			return fmt.Sprintf("got %s, want %s", errno(err), want)
		}
		if err == nil {
			if len(got) != int(end-o.addr)/pg {
				return fmt.Sprintf("%d entries", len(got))
			}
			for i, res := range got {
				// A page gone to swap is not resident (the model
				// knows nothing of reclaim).
				va := o.addr + mm.VirtAddr(i)*pg
				if res && m.pages[va].hugeFilled() {
					m.pages[va].resident = true
				}
				if w := m.pages[va].resident; res != w && !(w && leaf(as, va).State == LeafSwap) {
					return fmt.Sprintf("page %d resident %v, want %v", i, res, w)
				}
			}
		}
	case opRead, opWrite, opFetch:
		return r.access(m, o)
	case opFork:
		c, err := as.Fork()
		if err != nil {
			return fmt.Sprintf("fork: %v", err)
		}
		e.spaces = append(e.spaces, c)
		r.models = append(r.models, m.clone())
	case opMremap:
		return r.mremap(as, m, o)
	case opReclaim:
		e.m.Reclaim(int(o.length), false)
		r.reclaimed()
	case opSwapoff:
		return r.swapoff()
	case opSwitch:
		r.cur = o.which % len(e.spaces)
		e.use(e.spaces[r.cur])
	case opDestroy:
		i := o.which % len(e.spaces)
		if i == r.cur {
			return "" // the current space is never destroyed
		}
		e.spaces[i].Destroy()
		e.spaces = slices.Delete(e.spaces, i, i+1)
		r.models = slices.Delete(r.models, i, i+1)
		if r.cur > i {
			r.cur--
		}
	}
	return ""
}

// rangeErr is the error class of the (addr, length) of mprotect, madvise
// and mincore, and the range's end.
func rangeErr(m *mspace, addr mm.VirtAddr, length uint64) (string, mm.VirtAddr) {
	if addr&mm.PageMask != 0 {
		return "EINVAL", 0
	}
	size, _ := pageRound(length)
	end := addr + mm.VirtAddr(size)
	if !m.covered(addr, end) {
		return "ENOMEM", 0
	}
	return "ok", end
}

// mmap checks the arguments as mmap(2) does, in its order, and returns the
// address a fixed or hinted mapping must get (0: the highest gap).
func (r *runner) mmap(m *mspace, o op) (mm.VirtAddr, string) {
	kind := o.flags & (MapShared | MapPrivate)
	size, _ := pageRound(o.length)
	end := o.addr + mm.VirtAddr(size)
	inWindow := o.addr >= winStart && end > o.addr && end <= winEnd
	file := o.kind == opMmapFile
	switch {
	case file && (o.flags&MapAnonymous != 0 || o.off&mm.PageMask != 0):
		return 0, "EINVAL"
	case file && o.flags&MapShared != 0 && o.prot&ProtWrite != 0 && !o.writable:
		return 0, "EACCES"
	case o.length == 0, o.prot&^protMask != 0, kind != MapShared && kind != MapPrivate, !file && o.flags&MapAnonymous == 0:
		return 0, "EINVAL"
	case o.flags&(MapFixed|MapFixedNoReplace) != 0:
		switch {
		case o.addr&mm.PageMask != 0:
			return 0, "EINVAL"
		case !inWindow:
			return 0, "ENOMEM"
		case o.flags&MapFixed == 0 && !m.free(o.addr, end):
			return 0, "EEXIST"
		}
		return o.addr, "ok"
	}
	hint := (o.addr + mm.PageMask) &^ mm.PageMask
	hend := hint + mm.VirtAddr(size)
	if hint >= winStart && hend > hint && hend <= winEnd && m.free(hint, hend) {
		return hint, "ok"
	}
	return 0, "ok"
}

// highestGap is where a mapping of length bytes goes without a usable
// hint: the highest free range (top-down layout).
func (r *runner) highestGap(m *mspace, length uint64, private bool) mm.VirtAddr {
	size := mm.VirtAddr((length + mm.PageMask) &^ mm.PageMask)
	best := mm.VirtAddr(0)
	try := func(s mm.VirtAddr) {
		if s >= winStart && s+size <= winEnd && s > best && m.free(s, s+size) {
			best = s
		}
	}
	align := ^mm.VirtAddr(0) // huge pages: a private anonymous mapping of 2 MiB multiples is 2 MiB-aligned (thpAlign)
	if hugeLengths && private && size%hugeSize == 0 {
		align = ^hugeMask
	}
	try((winEnd - size) & align)
	for va := range m.pages {
		try((va - size) & align)
	}
	return best
}

// place enters a new mapping at va in the model.
func (r *runner) place(m *mspace, va mm.VirtAddr, o op) {
	size, _ := pageRound(o.length)
	populate := o.flags&MapPopulate != 0 && o.prot != ProtNone
	if o.kind == opMmapFile {
		shared := o.flags&MapShared != 0
		for i := uint64(0); i < size/pg; i++ {
			p := &mpage{prot: o.prot, mf: r.mf, fshared: shared, noWrite: shared && !o.writable, idx: o.off/pg + i}
			m.pages[va+mm.VirtAddr(i)*pg] = p
			if populate = populate && r.mf.page(p.idx) != nil; populate {
				p.resident = true // populate stops at the first bus error
				if !shared && o.prot&ProtWrite != 0 {
					d := *r.mf.page(p.idx)
					p.data = &d
				}
			}
		}
		return
	}
	var obj *mobj
	if o.flags&MapShared != 0 {
		obj = &mobj{pages: map[uint64]*[pg]byte{}}
	}
	for i := uint64(0); i < size/pg; i++ {
		p := &mpage{prot: o.prot, obj: obj, idx: i, resident: populate}
		if populate && obj != nil {
			obj.pages[i] = new([pg]byte)
		} else if populate && o.prot&ProtWrite != 0 {
			p.data = new([pg]byte)
		}
		m.pages[va+mm.VirtAddr(i)*pg] = p
	}
}

// access makes a read, write or fetch of o.length bytes at o.addr on both
// sides: page by page, stopping at the first page that faults.
func (r *runner) access(m *mspace, o op) string {
	a := map[opKind]Access{opRead: Read, opWrite: Write, opFetch: Exec}[o.kind]
	if a == Exec {
		o.length = 1
	}
	buf := r.buf[:o.length]
	if a == Write {
		for i := range buf {
			buf[i] = o.fill + byte(i)
		}
	}
	err := r.e.access(o.addr, buf, a)
	// The model, page by page.
	want := Resolved
	wantAt := mm.VirtAddr(0)
	var mbuf [3 * pg]byte
	for at := o.addr; at < o.addr+mm.VirtAddr(o.length); {
		page := at &^ mm.PageMask
		n := min(uint64(page+pg-at), uint64(o.addr+mm.VirtAddr(o.length)-at))
		p := m.pages[page]
		if p == nil {
			want, wantAt = SegvNotMapped, at
			break
		}
		if !allows(p.prot, a) {
			want, wantAt = SegvProtection, at
			break
		}
		if p.mf != nil && p.mf.page(p.idx) == nil {
			want, wantAt = SigBus, at
			break
		}
		p.resident = true
		off, boff := uint64(at-page), uint64(at-o.addr)
		switch a {
		case Write:
			d := p.data
			if p.mf != nil && p.fshared {
				d = p.mf.page(p.idx)
			} else if p.mf != nil && d == nil {
				c := *p.mf.page(p.idx)
				d = &c
				p.data = d
			} else if p.obj != nil {
				if d = p.obj.pages[p.idx]; d == nil {
					d = new([pg]byte)
					p.obj.pages[p.idx] = d
				}
			} else if d == nil {
				d = new([pg]byte)
				p.data = d
			}
			copy(d[off:off+n], buf[boff:])
		case Read:
			d := p.bytesOf()
			if d == nil {
				d = &zeroPage
			}
			copy(mbuf[boff:boff+n], d[off:off+n])
		}
		at += mm.VirtAddr(n)
	}
	if got := resultOf(err); got != want || (err != nil && err.(faultErr).va != wantAt) {
		return fmt.Sprintf("access ended with %v, want %v at %v", err, want, wantAt)
	}
	if a == Read && err == nil && !bytes.Equal(buf, mbuf[:o.length]) {
		return "read returned other bytes than the model's"
	}
	return ""
}

// compare checks every page of every live address space against the
// model, without touching anything: the PTEs and the frames' bytes.
func (r *runner) compare() string {
	zero := r.e.m.ZeroPage()
	for i, as := range r.e.spaces {
		m := r.models[i]
		for va, p := range m.pages {
			if as.findVMA(va) < 0 {
				return fmt.Sprintf("as %d: %v mapped in the model only", as.ID, va)
			}
			l := pte(as, va)
			if l != 0 && !p.resident && p.hugeFilled() {
				p.resident = true // a neighbour's fault mapped its huge page
			}
			if (l != 0) != p.resident {
				return fmt.Sprintf("as %d: %v has PTE %#x, model resident %v", as.ID, va, l, p.resident)
			}
			want := p.bytesOf()
			if want == nil {
				want = &zeroPage
			}
			var got []byte
			switch {
			case l != 0 && leaf(as, va).State == LeafSwap:
				continue // its bytes are compared when it comes back
			case p.mf != nil && l == 0:
				if p.data != nil {
					return fmt.Sprintf("as %d: %v has a private copy in the model and no PTE", as.ID, va)
				}
				continue // not mapped: the cache is compared on its own
			case l != 0 && hugeAt(as, va):
				got = frameBytes(leaf(as, va).PFN() + mm.PFN((va&hugeMask)/pg))
			case l != 0:
				got = frameBytes(l.Addr().PFN())
			case p.obj != nil && r.objPage(as, va) != 0:
				got = frameBytes(r.objPage(as, va))
			case p.obj != nil && r.e.m.Swap != nil:
				continue // perhaps in swap: compared when it comes back
			case p.obj == nil && p.data != nil:
				return fmt.Sprintf("as %d: %v has data in the model and no PTE", as.ID, va)
			default:
				got = frameBytes(zero)
			}
			if !bytes.Equal(got, want[:]) {
				return fmt.Sprintf("as %d: %v holds other bytes than the model's", as.ID, va)
			}
		}
		for _, v := range as.vmas {
			for va := v.Start; va < v.End; va += pg {
				p := m.pages[va]
				if p == nil {
					return fmt.Sprintf("as %d: %v mapped in the code only", as.ID, va)
				}
				anon := v.Flags&MapAnonymous != 0
				if p.prot != v.Prot || (p.obj != nil) != (v.file != nil && anon) || (p.mf != nil) != (v.file != nil && !anon) {
					return fmt.Sprintf("as %d: %v is %v in VMA %v", as.ID, va, p.prot, &v)
				}
				if p.mf != nil && (p.fshared != (v.Flags&MapShared != 0) || p.idx != v.pageIndex(va) || p.noWrite != v.noWrite) {
					return fmt.Sprintf("as %d: %v is page %d (shared %v) in file VMA %v", as.ID, va, p.idx, p.fshared, &v)
				}
			}
		}
	}
	if msg := r.compareFile(); msg != "" {
		return msg
	}
	return r.compareObjects()
}

// compareFile checks the file's size and its cached pages against the
// model's file.
func (r *runner) compareFile() string {
	if r.f.Size() != r.mf.size {
		return fmt.Sprintf("file size %d, model %d", r.f.Size(), r.mf.size)
	}
	for idx := uint64(0); idx*pg < uint64(r.mf.size); idx++ {
		if pfn, ok := r.f.Lookup(idx); ok && !bytes.Equal(frameBytes(pfn), r.mf.page(idx)[:]) {
			return fmt.Sprintf("file page %d: the cache holds other bytes than the model", idx)
		}
	}
	return ""
}

// compareObjects checks that the model's and the code's shared objects
// (the files of shared anonymous VMAs) correspond one to one, page for
// page.
func (r *runner) compareObjects() string {
	pair := map[*mobj]*pagecache.File{}
	back := map[*pagecache.File]*mobj{}
	for i, as := range r.e.spaces {
		for va, p := range r.models[i].pages {
			if p.obj == nil {
				continue
			}
			v := &as.vmas[as.findVMA(va)]
			if o, ok := pair[p.obj]; ok && o != v.file {
				return fmt.Sprintf("as %d: %v: one model object, two objects", as.ID, va)
			}
			if mo, ok := back[v.file]; ok && mo != p.obj {
				return fmt.Sprintf("as %d: %v: one object, two model objects", as.ID, va)
			}
			if v.pageIndex(va) != p.idx {
				return fmt.Sprintf("as %d: %v is page %d of its object, %d in the model", as.ID, va, v.pageIndex(va), p.idx)
			}
			pair[p.obj], back[v.file] = v.file, p.obj
		}
	}
	return ""
}

// objPage is the frame the object of as's shared anonymous VMA at va
// caches for va's page, or 0.
func (r *runner) objPage(as *AddressSpace, va mm.VirtAddr) mm.PFN {
	v := &as.vmas[as.findVMA(va)]
	pfn, _ := v.file.Lookup(v.pageIndex(va))
	return pfn
}

// run applies ops from s for n steps (or until s runs dry), checking
// after each; it fails the test with the step and the operation.
func (r *runner) run(s source, n int, name string) {
	e := r.e
	for step := 0; step < n; step++ {
		o := genOp(s, len(e.spaces), slices.Sorted(maps.Keys(r.models[r.cur].pages)))
		if bs, ok := s.(*byteSource); ok && bs.out {
			break
		}
		msg := r.apply(o)
		if os.Getenv("MODELTRACE") != "" {
			e.t.Logf("step %d as %d: %v -> %q", step, e.cur.ID, o, msg)
		}
		if msg == "" {
			if err := e.invariants(); err != nil {
				msg = err.Error()
			}
		}
		if msg == "" {
			msg = r.compare()
		}
		if msg != "" {
			e.t.Fatalf("%s, step %d, %v in as %d: %s", name, step, o, e.cur.ID, msg)
		}
	}
}

// byteSource makes choices from fuzz input.
type byteSource struct {
	b   []byte
	out bool
}

func (s *byteSource) intn(n int) int {
	if len(s.b) == 0 {
		s.out = true
		return 0
	}
	v := int(s.b[0])
	s.b = s.b[1:]
	if n > 256 {
		if len(s.b) > 0 {
			v = v<<8 | int(s.b[0])
			s.b = s.b[1:]
		}
	}
	return v % n
}
