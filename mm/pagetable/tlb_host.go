//go:build !tamago

package pagetable

import (
	"sync/atomic"

	"github.com/pagoda-os/pagoda/mm"
)

// TLB is the host simulator's TLB (mm/sim), standing in for INVLPG and
// the full flush of the real one.
type TLB interface {
	InvalidatePage(va mm.VirtAddr)
	Flush()
}

var hostTLB atomic.Pointer[TLB]

// SetHostTLB makes t the TLB that invalidations reach, as loading CR3 on a
// CPU makes its TLB the one that matters. nil detaches it.
func SetHostTLB(t TLB) {
	if t == nil {
		hostTLB.Store(nil)
		return
	}
	hostTLB.Store(&t)
}

func invalidatePage(va mm.VirtAddr) {
	if t := hostTLB.Load(); t != nil {
		(*t).InvalidatePage(va)
	}
}

func flushAll() {
	if t := hostTLB.Load(); t != nil {
		(*t).Flush()
	}
}
