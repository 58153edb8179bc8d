//go:build !tamago

package vm

import (
	"bytes"
	"slices"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

const (
	rw   = ProtRead | ProtWrite
	priv = MapPrivate | MapAnonymous
	shar = MapShared | MapAnonymous
	a0   = winStart + 64*pg // where the tables put things
)

// call applies o (an mmap, munmap, mprotect, madvise or mincore) to the
// current address space and returns its error.
func (e *env) call(o op) error {
	as := e.cur
	var err error
	switch o.kind {
	case opMmap:
		_, err = as.Mmap(o.addr, o.length, o.prot, o.flags)
	case opMunmap:
		err = as.Munmap(o.addr, o.length)
	case opMprotect:
		err = as.Mprotect(o.addr, o.length, o.prot)
	case opMadvise:
		err = as.Madvise(o.addr, o.length, o.advice)
	case opMincore:
		_, err = as.Mincore(o.addr, o.length)
	default:
		e.t.Fatalf("call(%v)", o)
	}
	return err
}

func mmapOp(addr mm.VirtAddr, length uint64, prot Prot, flags Flags) op {
	return op{kind: opMmap, addr: addr, length: length, prot: prot, flags: flags}
}

func rangeOp(k opKind, addr mm.VirtAddr, length uint64) op {
	return op{kind: k, addr: addr, length: length, prot: ProtRead}
}

// TestErrors: every error of every call, with the errno it stands for.
// Each case starts from a0 mapped over 4 pages and a0+5 pages over 2 (a
// hole at a0+4 pages), and ends with the VMAs as they were when the call
// fails.
func TestErrors(t *testing.T) {
	fixed := priv | MapFixed
	for _, c := range []struct {
		name string
		o    op
		want string
	}{
		{"mmap length 0", mmapOp(0, 0, rw, priv), "EINVAL"},
		{"mmap unknown prot", mmapOp(0, pg, 8, priv), "EINVAL"},
		{"mmap neither shared nor private", mmapOp(0, pg, rw, MapAnonymous), "EINVAL"},
		{"mmap both shared and private", mmapOp(0, pg, rw, MapShared|MapPrivate|MapAnonymous), "EINVAL"},
		{"mmap of a file", mmapOp(0, pg, rw, MapPrivate), "EINVAL"},
		{"mmap fixed unaligned", mmapOp(a0+1, pg, rw, fixed), "EINVAL"},
		{"mmap noreplace unaligned", mmapOp(a0+1, pg, rw, priv|MapFixedNoReplace), "EINVAL"},
		{"mmap fixed below the window", mmapOp(winStart-pg, pg, rw, fixed), "ENOMEM"},
		{"mmap fixed across the window's start", mmapOp(winStart-pg, 2*pg, rw, fixed), "ENOMEM"},
		{"mmap fixed across the window's end", mmapOp(winEnd-pg, 2*pg, rw, fixed), "ENOMEM"},
		{"mmap fixed at address 0", mmapOp(0, pg, rw, fixed), "ENOMEM"},
		{"mmap length overflowing", mmapOp(0, ^uint64(0), rw, priv), "ENOMEM"},
		{"mmap larger than the window", mmapOp(0, uint64(winEnd-winStart)+pg, rw, priv), "ENOMEM"},
		{"mmap shared larger than memory", mmapOp(0, 1<<40, rw, shar), "ENOMEM"},
		{"mmap private larger than memory", mmapOp(0, 1<<40, rw, priv|MapNoReserve), "ok"},
		{"mmap noreplace over a mapping", mmapOp(a0+3*pg, 2*pg, rw, priv|MapFixedNoReplace), "EEXIST"},
		{"mmap noreplace in the hole", mmapOp(a0+4*pg, pg, rw, priv|MapFixedNoReplace), "ok"},
		{"mmap fixed over a mapping", mmapOp(a0+3*pg, 2*pg, rw, fixed), "ok"},
		{"mmap hinted over a mapping", mmapOp(a0, pg, rw, priv), "ok"},
		{"munmap unaligned", rangeOp(opMunmap, a0+1, pg), "EINVAL"},
		{"munmap length 0", rangeOp(opMunmap, a0, 0), "EINVAL"},
		{"munmap below the window", rangeOp(opMunmap, winStart-pg, 2*pg), "EINVAL"},
		{"munmap across the window's end", rangeOp(opMunmap, winEnd-pg, 2*pg), "EINVAL"},
		{"munmap length overflowing", rangeOp(opMunmap, a0, ^uint64(0)), "EINVAL"},
		{"munmap of nothing", rangeOp(opMunmap, a0+64*pg, 4*pg), "ok"},
		{"munmap of the hole", rangeOp(opMunmap, a0+4*pg, pg), "ok"},
		{"mprotect unknown prot", op{kind: opMprotect, addr: a0, length: pg, prot: 16}, "EINVAL"},
		{"mprotect unaligned", rangeOp(opMprotect, a0+1, pg), "EINVAL"},
		{"mprotect over the hole", rangeOp(opMprotect, a0+3*pg, 3*pg), "ENOMEM"},
		{"mprotect of nothing", rangeOp(opMprotect, a0+64*pg, pg), "ENOMEM"},
		{"mprotect below the window", rangeOp(opMprotect, winStart-pg, pg), "ENOMEM"},
		{"mprotect length overflowing", rangeOp(opMprotect, a0, ^uint64(0)), "ENOMEM"},
		{"mprotect length 0", rangeOp(opMprotect, a0+64*pg, 0), "ok"},
		{"mprotect of part", rangeOp(opMprotect, a0+pg, pg+1), "ok"},
		{"madvise unknown advice", op{kind: opMadvise, addr: a0, length: pg, advice: AdviceNoHugePage + 1}, "EINVAL"},
		{"madvise unaligned", op{kind: opMadvise, addr: a0 + 1, length: pg, advice: AdviceDontNeed}, "EINVAL"},
		{"madvise over the hole", op{kind: opMadvise, addr: a0, length: 6 * pg, advice: AdviceDontNeed}, "ENOMEM"},
		{"madvise willneed over the hole", op{kind: opMadvise, addr: a0, length: 6 * pg, advice: AdviceWillNeed}, "ENOMEM"},
		{"madvise willneed", op{kind: opMadvise, addr: a0, length: 4 * pg, advice: AdviceWillNeed}, "ok"},
		{"madvise dontneed across VMAs", op{kind: opMadvise, addr: a0 + 5*pg, length: 2 * pg, advice: AdviceDontNeed}, "ok"},
		{"mincore unaligned", rangeOp(opMincore, a0+1, pg), "EINVAL"},
		{"mincore over the hole", rangeOp(opMincore, a0+3*pg, 2*pg), "ENOMEM"},
		{"mincore length 0", rangeOp(opMincore, a0+64*pg, 0), "ok"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.mmap(a0, 4*pg, rw, priv|MapFixed)
			e.mmap(a0+5*pg, pg, rw, priv|MapFixed)
			e.mmap(a0+6*pg, pg, ProtRead, priv|MapFixed)
			e.write(a0, make([]byte, 7*pg)[:4*pg])
			before := e.cur.VMAs()
			err := e.call(c.o)
			e.check()
			if got := errno(err); got != c.want {
				t.Fatalf("%v: %s (%v), want %s", c.o, got, err, c.want)
			}
			if err != nil && !slices.Equal(before, e.cur.VMAs()) {
				t.Errorf("%v failed and changed the VMAs: %v, were %v", c.o, e.cur.VMAs(), before)
			}
			e.destroyAll()
		})
	}
}

