//go:build mmdebug && !tamago

package vm

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// With -tags mmdebug a broken precondition panics with its constant
// message.
func TestPreconditionsPanic(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   func(e *env, base mm.VirtAddr)
		want string
	}{
		{"unmapRange misaligned", func(e *env, base mm.VirtAddr) { e.cur.unmapRange(base+1, base+pg) },
			"vm.unmapRange: precondition: range not page-aligned, empty or outside the window"},
		{"unmapRange empty", func(e *env, base mm.VirtAddr) { e.cur.unmapRange(base, base) },
			"vm.unmapRange: precondition: range not page-aligned, empty or outside the window"},
		{"unmapRange outside the window", func(e *env, base mm.VirtAddr) { e.cur.unmapRange(0, pg) },
			"vm.unmapRange: precondition: range not page-aligned, empty or outside the window"},
		{"dropPages reversed", func(e *env, base mm.VirtAddr) { e.cur.dropPages(base+pg, base) },
			"vm.dropPages: precondition: range not page-aligned or reversed"},
		{"splitAt misaligned", func(e *env, base mm.VirtAddr) { e.cur.splitAt(base + 8) },
			"vm.splitAt: precondition: address not page-aligned"},
		{"HandleFault after Destroy", func(e *env, base mm.VirtAddr) {
			as, err := e.m.NewAddressSpace()
			if err != nil {
				t.Fatal(err)
			}
			as.Destroy()
			as.HandleFault(base, Read)
		}, "vm.HandleFault: precondition: address space destroyed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			base := e.mmap(0, 4*pg, ProtRead|ProtWrite, MapPrivate|MapAnonymous)
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("recovered %v, want %q", r, tc.want)
				}
			}()
			tc.op(e, base)
			t.Error("no panic")
		})
	}
}
