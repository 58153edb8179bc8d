//go:build tamago

// Command pagoda is the kernel: the bare-metal program QEMU boots. It wires
// the board (boot/) through the subsystems (kernel/) to the shell
// (kernel/shell/) and prints what it found.
package main

import (
	"fmt"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/kernel"
	"github.com/pagoda-os/pagoda/kernel/shell"
	"github.com/pagoda-os/pagoda/lock"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
)

func main() {
	m := boot.Info()
	in, out := boot.Console()

	hz := boot.TSCHz()
	fmt.Fprintf(out, "Pagoda on QEMU microvm: TSC %d.%03d MHz, %s\n", hz/1e6, hz/1e3%1e3, boot.ClockSource)
	for _, e := range m.StartInfo.Memmap {
		fmt.Fprintf(out, "BIOS-e820: [mem 0x%016x-0x%016x] %s\n", e.Addr, e.Addr+e.Size-1, boot.E820TypeName(e.Type))
	}
	for _, err := range m.Errors {
		fmt.Fprintf(out, "error: %v\n", err)
	}
	kernel.InitTraps()
	managed := m.Layout.Managed
	if v, ok := m.Cmdline.Get("mm.limit"); ok {
		limit, err := mm.ParseSize(v)
		if err == nil {
			managed, err = frame.LimitRanges(managed, limit)
		}
		if err != nil {
			fmt.Fprintf(out, "error: mm.limit=%s: %v (ignored)\n", v, err)
			managed = m.Layout.Managed
		} else {
			fmt.Fprintf(out, "mm.limit: managing %d MiB of %d MiB\n", limit>>20, m.Layout.ManagedBytes()>>20)
		}
	}
	frames, err := frame.New(managed)
	if err != nil {
		// Without frames there is no memory management to run.
		panic(fmt.Sprintf("cannot manage memory: %v", err))
	}
	kernelTable, err := kernel.TakeOverMMU(frames, m.Layout)
	if err != nil {
		panic(err)
	}
	fmt.Fprintf(out, "zeroing: %s\n", kernel.SelectZeroing(frames))
	if ceiling, err := kernel.MeasureTLBCeiling(nil, frames, kernelTable); err == nil {
		fmt.Fprintf(out, "tlb: invalidating more than %d pages flushes the whole TLB (measured)\n", ceiling)
	}
	spaces, window, err := kernel.StartSpaces(frames, kernelTable.Root())
	if err != nil {
		panic(fmt.Sprintf("cannot make address spaces: %v", err))
	}
	for _, line := range kernel.ApplyOvercommit(spaces.MM, m.Cmdline) {
		fmt.Fprintln(out, line)
	}
	for _, line := range kernel.ApplyOOM(spaces.MM, m.Cmdline) {
		fmt.Fprintln(out, line)
	}
	st := frames.Stats()
	fmt.Fprintf(out, "memory: %d MiB RAM, %d MiB managed, frame table %d KiB at %v\n",
		m.Layout.Total()>>20, st.ManagedPages>>(20-mm.PageShift), st.Table.Size()>>10, st.Table)
	fmt.Fprintf(out, "%s\n", kernel.StartInterrupts())
	// The big kernel lock: every command, the writeback and kswapd take
	// it (lock/kernel.go says what it guards).
	big := new(lock.Kernel)
	files, kick, err := kernel.StartFiles(frames, big, out)
	if err != nil {
		fmt.Fprintf(out, "error: no disks: %v\n", err)
	}
	if files != nil {
		// Shared anonymous mappings map unnamed files of the VFS's
		// internal tmpfs (without it they fail with ENODEV).
		spaces.MM.Shmem = files.ShmemFile
	}
	policy := kernel.DefaultPolicy
	if v, ok := m.Cmdline.Get("mm.policy"); ok {
		policy = v
	}
	if err := kernel.StartReclaim(spaces.MM, files, big, policy); err != nil {
		fmt.Fprintf(out, "error: mm.policy=%s: %v (using %s)\n", policy, err, kernel.DefaultPolicy)
		if err := kernel.StartReclaim(spaces.MM, files, big, kernel.DefaultPolicy); err != nil {
			panic(err)
		}
	}
	for _, line := range kernel.ApplySwappiness(spaces.MM, m.Cmdline) {
		fmt.Fprintln(out, line)
	}
	for _, line := range kernel.ApplyTHP(spaces.MM, m.Cmdline) {
		fmt.Fprintln(out, line)
	}
	for _, line := range kernel.ApplyMemoryMax(spaces.MM, m.Cmdline) {
		fmt.Fprintln(out, line)
	}
	wm := spaces.MM.Watermarks()
	fmt.Fprintf(out, "reclaim: policy %s, watermarks %v pages\n", spaces.MM.Policy().Name(), wm)
	fmt.Fprintf(out, "command line: %q\n", m.Cmdline.Raw)
	if _, ok := m.Cmdline.Get("pagoda.panic"); ok {
		// A testing aid: shows the panic path and its QEMU exit status.
		panic("pagoda.panic on the command line")
	}
	procs := kernel.StartProcesses(big, spaces, files, out)
	procs.MemTotal = m.Layout.Total()
	up := boot.Board{}.Uptime()
	fmt.Fprintf(out, "boot to shell: %d.%03d ms\n", up.Milliseconds(), up.Microseconds()%1000)

	sh := shell.NewShell(shell.Config{
		Machine:    boot.Board{},
		In:         in,
		Out:        out,
		MemTotal:   m.Layout.Total(),
		Frames:     frames,
		Kernel:     kernelTable,
		Probe:      kernel.MachineProbe(),
		Spaces:     spaces,
		Window:     window,
		Selftest:   kernel.Selftests(frames, kernelTable, spaces),
		Cmdline:    m.Cmdline,
		VFS:        files,
		Lock:       big,
		Writeback:  kick,
		Interrupts: kernel.Interrupts,
		Procs:      procs,
	})
	if path, ok := m.Cmdline.Get("init"); ok {
		// As Linux's kernel_init: the program runs as PID 1 on the
		// console; its exit halts the machine. One that cannot start
		// leaves the shell (Linux would panic).
		if err := sh.StartInit(append([]string{path}, m.Cmdline.InitArgs...)); err != nil {
			fmt.Fprintf(out, "error: init=%s: %v (starting the shell)\n", path, err)
		}
	}
	sh.Run()
}