// vmaShape is a VMA as the tables below give it: pages from a0, pages, prot.
type vmaShape struct {
	from, pages int
	prot        Prot
}

func (e *env) wantVMAs(what string, want ...vmaShape) {
	e.t.Helper()
	got := e.cur.VMAs()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		w := want[i]
		ok = got[i].Start == a0+mm.VirtAddr(w.from)*pg && got[i].Pages() == uint64(w.pages) && got[i].Prot == w.prot
	}
	if !ok {
		e.t.Fatalf("%s: VMAs %v, want %v (in pages from a0)", what, got, want)
	}
}

// pattern is a page's worth of bytes that differs from page to page.
func pattern(seed byte) []byte {
	p := make([]byte, pg)
	for i := range p {
		p[i] = seed + byte(i*7)
	}
	return p
}

func (e *env) wantBytes(va mm.VirtAddr, want []byte) {
	e.t.Helper()
	if got := e.read(va, len(want)); !bytes.Equal(got, want) {
		e.t.Fatalf("%v holds %x..., want %x...", va, got[:8], want[:8])
	}
}

func (e *env) wantResident(va mm.VirtAddr, want ...bool) {
	e.t.Helper()
	got, err := e.cur.Mincore(va, uint64(len(want))*pg)
	if err != nil || !slices.Equal(got, want) {
		e.t.Fatalf("mincore(%v): %v %v, want %v", va, got, err, want)
	}
}

