package main

// The thrash experiment's Linux line (thrash -linux): the very run each
// Pagoda point makes, replayed under Linux 6.1 in the same QEMU machine
// for the same memory size. For every order, ratio and run it boots
// make linux-guest's kernel and initramfs with two disks, vda an ext2
// image (mke2fs -d) holding the run as a trace file, the write pass's
// pages then the read pass's (pressureRun, from the seeds pressure-read
// uses), and vdb a fresh swap area of the size Pagoda's boots get, and
// the command line
//
//	linux-guest.memory.max=<mm.limit in bytes> -- /bin/replay -t -g /sys/fs/cgroup/guest -o <order> <pages> /mnt/vda/run.trace
//
// The guest's init swapon's vdb, mounts vda at /mnt/vda and runs replay
// (user/replay.c) in a memory cgroup of that memory.max; replay loads
// the trace outside the cgroup, enters it, writes the pages in the write
// pass's order and times the read pass, and prints the line Pagoda's
// bench pressure-read prints, its major faults /proc/vmstat's pgmajfault
// over the read pass. Its rows go into thrash.csv and the plot as the
// pseudo-policy linuxPolicy. -linux-max gives the guest another
// memory.max than mm.limit: Pagoda keeps about a tenth of mm.limit
// from the working set (its reserves, page tables, free pages above the
// watermarks), Linux's cgroup little of memory.max, and -linux-max lets
// the two have the same resident pages.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/workload"
	"github.com/pagoda-os/pagoda/qemu"
)

// linuxPolicy is the policy column of the Linux guest's rows.
const linuxPolicy = "linux"

// linuxLegend is the Linux line's name on the plot: memMax is
// -linux-max as typed, "" for -limit's under cap's name (mm.limit, or
// memory.max: the same on both kernels).
func linuxLegend(cap, memMax string) string {
	switch {
	case memMax != "":
	case cap == capMax:
		return "Linux 6.1 (the same memory.max)"
	default:
		memMax = cap
	}
	return "Linux 6.1 (memory.max = " + memMax + ")"
}

// setLinux takes -linux and -linux-max: the guest's memory.max is
// -limit's unless -linux-max gives one, which only -linux may.
func (c *thrashConfig) setLinux(linux bool, memMax string) error {
	c.linux, c.linuxMax, c.linuxBytes = linux, memMax, c.limitBytes
	switch {
	case memMax == "":
		return nil
	case !linux:
		return errors.New("-linux-max without -linux")
	}
	n, err := mm.ParseSize(memMax)
	if err != nil || n < pageSize {
		return fmt.Errorf("-linux-max: %q is not a size of a page or more", memMax)
	}
	c.linuxBytes = n
	return nil
}

// The guest's paths: the cgroup its init makes for
// linux-guest.memory.max, and the trace on the first disk.
const (
	linuxCgroup = "/sys/fs/cgroup/guest"
	linuxTrace  = "/mnt/vda/run.trace"
)

// linuxFiles checks that make linux-files' kernel and initramfs are
// there, before the sweep boots anything.
func linuxFiles() error {
	for _, f := range []string{qemu.LinuxKernel, qemu.LinuxInitrd} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("-linux: %w: make linux-files builds the Linux guest (or leave -linux out to sweep Pagoda alone)", err)
		}
	}
	return nil
}

// linuxCmdline is what p's guest gets after qemu.LinuxAppend's command
// line: its memory.max (memMax bytes), and replay's command after "--".
func linuxCmdline(memMax uint64, p thrashPoint) string {
	return fmt.Sprintf("linux-guest.memory.max=%d -- /bin/replay -t -g %s -o %s %d %s", memMax, linuxCgroup, p.order, p.pages, linuxTrace)
}

