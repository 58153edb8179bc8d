package vm

import (
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/swap"
)

// Event counters: what Linux's /proc/vmstat shows (mm/vmstat.c
// vmstat_text), gathered from the address spaces' Stats, the page cache,
// the swap layer and the reclaimer. The shell's vmstat prints them, and
// so will /proc.

// Add adds o's counters to s: the sum of several address spaces', as
// vmstat shows them (TestStatsAdd fails if a counter is left out).
func (s *Stats) Add(o Stats) {
	s.Faults += o.Faults
	s.RetryFaults += o.RetryFaults
	s.ZeroFaults += o.ZeroFaults
	s.AnonFaults += o.AnonFaults
	s.COWFaults += o.COWFaults
	s.COWReused += o.COWReused
	s.SharedFaults += o.SharedFaults
	s.FileFaults += o.FileFaults
	s.MajFaults += o.MajFaults
	s.SwapFaults += o.SwapFaults
	s.Bus += o.Bus
	s.Segv += o.Segv
	s.OOM += o.OOM
	s.PagesAlloced += o.PagesAlloced
	s.PagesFreed += o.PagesFreed
	s.THPFaults += o.THPFaults
	s.THPFallback += o.THPFallback
}

// kibPerPage converts pages to pgpgin's and pgpgout's KiB.
const kibPerPage = mm.PageSize / 1024

// Vmstat lists the counters in vmstat's order, by their Linux names
// where Linux has the counter. faults is every address space's Stats
// summed, those of destroyed ones included (the MM keeps no count of
// them); cache is the page cache (nil: none).
//
// pgpgin and pgpgout are KiB read from and written to block devices, as
// Linux's (submit_bio counts the sectors of every read and write bio,
// vmstat_start halves them): file pages read into and written back from
// the page cache, and pages read from and written to swap, tmpfs's
// included (each once: the page cache leaves swap-backed files' I/O to
// the swap layer). A page counts 4 KiB, the tail page of a file too.
// pgfault_retry has no Linux counterpart: the faults of user processes
// whose atomic attempt gave up (VM_FAULT_RETRY) to read a page or refill
// the reserves in goroutine context (retry.go); Linux counts retries
// only in perf's events.
//
// nr_writeback is the file pages being written now, nr_vmscan_immediate_reclaim
// the dirty file pages reclaim met, marked and queued for writeback
// (Linux counts them where shrink_folio_list sets PG_reclaim),
// nr_vmscan_write the queued pages whose write reclaim's queue started
// (Linux counts pageout's writes), pgrotated the pages moved to the tail
// of the inactive list as their write ended (folio_rotate_reclaimable),
// whatever writeback wrote them.
//
// Filesystem metadata (inodes, bitmaps, directories) is not counted,
// where Linux counts its buffer heads' bios. pswpin and pswpout count
// pages, as Linux's.
func (m *MM) Vmstat(faults Stats, cache *pagecache.Cache) []Figure {
	var pc pagecache.Stats
	if cache != nil {
		pc = cache.Stats
	}
	var sw swap.Stats
	if m.Swap != nil {
		sw = m.Swap.Stats
	}
	rs, ws := m.ReclaimStats(), m.WorkingsetStats()
	return []Figure{
		{"pgfault", faults.Faults},
		{"pgfault_retry", faults.RetryFaults},
		{"pgalloc", faults.PagesAlloced},
		{"pgfree", faults.PagesFreed},
		{"zero_page_fault", faults.ZeroFaults},
		{"demand_zero_fault", faults.AnonFaults},
		{"cow_fault", faults.COWFaults},
		{"cow_reuse", faults.COWReused},
		{"shared_fault", faults.SharedFaults},
		{"segv", faults.Segv},
		{"oom", faults.OOM},
		{"file_fault", faults.FileFaults},
		{"pgmajfault", faults.MajFaults},
		{"sigbus", faults.Bus},
		{"pgpgin", (pc.PgPgIn + sw.SwapIns) * kibPerPage},
		{"pgpgout", (pc.PgPgOut + sw.SwapOuts) * kibPerPage},
		{"readahead", pc.Readahead},
		{"pswpin", sw.SwapIns},
		{"pswpout", sw.SwapOuts},
		{"swap_ra", sw.Readahead},
		{"swap_ra_hit", rs.SwapCacheHit},
		{"pgscan", rs.Scan},
		{"pgsteal", rs.Steal},
		{"pgsteal_direct", rs.StealDirect},
		{"allocstall", rs.AllocStall},
		{"allocstall_fault", rs.FaultStall},
		{"pgsteal_fault", rs.StealFault},
		{"kswapd_wake", rs.KswapdWakes},
		{"nr_writeback", pc.Writeback},
		{"nr_vmscan_write", pc.VmscanWrite},
		{"nr_vmscan_immediate_reclaim", pc.Immediate},
		{"pgrotated", pc.Rotated},
		{"workingset_refault_anon", ws.RefaultAnon},
		{"workingset_refault_file", ws.RefaultFile},
		{"workingset_activate_anon", ws.ActivateAnon},
		{"workingset_activate_file", ws.ActivateFile},
		{"workingset_restore_anon", ws.RestoreAnon},
		{"workingset_restore_file", ws.RestoreFile},
		{"oom_kill", m.OOMKills()},
		{"thp_fault_alloc", faults.THPFaults},
		{"thp_fault_fallback", faults.THPFallback},
		{"thp_split_pmd", m.thpSplits},
	}
}
