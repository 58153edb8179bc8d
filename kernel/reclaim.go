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
	wake := make(chan struct{}, 1)
	var kick func()
	if v != nil {
		kick = func() {
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}
	var err error
	if v != nil {
		err = m.EnableReclaim(policy, v.Cache, kick)
	} else {
		err = m.EnableReclaim(policy, nil, nil)
	}
	if err != nil {
		return err
	}
	if v != nil {
		if err := v.SetTmpfsSwap(vm.TmpfsSwap{M: m}); err != nil {
			return err
		}
		m.Unswap = v.UnswapTmpfs
		go func() {
			for range wake {
				big.Lock()
				m.Background()
				big.Unlock()
			}
		}()
	}
	return nil
}
