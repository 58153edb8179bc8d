// Command benchuser runs the user-mode benchmark user/bench.c on Pagoda
// and on the Linux guest of make linux-guest, one boot each in turn, and
// prints one table of both; make bench-user calls it.
//
//	go run ./qemu/cmd/benchuser [-icount] [-args "-i 10000 ..."] [-mem 1G] [-root build/root.img] [-swap 64] [-limit 32M] KERNEL
//
// Both kernels get a copy of the root disk (make user's ext2 image) for
// bench's disk rows: Pagoda boots from it and runs "run /bin/bench -t
// ARGS /" in its shell, so the rows are on its ext2 root; Linux mounts it
// at /mnt/vda (qemu/linux-guest/init) and runs "/bin/bench -t ARGS
// /mnt/vda" from its initramfs. Each kernel boots twice: with bench's
// 4 KiB pages (MADV_NOHUGEPAGE), and with -H, transparent huge pages as
// Debian ships them ("always", the configuration of the issues'
// reference figures, and Pagoda's default).
//
// The swap rows (bench -S SWAP: swap-in, pressure-write, pressure-read)
// run in boots of their own, whose memory is capped at LIMIT, with a
// fresh swap disk of twice SWAP, the same way on both kernels: the
// charge of user memory, as a memory cgroup's memory.max=LIMIT, the rest
// of the machine free. Pagoda boots with memory.max=LIMIT (its pages on
// the reclaim lists and its page tables: mm/vm/memcg.go); the Linux
// guest runs bench in a memory cgroup of memory.max=LIMIT
// (linux-guest.memory.max: its anonymous and page-cache pages and the
// kernel memory charged to it; the kernel's own memory is outside). These boots run under plain TCG
// even with -icount, so their figure is host ns: a guest waiting for
// its disk under -icount shift=0,sleep=off counts in no useful unit
// (Linux idles, and the virtual clock leaps to its next timer: 25,000
// to 5,700,000 per page in seven runs; Pagoda polls, counting
// instructions for as long as the host takes). The other boots take
// the same QEMU machine, memory and -icount setting. Under -icount
// their figures are instructions per operation; the goal column is
// half of the smaller Linux figure (issues 16 and 17: half of
// Linux's), met when the smaller Pagoda figure is at or below it.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pagoda-os/pagoda/qemu"
)

// timeout bounds each boot: bench's rows at make bench-user's counts
// take well under a minute each under TCG.
const timeout = 15 * time.Minute

