//go:build linux

package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The user test suite: the static C programs of user/ (make user), each
// built with glibc and with musl, run on this host's Linux and in Pagoda
// from the root disk; the two transcripts and exit statuses must be the
// same. Linux is the oracle: nothing expected is written down, it is
// what the host does at test time with the same binary.

// libcs are the two builds of each program: the directory under
// build/user, and where the root disk holds it.
var libcs = []struct{ name, bin string }{
	{"gcc", "/bin/"},
	{"musl", "/bin/musl/"},
}

// userCase is one run of a program: its name under user/ and its
// arguments.
type userCase struct {
	prog string
	args []string
}

func (c userCase) String() string { return strings.Join(append([]string{c.prog}, c.args...), " ") }

// userCases are the runs of the main boot: every program of user/ once
// without arguments, hello also with arguments, an exit status and a
// fatal signal. swap (which wants a small mm.limit and a swap disk) and
// overcommit strict (mm.overcommit=2) have boots of their own.
func userCases(t *testing.T) []userCase {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := filepath.Glob(filepath.Join(root, "user", "*.c"))
	if err != nil || len(srcs) == 0 {
		t.Fatalf("no user/*.c: %v", err)
	}
	var cases []userCase
	for _, s := range srcs {
		name := strings.TrimSuffix(filepath.Base(s), ".c")
		if name != "swap" {
			cases = append(cases, userCase{prog: name})
		}
	}
	return append(cases,
		userCase{"hello", []string{"one", "two", "3"}},
		userCase{"hello", []string{"exit", "3"}},
		userCase{"hello", []string{"segv"}},
		userCase{"crash", []string{"null"}},
		userCase{"crash", []string{"stack"}},
		userCase{"crash", []string{"divide"}},
		userCase{"crash", []string{"ud2"}})
}