var zeros = make([]byte, pg)

// TestOperations: what each operation does, step by step.
func TestOperations(t *testing.T) {
	at := func(n int) mm.VirtAddr { return a0 + mm.VirtAddr(n)*pg }
	for _, c := range []struct {
		name string
		run  func(e *env)
	}{
		{"mmap rounds the length up", func(e *env) {
			e.mmap(a0, pg+1, rw, priv|MapFixed)
			e.wantVMAs("", vmaShape{0, 2, rw})
			e.write(at(1)+pg-1, []byte{1})
		}},
		{"mmap honours a free hint, rounded up", func(e *env) {
			if va := e.mmap(a0, 2*pg, rw, priv); va != a0 {
				e.t.Fatalf("mapped at %v, hint %v", va, a0)
			}
			if va := e.mmap(at(4)+1, pg, ProtRead, priv); va != at(5) {
				e.t.Fatalf("mapped at %v, hint %v", va, at(4)+1)
			}
		}},
		{"mmap ignores a taken hint: top-down", func(e *env) {
			e.mmap(a0, 2*pg, rw, priv)
			if va := e.mmap(at(1), 2*pg, ProtRead, priv); va != winEnd-2*pg {
				e.t.Fatalf("mapped at %v, want the top of the window", va)
			}
			if va := e.mmap(0, pg, ProtRead|ProtExec, priv); va != winEnd-3*pg {
				e.t.Fatalf("mapped at %v, want below the last", va)
			}
		}},
		{"mmap merges compatible neighbours", func(e *env) {
			e.mmap(at(2), pg, rw, priv|MapFixed)
			e.mmap(a0, pg, rw, priv|MapFixed)
			e.mmap(at(1), pg, rw, priv) // fills the gap: three become one
			e.wantVMAs("", vmaShape{0, 3, rw})
		}},
		{"mmap does not merge incompatible neighbours", func(e *env) {
			e.mmap(a0, pg, rw, priv|MapFixed)
			e.mmap(at(1), pg, ProtRead, priv|MapFixed)
			e.mmap(at(2), pg, ProtRead, shar|MapFixed)
			e.mmap(at(3), pg, ProtRead, shar|MapFixed) // another object
			e.wantVMAs("", vmaShape{0, 1, rw}, vmaShape{1, 1, ProtRead}, vmaShape{2, 1, ProtRead}, vmaShape{3, 1, ProtRead})
		}},
		{"MAP_FIXED replaces part of a mapping", func(e *env) {
			e.mmap(a0, 4*pg, rw, priv|MapFixed)
			for i := range 4 {
				e.write(at(i), pattern(byte(i)))
			}
			e.mmap(at(1), pg, ProtRead, priv|MapFixed)
			e.wantVMAs("", vmaShape{0, 1, rw}, vmaShape{1, 1, ProtRead}, vmaShape{2, 2, rw})
			e.wantBytes(at(1), zeros)
			e.wantBytes(at(2), pattern(2))
			e.mmap(at(2), pg, rw, priv|MapFixed) // the same kind: merges, contents gone
			e.wantVMAs("", vmaShape{0, 1, rw}, vmaShape{1, 1, ProtRead}, vmaShape{2, 2, rw})
			e.wantBytes(at(2), zeros)
			e.wantBytes(at(3), pattern(3))
			e.wantBytes(a0, pattern(0))
		}},
		{"MAP_POPULATE faults every page in", func(e *env) {
			e.mmap(a0, 3*pg, rw, priv|MapFixed|MapPopulate)
			e.wantResident(a0, true, true, true)
			if e.cur.RSS() != 3 || pte(e.cur, at(2))&pt.Writable == 0 {
				e.t.Fatalf("RSS %d, PTE %#x", e.cur.RSS(), pte(e.cur, at(2)))
			}
			e.mmap(at(3), 2*pg, ProtRead, priv|MapFixed|MapPopulate)
			e.wantResident(at(3), true, true)
			if e.cur.RSS() != 3 || pte(e.cur, at(4)).Addr().PFN() != e.m.ZeroPage() {
				e.t.Fatalf("RSS %d, PTE %#x: want the zero page", e.cur.RSS(), pte(e.cur, at(4)))
			}
			e.mmap(at(5), 2*pg, ProtNone, priv|MapFixed|MapPopulate)
			e.wantResident(at(5), false, false)
			e.mmap(at(7), 2*pg, ProtRead, shar|MapFixed|MapPopulate)
			e.wantResident(at(7), true, true)
			e.mmap(at(9), pg, rw, priv|MapFixed)
			e.wantResident(at(9), false)
		}},
		{"munmap in the middle splits", func(e *env) {
			e.mmap(a0, 5*pg, rw, priv|MapFixed)
			for i := range 5 {
				e.write(at(i), pattern(byte(i)))
			}
			e.must(e.cur.Munmap(at(2), 1))
			e.wantVMAs("", vmaShape{0, 2, rw}, vmaShape{3, 2, rw})
			if r := e.fault(at(2), Read); r != SegvNotMapped {
				e.t.Fatalf("read of the hole: %v", r)
			}
			if r := e.fault(at(2)+pg-1, Write); r != SegvNotMapped {
				e.t.Fatalf("write of the hole: %v", r)
			}
			for _, i := range []int{0, 1, 3, 4} {
				e.wantBytes(at(i), pattern(byte(i)))
			}
			if e.cur.RSS() != 4 {
				e.t.Fatalf("RSS %d", e.cur.RSS())
			}
		}},
		{"munmap across several VMAs", func(e *env) {
			e.mmap(a0, 3*pg, rw, priv|MapFixed)
			e.mmap(at(3), 3*pg, ProtRead, priv|MapFixed)
			e.mmap(at(6), 3*pg, rw, shar|MapFixed)
			e.write(a0, make([]byte, 3*pg))
			e.write(at(6), make([]byte, 3*pg))
			e.must(e.cur.Munmap(at(1), 7*pg))
			e.wantVMAs("", vmaShape{0, 1, rw}, vmaShape{8, 1, rw})
			if e.cur.RSS() != 2 {
				e.t.Fatalf("RSS %d", e.cur.RSS())
			}
		}},
		{"munmap of nothing", func(e *env) {
			e.mmap(a0, pg, rw, priv|MapFixed)
			e.must(e.cur.Munmap(at(2), 10*pg))
			e.wantVMAs("", vmaShape{0, 1, rw})
		}},
		{"mprotect splits and merges again", func(e *env) {
			e.mmap(a0, 4*pg, rw, priv|MapFixed)
			e.must(e.cur.Mprotect(at(1), 2*pg, ProtRead))
			e.wantVMAs("split", vmaShape{0, 1, rw}, vmaShape{1, 2, ProtRead}, vmaShape{3, 1, rw})
			e.must(e.cur.Mprotect(at(1), 2*pg, rw))
			e.wantVMAs("merged", vmaShape{0, 4, rw})
			e.must(e.cur.Mprotect(a0, 4*pg, ProtRead))
			e.wantVMAs("whole", vmaShape{0, 4, ProtRead})
		}},
		{"mprotect of shared memory splits and merges its object", func(e *env) {
			e.mmap(a0, 4*pg, rw, shar|MapFixed)
			e.write(at(3), pattern(3))
			e.must(e.cur.Mprotect(at(1), pg, ProtRead))
			e.must(e.cur.Mprotect(at(2), pg, ProtRead))
			e.wantVMAs("split", vmaShape{0, 1, rw}, vmaShape{1, 2, ProtRead}, vmaShape{3, 1, rw})
			e.must(e.cur.Mprotect(at(1), 2*pg, rw))
			e.wantVMAs("merged", vmaShape{0, 4, rw})
			e.wantBytes(at(3), pattern(3))
		}},
		{"mprotect write-protects a page the TLB holds", func(e *env) {
			e.mmap(a0, pg, rw, priv|MapFixed)
			e.write(a0, pattern(1))
			if !e.cpu.Cached(a0) {
				e.t.Fatal("page not in the TLB")
			}
			e.must(e.cur.Mprotect(a0, pg, ProtRead))
			if r := e.fault(a0, Write); r != SegvProtection {
				e.t.Fatalf("write after mprotect: %v", r)
			}
			e.wantBytes(a0, pattern(1))
			e.must(e.cur.Mprotect(a0, pg, ProtNone))
			if r := e.fault(a0, Read); r != SegvProtection {
				e.t.Fatalf("read after PROT_NONE: %v", r)
			}
		}},
		{"PROT_NONE keeps the data", func(e *env) {
			e.mmap(a0, 2*pg, rw, priv|MapFixed)
			e.write(a0, pattern(5))
			e.read(at(1), 1)
			old := pte(e.cur, a0)
			e.must(e.cur.Mprotect(a0, 2*pg, ProtNone))
			for _, a := range []Access{Read, Write, Exec} {
				if r := e.fault(a0, a); r != SegvProtection {
					e.t.Fatalf("%v of PROT_NONE: %v", a, r)
				}
			}
			if l := pte(e.cur, a0); l&pt.Present != 0 || l.Addr() != old.Addr() {
				e.t.Fatalf("PROT_NONE PTE %#x, was %#x", l, old)
			}
			e.wantResident(a0, true, true)
			e.must(e.cur.Mprotect(a0, 2*pg, rw))
			e.wantBytes(a0, pattern(5))
			e.wantBytes(at(1), zeros)
			e.write(a0, []byte{9})
			if l := pte(e.cur, a0); l.Addr() != old.Addr() || l&pt.Writable == 0 {
				e.t.Fatalf("PTE %#x after mprotect back, was %#x", l, old)
			}
		}},
		{"madvise DONTNEED zeroes private memory", func(e *env) {
			e.mmap(a0, 2*pg, rw, priv|MapFixed)
			e.write(a0, pattern(3))
			e.read(at(1), 1)
			e.must(e.cur.Madvise(a0, 2*pg, AdviceDontNeed))
			e.wantResident(a0, false, false)
			if e.cur.RSS() != 0 {
				e.t.Fatalf("RSS %d", e.cur.RSS())
			}
			e.wantBytes(a0, zeros)
		}},
		{"madvise DONTNEED keeps shared memory", func(e *env) {
			e.mmap(a0, 2*pg, rw, shar|MapFixed)
			e.write(a0, pattern(3))
			e.must(e.cur.Madvise(a0, 2*pg, AdviceDontNeed))
			e.wantResident(a0, false, false)
			e.wantBytes(a0, pattern(3))
		}},
		{"madvise WILLNEED and the others do nothing", func(e *env) {
			e.mmap(a0, 2*pg, rw, priv|MapFixed)
			e.write(a0, pattern(3))
			for _, a := range []Advice{AdviceNormal, AdviceRandom, AdviceSequential, AdviceWillNeed} {
				e.must(e.cur.Madvise(a0, 2*pg, a))
				e.wantResident(a0, true, false)
			}
			e.wantBytes(a0, pattern(3))
		}},
		{"mincore follows the page tables", func(e *env) {
			e.mmap(a0, 3*pg, rw, priv|MapFixed)
			e.wantResident(a0, false, false, false)
			e.read(a0, 1)
			e.wantResident(a0, true, false, false)
			e.write(at(2), []byte{1})
			e.wantResident(a0, true, false, true)
			e.must(e.cur.Madvise(at(2), pg, AdviceDontNeed))
			e.wantResident(a0, true, false, false)
			if got, err := e.cur.Mincore(a0, 0); err != nil || len(got) != 0 {
				e.t.Fatalf("mincore of nothing: %v %v", got, err)
			}
		}},
		{"fork shares private memory copy-on-write", func(e *env) {
			e.mmap(a0, 2*pg, rw, priv|MapFixed)
			e.write(a0, pattern(1))
			e.write(at(1), pattern(2))
			parent := e.cur
			child := e.fork()
			e.use(child)
			e.wantBytes(a0, pattern(1))
			e.write(a0, pattern(3))
			e.use(parent)
			e.wantBytes(a0, pattern(1))
			e.write(at(1), pattern(4))
			e.use(child)
			e.wantBytes(at(1), pattern(2))
			e.wantBytes(a0, pattern(3))
			// Each side now has a copy of its own, or reused the
			// frame: the parent's write came after the child's copy
			// of page 0, but page 1 was still shared.
			if parent.Stats.COWFaults != 1 || child.Stats.COWFaults != 1 {
				e.t.Fatalf("COW faults: parent %d, child %d", parent.Stats.COWFaults, child.Stats.COWFaults)
			}
		}},
		{"COW reuses a frame whose other user is gone", func(e *env) {
			e.mmap(a0, 2*pg, rw, priv|MapFixed)
			e.write(a0, pattern(1))
			e.write(at(1), pattern(2))
			parent := e.cur
			e.destroy(e.fork())
			old := pte(parent, a0)
			if old&pt.Writable != 0 {
				e.t.Fatalf("PTE %#x writable after fork", old)
			}
			alloced := parent.Stats.PagesAlloced
			e.write(a0, []byte{7})
			if l := pte(parent, a0); l.Addr() != old.Addr() || l&pt.Writable == 0 {
				e.t.Fatalf("PTE %#x after write, was %#x: not reused in place", l, old)
			}
			if parent.Stats.COWReused != 1 || parent.Stats.PagesAlloced != alloced || parent.Stats.COWFaults != 0 {
				e.t.Fatalf("stats %+v", parent.Stats)
			}
			// Copied by the child first, then reused by the parent.
			child := e.fork()
			e.use(child)
			e.write(at(1), []byte{8})
			e.use(parent)
			e.write(at(1), []byte{9})
			if parent.Stats.COWReused != 2 || child.Stats.COWFaults != 1 {
				e.t.Fatalf("parent %+v, child %+v", parent.Stats, child.Stats)
			}
			e.wantBytes(at(1), append([]byte{9}, pattern(2)[1:]...))
			e.use(child)
			e.wantBytes(at(1), append([]byte{8}, pattern(2)[1:]...))
		}},
		{"fork keeps shared memory shared both ways", func(e *env) {
			e.mmap(a0, 3*pg, rw, shar|MapFixed)
			e.write(a0, pattern(1))
			parent := e.cur
			child := e.fork()
			e.use(child)
			e.wantBytes(a0, pattern(1))
			e.write(at(1), pattern(2)) // untouched before the fork
			e.write(a0, pattern(3))
			e.use(parent)
			e.wantBytes(a0, pattern(3))
			e.wantBytes(at(1), pattern(2))
			e.write(at(2), pattern(4))
			e.use(child)
			e.wantBytes(at(2), pattern(4))
			e.use(parent)
			e.destroy(child)
			e.wantBytes(at(1), pattern(2))
		}},
		{"fork keeps PROT_NONE and zero pages", func(e *env) {
			e.mmap(a0, 3*pg, rw, priv|MapFixed)
			e.write(a0, pattern(1))
			e.read(at(1), 1)
			e.must(e.cur.Mprotect(a0, pg, ProtNone))
			parent := e.cur
			child := e.fork()
			e.use(child)
			e.wantResident(a0, true, true, false)
			e.must(e.cur.Mprotect(a0, pg, rw))
			e.wantBytes(a0, pattern(1))
			e.write(a0, pattern(2))
			e.write(at(1), pattern(3))
			e.use(parent)
			e.must(e.cur.Mprotect(a0, pg, rw))
			e.wantBytes(a0, pattern(1))
			e.wantBytes(at(1), zeros)
		}},
		{"destroy gives everything back", func(e *env) {
			e.mmap(a0, 3*pg, rw, priv|MapFixed)
			e.mmap(at(1<<9), 3*pg, rw, shar|MapFixed)
			e.mmap(0, 5*pg, rw, priv|MapPopulate)
			e.write(a0, make([]byte, 3*pg))
			e.write(at(1<<9), make([]byte, 2*pg))
			c := e.fork()
			e.use(c)
			e.write(a0, []byte{1})
			e.fork()
			e.must(e.cur.Mprotect(a0, pg, ProtNone))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			c.run(e)
			e.destroyAll()
		})
	}
}

