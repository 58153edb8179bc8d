package lock

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Spin is a spinlock. It is a spinlock, not a sync.Mutex, because the
// fault path must take it and may not block: the sections it guards are
// short, never allocate, never block and never touch memory that can
// fault, so on Pagoda's single CPU (TamaGo runs one M and has no sysmon,
// hence no asynchronous preemption) no goroutine can be descheduled while
// holding it, and a fault that finds it held is a kernel bug: LockFault
// reports it (its caller returns an error such as ErrBusy) instead of
// spinning for ever. On the host, where tests run in parallel threads,
// the holder simply finishes.
//
// The zero Spin is unlocked. A Spin must not be copied after first use.
type Spin struct {
	_    noCopy
	held atomic.Uint32 // 1 while locked; CAS 0->1 takes it, a store of 0 releases it
}

// Lock acquires l in goroutine context, yielding between attempts.
func (l *Spin) Lock() {
	for !l.held.CompareAndSwap(0, 1) {
		runtime.Gosched()
	}
}

// LockFault acquires l without yielding, for the fault path, and gives up
// after limit: it reports whether it holds l. It reads the clock only
// every 1024 attempts, and not at all when l is free.
func (l *Spin) LockFault(limit time.Duration) bool {
	var start time.Time
	for i := 0; ; i++ {
		if l.held.CompareAndSwap(0, 1) {
			return true
		}
		if i&1023 == 0 {
			if i == 0 {
				start = time.Now()
			} else if time.Since(start) > limit {
				return false
			}
		}
	}
}

// Unlock releases l.
//
// Preconditions: l is held (by the caller).
func (l *Spin) Unlock() { l.held.Store(0) }

// noCopy makes go vet's copylocks check report a copied Spin.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
