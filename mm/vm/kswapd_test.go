//go:build !tamago

package vm

import (
	"sync"
	"testing"
	"time"
)

// Kswapd runs its passes under the lock it is given, and Wake never
// blocks: 100 wake-ups while a pass waits for the lock make at most two
// passes (the waiting one, and one wake-up left pending).
func TestKswapd(t *testing.T) {
	e := newEnv(t)
	e.enableSwap("clock", 64)
	var big sync.Mutex
	k := NewKswapd()
	k.Start(e.m, &big)

	big.Lock()
	for range 100 {
		k.Wake() // must not block while a pass waits for the lock
	}
	time.Sleep(10 * time.Millisecond)
	if n := e.m.ReclaimStats().KswapdWakes; n != 0 {
		big.Unlock()
		t.Fatalf("%d passes ran while the lock was held", n)
	}
	big.Unlock()

	deadline := time.Now().Add(5 * time.Second)
	for {
		big.Lock()
		n := e.m.ReclaimStats().KswapdWakes
		big.Unlock()
		if n >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no pass within 5 s of the lock's release")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	big.Lock()
	defer big.Unlock()
	if n := e.m.ReclaimStats().KswapdWakes; n > 2 {
		t.Fatalf("%d passes for 100 wake-ups made while one waited", n)
	}
}
