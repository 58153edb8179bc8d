package qemu

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Boot tests of file mappings: ext2 images made by mke2fs -d on the host,
// mounted by the kernel from a virtio-blk disk, mapped, written, and
// checked afterwards with e2fsck -fn and debugfs.

// randomBytes is n deterministic pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// fsImage makes an ext2 image from files (name → contents).
func fsImage(t *testing.T, size int64, blockSize int, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for name, data := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(src, 0o755)
	img, err := Ext2Image(dir, "fs.img", size, blockSize, src)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// debugfsCat is the file's contents as debugfs reads them from the image.
func debugfsCat(t *testing.T, img, path string) []byte {
	t.Helper()
	out, err := exec.Command(Tool("debugfs"), "-R", "cat "+path, img).Output()
	if err != nil {
		t.Fatalf("debugfs cat %s: %v", path, err)
	}
	return out
}

// fsck fails the test unless e2fsck -fn finds the image clean.
func fsck(t *testing.T, img string) {
	t.Helper()
	if out, err := Fsck(img); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// mmapAddr runs an mmap command and returns the address it printed.
func mmapAddr(t *testing.T, vm *VM, line string) string {
	t.Helper()
	out := strings.TrimSpace(run(t, vm, line))
	if !regexp.MustCompile(`^0x[0-9a-f]+$`).MatchString(out) {
		t.Fatalf("%s: %q", line, out)
	}
	return out
}

func addrPlus(t *testing.T, a string, off uint64) string {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(a, "0x"), 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%#x", v+off)
}

func expectOut(t *testing.T, vm *VM, line, want string) {
	t.Helper()
	if got := run(t, vm, line); got != want {
		t.Errorf("%s:\n got %q\nwant %q", line, got, want)
	}
}

func expectMatch(t *testing.T, vm *VM, line, re string) string {
	t.Helper()
	got := run(t, vm, line)
	if !regexp.MustCompile(re).MatchString(got) {
		t.Errorf("%s:\n got %q\nwant match for %q", line, got, re)
	}
	return got
}

// A 64 MiB file mapped MAP_PRIVATE reads back exactly as on the host:
// the CRC of every byte, read through page faults (major, with
// readahead, then page-cache hits), matches the host's.
func TestFileMapPrivate64M(t *testing.T) {
	big := randomBytes(64<<20, 1)
	small := []byte("hello from the host\n")
	img := fsImage(t, 96<<20, 4096, map[string][]byte{"big": big, "dir/small": small})
	vm := boot(t, Options{Disks: []string{img}})
	expectMatch(t, vm, "mount vda /mnt", `^vda on /mnt: ext2, 4096-byte blocks, \d+/\d+ blocks free, read-write\n$`)
	expectOut(t, vm, "cat /mnt/dir/small", string(small))
	a := mmapAddr(t, vm, "mmap 64M r private /mnt/big")
	want := fmt.Sprintf("crc32 %08x %d bytes\n", crc32.ChecksumIEEE(big), len(big))
	if got, err := vm.Run("sum "+a+" 64M", 10*time.Minute); err != nil || got != want {
		t.Fatalf("sum through the mapping: got %q (%v), want %q", got, err, want)
	}
	// A second pass hits the page cache only.
	if got, err := vm.Run("sum "+a+" 64M", 10*time.Minute); err != nil || got != want {
		t.Fatalf("second sum: got %q (%v), want %q", got, err, want)
	}
	st := run(t, vm, "vmstat")
	maj := regexp.MustCompile(`pgmajfault (\d+)`).FindStringSubmatch(st)
	if maj == nil || maj[1] == "0" {
		t.Errorf("no major faults counted:\n%s", st)
	}
	expectMatch(t, vm, "maps", `rw?-?-p 00000000 fe:00 0 +/mnt/big\n`)
	halt(t, vm, 0)
	fsck(t, img)
}

// MAP_SHARED writes reach the disk by msync; after halt, debugfs sees
// them and e2fsck finds the image clean. Two address spaces mapping the
// file see each other's writes at once.
func TestFileMapSharedMsync(t *testing.T) {
	data := randomBytes(5*4096+100, 2)
	img := fsImage(t, 8<<20, 1024, map[string][]byte{"data": data})
	vm := boot(t, Options{Disks: []string{img}})
	run(t, vm, "mount vda /mnt")
	a := mmapAddr(t, vm, "mmap 24K rw shared /mnt/data")
	expectMatch(t, vm, "poke "+addrPlus(t, a, 10)+" written-by-pagoda", `stored 17 bytes`)
	expectMatch(t, vm, "poke "+addrPlus(t, a, 3*4096+5)+" second-page", `stored 11 bytes`)
	// Another address space maps the same file and sees the writes.
	expectOut(t, vm, "as new", "2\n")
	expectOut(t, vm, "as switch 2", "")
	b := mmapAddr(t, vm, "mmap 24K rw shared /mnt/data")
	expectMatch(t, vm, "peek "+addrPlus(t, b, 10)+" 16", `\|written-by-pagod\|`)
	expectMatch(t, vm, "poke "+addrPlus(t, b, 4096)+" from-space-2", `stored 12 bytes`)
	expectOut(t, vm, "as switch 1", "")
	expectMatch(t, vm, "peek "+addrPlus(t, a, 4096)+" 12", `\|from-space-2\|`)
	expectOut(t, vm, "msync "+a+" 24K", "")
	expectMatch(t, vm, "meminfo", `Dirty: +0 kB`)
	halt(t, vm, 0)

	want := bytes.Clone(data)
	copy(want[10:], "written-by-pagoda")
	copy(want[3*4096+5:], "second-page")
	copy(want[4096:], "from-space-2")
	if got := debugfsCat(t, img, "/data"); !bytes.Equal(got, want) {
		t.Errorf("debugfs cat /data: %d bytes, differs from the expected %d", len(got), len(want))
	}
	fsck(t, img)
}

// The shell's file commands change the image as e2fsprogs expect.
func TestFileCommands(t *testing.T) {
	img := fsImage(t, 8<<20, 2048, map[string][]byte{"old": []byte("old file\n"), "d/x": []byte("x\n")})
	vm := boot(t, Options{Disks: []string{img}})
	expectMatch(t, vm, "lsblk", `vda +8388608 +0 +.*version_1`)
	run(t, vm, "mount vda /mnt")
	expectMatch(t, vm, "lsblk", `vda +8388608 +0 /mnt`)
	for _, line := range []string{
		"write /mnt/new hello world", "write -a /mnt/new second line",
		"mkdir /mnt/sub", "write /mnt/sub/f in a subdirectory",
		"create /mnt/empty", "rm /mnt/old", "truncate /mnt/d/x 10000",
		"mkdir /mnt/gone", "rmdir /mnt/gone",
	} {
		expectOut(t, vm, line, "")
	}
	expectOut(t, vm, "cat /mnt/new", "hello world\nsecond line\n")
	expectMatch(t, vm, "ls /mnt", `- +\d+ +24 new\n`)
	expectMatch(t, vm, "stat /mnt/d/x", `Size: 10000 `)
	expectMatch(t, vm, "cat /mnt/old", `^error: cat: .*no such file`)
	expectMatch(t, vm, "rmdir /mnt/d", `^error: rmdir: .*not empty`)
	expectMatch(t, vm, "mount vda /x", `^error: mount: .*busy`)
	expectMatch(t, vm, "mount vdz /x", `^error: mount: no such device: vdz`)
	halt(t, vm, 0)
	fsck(t, img)
	for path, want := range map[string]string{
		"/new": "hello world\nsecond line\n", "/sub/f": "in a subdirectory\n", "/empty": "",
		"/d/x": "x\n" + strings.Repeat("\x00", 10000-2),
	} {
		if got := string(debugfsCat(t, img, path)); got != want {
			t.Errorf("debugfs cat %s: got %q, want %q", path, got, want)
		}
	}
}

// A page wholly past the end of file is a bus error; the tail of the last
// page reads zeros; truncating a mapped file makes its vanished pages bus
// errors, and the kernel goes on.
func TestFileBeyondEOF(t *testing.T) {
	img := fsImage(t, 8<<20, 1024, map[string][]byte{"f": bytes.Repeat([]byte{'a'}, 5000)})
	vm := boot(t, Options{Disks: []string{img}})
	run(t, vm, "mount vda /mnt")
	a := mmapAddr(t, vm, "mmap 16K rw shared /mnt/f")
	expectMatch(t, vm, "peek "+addrPlus(t, a, 4096+900)+" 16", `61 61 61 61 00 00 00 00`)
	expectMatch(t, vm, "peek "+addrPlus(t, a, 8192)+" 8", `fault: read of 0x[0-9a-f]+: bus error`)
	expectOut(t, vm, "truncate /mnt/f 100", "")
	expectMatch(t, vm, "peek "+addrPlus(t, a, 4096)+" 8", `fault: read of 0x[0-9a-f]+: bus error`)
	expectMatch(t, vm, "peek "+addrPlus(t, a, 96)+" 8", `61 61 61 61 00 00 00 00`)
	expectMatch(t, vm, "vmstat", `sigbus 2\n`)
	expectOut(t, vm, "echo alive", "alive\n")
	halt(t, vm, 0)
	fsck(t, img)
}

// A read-only disk (QEMU readonly) mounts read-only and refuses writes
// cleanly; a shared writable mapping is EACCES.
func TestFileReadOnlyDisk(t *testing.T) {
	img := fsImage(t, 8<<20, 1024, map[string][]byte{"f": []byte("read me\n")})
	before, _ := os.ReadFile(img)
	vm := boot(t, Options{Drives: []Drive{{Path: img, ReadOnly: true}}})
	expectMatch(t, vm, "lsblk", `vda +8388608 +1 .*\bro\b`)
	expectMatch(t, vm, "mount vda /mnt", `read-only`)
	expectOut(t, vm, "cat /mnt/f", "read me\n")
	expectMatch(t, vm, "write /mnt/f x", `^error: write: .*read-only`)
	expectMatch(t, vm, "mmap 4K rw shared /mnt/f", `^error: mmap: vm: permission denied`)
	a := mmapAddr(t, vm, "mmap 4K rw private /mnt/f")
	expectMatch(t, vm, "poke "+a+" private", `stored 7 bytes`)
	expectOut(t, vm, "cat /mnt/f", "read me\n")
	halt(t, vm, 0)
	if after, _ := os.ReadFile(img); !bytes.Equal(before, after) {
		t.Error("the read-only image changed")
	}
}

// A read error injected by QEMU's blkdebug on one block of a file gives a
// bus error for the access to that page only; the next msync reports
// it, once; the kernel keeps running.
func TestFileReadErrorIsBusError(t *testing.T) {
	data := randomBytes(64*1024, 3)
	img := fsImage(t, 8<<20, 1024, map[string][]byte{"f": data})
	// The disk block of the file's page 8 (1 KiB blocks: file block 32).
	out, err := exec.Command(Tool("debugfs"), "-R", "bmap /f 32", img).Output()
	if err != nil {
		t.Fatal(err)
	}
	blk, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("debugfs bmap: %q", out)
	}
	vm := boot(t, Options{Drives: []Drive{{Path: img, ReadErrors: []int64{blk * 2}}}})
	run(t, vm, "mount vda /mnt")
	a := mmapAddr(t, vm, "mmap 64K r private /mnt/f")
	expectMatch(t, vm, "peek "+addrPlus(t, a, 8*4096)+" 8", `fault: read of 0x[0-9a-f]+: bus error`)
	want := fmt.Sprintf("%02x %02x", data[0], data[1])
	expectMatch(t, vm, "peek "+a+" 8", want)
	expectMatch(t, vm, "msync "+a+" 64K", `^error: msync: .*input/output error`)
	expectOut(t, vm, "msync "+a+" 64K", "")
	expectOut(t, vm, "echo alive", "alive\n")
	halt(t, vm, 0)
}

// Thousands of disk interrupts (a 16 MiB file written, then read cold)
// must not disturb the runtime: waking the interrupt service goroutine
// from the interrupt stub once corrupted the Go timer heap under this
// load. The figures are checked only for shape.
func TestDiskInterruptLoad(t *testing.T) {
	img, err := Ext2Image(t.TempDir(), "load.img", 48<<20, 4096, "")
	if err != nil {
		t.Fatal(err)
	}
	vm := boot(t, Options{Disks: []string{img}})
	run(t, vm, "mount vda /mnt")
	out, err := vm.Run("bench file-shared-write file-read-cold pages=4096", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^BENCH file-shared-write pages=4096 faults=4096 majfaults=0 `,
		`(?m)^BENCH file-read-cold pages=4096 faults=4096 majfaults=[1-9]\d* `,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("bench lacks %s:\n%s", re, out)
		}
	}
	irq := run(t, vm, "interrupts")
	m := regexp.MustCompile(`(?m)^ *\d+: +(\d+) +IO-APIC 47-edge +virtio-blk vda$`).FindStringSubmatch(irq)
	if m == nil {
		t.Fatalf("no virtio-blk interrupts:\n%s", irq)
	}
	if n, _ := strconv.Atoi(m[1]); n < 1000 {
		t.Errorf("only %d disk interrupts: completions are not interrupt-driven?", n)
	}
	expectOut(t, vm, "echo alive", "alive\n")
	halt(t, vm, 0)
	fsck(t, img)
}

// Dirty pages of a shared file mapping twice mm.limit: reclaim never
// writes one in its scan, it queues them for writeback and frees them
// once written (nr_vmscan_immediate_reclaim, pgrotated); the data read
// back after eviction is what was written, and reaches the disk.
func TestFileSharedDirtyReclaim(t *testing.T) {
	img := fsImage(t, 96<<20, 4096, map[string][]byte{"big": randomBytes(64<<20, 3)})
	vm := boot(t, Options{Append: "mm.limit=32M", Disks: []string{img}})
	run(t, vm, "mount vda /mnt")
	a := mmapAddr(t, vm, "mmap 64M rw shared /mnt/big")
	if got, err := vm.Run("fill "+a+" 64M 5", 10*time.Minute); err != nil || got != "" {
		t.Fatalf("fill: %q %v", got, err)
	}
	if got, err := vm.Run("check "+a+" 64M 5", 10*time.Minute); err != nil || got != "ok\n" {
		t.Fatalf("check: %q %v", got, err)
	}
	if q, r := vmstatField(t, vm, "nr_vmscan_immediate_reclaim"), vmstatField(t, vm, "pgrotated"); q == 0 || r == 0 {
		t.Errorf("nr_vmscan_immediate_reclaim %d pgrotated %d: reclaim queued or rotated nothing", q, r)
	}
	for _, n := range []string{"pgscan", "pgsteal", "pgsteal_fault", "nr_vmscan_immediate_reclaim", "nr_vmscan_write", "pgrotated", "pgpgout"} {
		t.Logf("%s %d", n, vmstatField(t, vm, n))
	}
	expectOut(t, vm, "msync "+a+" 64M", "")
	expectOut(t, vm, "munmap "+a+" 64M", "")
	a = mmapAddr(t, vm, "mmap 64M r shared /mnt/big")
	if got, err := vm.Run("check "+a+" 64M 5", 10*time.Minute); err != nil || got != "ok\n" {
		t.Fatalf("check after msync: %q %v", got, err)
	}
	halt(t, vm, 0)
	fsck(t, img)
}