// mprotect keeps a page's Accessed and Dirty bits whatever the new
// protection (as Linux pte_modify): a shared file page written and then
// made read-only, read-and-execute, or PROT_NONE, is still dirty, and
// msync writes it back; smaps still counts it referenced and dirty.
func TestMprotectKeepsAccessedDirty(t *testing.T) {
	for _, prot := range []Prot{ProtRead, ProtRead | ProtExec, ProtNone, rw} {
		t.Run(prot.String(), func(t *testing.T) {
			e := newEnv(t)
			f, b := e.newFile(filePattern(5, 2*pg))
			va := e.mmapFile(0, 2*pg, rw, MapShared, f, 0)
			e.write(va+pg, []byte{7})
			e.read(va, 1)
			before := pte(e.cur, va+pg)
			if before&(pt.Accessed|pt.Dirty) != pt.Accessed|pt.Dirty || f.DirtyPages() != 0 {
				t.Fatalf("written page: PTE %#x, %d dirty pages in the cache: the bit is only in the PTE", before, f.DirtyPages())
			}
			e.must(e.cur.Mprotect(va, 2*pg, prot))
			if l := pte(e.cur, va+pg); l&(pt.Accessed|pt.Dirty) != pt.Accessed|pt.Dirty {
				t.Errorf("after mprotect(%v): PTE %#x, was %#x", prot, l, before)
			}
			if l := pte(e.cur, va); l&(pt.Accessed|pt.Dirty) != pt.Accessed {
				t.Errorf("page only read, after mprotect(%v): PTE %#x", prot, l)
			}
			s := e.cur.Smaps()[0]
			if s.Referenced != 2*pg || s.SharedDirty+s.PrivateDirty != pg {
				t.Errorf("after mprotect(%v): smaps referenced %d, dirty %d; want 2 pages referenced, 1 dirty", prot, s.Referenced, s.SharedDirty+s.PrivateDirty)
			}
			e.must(e.cur.Msync(va, 2*pg, MsSync))
			if !slices.Equal(b.writes, []uint64{1}) || b.data[pg] != 7 {
				t.Fatalf("msync after mprotect(%v) wrote pages %v, file byte %d", prot, b.writes, b.data[pg])
			}
			e.destroyAll()
		})
	}
}
