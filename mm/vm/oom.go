package vm

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
)

// Out of memory. A fault that finds no frame even after restocking and
// its own reclaim (memory and swap both exhausted) is out of memory. What
// happens then is the MM's OOM policy:
//
//	OOMError  the faulting access fails (Result OOM: the kernel raises a
//	          *FaultError "out of memory" in the faulting goroutine);
//	          nothing else changes. The default.
//	OOMKill   as Linux's OOM killer (mm/oom_kill.c): the address space
//	          with the largest badness is killed, and its private
//	          memory freed at once, in the fault, as Linux's oom_reaper
//	          does (__oom_reap_task_mm): every page of its private VMAs
//	          is unmapped, its anonymous frames and swap slots freed.
//	          Its VMAs, shared pages and charges stay until the kernel
//	          tears it down in goroutine context (Reap). The fault then
//	          retries once, unless the victim was the faulting address
//	          space itself, whose access fails.
//
// Badness is oom_badness without the page tables: the pages mapped
// (RSS) plus the swap entries in the PTEs. An address space already
// killed is not chosen again; one with a badness of 0 is never chosen.
// Between equal badnesses the address space made first is chosen
// (Linux's oom_evaluate_task, walking its task list, keeps the later
// one); TestOOMKillVictimChoice pins the rule.
// A killed address space's faults fail with OOM until it is reaped.
//
// All of it runs in the fault: no allocation (the walks take closures
// that do not escape), no blocking.

// OOMPolicy is what a fault that is out of memory does.
type OOMPolicy uint8

const (
	OOMError OOMPolicy = iota // the access fails
	OOMKill                   // the largest address space is killed
)

var oomNames = [...]string{"error", "kill"}

func (p OOMPolicy) String() string { return oomNames[p] }

// ParseOOMPolicy reads mm.oom=: "error" or "kill".
func ParseOOMPolicy(s string) (OOMPolicy, error) {
	for i, n := range oomNames {
		if s == n {
			return OOMPolicy(i), nil
		}
	}
	return 0, fmt.Errorf("%w: OOM policy %q (error or kill)", ErrInvalid, s)
}

// SetOOMPolicy sets the policy; OOMError until then.
func (m *MM) SetOOMPolicy(p OOMPolicy) { m.oom.policy = p }

// OOMPolicy is the policy in force.
func (m *MM) OOMPolicy() OOMPolicy { return m.oom.policy }

// OOMKills counts the address spaces killed (vmstat oom_kill).
func (m *MM) OOMKills() uint64 { return m.oom.kills }

// oomState is the MM's OOM policy and count.
type oomState struct {
	policy OOMPolicy
	kills  uint64
}

// Kill is what the OOM killer did to an address space: its badness when
// chosen, in pages, and what the reaping freed.
type Kill struct {
	RSS, Swap uint64 // pages mapped, swap entries, when chosen
	Freed     uint64 // frames freed by the reaping
}

// Killed reports whether the OOM killer killed the address space, and
// what it did; the kernel tears such an address space down (Reap).
func (as *AddressSpace) Killed() (Kill, bool) { return as.kill, as.killed }

// swapEntries counts the PTEs holding a swap entry.
func (as *AddressSpace) swapEntries() uint64 {
	n := uint64(0)
	for i := range as.vmas {
		v := &as.vmas[i]
		as.eachLeaf(v.Start, v.End, func(_ mm.VirtAddr, l Leaf) bool {
			if l.State == LeafSwap {
				n++
			}
			return true
		})
	}
	return n
}

// oomKill chooses a victim, kills and reaps it. It reports whether it
// freed anything, and the victim.
func (m *MM) oomKill() (*AddressSpace, bool) {
	var victim *AddressSpace
	var best Kill
	for _, as := range m.rc.spaces {
		if as.killed {
			continue
		}
		k := Kill{RSS: as.rss, Swap: as.swapEntries()}
		if k.RSS+k.Swap > best.RSS+best.Swap {
			victim, best = as, k
		}
	}
	if victim == nil {
		return nil, false
	}
	free0 := m.freePages() + uint64(m.anon.n)
	victim.reapPrivate()
	best.Freed = m.freePages() + uint64(m.anon.n) - free0
	victim.kill, victim.killed = best, true
	m.oom.kills++
	return victim, best.Freed > 0
}

// reapPrivate unmaps every page of the private VMAs (as Linux's
// oom_reaper), freeing their frames and swap slots. No allocation.
func (as *AddressSpace) reapPrivate() {
	for i := range as.vmas {
		if v := &as.vmas[i]; v.Flags&MapShared == 0 {
			as.dropPages(v.Start, v.End)
		}
	}
}

// Reap tears down what the OOM killer left of a killed address space, in
// goroutine context: every mapping goes, with its charge; the address
// space is then empty and alive, and may be used again.
func (as *AddressSpace) Reap() {
	as.unmapAll()
	as.killed, as.kill = false, Kill{}
}
