//go:build mmdebug

package frame

import (
	"testing"

	"github.com/pagoda-os/pagoda/mm"
)

// With -tags mmdebug a write to a free frame is caught when the frame is
// allocated again.
func TestPoisonCatchesUseAfterFree(t *testing.T) {
	a := newTestAllocator(t, testRanges)
	p, err := a.Alloc(0, Anon)
	if err != nil {
		t.Fatal(err)
	}
	a.Free(p, 0)
	*(*byte)(mm.DirectMap(p.Addr()+100, 1)) = 0 // use after free
	defer func() {
		if r := recover(); r != "frame: a free frame was written (poison damaged)" {
			t.Errorf("recovered %v", r)
		}
	}()
	a.Alloc(0, Anon) // LIFO: the same frame comes back
	t.Error("use after free not detected")
}
