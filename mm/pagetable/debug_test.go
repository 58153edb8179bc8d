//go:build mmdebug && !tamago

package pagetable_test

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagetable"
)

// With -tags mmdebug a broken precondition of Map, Unmap or Protect
// panics with its constant message instead of returning ErrInvalid.
func TestPreconditionsPanic(t *testing.T) {
	const nc mm.VirtAddr = 0x8000_0000_0000
	for _, tc := range []struct {
		name string
		op   func(tb *pagetable.Table, pa mm.PhysAddr)
		want string
	}{
		{"Map misaligned", func(tb *pagetable.Table, pa mm.PhysAddr) { tb.Map(0x5008, pa, k4, w) },
			"pagetable: precondition: virtual address not aligned to the page size"},
		{"Map non-canonical", func(tb *pagetable.Table, pa mm.PhysAddr) { tb.Map(nc, pa, k4, w) },
			"pagetable: precondition: virtual address not canonical"},
		{"Map misaligned PA", func(tb *pagetable.Table, pa mm.PhysAddr) { tb.Map(0x5000, pa+8, k4, w) },
			"pagetable: precondition: physical address not aligned or beyond MAXPHYADDR"},
		{"Map bad size", func(tb *pagetable.Table, pa mm.PhysAddr) { tb.Map(0x5000, pa, 8192, w) },
			"pagetable: precondition: page size neither 4K nor 2M"},
		{"Unmap misaligned 2M", func(tb *pagetable.Table, _ mm.PhysAddr) { tb.Unmap(0x20_3000, m2) },
			"pagetable: precondition: virtual address not aligned to the page size"},
		{"Protect non-canonical", func(tb *pagetable.Table, _ mm.PhysAddr) { tb.Protect(nc, k4, w) },
			"pagetable: precondition: virtual address not canonical"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			pa := e.frame(k4)
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("recovered %v, want %q", r, tc.want)
				}
			}()
			tc.op(e.pt, pa)
			t.Error("no panic")
		})
	}
}