func main() {
	var o qemu.Options
	var args, root, limit string
	var swapMiB int
	flag.BoolVar(&o.ICount, "icount", false, "count instructions: -icount shift=0,sleep=off (both kernels)")
	flag.StringVar(&o.Mem, "mem", "1G", "guest RAM of both boots (QEMU -m)")
	flag.StringVar(&args, "args", "", "bench's options, the same on both kernels")
	flag.StringVar(&root, "root", "build/root.img", "Pagoda's root disk (make user); a copy is booted")
	flag.IntVar(&swapMiB, "swap", 64, "the swap-in row's region in MiB (bench -S); 0 leaves the row out")
	flag.StringVar(&limit, "limit", "32M", "the memory cap of the swap-in boots (memory.max, on both kernels)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: benchuser [flags] KERNEL\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	benchArgs := strings.Fields(args)

	dir, err := os.MkdirTemp("", "benchuser")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	b := boots{o: o, dir: dir, kernel: flag.Arg(0), root: root, limit: limit, swapMiB: swapMiB}
	pagoda, err := b.pagoda(benchArgs)
	if err != nil {
		fatal(fmt.Errorf("pagoda: %w", err))
	}
	pagodaTHP, err := b.pagodaTHP(append([]string{"-H"}, benchArgs...))
	if err != nil {
		fatal(fmt.Errorf("pagoda -H: %w", err))
	}
	linux, err := b.linux(benchArgs)
	if err != nil {
		fatal(fmt.Errorf("linux: %w", err))
	}
	linuxTHP, err := b.linux(append([]string{"-H"}, benchArgs...))
	if err != nil {
		fatal(fmt.Errorf("linux -H: %w", err))
	}
	clock := "host ns (plain TCG: varies with the host's load)"
	if o.ICount {
		clock = "instructions (-icount shift=0,sleep=off: one per virtual ns)"
	}
	fmt.Printf("bench -t %s, %s, per operation in %s\n", strings.Join(benchArgs, " "), time.Now().Format("2006-01-02"), clock)
	if swapMiB > 0 {
		fmt.Printf("swap-in, pressure-write, pressure-read: bench -S %d under %s (memory.max on both kernels), in host ns under plain TCG\n", swapMiB, limit)
	}
	fmt.Println()
	printTable(os.Stdout, linux, linuxTHP, pagoda, pagodaTHP)
	printRates(os.Stdout, linux, linuxTHP, pagoda)
}

// row is one BENCH line: a figure, or why the kernel could not run it.
type row struct {
	name, unit string
	n          int
	ns         float64
	missing    string // "unsupported (ENOSYS)"; empty when measured
}

var (
	benchLine   = regexp.MustCompile(`(?m)^BENCH (\S+) (\d+) (\S+)s (\d+(?:\.\d+)?) ns/(\S+)\r?$`)
	missingLine = regexp.MustCompile(`(?m)^BENCH (\S+) (unsupported \([^)]*\))\r?$`)
)

// parse reads bench's rows, in order, from a console transcript.
func parse(out string) []row {
	type at struct {
		pos int
		r   row
	}
	var rows []at
	for _, m := range benchLine.FindAllStringSubmatchIndex(out, -1) {
		g := func(i int) string { return out[m[2*i]:m[2*i+1]] }
		n, _ := strconv.Atoi(g(2))
		ns, _ := strconv.ParseFloat(g(4), 64)
		rows = append(rows, at{m[0], row{name: g(1), unit: g(5), n: n, ns: ns}})
	}
	for _, m := range missingLine.FindAllStringSubmatchIndex(out, -1) {
		rows = append(rows, at{m[0], row{name: out[m[2]:m[3]], missing: out[m[4]:m[5]]}})
	}
	// In the order printed.
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].pos < rows[j-1].pos; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
	var rs []row
	for _, a := range rows {
		rs = append(rs, a.r)
	}
	return rs
}

// boots are the boots of one table.
type boots struct {
	o       qemu.Options
	dir     string // scratch: the disk copies
	kernel  string
	root    string // make user's ext2 image
	limit   string // the memory cap of the swap-in boots
	swapMiB int    // bench -S; 0: no swap-in boots
	n       int    // disks made so far
}

// disk makes a fresh disk in b.dir: a copy of the root disk, or with
// swap > 0 a swap area of that many bytes (mkswap's).
func (b *boots) disk(swap int64) (string, error) {
	b.n++
	name := fmt.Sprintf("disk%d.img", b.n)
	if swap > 0 {
		return qemu.SwapImage(b.dir, name, swap)
	}
	p := filepath.Join(b.dir, name)
	return p, copyFile(p, b.root)
}

// pagoda boots Pagoda with a copy of the root disk and runs bench, and
// then, for the swap-in row, again under memory.max with a swap disk.
func (b *boots) pagoda(benchArgs []string) ([]row, error) {
	root, err := b.disk(0)
	if err != nil {
		return nil, err
	}
	rows, err := b.runPagoda(b.o.ICount, "", []string{root}, append(benchArgs, "/"))
	if err != nil || b.swapMiB == 0 {
		return rows, err
	}
	root, err = b.disk(0)
	if err != nil {
		return nil, err
	}
	swap, err := b.disk(2 * int64(b.swapMiB) << 20)
	if err != nil {
		return nil, err
	}
	more, err := b.runPagoda(false, "memory.max="+b.limit, []string{root, swap}, []string{"-S", strconv.Itoa(b.swapMiB)})
	return append(rows, more...), err
}

