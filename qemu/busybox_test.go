//go:build linux

package qemu

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Debian's busybox-static, unmodified, on the root disk (make user puts
// it at /bin/busybox with its applets as hard links). Its sh scripts run
// in Pagoda and on this host's Linux with the same binary; the two
// transcripts must be the same.

// busyboxScripts are sh -c scripts whose output does not depend on the
// files of the machine (but /bin/busybox, the same on both): pipelines,
// /dev's special files, fork and exec, reads and writes of megabytes.
var busyboxScripts = []string{
	`echo hi | cat`,
	`echo abc | cat | wc -c`,
	`for i in 1 2 3; do /bin/true; done; echo done`,
	`false; echo $?; true; echo $?; sh -c 'exit 7'; echo $?`,
	`yes | head -n 3; echo $?`,
	`head -c 5 /dev/zero | wc -c; echo x > /dev/null; echo $?; cat /dev/null | wc -c`,
	`head -c 3000 /dev/urandom | wc -c; dd if=/dev/zero bs=512 count=3 2>/dev/null | od -An -c | head -n 2`,
	`echo y > /dev/full; echo $?`,
	`test -c /dev/null && test -c /dev/tty && test -d /dev && echo devices`,
	`seq 1 5000 | sort -rn | head -n 2; seq 1 20000 | wc -l`,
	`printf 'b\na\nb\n' | sort | uniq -c | tr -s ' '`,
	`md5sum /bin/busybox; dd if=/bin/busybox bs=4M 2>/dev/null | md5sum; dd if=/dev/zero bs=3M count=3 2>/dev/null | wc -c`,
	`sleep 1 & wait; echo waited; x=$(echo sub); echo $x`,
}

// runBusyboxNative runs script with the host's busybox sh, in / with
// PATH=/bin, stdout and stderr merged as on the console.
func runBusyboxNative(t *testing.T, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/busybox", "-c", script)
	cmd.Args[0] = "/bin/sh"
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/bin", "HOME=/", "TERM=dumb"}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("busybox sh -c %q on the host: %v\n%s", script, err, buf.String())
	}
	return buf.String()
}

// shQuote quotes s for the kernel shell's command line.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

