package shell

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// Command is one entry of the shell's command table.
type Command struct {
	Name string
	// Usage lists the arguments: "MS", "[N]", "[WORD...]".
	Usage string
	// Help is one line saying what the command does.
	Help string
	// MinArgs and MaxArgs bound the argument count; MaxArgs < 0 means
	// any number.
	MinArgs, MaxArgs int
	Run              func(sh *Shell, args []string) error
	// Unlocked commands run without the big kernel lock (sleep: the
	// background writeback goes on meanwhile).
	Unlocked bool
}

// Synopsis is the name followed by the usage.
func (c *Command) Synopsis() string {
	return strings.TrimSpace(c.Name + " " + c.Usage)
}

// Commands is the command table, in the order help lists it. New commands
// are added here and nowhere else.
func Commands() []Command {
	return append([]Command{
		{Name: "help", Help: "list the commands", MaxArgs: 0, Run: cmdHelp},
		{Name: "echo", Usage: "[WORD...]", Help: "print the words, separated by single spaces", MaxArgs: -1, Run: cmdEcho},
		{Name: "uptime", Help: "print the seconds since boot, with nanosecond precision", MaxArgs: 0, Run: cmdUptime},
		{Name: "sleep", Usage: "MS", Help: "sleep for MS milliseconds (Ctrl-C interrupts)", MinArgs: 1, MaxArgs: 1, Run: cmdSleep, Unlocked: true},
		{Name: "cmdline", Help: "print the kernel command line, then each option on its own line", MaxArgs: 0, Run: cmdCmdline},
		{Name: "meminfo", Help: "print memory figures in /proc/meminfo format", MaxArgs: 0, Run: cmdMeminfo},
		{Name: "buddyinfo", Help: "print free blocks per order (4 KiB << order) in /proc/buddyinfo format", MaxArgs: 0, Run: cmdBuddyinfo},
		{Name: "pt", Usage: "ADDR", Help: "walk the kernel page table for ADDR: every level's entry, then the translation", MinArgs: 1, MaxArgs: 1, Run: cmdPt},
		{Name: "peek", Usage: "ADDR [LEN]", Help: "hexdump LEN bytes (default 64) at ADDR through real loads; a fault is reported, not fatal", MinArgs: 1, MaxArgs: 2, Run: cmdPeek},
		{Name: "poke", Usage: "ADDR STRING...", Help: "store the string's bytes at ADDR through real stores; a fault is reported, not fatal", MinArgs: 2, MaxArgs: -1, Run: cmdPoke},
		{Name: "interrupts", Help: "print the interrupts taken per vector, in /proc/interrupts format", MaxArgs: 0, Run: cmdInterrupts},
		{Name: "selftest", Usage: "NAME", Help: "run a self-test: paging (100000 demand faults on 4 KiB pages, then on 2 MiB pages), tlb (INVLPG against a full flush), irq (100 LAPIC timer interrupts delivered to a goroutine) or ring3 (a program in user mode: system calls, faults, an interrupt, the FPU state; the round-trip cost)", MinArgs: 1, MaxArgs: 1, Run: cmdSelftest},
		{Name: "crash", Usage: "[stack]", Help: "make a deliberate kernel-bug fault (a write to address 8, or a stack overflow): full report, then the panic exit status", MaxArgs: 1, Run: cmdCrash},
	}, append(append(append(append(vmCommands(), fsCommands()...), swapCommands()...), procCommands()...), []Command{
		{Name: "halt", Usage: "[N]", Help: "sync the filesystems, then stop the machine with status N (0..127, default 0)", MaxArgs: 1, Run: cmdHalt, Unlocked: true},
	}...)...)
}

func cmdHelp(sh *Shell, _ []string) error {
	width := 0
	for i := range sh.commands {
		width = max(width, len(sh.commands[i].Synopsis()))
	}
	for i := range sh.commands {
		c := &sh.commands[i]
		sh.Printf("%-*s  %s\n", width, c.Synopsis(), c.Help)
	}
	return nil
}

func cmdEcho(sh *Shell, args []string) error {
	sh.Printf("%s\n", strings.Join(args, " "))
	return nil
}

func cmdUptime(sh *Shell, _ []string) error {
	ns := sh.cfg.Machine.Uptime().Nanoseconds()
	sh.Printf("%d.%09d\n", ns/1e9, ns%1e9)
	return nil
}

func cmdSleep(sh *Shell, args []string) error {
	ms, err := mm.ParseSize(args[0])
	if err != nil {
		return err
	}
	if ms > math.MaxInt64/uint64(time.Millisecond) {
		return fmt.Errorf("%d ms is too long", ms)
	}
	if err := sh.Wait(time.Duration(ms) * time.Millisecond); err != nil && !errors.Is(err, ErrInterrupted) {
		return err
	}
	return nil
}

