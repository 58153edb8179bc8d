//go:build !tamago

package vm

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// mremap applies opMremap to the code and to the model. The old range
// is taken inside one of the code's VMAs (the model has pages, not
// VMAs); the model then says what mremap(2) does with it.
func (r *runner) mremap(as *AddressSpace, m *mspace, o op) string {
	if len(as.vmas) == 0 {
		return ""
	}
	v := as.vmas[o.which%len(as.vmas)] // a copy: the call changes the slice
	old := v.Start + mm.VirtAddr(o.off%v.Pages())*pg
	got, err := as.Mremap(old, o.length, o.newLen, o.rflags, o.addr)
	want, at := r.modelMremap(m, &v, old, o)
	if errno(err) != want {
		return fmt.Sprintf("got %s, want %s", errno(err), want)
	}
	if err == nil && got != at {
		return fmt.Sprintf("remapped to %v, want %v", got, at)
	}
	return ""
}

// modelMremap is mremap(2) on the model for an old range inside v: the
// error class, and the new address.
func (r *runner) modelMremap(m *mspace, v *VMA, old mm.VirtAddr, o op) (string, mm.VirtAddr) {
	oldSize, _ := pageRound(o.length)
	newSize, _ := pageRound(o.newLen)
	fixed := o.rflags&RemapFixed != 0
	oldEnd := old + mm.VirtAddr(oldSize)
	switch {
	case o.rflags&^(RemapMayMove|RemapFixed) != 0, fixed && o.rflags&RemapMayMove == 0, newSize == 0:
		return "EINVAL", 0
	case fixed && (o.addr&mm.PageMask != 0 || o.addr < winStart || o.addr+mm.VirtAddr(newSize) > winEnd ||
		o.addr+mm.VirtAddr(newSize) <= o.addr):
		return "EINVAL", 0
	case fixed && o.addr < oldEnd && old < o.addr+mm.VirtAddr(newSize):
		return "EINVAL", 0
	case oldEnd > v.End:
		return "EFAULT", 0
	case v.file != nil && v.Flags&MapAnonymous != 0 && newSize > oldSize &&
		v.pageIndex(old)+newSize/pg > uint64(v.file.Size())/pg:
		return "EINVAL", 0
	}
	// What a page past the old range is, page k of the new one: the
	// kind of the mapping, the next page of its file or object.
	p0 := *m.pages[old]
	grown := func(k uint64) *mpage {
		p := &mpage{prot: p0.prot, obj: p0.obj, mf: p0.mf, fshared: p0.fshared, noWrite: p0.noWrite}
		if p.obj != nil || p.mf != nil {
			p.idx = p0.idx + k
		}
		return p
	}
	move := func(to mm.VirtAddr, oldPages uint64) {
		moved := map[mm.VirtAddr]*mpage{}
		for k := range oldPages {
			moved[to+mm.VirtAddr(k)*pg] = m.pages[old+mm.VirtAddr(k)*pg]
			delete(m.pages, old+mm.VirtAddr(k)*pg)
		}
		for va, p := range moved {
			m.pages[va] = p
		}
		for k := oldPages; k < newSize/pg; k++ {
			m.pages[to+mm.VirtAddr(k)*pg] = grown(k)
		}
	}
	unmap := func(start, end mm.VirtAddr) {
		for va := start; va < end; va += pg {
			delete(m.pages, va)
		}
	}
	if fixed {
		unmap(o.addr, o.addr+mm.VirtAddr(newSize))
		if newSize < oldSize {
			unmap(old+mm.VirtAddr(newSize), oldEnd)
			oldSize = newSize
		}
		move(o.addr, oldSize/pg)
		return "ok", o.addr
	}
	if newSize <= oldSize {
		unmap(old+mm.VirtAddr(newSize), oldEnd)
		return "ok", old
	}
	newEnd := old + mm.VirtAddr(newSize)
	if oldEnd == v.End && newEnd <= winEnd && newEnd > old && m.free(oldEnd, newEnd) {
		for k := oldSize / pg; k < newSize/pg; k++ {
			m.pages[old+mm.VirtAddr(k)*pg] = grown(k)
		}
		return "ok", old
	}
	if o.rflags&RemapMayMove == 0 {
		return "ENOMEM", 0
	}
	to := r.highestGap(m, newSize, false)
	if to == 0 {
		return "ENOMEM", 0
	}
	move(to, oldSize/pg)
	return "ok", to
}

// reclaimed tells the model what reclaim took that it may take without
// a trace in the PTEs: page-cache pages (of the file, or of a shared
// anonymous object), which are found again there. A private page (a
// copy included) must have gone to swap instead, which compare sees as
// still resident. A file's last page written back and dropped loses
// what a shared store put past the end of file (as Linux's writeback
// writes up to i_size, and a read zeroes the rest).
func (r *runner) reclaimed() {
	if last := uint64(r.mf.size) / pg; r.mf.size%pg != 0 {
		if _, ok := r.f.Lookup(last); !ok {
			clear(r.mf.buf[r.mf.size:])
		}
	}
	for i, as := range r.e.spaces {
		for va, p := range r.models[i].pages {
			if p.resident && (p.obj != nil || p.mf != nil && p.data == nil) && pte(as, va) == 0 {
				p.resident = false
			}
		}
	}
}

// swapoff takes the swap area off, which brings every page back, and
// puts a new one on (without swap, nothing).
func (r *runner) swapoff() string {
	e := r.e
	if e.m.Swap == nil {
		return ""
	}
	for _, a := range e.m.Swap.Areas() {
		if err := e.m.SwapOff(a); err != nil {
			return fmt.Sprintf("swapoff: %v", err)
		}
	}
	if _, err := e.m.Swap.On(swap.NewMemDevice(4096), 0, true); err != nil {
		return fmt.Sprintf("swapon: %v", err)
	}
	return ""
}