// A process that mapped 64 MiB and touched none of it costs its page
// tables and its own few pages, nothing for the mapping: meminfo while it
// sleeps, against meminfo before it.
func TestUserIdleCost(t *testing.T) {
	root := buildUser(t)
	vm := boot(t, Options{Disks: []string{rootCopy(t, root)}})
	before := meminfoKB(t, vm)
	out := run(t, vm, "run -b /bin/idle 64 wait")
	m := regexp.MustCompile(`^\[(\d+)\]\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("run -b: %q", out)
	}
	deadline := time.Now().Add(time.Minute)
	for !regexp.MustCompile(`(?m)^ +` + m[1] + ` +0 S +(6\d{4}|[7-9]\d{4}|\d{6,}) `).MatchString(run(t, vm, "ps")) {
		if time.Now().After(deadline) {
			t.Fatalf("idle never got to sleep with its mapping:\n%s", run(t, vm, "ps"))
		}
	}
	after := meminfoKB(t, vm)
	anon, tables := after["AnonPages"]-before["AnonPages"], after["PageTables"]-before["PageTables"]
	t.Logf("an idle process with 64 MiB mapped, untouched: AnonPages +%d kB, PageTables +%d kB, Committed_AS +%d kB", anon, tables, after["Committed_AS"]-before["Committed_AS"])
	if anon > 64 || tables > 40 {
		t.Errorf("an untouched 64 MiB mapping cost AnonPages +%d kB, PageTables +%d kB", anon, tables)
	}
	run(t, vm, "kill "+m[1])
	halt(t, vm, 0)
}

// meminfoKB is meminfo's fields, in kB.
func meminfoKB(t *testing.T, vm *VM) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, m := range regexp.MustCompile(`(?m)^(\w+): +(\d+) kB$`).FindAllStringSubmatch(run(t, vm, "meminfo"), -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		out[m[1]] = n
	}
	return out
}

// A program that loops for ever without a system call is preempted by
// the timer: the shell answers while it runs, ps shows it, and kill
// ends it; its memory goes back.
func TestUserPreempt(t *testing.T) {
	root := buildUser(t)
	vm := boot(t, Options{Disks: []string{rootCopy(t, root)}})
	before := processMemory(t, vm)
	out := run(t, vm, "run -b /bin/crash spin")
	m := regexp.MustCompile(`^\[(\d+)\]\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("run -b: %q", out)
	}
	pid := m[1]
	for i := 0; i < 3; i++ {
		if got := run(t, vm, "echo alive"); !strings.HasSuffix(got, "alive\n") {
			t.Fatalf("the shell while a program spins: %q", got)
		}
	}
	if got := run(t, vm, "ps"); !regexp.MustCompile(`(?m)^ +` + pid + ` +0 R +\d+ +\d+ crash$`).MatchString(got) {
		t.Errorf("ps while it spins:\n%s", got)
	}
	if got := run(t, vm, "interrupts"); !regexp.MustCompile(`(?m)^241: +[1-9]\d* +LAPIC +preempt: LAPIC timer$`).MatchString(got) {
		t.Errorf("no preemption interrupt counted:\n%s", got)
	}
	if got := run(t, vm, "kill "+pid+" KILL"); got != "" {
		t.Errorf("kill: %q", got)
	}
	deadline := time.Now().Add(time.Minute)
	for strings.Count(run(t, vm, "ps"), "\n") != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the killed program is still there:\n%s", run(t, vm, "ps"))
		}
	}
	if after := processMemory(t, vm); after != before {
		t.Errorf("after the kill: %s\nbefore:         %s", after, before)
	}
	if got := run(t, vm, "kill "+pid); !strings.Contains(got, "no such process") {
		t.Errorf("kill of a dead process: %q", got)
	}
	// In the foreground, Ctrl-C is SIGINT.
	if err := vm.Send("run /bin/crash spin"); err != nil {
		t.Fatal(err)
	}
	if _, err := vm.Expect(`(?m)^crash spin\r?\n`, cmdTimeout); err != nil {
		t.Fatal(err)
	}
	vm.Write([]byte{0x03})
	if out, err := vm.Expect(`\^C\r?\n`+regexp.QuoteMeta(Prompt), cmdTimeout); err != nil {
		t.Fatalf("Ctrl-C: %v\n%s", err, out)
	}
	if got := run(t, vm, "status"); got != "signal 2 (SIGINT)\n" {
		t.Errorf("status after Ctrl-C: %q", got)
	}
	// What execve refuses, the shell reports.
	for line, want := range map[string]string{
		"run /bin/nope": "error: run: /bin/nope: no such file or directory (ENOENT)\n",
		"run /tmp":      "error: run: /tmp: permission denied (EACCES)\n",
		"run":           "error: usage: run [-b] PATH [ARG...]\n",
	} {
		if got := run(t, vm, line); got != want {
			t.Errorf("%s: %q, want %q", line, got, want)
		}
	}
	halt(t, vm, 0)
}

var (
	userOnce sync.Once
	userErr  error
)

// buildUser runs make user once per test binary: the programs under
// build/user and the root disk build/root.img. A missing compiler fails
// the test (make names the package to install); it never skips.
func buildUser(t *testing.T) string {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	userOnce.Do(func() {
		cmd := exec.Command("make", "-s", "-C", root, "user")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			userErr = fmt.Errorf("make user: %v\n%s", err, out.String())
		}
	})
	if userErr != nil {
		t.Fatal(userErr)
	}
	return root
}

// runNative runs a user program on the host, with argv[0] the path the
// root disk gives it, stdout and stderr merged as on the console, and no
// environment. It returns the transcript and the status as Pagoda's
// status command prints it.
func runNative(t *testing.T, root, libc, bin string, c userCase) (out, status string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "build", "user", libc, c.prog), c.args...)
	cmd.Args[0] = bin + c.prog
	cmd.Env = []string{}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return buf.String(), "exit 0"
	case errors.As(err, &ee):
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			return buf.String(), signalStatus(ws.Signal())
		}
		return buf.String(), fmt.Sprintf("exit %d", ws.ExitStatus())
	}
	t.Fatalf("%s %s on the host: %v", libc, c, err)
	return "", ""
}

