package shell

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm/swap"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// The swap layer and reclaim, as the shell sees them: swapon, swapoff,
// swaps, sysctl, memcg, zoneinfo.

func swapCommands() []Command {
	return []Command{
		{Name: "swapon", Usage: "DEV [pri=N]", Help: "use disk DEV (made with mkswap) as a swap area; higher priorities are used first, equal ones in turn", MinArgs: 1, MaxArgs: 2, Run: cmdSwapon},
		{Name: "swapoff", Usage: "DEV", Help: "bring every page of swap area DEV back into memory and stop using it (ENOMEM or EIO: it stays on)", MinArgs: 1, MaxArgs: 1, Run: cmdSwapoff},
		{Name: "swaps", Help: "list the swap areas in /proc/swaps format (sizes in KiB)", MaxArgs: 0, Run: cmdSwaps},
		{Name: "sysctl", Usage: "[vm.swappiness[=N]]", Help: "print the reclaim settings, or one, or set one: vm.swappiness (0..200) weighs anonymous against file pages under lru2q", MaxArgs: 1, Run: cmdSysctl},
		{Name: "memcg", Usage: "[max=SIZE|max=max]", Help: "print the memory cgroup's memory.current, memory.max and memory.events, or set memory.max (reclaiming down to it)", MaxArgs: 1, Run: cmdMemcg},
		{Name: "zoneinfo", Help: "print free pages, the min/low/high watermarks and the reclaim lists, as /proc/zoneinfo", MaxArgs: 0, Run: cmdZoneinfo},
	}
}

// swapSet is the MM's swap areas, or an error if there is no swap layer.
func (sh *Shell) swapSet() (*vm.MM, *swap.Set, error) {
	s, err := sh.spaces()
	if err != nil {
		return nil, nil, err
	}
	if s.MM.Swap == nil {
		return nil, nil, errors.New("no swap layer in this kernel")
	}
	return s.MM, s.MM.Swap, nil
}

// swapDevice finds disk name and checks it can hold swap.
func (sh *Shell) swapDevice(name string) (swap.Device, error) {
	if sh.cfg.VFS == nil {
		return nil, fmt.Errorf("%w: %s (no disks)", vfs.ErrNoDevice, name)
	}
	d, err := sh.cfg.VFS.Disk(name)
	if err != nil {
		return nil, err
	}
	dev, ok := d.(swap.Device)
	if !ok {
		return nil, fmt.Errorf("%s cannot hold swap (no polled writes)", name)
	}
	return dev, nil
}

func cmdSwapon(sh *Shell, args []string) error {
	m, set, err := sh.swapSet()
	if err != nil {
		return err
	}
	dev, err := sh.swapDevice(args[0])
	if err != nil {
		return err
	}
	if mt := sh.cfg.VFS.MountOf(dev.(vfs.Disk)); mt != nil {
		return fmt.Errorf("%w: %s is mounted at %s", vfs.ErrBusy, args[0], mt.Path)
	}
	prio, auto := 0, true
	if len(args) == 2 {
		v, ok := strings.CutPrefix(args[1], "pri=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < -1 || n > 32767 {
			return fmt.Errorf("%q: the priority is pri=N, N from -1 to 32767", args[1])
		}
		prio, auto = n, false
	}
	a, err := set.On(dev, prio, auto)
	if err != nil {
		return err
	}
	sh.Printf("Adding %dk swap on %s.  Priority:%d extents:1 across:%dk\n",
		a.Slots()*4, dev.Name(), a.Priority, (uint64(a.Header.LastPage)+1)*4)
	m.SetSwapPages(swapTotal(set))
	return nil
}

func swapTotal(set *swap.Set) uint64 {
	slots, _ := set.Totals()
	return slots
}

func cmdSwapoff(sh *Shell, args []string) error {
	m, set, err := sh.swapSet()
	if err != nil {
		return err
	}
	dev, err := sh.swapDevice(args[0])
	if err != nil {
		return err
	}
	a := set.Find(dev)
	if a == nil {
		return fmt.Errorf("%w: %s", swap.ErrNoArea, args[0])
	}
	if err := m.SwapOff(a); err != nil {
		return err
	}
	m.SetSwapPages(swapTotal(set))
	return nil
}

func cmdSwaps(sh *Shell, _ []string) error {
	_, set, err := sh.swapSet()
	if err != nil {
		return err
	}
	return vm.WriteSwaps(sh.cfg.Out, set)
}

func cmdZoneinfo(sh *Shell, _ []string) error {
	s, err := sh.spaces()
	if err != nil {
		return err
	}
	return s.MM.WriteZoneinfo(sh.cfg.Out)
}

// cmdSysctl reads and sets the reclaim's tunables by their Linux sysctl
// names, printed as sysctl(8) prints them: vm.swappiness only for now.
func cmdSysctl(sh *Shell, args []string) error {
	s, err := sh.spaces()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		sh.Printf("vm.swappiness = %d\n", s.MM.Swappiness())
		return nil
	}
	name, value, set := strings.Cut(args[0], "=")
	if name != "vm.swappiness" {
		return fmt.Errorf("%w: unknown key %q (there is vm.swappiness)", vm.ErrInvalid, name)
	}
	if set {
		n, err := vm.ParseSwappiness(value)
		if err != nil {
			return err
		}
		if err := s.MM.SetSwappiness(n); err != nil {
			return err
		}
	}
	sh.Printf("vm.swappiness = %d\n", s.MM.Swappiness())
	return nil
}

// cmdMemcg shows the one memory cgroup, which holds all user memory, as
// its cgroup v2 files read (memory.current and memory.max in bytes,
// memory.events' max and oom counts), or sets memory.max.
func cmdMemcg(sh *Shell, args []string) error {
	s, err := sh.spaces()
	if err != nil {
		return err
	}
	if len(args) == 1 {
		value, ok := strings.CutPrefix(args[0], "max=")
		if !ok {
			return fmt.Errorf("%w: %q: want max=SIZE or max=max", vm.ErrInvalid, args[0])
		}
		n, err := vm.ParseMemoryMax(value)
		if err != nil {
			return err
		}
		if err := s.MM.SetMemoryMax(n); err != nil {
			return err
		}
	}
	ev := s.MM.MemcgEvents()
	sh.Printf("memory.current %d\nmemory.max %s\nmemory.events max %d oom %d\n",
		s.MM.MemoryCurrent(), vm.FormatMemoryMax(s.MM.MemoryMax()), ev.Max, ev.OOM)
	return nil
}
