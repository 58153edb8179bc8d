package qemu

import (
	"regexp"
	"strings"
	"testing"
)

// Boot tests of tmpfs: no disk needed. /tmp is mounted at boot; the file
// commands work on it; its files map shared (one frame per page, seen
// from two address spaces) and private (copy on write); a small instance
// enforces its size limit with ENOSPC on write and a bus error in a
// fault; df reports it.

// /tmp exists from boot, half of managed memory, and takes every file
// command.
func TestTmpfsCommands(t *testing.T) {
	vm := boot(t, Options{})
	if !regexp.MustCompile(`tmpfs: on /tmp, \d+ MiB\n`).MatchString(vm.Log()) {
		t.Errorf("no /tmp at boot in the log")
	}
	expectOut(t, vm, "ls /tmp", "d      1         40 .\nd      1          0 ..\n")
	for _, line := range []string{
		"write /tmp/new hello world", "write -a /tmp/new second line",
		"mkdir /tmp/sub", "write /tmp/sub/f in a subdirectory",
		"create /tmp/empty", "create /tmp/old", "rm /tmp/old",
		"truncate /tmp/sub/f 10000", "mkdir /tmp/gone", "rmdir /tmp/gone",
	} {
		expectOut(t, vm, line, "")
	}
	expectOut(t, vm, "cat /tmp/new", "hello world\nsecond line\n")
	expectMatch(t, vm, "ls /tmp", `^d +1 +\d+ \.\nd +1 +0 \.\.\n- +\d+ +0 empty\n- +\d+ +24 new\nd +\d+ +60 sub\n$`)
	expectMatch(t, vm, "stat /tmp/sub/f", `Size: 10000  Blocks: 8 \(512-byte\)\n  Cached: 1 pages  Dirty: 1 pages  Mapped: false\n`)
	expectMatch(t, vm, "stat /tmp", `Type: d  Inode: 1  Links: 3  Mode: 1777\n`)
	if got := run(t, vm, "cat /tmp/sub/f"); got != "in a subdirectory\n"+strings.Repeat("\x00", 10000-18) {
		t.Errorf("cat of a grown file: %d bytes", len(got))
	}
	expectMatch(t, vm, "cat /tmp/old", `^error: cat: tmpfs: no such file or directory`)
	expectMatch(t, vm, "rmdir /tmp/sub", `^error: rmdir: tmpfs: directory not empty`)
	expectMatch(t, vm, "df", `(?m)^Filesystem +1K-blocks +Used +Available +Use% +Mounted on\ntmpfs +\d+ +0 +\d+ +0% /dev/shm\ntmpfs +\d+ +8 +\d+ +1% /tmp\n$`)
	expectMatch(t, vm, "meminfo", `(?m)^Shmem: +8 kB$`)
	expectOut(t, vm, "drop_caches", "dropped 0 pages\n")
	expectOut(t, vm, "sync", "")
	expectOut(t, vm, "cat /tmp/new", "hello world\nsecond line\n")
	expectMatch(t, vm, "lsblk", `^NAME +SIZE +RO +MOUNTPOINT +FEATURES\n$`)
	halt(t, vm, 0)
}

