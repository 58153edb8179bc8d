package vm

// Event counters: what Linux's /proc/vmstat shows (mm/vmstat.c
// vmstat_text), gathered from the address spaces' Stats, the page cache,
// the swap layer and the reclaimer. The shell's vmstat prints them, and
// so will /proc.

// Add adds o's counters to s: the sum of several address spaces', as
// vmstat shows them (TestStatsAdd fails if a counter is left out).
func (s *Stats) Add(o Stats) {
	s.Faults += o.Faults
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
}
