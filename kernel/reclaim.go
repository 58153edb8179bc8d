package kernel

import (
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/lock"
	"github.com/pagoda-os/pagoda/mm/swap"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// The option mm.policy= picks the reclaim policy.

// DefaultPolicy is the reclaim policy without mm.policy=.
const DefaultPolicy = "clock"

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
