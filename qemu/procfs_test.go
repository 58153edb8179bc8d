//go:build linux

package qemu

import (
	"regexp"
	"strconv"
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

// What busybox reads of /proc beyond memory: descriptors' links (the
// console the kernel gave, a pipe), the mount table that mount prints
// and df walks with statfs (its figures the shell's df's), cpuinfo
// from CPUID, the environment, CPU times that top and ps see, uptime.
func TestBusyboxProcSystem(t *testing.T) {
	root := buildUser(t)
	vm := boot(t, Options{Disks: []string{rootCopy(t, root)}})
	expectOut(t, vm, "run /bin/readlink /proc/self/fd/0", "/dev/console\n")
	expectMatch(t, vm, "run /bin/sh -c 'echo | readlink /proc/self/fd/0; readlink /proc/self/fd/1'", `^pipe:\[\d+\]\n/dev/console\n$`)
	expectOut(t, vm, "run /bin/sh -c 'cd /tmp && readlink /proc/self/cwd'", "/tmp\n")
	expectMatch(t, vm, "run /bin/ls -1 /proc/self/fd", `^0\n1\n2\n3\n$`)

	mounts := `^/dev/vda / ext2 rw,relatime 0 0\ndevtmpfs /dev devtmpfs rw,relatime,mode=755 0 0\nproc /proc proc rw,relatime 0 0\n` +
		`tmpfs /tmp tmpfs rw,relatime,size=\d+k 0 0\ntmpfs /dev/shm tmpfs rw,relatime,size=\d+k 0 0\n$`
	expectMatch(t, vm, "run /bin/cat /proc/mounts", mounts)
	expectMatch(t, vm, "run /bin/cat /proc/self/mounts", mounts)
	expectMatch(t, vm, "run /bin/mount", `^/dev/vda on / type ext2 \(rw,relatime\)\ndevtmpfs on /dev type devtmpfs \(rw,relatime,mode=755\)\n`+
		`proc on /proc type proc \(rw,relatime\)\ntmpfs on /tmp type tmpfs \(rw,relatime,size=\d+k\)\ntmpfs on /dev/shm type tmpfs \(rw,relatime,size=\d+k\)\n$`)
	// df: the root disk and the two tmpfs (proc and devtmpfs have no
	// blocks), each with the shell's figures.
	shell := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(run(t, vm, "df")), "\n")[1:] {
		f := strings.Fields(l)
		shell[f[5]] = f[1:4]
	}
	df := strings.Split(strings.TrimSpace(run(t, vm, "run /bin/df")), "\n")
	if len(df) != 4 || !regexp.MustCompile(`^Filesystem +1K-blocks +Used +Available +Use% +Mounted on$`).MatchString(df[0]) {
		t.Fatalf("busybox df:\n%s", strings.Join(df, "\n"))
	}
	for _, l := range df[1:] {
		f := strings.Fields(l)
		if want := shell[f[5]]; strings.Join(f[1:4], " ") != strings.Join(want, " ") {
			t.Errorf("busybox df's %s: %q, the shell's df %q", f[5], f[1:4], want)
		}
	}
	if df[1][:8] != "/dev/vda" || !strings.HasSuffix(df[1], " /") {
		t.Errorf("busybox df's first line: %q", df[1])
	}

	expectMatch(t, vm, "run /bin/cat /proc/cpuinfo", `^processor\t: 0\nvendor_id\t: \w+\ncpu family\t: \d+\nmodel\t\t: \d+\nmodel name\t: .+\n[\s\S]*\nflags\t\t: fpu [a-z0-9_ ]* lm [a-z0-9_ ]*\n[\s\S]*\naddress sizes\t: \d+ bits physical, \d+ bits virtual\npower management:\n\n$`)
	expectOut(t, vm, "run /bin/cat /proc/sys/vm/drop_caches", "0\n")
	expectMatch(t, vm, "run /bin/sh -c 'tr \"\\0\" \"\\n\" < /proc/self/environ'", `(?m)^PATH=/bin\nHOME=/\nTERM=dumb\n`)
	expectMatch(t, vm, "run /bin/uptime", `^ \d\d:\d\d:\d\d up +\d+ min, +0 users, +load average: 0\.00, 0\.00, 0\.00\n$`)
	expectMatch(t, vm, "run /bin/cat /proc/uptime", `^\d+\.\d\d \d+\.\d\d\n$`)

	// A shell that computes for a while has CPU time, and a start time.
	stat := strings.Fields(run(t, vm, "run /bin/sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; cat /proc/$$/stat'"))
	if len(stat) != 52 {
		t.Fatalf("/proc/PID/stat: %q", stat)
	}
	utime, _ := strconv.Atoi(stat[13])
	stime, _ := strconv.Atoi(stat[14])
	start, _ := strconv.Atoi(stat[21])
	if utime+stime == 0 || start == 0 {
		t.Errorf("utime %d stime %d starttime %d: want CPU time and a start", utime, stime, start)
	}
	top := run(t, vm, "run /bin/top -n 1 -b")
	if !regexp.MustCompile(`(?m)^CPU: +\d+% usr +\d+% sys +0% nic +\d+% idle `).MatchString(top) ||
		!regexp.MustCompile(`(?m)^ +\d+ +0 root +R +\d+ +\d+% +\d+% /bin/top -n 1 -b$`).MatchString(top) {
		t.Errorf("top -n 1 -b:\n%s", top)
	}
	halt(t, vm, 0)
}
