//go:build linux

package qemu

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// init=/bin/sh: busybox sh is PID 1 on the console, with job control
// (a pipeline, Ctrl-C to a job), deaf to signals it has no handler for,
// the parent of orphans; its exit 3 syncs and halts with status 3, and
// the file it wrote just before is on the disk, which e2fsck finds
// clean.
func TestBusyboxInit(t *testing.T) {
	root := buildUser(t)
	disk := rootCopy(t, root)
	vm := bootTo(t, Options{Disks: []string{disk}, Append: "init=/bin/sh"}, `~ # `)
	sh := shellOn(t, vm)
	sh("echo $$ $PPID; echo abc | cat | wc -c", `\n1 0\r?\n4\r?\n~ # `)
	sh("kill -TERM 1; kill -KILL 1; echo alive", `\nalive\r?\n~ # `)
	// An orphan: sh -c's background sleep outlives it, and is init's.
	sh("sh -c 'sleep 30 & echo $! > /tmp/pid'; sleep 1; grep PPid /proc/$(cat /tmp/pid)/status", `\nPPid:\t1\r?\n~ # `)
	// The job says it started once it is the terminal's foreground
	// group (see TestBusyboxTerminal).
	sh("sh -c 'echo started >&2; exec sleep 100'", `\nstarted\r?\n`)
	vm.Write([]byte{0x03})
	if out, err := vm.Expect(`\^C[\s\S]*~ # `, cmdTimeout); err != nil {
		t.Fatalf("Ctrl-C to sleep: %v\n%s", err, out)
	}
	sh("echo $?", `\n130\r?\n~ # `)
	sh("echo persisted > /etc/note", `\n~ # `)
	vm.Write([]byte("exit 3\r"))
	expectHalt(t, vm, 3, "pagoda: init exited with status 3\n")
	fsck(t, disk)
	if got := string(debugfsCat(t, disk, "/etc/note")); got != "persisted\n" {
		t.Errorf("/etc/note on the disk after init's exit: %q", got)
	}
}

// exec at the kernel's prompt: the shell is gone, the program is PID 1
// on the terminal, and its end halts the machine with its status.
func TestShellExec(t *testing.T) {
	root := buildUser(t)
	disk := rootCopy(t, root)
	vm := boot(t, Options{Disks: []string{disk}})
	run(t, vm, "run /bin/true") // PID 1 was used, and is free again
	vm.Send("exec /bin/sh -c 'echo pid $$; echo written > /etc/exec; exit 7'")
	expectHalt(t, vm, 7, "pid 1\npagoda: init exited with status 7\n")
	fsck(t, disk)
	if got := string(debugfsCat(t, disk, "/etc/exec")); got != "written\n" {
		t.Errorf("/etc/exec on the disk after exec's program ended: %q", got)
	}
}

// init= naming a program that cannot start: the kernel says why, and
// the shell's prompt comes instead, as usable as ever.
func TestInitMissing(t *testing.T) {
	root := buildUser(t)
	vm := bootTo(t, Options{Disks: []string{rootCopy(t, root)}, Append: "init=/bin/nope -- -x"}, regexp.QuoteMeta(Prompt))
	if !strings.Contains(vm.Log(), "error: init=/bin/nope: /bin/nope: no such file or directory (ENOENT) (starting the shell)\n") {
		t.Errorf("no error for the missing init")
	}
	expectOut(t, vm, "run /bin/sh -c 'echo $$'", "1\n")
	halt(t, vm, 0)
}

// shellOn returns a function that types a line at an interactive
// program on vm and waits for the regular expression want.
func shellOn(t *testing.T, vm *VM) func(line, want string) string {
	return func(line, want string) string {
		t.Helper()
		vm.Write([]byte(line + "\r"))
		out, err := vm.Expect(want, cmdTimeout)
		if err != nil {
			t.Fatalf("%s: waiting for %q: %v\n%s", line, want, err, out)
		}
		return out
	}
}

// expectHalt waits for QEMU to exit with halt n's status, the kernel's
// last lines ending with tail and its halt line.
func expectHalt(t *testing.T, vm *VM, n int, tail string) {
	t.Helper()
	status, err := vm.Wait(cmdTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if status != HaltStatus(n) {
		t.Fatalf("QEMU exit status %d, want halt %d's %d", status, n, HaltStatus(n))
	}
	want := regexp.QuoteMeta(tail) + regexp.QuoteMeta(fmt.Sprintf("pagoda: halt %d\n", n)) + `$`
	if !regexp.MustCompile(want).MatchString(vm.Log()) {
		t.Fatalf("the console does not end with %q", tail+fmt.Sprintf("pagoda: halt %d\n", n))
	}
}
