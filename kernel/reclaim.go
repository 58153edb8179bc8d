package kernel

import (
	"fmt"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/lock"
	"github.com/pagoda-os/pagoda/mm/swap"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// The option mm.policy= picks the reclaim policy; vm.swappiness=N
// (Linux's sysctl name; 0..200, default 60) weighs anonymous pages
// against file pages under lru2q (mm/vm/lru2q.go); memory.max=SIZE caps
// user memory as a memory cgroup's memory.max (mm/vm/memcg.go).

// DefaultPolicy is the reclaim policy without mm.policy=: Linux's split
// LRU (lru2q), which keeps anonymous and file pages apart, so that a
// file read once does not push the working set out; on one anonymous
// working set it is within 2% of clock and lru (mm/vm's
// BenchmarkReplay), and below them on a loop.
const DefaultPolicy = "lru2q"

// StartReclaim turns reclaim on under policy (mm.policy=), gives the MM
// an empty set of swap areas, plugs tmpfs into them (every instance of v
// swaps through the MM, and swapoff brings their pages back), and starts
// the background reclaim goroutine (kswapd), which takes the big kernel
// lock to work: it runs between commands, while direct reclaim serves a
// command that keeps allocating. v nil: no page cache, no tmpfs.
func StartReclaim(m *vm.MM, v *vfs.VFS, big *lock.Kernel, policy string) error {
	m.Swap = swap.NewSet()
	if v == nil {
		return m.EnableReclaim(policy, nil, nil)
	}
	kswapd := vm.NewKswapd()
	if err := m.EnableReclaim(policy, v.Cache, kswapd.Wake); err != nil {
		return err
	}
	kswapd.Start(m, big)
	if err := v.SetTmpfsSwap(vm.TmpfsSwap{M: m}); err != nil {
		return err
	}
	m.Unswap = v.UnswapTmpfs
	return nil
}

// ApplySwappiness sets m's swappiness from vm.swappiness= and returns
// the lines the boot log prints: an error for a bad value (then
// ignored), or the setting when the option was given.
func ApplySwappiness(m *vm.MM, c boot.Cmdline) []string {
	v, ok := c.Get("vm.swappiness")
	if !ok {
		return nil
	}
	n, err := vm.ParseSwappiness(v)
	if err != nil {
		return []string{fmt.Sprintf("error: vm.swappiness=%s: want a whole number, 0 to 200 (ignored)", v)}
	}
	if err := m.SetSwappiness(n); err != nil {
		panic("kernel.ApplySwappiness: a parsed swappiness refused")
	}
	return []string{fmt.Sprintf("vm.swappiness: %d", n)}
}

// ApplyMemoryMax sets m's memory.max from memory.max= (a size, or max)
// and returns the lines the boot log prints, as ApplySwappiness.
func ApplyMemoryMax(m *vm.MM, c boot.Cmdline) []string {
	v, ok := c.Get("memory.max")
	if !ok {
		return nil
	}
	n, err := vm.ParseMemoryMax(v)
	if err == nil {
		err = m.SetMemoryMax(n)
	}
	if err != nil {
		return []string{fmt.Sprintf("error: memory.max=%s: %v (ignored)", v, err)}
	}
	return []string{"memory.max: " + vm.FormatMemoryMax(m.MemoryMax())}
}

// DefaultTHP is the transparent-huge-page mode without
// transparent_hugepage=: always, Linux's Kconfig default and Debian's.
const DefaultTHP = vm.THPAlways

// ApplyTHP sets m's transparent-huge-page mode from transparent_hugepage=
// (always, madvise or never, Linux's boot option) or DefaultTHP, and
// returns the lines the boot log prints, as ApplySwappiness.
func ApplyTHP(m *vm.MM, c boot.Cmdline) []string {
	m.SetTHP(DefaultTHP)
	v, ok := c.Get("transparent_hugepage")
	if !ok {
		return nil
	}
	t, err := vm.ParseTHP(v)
	if err != nil {
		return []string{fmt.Sprintf("error: transparent_hugepage=%s: want always, madvise or never (using %v)", v, DefaultTHP)}
	}
	m.SetTHP(t)
	return []string{fmt.Sprintf("transparent_hugepage: %v", t)}
}
