//go:build linux

package qemu

import (
	"regexp"
	"strings"
	"testing"
)

// /proc read by Debian's busybox: cat /proc/meminfo is the shell's
// meminfo (the same lines; MemTotal exactly, the others move between
// the two snapshots), free and ps run on it, ps lists a background
// process and itself, and /proc/PID/maps and smaps of a sleeping
// process are the shell's maps PID and smaps PID, heap and stack named.
func TestBusyboxProc(t *testing.T) {
	root := buildUser(t)
	vm := boot(t, Options{Disks: []string{rootCopy(t, root)}})

	names := func(s string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			name, _, _ := strings.Cut(l, ":")
			out = append(out, name)
		}
		return out
	}
	shell := run(t, vm, "meminfo")
	file := run(t, vm, "run /bin/cat /proc/meminfo")
	if a, b := names(shell), names(file); strings.Join(a, " ") != strings.Join(b, " ") {
		t.Errorf("/proc/meminfo's names %q, meminfo's %q", b, a)
	}
	if a, b := strings.SplitN(shell, "\n", 2)[0], strings.SplitN(file, "\n", 2)[0]; a != b || !strings.HasPrefix(a, "MemTotal: ") {
		t.Errorf("/proc/meminfo's MemTotal line %q, meminfo's %q", b, a)
	}
	total := regexp.MustCompile(`MemTotal: +(\d+) kB`).FindStringSubmatch(shell)
	if total == nil {
		t.Fatalf("meminfo:\n%s", shell)
	}
	expectMatch(t, vm, "run /bin/free", `(?m)^ +total +used +free +shared +buff/cache +available\nMem: +`+total[1]+` +\d+ +\d+ +\d+ +\d+ +\d+\n`)
	expectMatch(t, vm, "run /bin/cat /proc/vmstat", `^pgfault \d+\npgfault_retry \d+\n`)

	bg := expectMatch(t, vm, "run -b /bin/sleep 60", `^\[\d+\]\n$`)
	pid := strings.Trim(bg, "[]\n")
	expectMatch(t, vm, "run /bin/ps", `(?m)^PID +USER +COMMAND\n +`+pid+` root +/bin/sleep 60\n +\d+ root +/bin/ps\n$`)
	// cat maps busybox's pages too while it reads smaps: the lines that
	// count sharers (Pss, Shared_Clean, Private_Clean) differ from the
	// shell's, which reads alone.
	sharers := regexp.MustCompile(`(?m)^(Pss|Shared_Clean|Private_Clean): +\d+ kB\n`)
	for _, f := range []string{"maps", "smaps"} {
		want := sharers.ReplaceAllString(run(t, vm, f+" "+pid), "")
		if got := sharers.ReplaceAllString(run(t, vm, "run /bin/cat /proc/"+pid+"/"+f), ""); got != want {
			t.Errorf("/proc/%s/%s differs from the shell's %s %s:\n%s", pid, f, f, pid, lineDiff("shell", "proc", want, got))
		}
		if !regexp.MustCompile(`(?m)^7fffff7ff000-7ffffffff000 rw-p 00000000 00:00 0 +\[stack\]$`).MatchString(want) {
			t.Errorf("%s %s has no [stack]:\n%s", f, pid, want)
		}
	}
	expectMatch(t, vm, "run /bin/cat /proc/"+pid+"/status", `(?m)^Name:\tsleep\nUmask:\t0022\nState:\tS \(sleeping\)\n[\s\S]*^VmRSS:\t +\d+ kB\n`)
	expectMatch(t, vm, "run /bin/cat /proc/"+pid+"/cmdline", "^/bin/sleep\x0060\x00$")
	run(t, vm, "kill "+pid)

	// A program reading its own maps: its heap and its stack, as Linux
	// names them.
	expectMatch(t, vm, "run /bin/sh -c 'cat /proc/self/maps'",
		`^00400000-00401000 r--p 00000000 fe:00 0 +/bin/cat\n[\s\S]* rw-p 00000000 00:00 0 +\[heap\]\n[\s\S]*7fffff7ff000-7ffffffff000 rw-p 00000000 00:00 0 +\[stack\]\n$`)
	expectMatch(t, vm, "run /bin/readlink /proc/self", `^\d+\n$`)
	expectMatch(t, vm, "run /bin/readlink /proc/self/exe", `^/bin/readlink\n$`)
	halt(t, vm, 0)
}
