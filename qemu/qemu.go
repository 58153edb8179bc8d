// Package qemu is the host side of Pagoda: it builds the kernel, assembles
// QEMU's command line, boots the kernel and drives its serial console. The
// integration tests beside it and the run command (qemu/cmd/run, behind
// make qemu) share this one description of the machine.
//
// Exit statuses: the kernel leaves QEMU through isa-debug-exit, so "halt N"
// (N = 0..127) makes QEMU exit with status 2N+1. A kernel panic resets the
// machine by triple fault, which QEMU (-no-reboot) reports as status 0: a
// value no halt can produce.
package qemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Options describe one QEMU machine.
type Options struct {
	Kernel string // the kernel ELF (or a Linux bzImage, with Initrd)
	// Initrd is a Linux initramfs (-initrd), for make linux-guest's
	// Linux; Pagoda takes none.
	Initrd string
	Mem    string // -m, e.g. "1G" (default "1G")
	Accel  string // "tcg" (default) or "kvm"
	CPU    string // -cpu (default "max" under TCG, "host,+invtsc" under KVM)
	Append string // the kernel command line
	Disks  []string
	// Drives are disks with options, attached after Disks (so they are
	// named after them: vda, vdb... in the order given).
	Drives []Drive
	// GDB starts QEMU's gdbstub on :1234 and stops the CPU at the entry.
	GDB bool
	// ICount runs the guest with -icount shift=0,sleep=off and the RTC on
	// the virtual clock: one instruction is one virtual nanosecond, so
	// timings count instructions and repeat exactly (TCG only).
	ICount bool
	// Interactive multiplexes QEMU's monitor on stdio (Ctrl-A c) and lets
	// the terminal's Ctrl-C through to the kernel.
	Interactive bool
}

// ErrOptions reports options QEMU cannot be started with.
var ErrOptions = errors.New("qemu: bad options")

// Binary is the QEMU system emulator used.
const Binary = "qemu-system-x86_64"

// Machine is the QEMU machine type: microvm with the PVH option ROM for
// -kernel, no legacy PIT or PIC. The kernel calibrates its clock against
// the LAPIC timer; the CMOS RTC is there for a wall clock to come.
const Machine = "microvm,x-option-roms=on,pit=off,pic=off,rtc=on"

// Args returns QEMU's arguments for o.
func (o Options) Args() ([]string, error) {
	if o.Kernel == "" {
		return nil, fmt.Errorf("%w: no kernel", ErrOptions)
	}
	mem := o.Mem
	if mem == "" {
		mem = "1G"
	}
	if n, ok := memBytes(mem); ok && n < MinMem {
		return nil, fmt.Errorf("%w: MEM=%s: the kernel needs at least 128M", ErrOptions, mem)
	}
	cpu := o.CPU
	switch o.Accel {
	case "", "tcg":
		if cpu == "" {
			cpu = "max"
		}
		o.Accel = "tcg"
	case "kvm":
		if cpu == "" {
			cpu = "host,+invtsc"
		}
	default:
		return nil, fmt.Errorf("%w: ACCEL=%q (want tcg or kvm)", ErrOptions, o.Accel)
	}
	args := []string{
		"-machine", Machine,
		"-accel", o.Accel,
		"-cpu", cpu,
		"-m", mem,
		"-global", "virtio-mmio.force-legacy=false",
		"-nodefaults", "-no-reboot", "-display", "none",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4",
	}
	if o.Interactive {
		args = append(args,
			"-chardev", "stdio,id=con,mux=on,signal=off",
			"-serial", "chardev:con",
			"-mon", "chardev=con,mode=readline")
	} else {
		args = append(args,
			"-chardev", "stdio,id=con,signal=off",
			"-serial", "chardev:con",
			"-monitor", "none")
	}
	args = append(args, "-kernel", o.Kernel)
	if o.Initrd != "" {
		args = append(args, "-initrd", o.Initrd)
	}
	if o.Append != "" {
		args = append(args, "-append", o.Append)
	}
	for i, d := range o.Disks {
		if strings.Contains(d, ",") {
			return nil, fmt.Errorf("%w: disk path %q contains a comma", ErrOptions, d)
		}
		id := fmt.Sprintf("disk%d", i)
		args = append(args,
			"-drive", fmt.Sprintf("file=%s,if=none,format=raw,id=%s", d, id),
			"-device", "virtio-blk-device,drive="+id)
	}
	for i, d := range o.Drives {
		args = append(args,
			"-blockdev", d.blockdev(fmt.Sprintf("drive%d", i)),
			"-device", fmt.Sprintf("virtio-blk-device,drive=drive%d", i))
	}
	if o.GDB {
		args = append(args, "-s", "-S")
	}
	if o.ICount {
		if o.Accel == "kvm" {
			return nil, fmt.Errorf("%w: ICOUNT needs ACCEL=tcg", ErrOptions)
		}
		args = append(args, "-icount", "shift=0,sleep=off", "-rtc", "clock=vm")
	}
	return args, nil
}

// MinMem is the least RAM the kernel runs in: the Go runtime's region and
// the DMA region end at 128 MiB (boot/memlayout.go).
const MinMem = 128 << 20

// memBytes parses QEMU's -m size: a number with an optional K, M, G or T
// suffix (MiB without one). ok is false for what it cannot parse, which
// is left for QEMU to judge.
func memBytes(s string) (n uint64, ok bool) {
	shift := uint(20)
	if i := len(s) - 1; i >= 0 {
		switch s[i] {
		case 'K', 'k':
			shift, s = 10, s[:i]
		case 'M', 'm':
			shift, s = 20, s[:i]
		case 'G', 'g':
			shift, s = 30, s[:i]
		case 'T', 't':
			shift, s = 40, s[:i]
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > 1<<(64-shift)-1 {
		return 0, false
	}
	return v << shift, true
}

// Command returns QEMU's command for o, made to die with its parent.
func Command(o Options) (*exec.Cmd, error) {
	args, err := o.Args()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(Binary, args...)
	dieWithParent(cmd)
	return cmd, nil
}

// HaltStatus is QEMU's exit status for the kernel's "halt n".
func HaltStatus(n int) int { return 2*n + 1 }

// PanicStatus is QEMU's exit status after a kernel panic.
const PanicStatus = 0

// KernelStatus decodes QEMU's exit status: the halt status, or panicked.
func KernelStatus(qemuStatus int) (halt int, panicked bool) {
	if qemuStatus == PanicStatus {
		return 0, true
	}
	return (qemuStatus - 1) / 2, false
}

// Drive is a disk image with options: read-only, or with read errors
// injected by QEMU's blkdebug driver.
type Drive struct {
	Path     string
	ReadOnly bool
	// ReadErrors lists 512-byte sectors whose reads fail with EIO (the
	// guest sees VIRTIO_BLK_S_IOERR).
	ReadErrors []int64
}

// blockdev is the drive's -blockdev argument, in QEMU's JSON syntax.
func (d Drive) blockdev(node string) string {
	file := map[string]any{"driver": "file", "filename": d.Path}
	if len(d.ReadErrors) > 0 {
		var rules []map[string]any
		for _, s := range d.ReadErrors {
			rules = append(rules, map[string]any{"event": "none", "iotype": "read", "sector": s, "errno": 5})
		}
		file = map[string]any{"driver": "blkdebug", "image": file, "inject-error": rules}
	}
	b, _ := json.Marshal(map[string]any{"driver": "raw", "node-name": node, "read-only": d.ReadOnly, "file": file})
	return string(b)
}