// pagodaTHP is bench's rows in Pagoda with benchArgs (-H: transparent
// huge pages, Pagoda's default "always"), without the swap-in row.
func (b *boots) pagodaTHP(benchArgs []string) ([]row, error) {
	root, err := b.disk(0)
	if err != nil {
		return nil, err
	}
	return b.runPagoda(b.o.ICount, "", []string{root}, append(benchArgs, "/"))
}

// runPagoda boots Pagoda with disks (the root first, a swap area
// second, which it swapon's) and runs bench with benchArgs, under
// -icount if icount is set.
func (b *boots) runPagoda(icount bool, appendLine string, disks []string, benchArgs []string) ([]row, error) {
	o := b.o
	o.ICount = icount
	o.Kernel, o.Disks, o.Append = b.kernel, disks, appendLine
	vm, err := qemu.Start(o)
	if err != nil {
		return nil, err
	}
	defer vm.Kill()
	if _, err := vm.Expect(regexp.QuoteMeta(qemu.Prompt), time.Minute); err != nil {
		return nil, fmt.Errorf("boot: %w\n%s", err, vm.Log())
	}
	if len(disks) > 1 {
		if out, err := vm.Run("swapon vdb", time.Minute); err != nil || !strings.HasPrefix(out, "Adding") {
			return nil, fmt.Errorf("swapon vdb: %q (%v)", out, err)
		}
	}
	line := "run " + strings.Join(append([]string{"/bin/bench", "-t"}, benchArgs...), " ")
	out, err := vm.Run(line, timeout)
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", line, err, out)
	}
	status, err := vm.Run("status", time.Minute)
	if err != nil || strings.TrimSpace(status) != "exit 0" {
		return nil, fmt.Errorf("%s: status %q (%v)\n%s", line, status, err, out)
	}
	vm.Run("halt", time.Minute)
	return parse(out), nil
}

// linux boots the Linux guest with a copy of the root disk (its
// /mnt/vda) and runs bench on it, and then, for the swap-in row, again
// with a swap disk and bench in a memory cgroup of memory.max LIMIT.
// -H in benchArgs is kept for the swap-in boot.
func (b *boots) linux(benchArgs []string) ([]row, error) {
	root, err := b.disk(0)
	if err != nil {
		return nil, err
	}
	rows, err := b.runLinux(b.o.ICount, "", []string{root}, append(benchArgs, "/mnt/vda"))
	if err != nil || b.swapMiB == 0 {
		return rows, err
	}
	swap, err := b.disk(2 * int64(b.swapMiB) << 20)
	if err != nil {
		return nil, err
	}
	var args []string
	if len(benchArgs) > 0 && benchArgs[0] == "-H" {
		args = append(args, "-H")
	}
	more, err := b.runLinux(false, "linux-guest.memory.max="+b.limit, []string{swap}, append(args, "-S", strconv.Itoa(b.swapMiB)))
	return append(rows, more...), err
}

// runLinux boots the Linux guest with disks and bench as the command of
// its init, under -icount if icount is set; params go on the kernel
// command line before it.
func (b *boots) runLinux(icount bool, params string, disks []string, benchArgs []string) ([]row, error) {
	for _, f := range []string{qemu.LinuxKernel, qemu.LinuxInitrd} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%w (make linux-files)", err)
		}
	}
	base, err := qemu.LinuxAppend(icount)
	if err != nil {
		return nil, err
	}
	o := b.o
	o.ICount = icount
	o.Kernel, o.Initrd, o.Disks = qemu.LinuxKernel, qemu.LinuxInitrd, disks
	o.Append = strings.Join(append(strings.Fields(base+" "+params+" -- /bin/bench -t"), benchArgs...), " ")
	vm, err := qemu.Start(o)
	if err != nil {
		return nil, err
	}
	defer vm.Kill()
	if _, err := vm.Expect(`linux-guest: exit \d+`, timeout); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, vm.Log())
	}
	out := vm.Log()
	if !strings.Contains(out, "linux-guest: exit 0") || strings.Contains(out, "linux-guest: insmod") || strings.Contains(out, "linux-guest: mount") || strings.Contains(out, "linux-guest: swapon") {
		return nil, fmt.Errorf("bench failed:\n%s", out)
	}
	if status, err := vm.Wait(time.Minute); err != nil || status != qemu.LinuxPoweroff {
		return nil, fmt.Errorf("power-off: status %d (%v)", status, err)
	}
	return parse(out), nil
}

