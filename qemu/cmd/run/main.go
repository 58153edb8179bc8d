// Command run boots the Pagoda kernel in QEMU on this terminal; make qemu
// and make qemu-gdb call it.
//
//	go run ./qemu/cmd/run [-mem 1G] [-accel tcg|kvm] [-cpu MODEL] [-icount] [-append ARGS] [-disks "a.img b.img"] [-gdb] [-initrd FILE] KERNEL
//
// On a terminal the console is interactive: QEMU's monitor is multiplexed
// on it (Ctrl-A c switches, Ctrl-A x quits) and Ctrl-C reaches the kernel.
// When standard input is a pipe or a file the session is scripted: the
// input is forwarded to the console (with a final newline if it lacks one)
// and its end is sent as Ctrl-D, on which the kernel halts with status 0.
//
// run exits with the kernel's halt status N (QEMU's 2N+1), or 255 when
// QEMU exited with status 0 (a kernel panic, a reset, or quit from the
// monitor).
//
// With -initrd the kernel is Linux (make linux-guest): its command line is
// qemu.LinuxAppend's, then -append's, and its power-off (QEMU's status 0)
// is exit status 0.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/pagoda-os/pagoda/qemu"
)

func main() {
	var o qemu.Options
	var disks string
	flag.StringVar(&o.Mem, "mem", "1G", "guest RAM (QEMU -m)")
	flag.StringVar(&o.Accel, "accel", "tcg", "accelerator: tcg or kvm")
	flag.StringVar(&o.Append, "append", "", "kernel command line")
	flag.StringVar(&disks, "disks", "", "disk images to attach as virtio-blk, space-separated, in order")
	flag.BoolVar(&o.GDB, "gdb", false, "start QEMU's gdbstub on :1234 and wait for gdb at the entry")
	flag.BoolVar(&o.ICount, "icount", false, "count instructions: -icount shift=0,sleep=off -rtc clock=vm (TCG)")
	flag.StringVar(&o.CPU, "cpu", "", "QEMU -cpu model (default max under TCG, host,+invtsc under KVM)")
	flag.StringVar(&o.Initrd, "initrd", "", "boot a Linux KERNEL with this initramfs (make linux-guest)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: run [flags] KERNEL\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	o.Kernel = flag.Arg(0)
	o.Disks = strings.Fields(disks)
	for _, d := range o.Disks {
		if _, err := os.Stat(d); err != nil {
			fatal(fmt.Errorf("disk image: %w", err))
		}
	}
	if o.Initrd != "" {
		base, err := qemu.LinuxAppend(o.ICount)
		if err != nil {
			fatal(err)
		}
		o.Append = strings.TrimSpace(base + " " + o.Append)
	}
	fi, err := os.Stdin.Stat()
	o.Interactive = err == nil && fi.Mode()&os.ModeCharDevice != 0

	cmd, err := qemu.Command(o)
	if err != nil {
		fatal(err)
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if o.Interactive {
		cmd.Stdin = os.Stdin
	} else {
		in, err := cmd.StdinPipe()
		if err != nil {
			fatal(err)
		}
		go func() {
			w := &lastByteWriter{w: in}
			io.Copy(w, os.Stdin)
			if w.n > 0 && w.last != '\n' {
				in.Write([]byte{'\n'}) // finish the last line
			}
			in.Write([]byte{0x04}) // Ctrl-D: end of input
		}()
	}
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fatal(err)
	}
	status := cmd.ProcessState.ExitCode()
	if status < 0 {
		fatal(fmt.Errorf("QEMU was killed: %v", cmd.ProcessState))
	}
	if o.Initrd != "" {
		if status != qemu.LinuxPoweroff {
			fmt.Fprintf(os.Stderr, "run: QEMU exited with status %d\n", status)
			os.Exit(255)
		}
		os.Exit(0)
	}
	halt, panicked := qemu.KernelStatus(status)
	if panicked {
		fmt.Fprintln(os.Stderr, "run: QEMU exited with status 0: the kernel panicked or reset, or QEMU was quit from its monitor")
		os.Exit(255)
	}
	os.Exit(halt)
}

// lastByteWriter remembers the last byte written through it.
type lastByteWriter struct {
	w    io.Writer
	n    int64
	last byte
}

func (l *lastByteWriter) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	if n > 0 {
		l.n += int64(n)
		l.last = p[n-1]
	}
	return n, err
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "run: %v\n", err)
	os.Exit(2)
}
