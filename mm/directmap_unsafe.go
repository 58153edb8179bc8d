//go:build !tamago

package mm

import (
	"sync"
	"unsafe"
)

// arenas are the simulated physical memories: byte slices standing at a
// physical base address. Arenas of concurrent tests must not overlap.
var arenas struct {
	sync.RWMutex         // guards list: tests register arenas in parallel
	list         []arena // sorted by nothing; never overlapping
}

type arena struct {
	base PhysAddr
	mem  []byte
}

// RegisterArena makes mem the physical memory [base, base+len(mem)) until
// the returned function is called. It panics if the range overlaps an
// arena already registered.
func RegisterArena(base PhysAddr, mem []byte) (unregister func()) {
	arenas.Lock()
	defer arenas.Unlock()
	end := base + PhysAddr(len(mem))
	for _, a := range arenas.list {
		if base < a.base+PhysAddr(len(a.mem)) && a.base < end {
			panic("mm.RegisterArena: overlapping arena")
		}
	}
	arenas.list = append(arenas.list, arena{base, mem})
	return func() {
		arenas.Lock()
		defer arenas.Unlock()
		for i, a := range arenas.list {
			if a.base == base {
				arenas.list = append(arenas.list[:i], arenas.list[i+1:]...)
				return
			}
		}
	}
}

// DirectMap returns a pointer to n bytes of simulated physical memory at p.
// It panics when [p, p+n) is not inside one arena: on the host that is the
// fault a bad physical access would be.
func DirectMap(p PhysAddr, n uintptr) unsafe.Pointer {
	arenas.RLock()
	defer arenas.RUnlock()
	for _, a := range arenas.list {
		if p >= a.base && uint64(p-a.base)+uint64(n) <= uint64(len(a.mem)) {
			return unsafe.Pointer(&a.mem[p-a.base])
		}
	}
	panic("mm.DirectMap: address outside every arena")
}
