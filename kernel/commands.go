package kernel

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
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
}

// Synopsis is the name followed by the usage.
func (c *Command) Synopsis() string {
	return strings.TrimSpace(c.Name + " " + c.Usage)
}

// Commands is the command table, in the order help lists it. New commands
// are added here and nowhere else.
func Commands() []Command {
	return []Command{
		{Name: "help", Help: "list the commands", MaxArgs: 0, Run: cmdHelp},
		{Name: "echo", Usage: "[WORD...]", Help: "print the words, separated by single spaces", MaxArgs: -1, Run: cmdEcho},
		{Name: "uptime", Help: "print the seconds since boot, with nanosecond precision", MaxArgs: 0, Run: cmdUptime},
		{Name: "sleep", Usage: "MS", Help: "sleep for MS milliseconds (Ctrl-C interrupts)", MinArgs: 1, MaxArgs: 1, Run: cmdSleep},
		{Name: "cmdline", Help: "print the kernel command line, then each option on its own line", MaxArgs: 0, Run: cmdCmdline},
		{Name: "meminfo", Help: "print memory figures in /proc/meminfo format", MaxArgs: 0, Run: cmdMeminfo},
		{Name: "buddyinfo", Help: "print free blocks per order (4 KiB << order) in /proc/buddyinfo format", MaxArgs: 0, Run: cmdBuddyinfo},
		{Name: "pt", Usage: "ADDR", Help: "walk the kernel page table for ADDR: every level's entry, then the translation", MinArgs: 1, MaxArgs: 1, Run: cmdPt},
		{Name: "halt", Usage: "[N]", Help: "stop the machine with status N (0..127, default 0)", MaxArgs: 1, Run: cmdHalt},
	}
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
	ms, err := ParseNumber(args[0])
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
	st := sh.cfg.Frames.Stats()
	free := st.FreePages << mm.PageShift
	for _, f := range []struct {
		name  string
		bytes uint64
	}{
		{"MemTotal", sh.cfg.MemTotal},
		{"MemFree", free},
		// Nothing is reclaimable yet: all of it is free memory.
		{"MemAvailable", free},
		{"PageTables", st.Pages[frame.PageTable] << mm.PageShift},
		// Pagoda's own: the frame table, one 16-byte record a frame.
		{"FrameTable", st.Table.Size()},
	} {
		sh.Printf("%s\n", MeminfoLine(f.name, f.bytes))
	}
	return nil
}

func cmdBuddyinfo(sh *Shell, _ []string) error {
	st := sh.cfg.Frames.Stats()
	// As Linux's frag_show_print: "Node %d, zone %8s " then "%6lu " per order.
	sh.Printf("Node 0, zone %8s ", "Normal")
	for _, n := range st.FreeBlocks {
		sh.Printf("%6d ", n)
	}
	sh.Printf("\n")
	return nil
}

// MeminfoLine formats one line as Linux's /proc/meminfo does (show_val_kb):
// the name and colon padded to 16 columns, the value in kB right-aligned
// in 8.
func MeminfoLine(name string, bytes uint64) string {
	return fmt.Sprintf("%-16s%8d kB", name+":", bytes>>10)
}

// maxHaltStatus is the largest status that QEMU's isa-debug-exit reports
// distinctly (exit status 2N+1 in 8 bits).
const maxHaltStatus = 127

func cmdHalt(sh *Shell, args []string) error {
	n := uint64(0)
	if len(args) == 1 {
		var err error
		if n, err = ParseNumber(args[0]); err != nil {
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
	return nil
}