// Every script gives the host's transcript; /bin lists what the root
// disk holds; a loop of 200 fork+exec of /bin/true gives back every
// page it took (anonymous memory, page tables, commit charge).
func TestBusybox(t *testing.T) {
	root := buildUser(t)
	vm := boot(t, Options{Disks: []string{rootCopy(t, root)}})
	before := processMemory(t, vm)

	for _, s := range busyboxScripts {
		want := runBusyboxNative(t, s)
		got := run(t, vm, "run /bin/sh -c "+shQuote(s))
		if got != want {
			t.Errorf("sh -c %q: Pagoda differs from Linux:\n%s", s, lineDiff("linux", "pagoda", want, got))
		}
	}

	// ls /bin: every name the root disk's /bin holds, and nothing else.
	ents, err := os.ReadDir(filepath.Join(root, "build", "rootfs", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range ents {
		want = append(want, e.Name())
	}
	got := strings.Fields(run(t, vm, "run /bin/ls /bin"))
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || !slices.Contains(got, "busybox") {
		t.Errorf("ls /bin:\n%q\nthe root disk's /bin:\n%q", got, want)
	}
	if out := run(t, vm, "run /bin/ls -l /dev/null /dev/zero"); !regexp.MustCompile(`(?m)^crw-rw-rw- +1 root +root +1, +3 .* /dev/null\ncrw-rw-rw- +1 root +root +1, +5 .* /dev/zero\n$`).MatchString(out) {
		t.Errorf("ls -l /dev/null /dev/zero:\n%s", out)
	}

	loop := `i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done; echo $i`
	out, err := vm.Run("run /bin/sh -c "+shQuote(loop), 5*time.Minute)
	if err != nil || out != "200\n" {
		t.Fatalf("200 fork+exec of /bin/true: %v\n%s", err, out)
	}
	if after := processMemory(t, vm); after != before {
		t.Errorf("after the scripts: %s\nbefore them:       %s", after, before)
	}
	if out := run(t, vm, "ps"); strings.Count(out, "\n") != 1 {
		t.Errorf("processes left:\n%s", out)
	}
	halt(t, vm, 0)
}

// busybox sh on the terminal: it edits lines itself (raw mode, poll),
// puts each job in its own process group, and Ctrl-C kills the
// foreground job, not the shell; cat reads canonical lines that the
// terminal echoes, and Ctrl-D at a line's start is end of file.
func TestBusyboxTerminal(t *testing.T) {
	root := buildUser(t)
	vm := boot(t, Options{Disks: []string{rootCopy(t, root)}})
	expect := func(re string) string {
		t.Helper()
		out, err := vm.Expect(re, cmdTimeout)
		if err != nil {
			t.Fatalf("waiting for %q: %v\n%s", re, err, out)
		}
		return out
	}
	const shPrompt = `~ # ` // root's home, /, is the working directory
	vm.Send("run /bin/sh")
	expect(shPrompt)
	vm.Write([]byte("echo $((6*7))\r"))
	expect(`\n42\r?\n` + shPrompt)
	// The job says it started once it is the terminal's foreground
	// group (ash's child sets that before it execs sh): a Ctrl-C typed
	// earlier, while ash still reads its line in raw mode, would be a
	// plain byte, as on Linux.
	vm.Write([]byte("sh -c 'echo started >&2; exec yes' > /dev/null\r"))
	expect(`\nstarted\r?\n`)
	vm.Write([]byte{0x03})
	expect(`\^C[\s\S]*` + shPrompt)
	vm.Write([]byte("exit 3\r"))
	expect(regexp.QuoteMeta(Prompt))
	if st := run(t, vm, "status"); st != "exit 3\n" {
		t.Errorf("status after exit 3: %q", st)
	}

	vm.Send("run /bin/cat")
	vm.Write([]byte("typed line\r"))
	expect(`typed line\r?\ntyped line\r?\n`) // the echo, then cat's copy
	vm.Write([]byte{0x04})
	expect(regexp.QuoteMeta(Prompt))
	if st := run(t, vm, "status"); st != "exit 0\n" {
		t.Errorf("status after cat's end of file: %q", st)
	}
	halt(t, vm, 0)
}

// sync(2) from a program puts a file it wrote on the disk: the machine
// is killed, not halted (halt would sync by itself), and the host reads
// the file from the image. Without the sync the file is not there.
func TestBusyboxSync(t *testing.T) {
	root := buildUser(t)
	disk := rootCopy(t, root)
	vm := boot(t, Options{Disks: []string{disk}})
	if out := run(t, vm, "run /bin/sh -c 'echo persisted > /etc/note; sync; echo $?'"); out != "0\n" {
		t.Fatalf("echo > /etc/note; sync: %q", out)
	}
	vm.Kill()
	vm.Wait(cmdTimeout)
	out, err := exec.Command(Tool("debugfs"), "-R", "cat /etc/note", disk).Output()
	if err != nil || string(out) != "persisted\n" {
		t.Errorf("debugfs cat /etc/note after sync and a kill: %v %q", err, out)
	}
}

// busyboxFilesScript moves, links and touches files in the working
// directory: mv (a file, over a name, a directory, into itself), ln and
// ln -s, stat's link counts, touch -d and the times stat shows.
const busyboxFilesScript = `export TZ=UTC0; echo one > a; mv a b; cat b; ls -1; ln b c; stat -c '%n %h %s' b c
ln -s b s; readlink s; cat s; test -L s && echo link; mkdir -p d/sub; mv c d/; mv d e; ls -1 e e/sub
stat -c '%n %h' e; mv e/sub .; stat -c '%n %h' e sub; mv b e/c; ls -1 e; cat e/c; mv sub e; stat -c '%n %h' e
ln e x; mv e e/sub/y; mv -n s e/c; readlink s; touch -d '2001-02-03 04:05:06' e/c; stat -c '%Y %X' e/c
touch new; test -f new && echo created; rm -r e s new; ls -1; echo end`

// oneLine makes a script one shell command line: the kernel shell
// reads one line.
func oneLine(script string) string { return strings.ReplaceAll(script, "\n", "; ") }

// busybox mv, ln, touch, stat, ls -l and date on the root disk (ext2)
// and on /tmp (tmpfs) give the transcript they give on the host, in a
// directory of its own; mv across the two copies; date says this year
// (the RTC); ls -l shows the times touch set and a new file's now; the
// disk is e2fsck-clean afterwards.
func TestBusyboxFiles(t *testing.T) {
	root := buildUser(t)
	disk := rootCopy(t, root)
	vm := boot(t, Options{Disks: []string{disk}})

	native := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/busybox", "sh", "-c", busyboxFilesScript)
	cmd.Dir = native
	cmd.Env = []string{"PATH=/bin", "HOME=/", "TERM=dumb"}
	wantBytes, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the script on the host: %v\n%s", err, wantBytes)
	}
	want := string(wantBytes)
	for _, dir := range []string{"/w", "/tmp/w"} {
		got := run(t, vm, "run /bin/sh -c "+shQuote("mkdir "+dir+" && cd "+dir+" && "+oneLine(busyboxFilesScript)))
		if got != want {
			t.Errorf("in %s: Pagoda differs from Linux:\n%s", dir, lineDiff("linux", "pagoda", want, got))
		}
	}

	year := time.Now().UTC().Year()
	if out := run(t, vm, "run /bin/date -u +%Y"); out != fmt.Sprintf("%d\n", year) && out != fmt.Sprintf("%d\n", year+1) {
		t.Errorf("date +%%Y: %q, want %d (the host's)", out, year)
	}
	cross := `echo across > /w/f && mv /w/f /tmp/f && cat /tmp/f && test ! -e /w/f && mv /tmp/f /w/g && cat /w/g
touch -d '2001-02-03 04:05:06' /w/g; ln /w/g /w/h; ln -s g /w/l; ls -l /w/g /w/h /w/l; touch /w/new; ls -l /w/new
date -u '+now %b %e %H:%M'; ln /w/g /tmp/x; echo $?`
	out := run(t, vm, "run /bin/sh -c "+shQuote(oneLine(cross)))
	m := regexp.MustCompile(`^across\nacross\n` +
		`-rw-r--r-- +2 root +root +7 Feb  3  2001 /w/g\n` +
		`-rw-r--r-- +2 root +root +7 Feb  3  2001 /w/h\n` +
		`lrwxrwxrwx +1 root +root +1 (\w{3} [ \d]\d \d\d:\d\d) /w/l -> g\n` +
		`-rw-r--r-- +1 root +root +0 (\w{3} [ \d]\d \d\d:\d\d) /w/new\n` +
		`now (\w{3} [ \d]\d \d\d:\d\d)\n` +
		`ln: /tmp/x: Invalid cross-device link\n1\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("mv across mounts, ln, touch, ls -l:\n%s", out)
	}
	if m[1] != m[3] && m[2] != m[3] {
		t.Errorf("ls -l of new files says %s and %s; date says %s", m[1], m[2], m[3])
	}
	halt(t, vm, 0)
	if report, err := Fsck(disk); err != nil {
		t.Errorf("%v\n%s", err, report)
	}
}