// printRates prints the swap-in row's pages per time as MB/s (10^6
// bytes per second of host time): issue 18's figure.
func printRates(w io.Writer, linux, linuxTHP, pagoda []row) {
	var cells []string
	for _, k := range []struct {
		name string
		rows []row
	}{{"Linux 4K", linux}, {"Linux THP", linuxTHP}, {"Pagoda", pagoda}} {
		for _, r := range k.rows {
			if r.name == "swap-in" && r.missing == "" && r.ns > 0 {
				cells = append(cells, fmt.Sprintf("%s %.1f MB/s (%d pages)", k.name, 4096e3/r.ns, r.n))
			}
		}
	}
	if len(cells) > 0 {
		fmt.Fprintf(w, "\nswap-in: %s\n", strings.Join(cells, ", "))
	}
}

// printTable prints the rows of the kernels side by side, each kernel
// with 4 KiB pages (bench's MADV_NOHUGEPAGE) and with transparent huge
// pages (-H): Pagoda's order, then any row only Linux printed. The
// better of each kernel's two figures is compared: the goal is half of
// Linux's.
func printTable(w io.Writer, linux, linuxTHP, pagoda, pagodaTHP []row) {
	byName := func(rs []row) map[string]row {
		m := map[string]row{}
		for _, r := range rs {
			m[r.name] = r
		}
		return m
	}
	lm, hm, pm, qm := byName(linux), byName(linuxTHP), byName(pagoda), byName(pagodaTHP)
	var names []string
	seen := map[string]bool{}
	for _, rs := range [][]row{pagoda, linux} {
		for _, r := range rs {
			if !seen[r.name] {
				seen[r.name] = true
				names = append(names, r.name)
			}
		}
	}
	better := func(a row, aok bool, b row, bok bool) (row, bool) {
		aok, bok = aok && a.missing == "", bok && b.missing == ""
		if bok && (!aok || b.ns < a.ns) {
			return b, true
		}
		return a, aok
	}
	format := "| %-14s | %-5s | %12s | %12s | %12s | %12s | %12s | %12s | %-4s |\n"
	fmt.Fprintf(w, format, "row", "per", "Linux 4K", "Linux THP", "Pagoda 4K", "Pagoda THP", "Pagoda/Linux", "goal", "met")
	fmt.Fprintf(w, "|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", dashes(16), dashes(7), dashes(14), dashes(14), dashes(14), dashes(14), dashes(14), dashes(14), dashes(6))
	for _, name := range names {
		l, lok := lm[name]
		h, hok := hm[name]
		p, pok := pm[name]
		q, qok := qm[name]
		unit := l.unit
		if unit == "" {
			unit = p.unit
		}
		best, bok := better(l, lok, h, hok)
		pbest, pbok := better(p, pok, q, qok)
		ratio, goal, met := "—", "—", "—"
		if bok && best.ns > 0 {
			goal = figure(best.ns / 2)
			if pbok {
				ratio = fmt.Sprintf("%.2f", pbest.ns/best.ns)
				met = "no"
				if pbest.ns <= best.ns/2 {
					met = "yes"
				}
			}
		}
		fmt.Fprintf(w, format, name, unit, cell(l, lok), cell(h, hok), cell(p, pok), cell(q, qok), ratio, goal, met)
	}
}

func cell(r row, ok bool) string {
	switch {
	case !ok:
		return "—"
	case r.missing != "":
		return strings.TrimPrefix(r.missing, "unsupported ")
	}
	return figure(r.ns)
}

// figure prints a count with thousands separators, one decimal below
// 10,000.
func figure(v float64) string {
	if v < 10000 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func dashes(n int) string { return strings.Repeat("-", n) }

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("%w (make user)", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "benchuser: %v\n", err)
	os.Exit(1)
}