// A tmpfs file mapped MAP_SHARED in two address spaces: written in one,
// read in the other, one frame per page (Shmem counts the file once, and
// no anonymous copy is made); MAP_PRIVATE gives a copy on write and the
// file stays as it was; msync is fine; an unlinked mapped file lives
// until unmapped, and umount waits for it.
func TestTmpfsMapShared(t *testing.T) {
	vm := boot(t, Options{})
	expectOut(t, vm, "create /tmp/shm", "")
	expectOut(t, vm, "truncate /tmp/shm 1M", "")
	a := mmapAddr(t, vm, "mmap 1M rw shared /tmp/shm")
	expectOut(t, vm, "fill "+a+" 1M 7", "")
	expectMatch(t, vm, "poke "+addrPlus(t, a, 5000)+" from-space-1", `stored 12 bytes`)
	expectOut(t, vm, "as new", "2\n")
	expectOut(t, vm, "as switch 2", "")
	b := mmapAddr(t, vm, "mmap 1M rw shared /tmp/shm")
	if a != b {
		t.Fatalf("the second space placed the mapping at %s, the first at %s", b, a)
	}
	expectMatch(t, vm, "peek "+addrPlus(t, b, 5000)+" 12", `\|from-space-1\|`)
	expectMatch(t, vm, "poke "+addrPlus(t, b, 8192)+" from-space-2", `stored 12 bytes`)
	expectOut(t, vm, "as switch 1", "")
	expectMatch(t, vm, "peek "+addrPlus(t, a, 8192)+" 12", `\|from-space-2\|`)
	expectOut(t, vm, "check "+addrPlus(t, a, 16384)+" 1008K 7", "ok\n")
	mi := run(t, vm, "meminfo")
	for _, re := range []string{`(?m)^Shmem: +1024 kB$`, `(?m)^AnonPages: +0 kB$`, `(?m)^Dirty: +0 kB$`, `(?m)^Mapped: +1024 kB$`} {
		if !regexp.MustCompile(re).MatchString(mi) {
			t.Errorf("meminfo lacks %s:\n%s", re, mi)
		}
	}
	expectOut(t, vm, "msync "+a+" 1M", "")
	expectMatch(t, vm, "maps", `rw-s 00000000 [0-9a-f]+:[0-9a-f]+ \d+ +/tmp/shm\n`)

	// MAP_PRIVATE: the file's bytes, then a copy on write.
	p := mmapAddr(t, vm, "mmap 1M rw private /tmp/shm")
	expectMatch(t, vm, "peek "+addrPlus(t, p, 8192)+" 12", `\|from-space-2\|`)
	expectMatch(t, vm, "poke "+addrPlus(t, p, 8192)+" private-copy", `stored 12 bytes`)
	expectMatch(t, vm, "peek "+addrPlus(t, a, 8192)+" 12", `\|from-space-2\|`)
	expectMatch(t, vm, "meminfo", `(?m)^AnonPages: +4 kB$`)
	expectOut(t, vm, "munmap "+p+" 1M", "")

	// Unlinked while mapped: the data stay until the last unmap.
	expectOut(t, vm, "rm /tmp/shm", "")
	expectMatch(t, vm, "umount /tmp", `^error: umount: tmpfs: device or resource busy`)
	expectMatch(t, vm, "peek "+addrPlus(t, a, 5000)+" 12", `\|from-space-1\|`)
	expectOut(t, vm, "munmap "+a+" 1M", "")
	expectMatch(t, vm, "meminfo", `(?m)^Shmem: +1024 kB$`)
	expectOut(t, vm, "as switch 2", "")
	expectOut(t, vm, "munmap "+b+" 1M", "")
	expectMatch(t, vm, "meminfo", `(?m)^Shmem: +0 kB$`)
	expectMatch(t, vm, "df", `(?m)^tmpfs +\d+ +0 +\d+ +0% /tmp$`)
	expectOut(t, vm, "umount /tmp", "")
	expectMatch(t, vm, "ls /tmp", `^error: ls: no filesystem mounted there`)
	halt(t, vm, 0)
}

// A tmpfs of 64 KiB: a write past it is ENOSPC, a fault past it a bus
// error, and the kernel goes on; df shows it full.
func TestTmpfsSizeLimit(t *testing.T) {
	vm := boot(t, Options{})
	expectOut(t, vm, "mount tmpfs /small size=64K", "tmpfs on /small: 16 pages (64 kB)\n")
	expectOut(t, vm, "create /small/f", "")
	expectOut(t, vm, "truncate /small/f 1M", "")
	a := mmapAddr(t, vm, "mmap 1M rw shared /small/f")
	expectOut(t, vm, "fill "+a+" 64K 3", "")
	expectMatch(t, vm, "df", `(?m)^tmpfs +64 +64 +0 +100% /small$`)
	expectMatch(t, vm, "write /small/g x", `^error: write: tmpfs: no space left on device`)
	expectMatch(t, vm, "poke "+addrPlus(t, a, 64<<10)+" x", `fault: write of 0x[0-9a-f]+: bus error`)
	expectMatch(t, vm, "peek "+addrPlus(t, a, 100<<10)+" 8", `fault: read of 0x[0-9a-f]+: bus error`)
	expectMatch(t, vm, "vmstat", `(?m)^sigbus 2$`)
	expectOut(t, vm, "check "+a+" 64K 3", "ok\n")
	expectOut(t, vm, "msync "+a+" 1M", "")
	expectOut(t, vm, "echo alive", "alive\n")
	// Room again after a truncate: the write and the fault go through.
	expectOut(t, vm, "truncate /small/f 32K", "")
	expectOut(t, vm, "write /small/g x", "")
	expectOut(t, vm, "truncate /small/f 1M", "")
	expectMatch(t, vm, "poke "+addrPlus(t, a, 64<<10)+" x", `stored 1 bytes`)
	expectMatch(t, vm, "df", `(?m)^tmpfs +64 +40 +24 +63% /small$`)
	expectMatch(t, vm, "umount /small", `^error: umount: tmpfs: device or resource busy`)
	expectOut(t, vm, "munmap "+a+" 1M", "")
	expectOut(t, vm, "umount /small", "")
	halt(t, vm, 0)
}