// signalNames are Linux's x86-64 signal numbers.
var signalNames = map[syscall.Signal]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP",
	6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1",
	11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
	16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP",
	21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
	26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR",
	31: "SIGSYS",
}

// signalStatus is the status line of a process killed by sig:
// "signal 11 (SIGSEGV)".
func signalStatus(sig syscall.Signal) string {
	name, ok := signalNames[sig]
	if !ok {
		name = fmt.Sprintf("SIGRT%d", int(sig)-34)
	}
	return fmt.Sprintf("signal %d (%s)", int(sig), name)
}

// runPagoda runs a user program in the booted kernel and reads its
// status. A timeout leaves the console out of step: the test stops.
func runPagoda(t *testing.T, vm *VM, bin string, c userCase, timeout time.Duration) (out, status string) {
	t.Helper()
	line := "run " + strings.Join(append([]string{bin + c.prog}, c.args...), " ")
	out, err := vm.Run(line, timeout)
	if err != nil {
		t.Fatalf("%s: %v\n%s", line, err, out)
	}
	st, err := vm.Run("status", cmdTimeout)
	if err != nil {
		t.Fatalf("status after %s: %v\n%s", line, err, st)
	}
	status = strings.TrimSuffix(st, "\n")
	// The kernel's one-line report of a process a signal killed is not
	// the program's output: it is checked, then left out.
	reports := killReport.FindAllString(out, -1)
	out = killReport.ReplaceAllString(out, "")
	if strings.HasPrefix(status, "signal ") && len(reports) == 0 {
		t.Errorf("%s: %s without the kernel's report line", line, status)
	}
	return out, status
}

// killReport is the line the kernel prints for a process killed by a
// signal (proc's report).
var killReport = regexp.MustCompile(`(?m)^pagoda: pid \d+ \([^)]*\) killed by SIG[A-Z0-9]+: .*\n`)

// compareRun runs c natively and in Pagoda and reports any difference.
func compareRun(t *testing.T, vm *VM, root, libc, bin string, c userCase, timeout time.Duration) {
	t.Helper()
	want, wantStatus := runNative(t, root, libc, bin, c)
	got, gotStatus := runPagoda(t, vm, bin, c, timeout)
	if got != want || gotStatus != wantStatus {
		t.Errorf("%s%s: Pagoda differs from Linux:\n%s", bin, c,
			lineDiff("linux", "pagoda", want+wantStatus+"\n", got+gotStatus+"\n"))
	}
}

