package lock

import (
	"sync"
	"testing"
	"time"
)

// TestSpinExcludes runs many goroutines through a critical section whose
// non-atomic read-modify-write loses updates unless the lock excludes.
func TestSpinExcludes(t *testing.T) {
	const workers, rounds = 8, 2000
	var l Spin
	var wg sync.WaitGroup
	n, inside := 0, 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				if (w+i)%2 == 0 {
					l.Lock()
				} else if !l.LockFault(time.Minute) {
					t.Error("LockFault gave up on a lock whose holder finishes")
					return
				}
				inside++
				if inside != 1 {
					t.Errorf("%d holders at once", inside)
				}
				v := n
				time.Sleep(0)
				n = v + 1
				inside--
				l.Unlock()
			}
		}()
	}
	wg.Wait()
	if n != workers*rounds {
		t.Fatalf("n = %d, want %d: updates were lost", n, workers*rounds)
	}
}

// TestLockFaultGivesUp: a fault that finds the lock held for good (its
// holder interrupted on the same CPU) gets false after the limit, not a
// hang; once released, the lock is taken at once.
func TestLockFaultGivesUp(t *testing.T) {
	var l Spin
	l.Lock()
	const limit = 20 * time.Millisecond
	start := time.Now()
	if l.LockFault(limit) {
		t.Fatal("LockFault took a held lock")
	}
	if d := time.Since(start); d < limit {
		t.Fatalf("LockFault gave up after %v, before its limit %v", d, limit)
	}
	l.Unlock()
	if !l.LockFault(0) {
		t.Fatal("LockFault failed on a free lock")
	}
	l.Unlock()
}

// TestLockFaultFreeAllocs: taking a free lock on the fault path does not
// allocate (the fault path may not).
func TestLockFaultFreeAllocs(t *testing.T) {
	var l Spin
	if n := testing.AllocsPerRun(100, func() {
		l.LockFault(time.Second)
		l.Unlock()
	}); n != 0 {
		t.Fatalf("LockFault+Unlock: %v allocs, want 0", n)
	}
}