// writeRunTrace writes p's whole run, the write pass then the read pass,
// as a trace file (workload.WriteTrace) headed by a comment saying so.
func writeRunTrace(path string, p thrashPoint) error {
	o, err := workload.ParseOrder(p.order)
	if err != nil {
		return err
	}
	trace, writes, err := pressureRun(o, p.pages, p.accesses)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "# bench %s pages=%d order=%s accesses=%d: %d writes (seed %d), then %d reads (seed %d)\n",
		pressureBench, p.pages, p.order, p.accesses, writes, pressureWriteSeed, len(trace)-writes, pressureReadSeed)
	if err := workload.WriteTrace(f, trace); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// traceImage makes the guest's first disk in dir: an ext2 image holding
// p's run as run.trace, with 4 to 5 MiB to spare (whole MiB).
func traceImage(dir string, p thrashPoint) (string, error) {
	src := filepath.Join(dir, "trace")
	if err := os.Mkdir(src, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(src, filepath.Base(linuxTrace))
	if err := writeRunTrace(path, p); err != nil {
		return "", err
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	size := (st.Size() + 5<<20) &^ (1<<20 - 1)
	return qemu.Ext2Image(dir, "trace.img", size, 4096, src)
}

// linuxExit is the guest init's last word: the command's exit status.
var linuxExit = regexp.MustCompile(`(?m)^linux-guest: exit (\d+)\r?$`)

// linuxProblem is the first line of the guest's output that says
// something went wrong, or "": init's complaints about a module, a disk
// or swap ("linux-guest: insmod|mount|swapon ... failed"), replay's own
// ("replay: ...", "FAIL ..."), the shell's ("...: not found", from an
// initramfs made before replay existed), or an exit status other than 0.
func linuxProblem(text string) string {
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "linux-guest: ") && strings.HasSuffix(line, " failed"),
			strings.HasPrefix(line, "replay: "), strings.HasPrefix(line, "FAIL "):
			return line
		case strings.HasSuffix(line, "/bin/replay: not found"):
			return line + " (make linux-files puts user/replay.c's build into the initramfs)"
		}
		if m := linuxExit.FindStringSubmatch(line); m != nil && m[1] != "0" {
			return line
		}
	}
	return ""
}

// bootLinux boots the Linux guest for p (plain TCG, as Pagoda's boots)
// and returns what replay printed. It fails if init or replay reported
// a problem, replay's status was not 0, or the guest did not finish
// within the timeout.
func bootLinux(cfg thrashConfig, p thrashPoint) (string, error) {
	deadline := time.Now().Add(cfg.timeout)
	dir, err := os.MkdirTemp("", "pagoda-thrash-linux-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	trace, err := traceImage(dir, p)
	if err != nil {
		return "", err
	}
	swap, err := qemu.SwapImage(dir, "swap.img", swapSize(cfg.limitBytes))
	if err != nil {
		return "", err
	}
	base, err := qemu.LinuxAppend(false)
	if err != nil {
		return "", err
	}
	vm, err := qemu.Start(qemu.Options{Kernel: qemu.LinuxKernel, Initrd: qemu.LinuxInitrd,
		Append: base + " " + linuxCmdline(cfg.linuxBytes, p), Disks: []string{trace, swap}})
	if err != nil {
		return "", err
	}
	defer vm.Kill()
	if _, err := vm.Expect(linuxExit.String(), time.Until(deadline)); err != nil {
		return "", consoleError("linux-guest", err, cfg.timeout, vm.Log())
	}
	out := vm.Log()
	if line := linuxProblem(out); line != "" {
		return "", fmt.Errorf("linux-guest: %w: %s", errKernel, line)
	}
	if status, err := vm.Wait(time.Until(deadline) + time.Minute); err != nil || status != qemu.LinuxPoweroff {
		return "", fmt.Errorf("linux-guest: power-off: QEMU status %d (%v)", status, err)
	}
	return out, nil
}

// errLinuxPolicy refuses "linux" in -policies: it is no mm.policy.
var errLinuxPolicy = errors.New(`-policies: "` + linuxPolicy + `" is the Linux guest's line, which -linux adds`)