func cmdMeminfo(sh *Shell, _ []string) error {
	mi := vm.FramesMeminfo(sh.cfg.Frames, sh.cfg.MemTotal)
	if sh.cfg.Spaces != nil {
		var cache *pagecache.Cache
		if sh.cfg.VFS != nil {
			cache = sh.cfg.VFS.Cache
		}
		mi = sh.cfg.Spaces.MM.Meminfo(sh.cfg.MemTotal, cache)
	}
	_, err := mi.WriteTo(sh.cfg.Out)
	return err
}

func cmdBuddyinfo(sh *Shell, _ []string) error {
	return vm.WriteBuddyinfo(sh.cfg.Out, sh.cfg.Frames)
}

// maxHaltStatus is the largest status that QEMU's isa-debug-exit reports
// distinctly (exit status 2N+1 in 8 bits).
const maxHaltStatus = 127

func cmdHalt(sh *Shell, args []string) error {
	n := uint64(0)
	if len(args) == 1 {
		var err error
		if n, err = mm.ParseSize(args[0]); err != nil {
			return err
		}
		if n > maxHaltStatus {
			return fmt.Errorf("status %d out of range 0..%d", n, maxHaltStatus)
		}
	}
	sh.halt(uint8(n))
	return nil
}

func cmdCmdline(sh *Shell, _ []string) error {
	c := sh.cfg.Cmdline
	sh.Printf("%s\n", c.Raw)
	for _, o := range c.Options {
		if o.HasValue {
			sh.Printf("  %s=%s\n", o.Key, o.Value)
		} else {
			sh.Printf("  %s\n", o.Key)
		}
	}
	if c.InitArgs != nil {
		sh.Printf("  -- %s\n", strings.Join(c.InitArgs, " "))
	}
	return nil
}

// maxPeek bounds one peek's length.
const maxPeek = 64 << 10

func cmdPeek(sh *Shell, args []string) error {
	addr, err := mm.ParseSize(args[0])
	if err != nil {
		return err
	}
	n := uint64(64)
	if len(args) == 2 {
		if n, err = mm.ParseSize(args[1]); err != nil {
			return err
		}
		if n == 0 || n > maxPeek {
			return fmt.Errorf("length %d out of range 1..%d", n, maxPeek)
		}
	}
	if addr+n < addr {
		return fmt.Errorf("%#x + %d wraps around the address space", addr, n)
	}
	buf := make([]byte, n)
	got, fault := sh.cfg.Probe.Peek(addr, buf)
	hexdump(sh, addr, buf[:got])
	if fault != nil {
		sh.Printf("fault: %v\n", fault)
	}
	return nil
}

// hexdump prints p as hexdump -C does, with the address of each line.
func hexdump(sh *Shell, addr uint64, p []byte) {
	for off := 0; off < len(p); off += 16 {
		line := p[off:min(off+16, len(p))]
		var hex, text strings.Builder
		for i := range 16 {
			if i < len(line) {
				fmt.Fprintf(&hex, "%02x ", line[i])
				c := line[i]
				if c < 0x20 || c > 0x7e {
					c = '.'
				}
				text.WriteByte(c)
			} else {
				hex.WriteString("   ")
			}
			if i == 7 {
				hex.WriteByte(' ')
			}
		}
		sh.Printf("0x%016x  %s |%s|\n", addr+uint64(off), hex.String(), text.String())
	}
}

func cmdPoke(sh *Shell, args []string) error {
	addr, err := mm.ParseSize(args[0])
	if err != nil {
		return err
	}
	data := []byte(strings.Join(args[1:], " "))
	if addr+uint64(len(data)) < addr {
		return fmt.Errorf("%#x + %d wraps around the address space", addr, len(data))
	}
	n, fault := sh.cfg.Probe.Poke(addr, data)
	if fault != nil {
		sh.Printf("fault: %v\n", fault)
		if n > 0 {
			sh.Printf("(%d bytes stored before the fault)\n", n)
		}
		return nil
	}
	sh.Printf("stored %d bytes at %#x\n", n, addr)
	return nil
}

func cmdSelftest(sh *Shell, args []string) error {
	if sh.cfg.Selftest == nil {
		return errors.New("no self-tests in this kernel")
	}
	return sh.cfg.Selftest(sh.cfg.Out, args[0])
}

func cmdCrash(sh *Shell, args []string) error {
	stack := false
	if len(args) == 1 {
		if args[0] != "stack" {
			return fmt.Errorf("unknown crash %q (have: stack)", args[0])
		}
		stack = true
	}
	sh.cfg.Probe.Crash(stack)
	return errors.New("the crash did not happen")
}
