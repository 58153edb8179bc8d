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
// Badness is Linux's oom_badness: the pages mapped (RSS, get_mm_rss)
// plus the swap entries in the PTEs (MM_SWAPENTS) plus the page-table
// pages (mm_pgtables_bytes / PAGE_SIZE: the PDPTs, page directories and
// page tables under the window's PML4 entries, not the PML4 nor the
// kernel's shared ones), plus oom_score_adj × (managed pages + swap
// pages) / 1000. An address space with oom_score_adj -1000
// (OOM_SCORE_ADJ_MIN) is never chosen, nor one with no page mapped or in
// swap (the reaper would free nothing; Linux has no such rule, but its
// tasks always map something). An address space already killed is not
// chosen again. Between equal badnesses the address space made first is
// chosen (Linux's oom_evaluate_task, walking its task list, keeps the
// later one); TestOOMKillVictimChoice pins the rule.
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
	Tables    uint64 // page-table pages, when chosen
	Points    int64  // the badness: RSS + Swap + Tables, adjusted
	Freed     uint64 // frames freed by the reaping
}

// OOMScoreAdjMin and OOMScoreAdjMax bound oom_score_adj; an address
// space at the minimum is never killed (Linux's OOM_SCORE_ADJ_MIN).
const (
	OOMScoreAdjMin = -1000
	OOMScoreAdjMax = 1000
)

// SetOOMScoreAdj sets the address space's oom_score_adj (Linux's
// /proc/PID/oom_score_adj), -1000..1000.
func (as *AddressSpace) SetOOMScoreAdj(adj int) error {
	if adj < OOMScoreAdjMin || adj > OOMScoreAdjMax {
		return fmt.Errorf("%w: oom_score_adj %d (-1000..1000)", ErrInvalid, adj)
	}
	as.oomScoreAdj = adj
	return nil
}

// OOMScoreAdj is the address space's oom_score_adj.
func (as *AddressSpace) OOMScoreAdj() int { return as.oomScoreAdj }

// TablePages counts the page-table pages of the address space: the
// tables under its own PML4 entries (the window's), those of the
// kernel's hole excepted. No allocation.
func (as *AddressSpace) TablePages() uint64 {
	n := uint64(0)
	for i := range as.table.RootEntries() {
		if as.mm.windowEntry(i) {
			n += as.table.Tables(i, as.mm.HoleStart, as.mm.HoleEnd)
		}
	}
	return n
}

// Badness is the address space's oom_badness, as the OOM killer would
// compute it now, and whether it may be chosen at all. No allocation.
func (as *AddressSpace) Badness() (Kill, bool) {
	k := Kill{RSS: as.rss, Swap: as.swapEntries(), Tables: as.TablePages()}
	k.Points = int64(k.RSS + k.Swap + k.Tables)
	if as.oomScoreAdj != 0 {
		total := int64(as.mm.Frames.Stats().ManagedPages + as.mm.SwapPages())
		k.Points += int64(as.oomScoreAdj) * total / 1000
	}
	return k, as.oomScoreAdj != OOMScoreAdjMin && k.RSS+k.Swap > 0
}

// OOMScore is Linux's /proc/PID/oom_score: the badness scaled to
// 0..2000 of the managed and swap pages (proc_oom_score: 1000 +
// points × 1000 / totalpages), 0 for an address space that is never
// chosen.
func (as *AddressSpace) OOMScore() int64 {
	k, ok := as.Badness()
	total := int64(as.mm.Frames.Stats().ManagedPages + as.mm.SwapPages())
	if !ok || total == 0 {
		return 0
	}
	return min(max(1000+k.Points*1000/total, 0), 2000)
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
		if k, ok := as.Badness(); ok && (victim == nil || k.Points > best.Points) {
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
