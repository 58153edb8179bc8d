package lock

import "sync"

// Kernel is the big kernel lock: one lock that serialises every change
// to the memory and file state of the machine. It is always present
// (kernel/ makes it at boot, before the shell, the writeback and kswapd
// start), whether or not a disk is attached.
//
// What it protects:
//
//   - every address space: its page tables, VMAs, counters, and the set
//     of address spaces (proc.Spaces: current, create, fork, free);
//   - the MM: fault reserves, commit charge, reclaim lists and policy,
//     the swap areas and their slot maps (mm/vm, mm/swap);
//   - the page cache and its files (mm/pagecache), tmpfs instances
//     (mm/tmpfs), ext2 filesystems (fs/ext2), and the mount table
//     (fs/vfs).
//
// Who takes it, each for one whole unit of work:
//
//   - the shell, for each command it runs (kernel/shell);
//   - the background writeback, for each pass (fs/vfs writeback.go);
//   - kswapd, for each background reclaim pass (mm/vm's Kswapd, started
//     by kernel.StartReclaim);
//   - halt, to sync the filesystems before the machine stops.
//
// A page fault in the mapping window is taken by the goroutine that
// holds the lock (the shell's command touching memory) and runs under
// it; the fault path takes no lock of its own beyond spinlocks (Spin)
// held for a few instructions. Interrupt handlers never take it: they
// only wake goroutines.
//
// The lock is a sync.Mutex: a goroutine that waits for it sleeps.
// Holding it across a blocking disk request is allowed (the writeback
// does), which is why there is only one CPU's worth of concurrency
// today; the SMP work splits it along the tree drawn in mm/doc.go.
type Kernel struct {
	mu sync.Mutex
}

// Lock takes the big kernel lock, sleeping while another goroutine
// holds it.
func (k *Kernel) Lock() { k.mu.Lock() }

// Unlock releases the big kernel lock.
func (k *Kernel) Unlock() { k.mu.Unlock() }

// NewCond makes a condition variable on the big kernel lock: Wait lets
// go of the lock while it sleeps and takes it again before it returns,
// as a sleeping system call must (wait4, the shell waiting for its
// foreground process).
func (k *Kernel) NewCond() *sync.Cond { return sync.NewCond(&k.mu) }
