package vfs

import (
	"time"

	"github.com/pagoda-os/pagoda/lock"
)

// Background writeback (as Linux's flusher threads): a goroutine writes
// the page cache's dirty pages back every WritebackInterval (Linux's
// dirty_writeback_centisecs, 5 s), at once when kicked (msync MS_ASYNC),
// and when free memory runs low. It holds the big kernel lock (lock.Kernel) while
// it works; a failed page stays dirty and its error waits for the next
// msync or sync of its file. It also writes the pages the reclaimer queued
// (pagecache's WritebackReclaim, Linux's WB_REASON_VMSCAN work): the
// reclaimer kicks it (Cache.WakeFlusher), and it looks at the queue at
// every poll, since a fault's reclaim cannot kick.

// WritebackInterval is the period of the background writeback.
const WritebackInterval = 5 * time.Second

// writebackPoll is how often the goroutine looks at free memory.
const writebackPoll = 250 * time.Millisecond

// lowMemoryShift: below managed/2^shift free pages, dirty pages are
// written at once (pressure), so that they can be reclaimed.
const lowMemoryShift = 4

// StartWriteback starts the background writeback and returns the
// function that kicks it.
func (v *VFS) StartWriteback(big *lock.Kernel) (kick func()) {
	ch := make(chan struct{}, 1)
	tick := time.NewTicker(writebackPoll)
	v.wbTick = tick
	go func() {
		last := time.Now()
		for {
			kicked := false
			select {
			case <-ch:
				kicked = true
			case <-tick.C:
			}
			big.Lock()
			if v.Cache.ReclaimQueued() > 0 {
				v.Cache.WritebackReclaim(-1)
			}
			st := v.Cache.Frames.Stats()
			low := st.FreePages < st.ManagedPages>>lowMemoryShift
			if v.Cache.Stats.Dirty > 0 && (kicked || low || time.Since(last) >= WritebackInterval) {
				v.Cache.WritebackAll()
				v.Writebacks++
				last = time.Now()
			}
			big.Unlock()
		}
	}()
	kick = func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	v.Cache.WakeFlusher = kick
	return kick
}

// PauseWriteback stops the background writeback's poll until
// ResumeWriteback; a kick still wakes it. The in-kernel bench pauses it
// around a row that needs no writeback, so that under -icount the row
// counts its own instructions only, not those of a poll that happened
// to fall inside it (whose timing shifts from boot to boot with what
// the boot measured). Without StartWriteback both do nothing.
func (v *VFS) PauseWriteback() {
	if v.wbTick != nil {
		v.wbTick.Stop()
	}
}

// ResumeWriteback starts the poll again.
func (v *VFS) ResumeWriteback() {
	if v.wbTick != nil {
		v.wbTick.Reset(writebackPoll)
	}
}
