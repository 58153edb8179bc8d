package frame

import "fmt"

// State is what a frame is used for. It is recorded in the head record of
// the block holding the frame.
type State uint8

const (
	// Free: on a free list.
	Free State = iota
	// Reserved: not managed (a hole in the map, or the frame table).
	Reserved
	// Kernel: allocated for the kernel's own use.
	Kernel
	// PageTable: a page-table page.
	PageTable
	// Anon: an anonymous page.
	Anon
	// PageCache: a page-cache page of a file.
	PageCache
	// SwapCache: a page in the swap cache.
	SwapCache
	numStates
)

var stateNames = [numStates]string{"free", "reserved", "kernel", "page table", "anonymous", "page cache", "swap cache"}

func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// States lists every state, in order.
func States() []State {
	s := make([]State, numStates)
	for i := range s {
		s[i] = State(i)
	}
	return s
}
