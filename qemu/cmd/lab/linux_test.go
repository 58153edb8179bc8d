package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pagoda-os/pagoda/kernel/shell"
	"github.com/pagoda-os/pagoda/mm/workload"
	"github.com/pagoda-os/pagoda/qemu"
)

// With -linux each order's Linux points follow its policies', one per
// ratio and run, and the policies asked for are left as they were;
// "linux" is no policy of -policies.
func TestLinuxPoints(t *testing.T) {
	cfg, err := newThrashConfig([]string{"build/pagoda"}, "16M", "zipf:1,loop", "clock,lru2q", "1,2", 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	cfg.linux = true
	var got []string
	for _, p := range cfg.points() {
		got = append(got, p.order+" "+p.policy+" "+formatRatio(p.ratio))
	}
	want := []string{
		"zipf:1 clock 1", "zipf:1 clock 2", "zipf:1 lru2q 1", "zipf:1 lru2q 2", "zipf:1 linux 1", "zipf:1 linux 2",
		"loop clock 1", "loop clock 2", "loop lru2q 1", "loop lru2q 2", "loop linux 1", "loop linux 2",
	}
	if !slices.Equal(got, want) || !slices.Equal(cfg.policies, []string{"clock", "lru2q"}) {
		t.Errorf("points %q, policies %q", got, cfg.policies)
	}
	if p := cfg.points()[5]; p != (thrashPoint{"zipf:1", linuxPolicy, 2, 8192, 81920, 1}) {
		t.Errorf("Linux point %v", p)
	}
	if _, err := newThrashConfig([]string{"k"}, "16M", "loop", "lru2q,linux", "1", 1, time.Minute); !errors.Is(err, errLinuxPolicy) {
		t.Errorf("-policies lru2q,linux: %v", err)
	}
}

// The guest's memory.max is -limit's unless -linux-max says, which only
// -linux takes.
func TestSetLinux(t *testing.T) {
	cfg, err := newThrashConfig([]string{"build/pagoda"}, "16M", "loop", "lru2q", "1", 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.setLinux(true, ""); err != nil || cfg.linuxBytes != 16<<20 || linuxLegend(capLimit, cfg.linuxMax) != "Linux 6.1 (memory.max = mm.limit)" || linuxLegend(capMax, cfg.linuxMax) != "Linux 6.1 (the same memory.max)" {
		t.Errorf("-linux: %d bytes, %v", cfg.linuxBytes, err)
	}
	if err := cfg.setLinux(true, "15104K"); err != nil || cfg.linuxBytes != 3776*pageSize || linuxLegend(capLimit, cfg.linuxMax) != "Linux 6.1 (memory.max = 15104K)" {
		t.Errorf("-linux-max 15104K: %d bytes, %v", cfg.linuxBytes, err)
	}
	for _, c := range []struct {
		linux bool
		max   string
	}{{false, "15M"}, {true, "15X"}, {true, "100"}, {true, "-1M"}} {
		if err := cfg.setLinux(c.linux, c.max); err == nil {
			t.Errorf("-linux=%v -linux-max %q: accepted", c.linux, c.max)
		}
	}
}

func TestLinuxCmdline(t *testing.T) {
	p := thrashPoint{"hotcold:10:90", linuxPolicy, 2, 8192, 81920, 1}
	want := "linux-guest.memory.max=16777216 -- /bin/replay -t -g /sys/fs/cgroup/guest -o hotcold:10:90 8192 /mnt/vda/run.trace"
	if got := linuxCmdline(16<<20, p); got != want {
		t.Errorf("cmdline %q\nwant     %q", got, want)
	}
}

// The trace Linux replays is the kernel's run, entry by entry: the
// write pass's permutation then the read pass, under a comment.
func TestRunTraceIsTheKernels(t *testing.T) {
	dir := t.TempDir()
	for _, ord := range []string{"random", "zipf:1", "hotcold:10:90", "loop"} {
		o, _ := workload.ParseOrder(ord)
		const pages = 1500
		p := thrashPoint{ord, linuxPolicy, 1, pages, readAccesses(o, pages), 1}
		path := filepath.Join(dir, "run.trace")
		if err := writeRunTrace(path, p); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		head := "# bench pressure-read pages=1500 order=" + ord + " accesses=" + strconv.Itoa(p.accesses) +
			": 1500 writes (seed 1), then " + strconv.Itoa(p.accesses) + " reads (seed 2)\n"
		if !strings.HasPrefix(string(data), head) {
			t.Errorf("%s: the trace begins %q", ord, data[:min(len(data), len(head))])
		}
		got, err := workload.ParseTrace(data)
		if err != nil {
			t.Fatal(err)
		}
		want, err := shell.PressureRun(o, pages, uint64(p.accesses))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the trace (%d entries) is not the kernel's run (%d)", ord, len(got), len(want))
		}
	}
}

// guestLog is what the Linux guest's console shows for a point, quiet
// as qemu.LinuxAppend makes it: a few kernel lines, replay's line,
// init's last word, the power-off.
const guestLog = "[    0.311117] PCI: Fatal: No config space access function found\n" +
	"BENCH pressure-read pages=8192 faults=9834 majfaults=9650 ns/page=25204.7 ns/fault=209962.6 order=zipf:1 accesses=81920 resident=4061\n" +
	"linux-guest: exit 0\n" +
	"[    4.518832] reboot: Power down\n"

func TestLinuxOutput(t *testing.T) {
	if line := linuxProblem(guestLog); line != "" {
		t.Errorf("clean run: %q", line)
	}
	p := thrashPoint{"zipf:1", linuxPolicy, 2, 8192, 81920, 1}
	b, err := parsePressure(guestLog, p)
	if err != nil || b != (benchRecord{"pressure-read", 8192, 9834, 9650, 25204.7, 209962.6, "zipf:1", 81920, 4061}) {
		t.Errorf("%+v, %v", b, err)
	}
	for _, c := range []struct{ text, want string }{
		{"linux-guest: insmod virtio_blk failed\n", "linux-guest: insmod virtio_blk failed"},
		{"linux-guest: swapon vdb failed\nlinux-guest: exit 0\n", "linux-guest: swapon vdb failed"},
		{"linux-guest: mount vda failed\r\n", "linux-guest: mount vda failed"},
		{"replay: /mnt/vda/run.trace: ENOENT\nlinux-guest: exit 2\n", "replay: /mnt/vda/run.trace: ENOENT"},
		{"replay: cannot enter /sys/fs/cgroup/guest: ENOENT\n", "replay: cannot enter /sys/fs/cgroup/guest: ENOENT"},
		{"FAIL replay: access 9: page 3 reads 0, want 0x1\nlinux-guest: exit 1\n", "FAIL replay: access 9: page 3 reads 0, want 0x1"},
		{"sh: /bin/replay: not found\nlinux-guest: exit 127\n", "sh: /bin/replay: not found (make linux-files puts user/replay.c's build into the initramfs)"},
		{"Killed\nlinux-guest: exit 137\n", "linux-guest: exit 137"},
	} {
		if got := linuxProblem(c.text); got != c.want {
			t.Errorf("%q: %q, want %q", c.text, got, c.want)
		}
	}
}

// user/replay.c, built and run on this host, reads the trace the lab
// writes and prints a line the lab takes for the point; a page beyond
// the region is refused with the line named.
func TestReplayNative(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc: user/replay.c not built")
	}
	root, err := qemu.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "replay")
	if out, err := exec.Command(gcc, "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", bin, filepath.Join(root, "user", "replay.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	p := thrashPoint{"zipf:1", linuxPolicy, 2, 2048, 20480, 1}
	trace := filepath.Join(dir, "run.trace")
	if err := writeRunTrace(trace, p); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-t", "-o", p.order, strconv.Itoa(p.pages), trace).CombinedOutput()
	if err != nil || linuxProblem(string(out)) != "" {
		t.Fatalf("replay: %v\n%s", err, out)
	}
	b, err := parsePressure(string(out), p)
	if err != nil || b.resident != p.pages || b.majfaults > b.faults {
		t.Errorf("replay printed %q: %+v, %v", out, b, err)
	}
	bad := filepath.Join(dir, "bad.trace")
	os.WriteFile(bad, []byte("# two pages\n0\n1\n\n2\n"), 0o644)
	out, err = exec.Command(bin, "-t", "2", bad).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || linuxProblem(string(out)) != "replay: trace line 5: page 2 of 2" {
		t.Errorf("a page beyond the region: %v, %q", err, out)
	}
}

// Linux's rows are rows: in the CSV under their policy, on the plot as
// its own line with its own name.
func TestLinuxCSVAndPlot(t *testing.T) {
	rows := []thrashRow{
		{thrashPoint{"loop", "lru2q", 1, 1024, 10240, 1}, 1.5, 3000, 9000, 930},
		{thrashPoint{"loop", "lru2q", 2, 2048, 20480, 1}, 3.5, 15000, 19000, 930},
		{thrashPoint{"loop", linuxPolicy, 1, 1024, 10240, 1}, 2.5, 2500, 9500, 1010},
		{thrashPoint{"loop", linuxPolicy, 2, 2048, 20480, 1}, 4.5, 16000, 19500, 1012},
	}
	dir := t.TempDir()
	refs := references(rows, 1024*pageSize)
	csvPath, svg := filepath.Join(dir, "thrash.csv"), filepath.Join(dir, "thrash.svg")
	if err := writeThrashCSV(csvPath, rows, refs, 1024*pageSize); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(csvPath)
	if !strings.Contains(string(b), "\nloop,linux,2,2048,20480,4.500000,16000,19500,") || !strings.Contains(string(b), ",1012,") {
		t.Errorf("csv lacks Linux's row:\n%s", b)
	}
	if err := plotThrash(svg, rows, refs, capLimit, "4M", linuxLegend(capLimit, "15104K")); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(svg)
	for _, s := range []string{"lru2q", "Linux 6.1 (memory.max = 15104K)", "MIN (optimal)"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("plot lacks %q", s)
		}
	}
}