// rootCopy is a private copy of build/root.img for one boot: QEMU locks
// an image it writes, and each boot starts from the same disk.
func rootCopy(t *testing.T, root string) string {
	t.Helper()
	src, err := os.Open(filepath.Join(root, "build", "root.img"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "root.img")
	dst, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// The host half alone: every program builds with both libcs and passes
// its own checks on this Linux, hello's exit status and signal cases
// included; the root disk holds both builds of each. Runs without the
// kernel (go test -short ./qemu -run TestUserProgramsNative).
func TestUserProgramsNative(t *testing.T) {
	root := buildUser(t)
	want := map[string]string{"hello exit 3": "exit 3", "hello segv": signalStatus(syscall.SIGSEGV),
		"crash null": signalStatus(syscall.SIGSEGV), "crash stack": signalStatus(syscall.SIGSEGV),
		"crash divide": signalStatus(syscall.SIGFPE), "crash ud2": signalStatus(syscall.SIGILL)}
	cases := append(userCases(t), userCase{"swap", []string{"8"}})
	for _, l := range libcs {
		for _, c := range cases {
			out, status := runNative(t, root, l.name, l.bin, c)
			ws, ok := want[c.String()]
			if !ok {
				ws = "exit 0"
			}
			if status != ws || strings.Contains(out, "FAIL") {
				t.Errorf("%s %s on the host: %s, want %s:\n%s", l.name, c, status, ws, out)
			}
		}
	}
	// The same binary twice gives the same transcript.
	a, _ := runNative(t, root, "musl", "/bin/musl/", userCase{prog: "fileio"})
	b, _ := runNative(t, root, "musl", "/bin/musl/", userCase{prog: "fileio"})
	if a != b {
		t.Errorf("fileio's transcript changes from run to run:\n%s", lineDiff("first", "second", a, b))
	}

	// The root disk: its label, and /bin and /bin/musl holding every
	// program, /tmp world-writable and sticky.
	img := filepath.Join(root, "build", "root.img")
	out, err := exec.Command(Tool("dumpe2fs"), "-h", img).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^Filesystem volume name: +pagoda-root$`).Match(out) ||
		!regexp.MustCompile(`(?m)^Block size: +4096$`).Match(out) {
		t.Errorf("dumpe2fs -h %s: %v\n%s", img, err, out)
	}
	for _, dir := range []string{"/bin", "/bin/musl", "/"} {
		out, err := exec.Command(Tool("debugfs"), "-R", "ls -p "+dir, img).CombinedOutput()
		if err != nil {
			t.Fatalf("debugfs ls %s: %v\n%s", dir, err, out)
		}
		list := string(out)
		if dir == "/" {
			if !regexp.MustCompile(`(?m)^/\d+/041777/\d+/\d+/tmp/`).MatchString(list) ||
				!strings.Contains(list, "/etc/") {
				t.Errorf("the root disk's / lacks /tmp (mode 1777) or /etc:\n%s", list)
			}
			continue
		}
		for _, c := range cases {
			if !regexp.MustCompile(`(?m)^/\d+/100755/\d+/\d+/` + c.prog + `/\d+/$`).MatchString(list) {
				t.Errorf("the root disk's %s lacks %s:\n%s", dir, c.prog, list)
			}
		}
	}
}

// Every program with both libcs in Pagoda against the host's Linux:
// one boot with the root disk for the main cases, one with mm.limit=32M
// and a swap disk for swap (a working set 1.5 times memory), and one in
// mm.overcommit=2 for overcommit strict.
func TestUserSuite(t *testing.T) {
	root := buildUser(t)

	t.Run("main", func(t *testing.T) {
		vm := boot(t, Options{Disks: []string{rootCopy(t, root)}})
		before := processMemory(t, vm)
		for _, l := range libcs {
			for _, c := range userCases(t) {
				compareRun(t, vm, root, l.name, l.bin, c, cmdTimeout)
			}
		}
		// Everything the programs owned went back: their anonymous and
		// shared memory, page tables and commit charge (the page cache
		// keeps the programs' files, as Linux's does).
		if after := processMemory(t, vm); after != before {
			t.Errorf("after the programs: %s\nbefore them:        %s", after, before)
		}
		// The programs' pages came from the disk in their faults, which
		// slept on the disk's interrupt (vm's retry path), never polled.
		// (Retries also refill reserves: there may be more of them.)
		if n, maj := vmstatField(t, vm, "pgfault_retry"), vmstatField(t, vm, "pgmajfault"); maj == 0 || n < maj {
			t.Errorf("pgfault_retry %d, pgmajfault %d: every major user fault should take the retry path", n, maj)
		}
		if out := run(t, vm, "ps"); strings.Count(out, "\n") != 1 {
			t.Errorf("processes left after the suite:\n%s", out)
		}
		halt(t, vm, 0)
	})

	// The swap program, 48 MiB under a cap: mm.limit=32M, and
	// memory.max=16M with the rest of memory free, where its faults
	// (the retry path's Refill, in goroutine context) keep the charge at
	// the cap. Both libcs, against Linux's transcript; the pages go
	// through swap.
	for _, c := range []struct{ name, append string }{{"swap", "mm.limit=32M"}, {"memory.max", "memory.max=16M"}} {
		t.Run(c.name, func(t *testing.T) {
			vm := boot(t, Options{Append: c.append, Disks: []string{rootCopy(t, root)},
				Drives: []Drive{swapDrive(t, 128<<20)}})
			expectMatch(t, vm, "swapon vdb", `^Adding`)
			for _, l := range libcs {
				compareRun(t, vm, root, l.name, l.bin, userCase{"swap", []string{"48"}}, 5*time.Minute)
			}
			if n := vmstatField(t, vm, "pswpout"); n < 4096 {
				t.Errorf("pswpout %d: the working set did not go through swap", n)
			}
			if c.name == "memory.max" {
				out := run(t, vm, "memcg")
				m := regexp.MustCompile(`^memory\.current (\d+)\nmemory\.max 16777216\nmemory\.events max ([1-9]\d*) oom 0\n$`).FindStringSubmatch(out)
				if m == nil {
					t.Errorf("memcg after the programs:\n%s", out)
				} else if cur, _ := strconv.ParseUint(m[1], 10, 64); cur > 16<<20 {
					t.Errorf("memory.current %d over memory.max", cur)
				}
			}
			halt(t, vm, 0)
		})
	}

	// The host is normally in overcommit mode 0, where this fork
	// succeeds, and cannot be put in mode 2 without root: unless it is
	// in mode 2 already, the program's own check (exit 0 only for
	// ENOMEM) and its two lines stand in for the oracle (see
	// user/overcommit.c).
	t.Run("overcommit-strict", func(t *testing.T) {
		vm := boot(t, Options{Append: "mm.limit=64M mm.overcommit=2", Disks: []string{rootCopy(t, root)}})
		c := userCase{"overcommit", []string{"strict"}}
		mode, _ := os.ReadFile("/proc/sys/vm/overcommit_memory")
		for _, l := range libcs {
			if strings.TrimSpace(string(mode)) == "2" {
				compareRun(t, vm, root, l.name, l.bin, c, cmdTimeout)
				continue
			}
			want := "mapped and touched 20 MiB\nfork: ENOMEM\nexit 0\n"
			got, status := runPagoda(t, vm, l.bin, c, cmdTimeout)
			if got+status+"\n" != want {
				t.Errorf("%s%s in mm.overcommit=2:\n%s", l.bin, c, lineDiff("want", "pagoda", want, got+status+"\n"))
			}
		}
		halt(t, vm, 0)
	})
}

// processMemory is the meminfo fields a process's memory counts in.
func processMemory(t *testing.T, vm *VM) string {
	t.Helper()
	out := run(t, vm, "meminfo")
	var fields []string
	for _, name := range []string{"AnonPages", "Shmem", "PageTables", "Committed_AS", "SwapCached"} {
		m := regexp.MustCompile(`(?m)^` + name + `: +(\d+) kB$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("meminfo has no %s:\n%s", name, out)
		}
		fields = append(fields, name+" "+m[1])
	}
	return strings.Join(fields, ", ")
}

