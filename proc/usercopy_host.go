//go:build !tamago

package proc

import (
	"github.com/pagoda-os/pagoda/mm"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
)

// direct is the host's stand-in for the CPU's copy through the user's
// mapping (usercopy_tamago.go): it moves bytes through the direct map up
// to the first page whose leaf a ring 3 access of that kind would fault
// on (not present, not user, or read-only for a copy out), and returns
// how many it moved, as the fixed-up REP MOVSB does. It resolves no
// fault: copyDirect does.
func (u userMemory) direct(va uint64, buf []byte, out bool) int {
	done := 0
	for done < len(buf) {
		pa, e, ok := u.as.Table().Translate(mm.VirtAddr(va) &^ mm.PageMask)
		if !ok || e&pt.User == 0 || out && e&pt.Writable == 0 {
			break
		}
		off := va & mm.PageMask
		n := min(uint64(len(buf)-done), mm.PageSize-off)
		frame := mm.FrameBytes(pa)[off : off+n]
		if out {
			copy(frame, buf[done:done+int(n)])
		} else {
			copy(buf[done:done+int(n)], frame)
		}
		done += int(n)
		va += n
	}
	return done
}

// touch is the host's stand-in for arch.TouchOut: whether a ring 3
// write to va would fault (the leaf not present, not user or read-only).
func (u userMemory) touch(va uint64) (faulted, ok bool) {
	_, e, present := u.as.Table().Translate(mm.VirtAddr(va) &^ mm.PageMask)
	return !present || e&pt.User == 0 || e&pt.Writable == 0, true
}
