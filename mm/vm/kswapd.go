package vm

import "sync"

// Kswapd is the background reclaimer, as Linux's kswapd: a goroutine
// that sleeps until Wake, then runs one Background pass (from below the
// low watermark up to high) under the big kernel lock, so that it works
// between the commands that allocate, while direct reclaim serves one
// that keeps allocating.
type Kswapd struct {
	wake chan struct{} // one pending wake-up at most
}

// NewKswapd makes a background reclaimer: give its Wake to
// EnableReclaim, then Start it.
func NewKswapd() *Kswapd { return &Kswapd{wake: make(chan struct{}, 1)} }

// Start runs the reclaimer's goroutine for m. big is the big kernel
// lock (lock.Kernel), held for each pass.
func (k *Kswapd) Start(m *MM, big sync.Locker) {
	go func() {
		for range k.wake {
			big.Lock()
			m.Background()
			big.Unlock()
		}
	}()
}

// Wake asks for a pass, without blocking: a wake-up already pending
// covers this one. It may be called from the fault path (no allocation,
// no blocking).
func (k *Kswapd) Wake() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}