// lineDiff is a unified-looking diff of two texts, line by line (a
// longest common subsequence; transcripts are short).
func lineDiff(nameA, nameB, a, b string) string {
	x := strings.SplitAfter(a, "\n")
	y := strings.SplitAfter(b, "\n")
	if x[len(x)-1] == "" {
		x = x[:len(x)-1]
	}
	if y[len(y)-1] == "" {
		y = y[:len(y)-1]
	}
	// lcs[i][j] is the common length of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", nameA, nameB)
	line := func(prefix, s string) {
		sb.WriteString(prefix + strings.TrimSuffix(s, "\n") + "\n")
		if !strings.HasSuffix(s, "\n") {
			sb.WriteString("\\ No newline at end of file\n")
		}
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			line(" ", x[i])
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			line("-", x[i])
			i++
		default:
			line("+", y[j])
			j++
		}
	}
	return sb.String()
}

func TestLineDiff(t *testing.T) {
	got := lineDiff("a", "b", "one\ntwo\nthree\n", "one\n2\nthree\nfour")
	want := "--- a\n+++ b\n one\n-two\n+2\n three\n+four\n\\ No newline at end of file\n"
	if got != want {
		t.Errorf("lineDiff:\n%s\nwant:\n%s", got, want)
	}
	if d := lineDiff("a", "b", "x\n", "x\n"); d != "--- a\n+++ b\n x\n" {
		t.Errorf("lineDiff of equal texts: %q", d)
	}
}
