package virtio

import (
	"runtime"
	"sync/atomic"
	"time"
)

// spinlock guards a queue's ring state. It is a spinlock, not a
// sync.Mutex, because the fault path must take it and may not block: the
// sections it guards are short, never allocate, never block and never
// touch memory that can fault, so on Pagoda's single CPU (TamaGo runs one
// M and has no sysmon, hence no asynchronous preemption) no goroutine can
// be descheduled while holding it, and a fault that finds it held is a
// kernel bug: lockFault reports it as ErrBusy instead of spinning for
// ever. On the host, where tests run in parallel threads, the holder
// simply finishes.
type spinlock struct{ held atomic.Uint32 }

// lock acquires l in goroutine context, yielding between attempts.
func (l *spinlock) lock() {
	for !l.held.CompareAndSwap(0, 1) {
		runtime.Gosched()
	}
}

// lockFault acquires l without yielding, for the fault path, and gives up
// after limit.
func (l *spinlock) lockFault(limit time.Duration) bool {
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

func (l *spinlock) unlock() { l.held.Store(0) }
