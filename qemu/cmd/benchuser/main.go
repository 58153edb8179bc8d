// Command benchuser runs the user-mode benchmark user/bench.c on Pagoda
// and on the Linux guest of make linux-guest, one boot each in turn, and
// prints one table of both; make bench-user calls it.
//
//	go run ./qemu/cmd/benchuser [-icount] [-args "-i 10000 ..."] [-mem 1G] [-root build/root.img] KERNEL
//
// Pagoda boots with a copy of the root disk and runs "run /bin/bench -t
// ARGS /" in its shell, so its disk rows are on the ext2 root; Linux runs
// "/bin/bench -t ARGS" from its initramfs, which has no disk, so those
// rows are Pagoda's only. Linux boots twice: with bench's 4 KiB pages
// (MADV_NOHUGEPAGE, like for like with Pagoda, which has no huge pages),
// and with -H, transparent huge pages as Debian ships them ("always"),
// the configuration of the issues' reference figures. All boots take the
// same QEMU machine, memory and -icount setting. Under -icount the
// figures are instructions per operation; the goal column is half of the
// smaller Linux figure (issues 16 and 17: half of Linux's).
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
	var args, root string
	flag.BoolVar(&o.ICount, "icount", false, "count instructions: -icount shift=0,sleep=off (both kernels)")
	flag.StringVar(&o.Mem, "mem", "1G", "guest RAM of both boots (QEMU -m)")
	flag.StringVar(&args, "args", "", "bench's options, the same on both kernels")
	flag.StringVar(&root, "root", "build/root.img", "Pagoda's root disk (make user); a copy is booted")
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

	pagoda, err := runPagoda(o, flag.Arg(0), root, benchArgs)
	if err != nil {
		fatal(fmt.Errorf("pagoda: %w", err))
	}
	linux, err := runLinux(o, benchArgs)
	if err != nil {
		fatal(fmt.Errorf("linux: %w", err))
	}
	linuxTHP, err := runLinux(o, append([]string{"-H"}, benchArgs...))
	if err != nil {
		fatal(fmt.Errorf("linux -H: %w", err))
	}
	clock := "host ns (plain TCG: varies with the host's load)"
	if o.ICount {
		clock = "instructions (-icount shift=0,sleep=off: one per virtual ns)"
	}
	fmt.Printf("bench -t %s, %s, per operation in %s\n\n", strings.Join(benchArgs, " "), time.Now().Format("2006-01-02"), clock)
	printTable(os.Stdout, linux, linuxTHP, pagoda)
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

// runPagoda boots Pagoda with a copy of the root disk and runs bench.
func runPagoda(o qemu.Options, kernel, root string, benchArgs []string) ([]row, error) {
	dir, err := os.MkdirTemp("", "benchuser")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	disk := filepath.Join(dir, "root.img")
	if err := copyFile(disk, root); err != nil {
		return nil, err
	}
	o.Kernel, o.Disks = kernel, []string{disk}
	vm, err := qemu.Start(o)
	if err != nil {
		return nil, err
	}
	defer vm.Kill()
	if _, err := vm.Expect(regexp.QuoteMeta(qemu.Prompt), time.Minute); err != nil {
		return nil, fmt.Errorf("boot: %w\n%s", err, vm.Log())
	}
	line := "run " + strings.Join(append(append([]string{"/bin/bench", "-t"}, benchArgs...), "/"), " ")
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

// runLinux boots the Linux guest with bench as the command of its init.
func runLinux(o qemu.Options, benchArgs []string) ([]row, error) {
	for _, f := range []string{qemu.LinuxKernel, qemu.LinuxInitrd} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%w (make linux-files)", err)
		}
	}
	base, err := qemu.LinuxAppend(o.ICount)
	if err != nil {
		return nil, err
	}
	o.Kernel, o.Initrd = qemu.LinuxKernel, qemu.LinuxInitrd
	o.Append = strings.Join(append([]string{base, "--", "/bin/bench", "-t"}, benchArgs...), " ")
	vm, err := qemu.Start(o)
	if err != nil {
		return nil, err
	}
	defer vm.Kill()
	if _, err := vm.Expect(`linux-guest: exit \d+`, timeout); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, vm.Log())
	}
	out := vm.Log()
	if !strings.Contains(out, "linux-guest: exit 0") {
		return nil, fmt.Errorf("bench failed:\n%s", out)
	}
	if status, err := vm.Wait(time.Minute); err != nil || status != qemu.LinuxPoweroff {
		return nil, fmt.Errorf("power-off: status %d (%v)", status, err)
	}
	return parse(out), nil
}

// printTable prints the rows of the kernels side by side: Pagoda's
// order, then any row only Linux printed.
func printTable(w io.Writer, linux, linuxTHP, pagoda []row) {
	byName := func(rs []row) map[string]row {
		m := map[string]row{}
		for _, r := range rs {
			m[r.name] = r
		}
		return m
	}
	lm, hm, pm := byName(linux), byName(linuxTHP), byName(pagoda)
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
	format := "| %-14s | %-5s | %12s | %12s | %12s | %12s | %12s | %-4s |\n"
	fmt.Fprintf(w, format, "row", "per", "Linux 4K", "Linux THP", "Pagoda", "Pagoda/Linux", "goal", "met")
	fmt.Fprintf(w, "|%s|%s|%s|%s|%s|%s|%s|%s|\n", dashes(16), dashes(7), dashes(14), dashes(14), dashes(14), dashes(14), dashes(14), dashes(6))
	for _, name := range names {
		l, lok := lm[name]
		h, hok := hm[name]
		p, pok := pm[name]
		unit := l.unit
		if unit == "" {
			unit = p.unit
		}
		// Linux's better figure of the two is the one to halve.
		best, bok := l, lok && l.missing == ""
		if hok && h.missing == "" && (!bok || h.ns < best.ns) {
			best, bok = h, true
		}
		ratio, goal, met := "—", "—", "—"
		if bok && best.ns > 0 {
			goal = figure(best.ns / 2)
			if pok && p.missing == "" {
				ratio = fmt.Sprintf("%.2f", p.ns/best.ns)
				met = "no"
				if p.ns <= best.ns/2 {
					met = "yes"
				}
			}
		}
		fmt.Fprintf(w, format, name, unit, cell(l, lok), cell(h, hok), cell(p, pok), ratio, goal, met)
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
