//go:build !tamago

package shell

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/sim"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// simFileShell is simShell with a file layer: no disks, a tmpfs at /tmp
// of the default size, as the kernel mounts at boot; and an empty kernel
// table and the fake prober, for pt, peek and poke.
func simFileShell(t testing.TB, base mm.PhysAddr, size uint64) (run func(string) string, v *vfs.VFS) {
	t.Helper()
	cfg, mem := simConfig(t, base, size, func(m *vm.MM, mem *sim.Memory) {
		v = vfs.NewVFS(pagecache.New(mem.Frames), nil)
		m.Shmem = v.ShmemFile
	})
	if _, err := v.MountTmpfs("/tmp", v.DefaultTmpfsPages()); err != nil {
		t.Fatal(err)
	}
	kernelTable, err := pagetable.New(vm.TableFrames(mem.Frames))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Kernel, cfg.Probe, cfg.VFS = kernelTable, &fakeProbe{}, v
	return runner(cfg), v
}

type lineWant struct{ line, want string }

func runLines(t *testing.T, run func(string) string, lines []lineWant) {
	t.Helper()
	for _, tc := range lines {
		if got := run(tc.line); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.line, got, tc.want)
		}
	}
}

func meminfoKB(t *testing.T, run func(string) string, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + `: +(\d+) kB$`).FindStringSubmatch(run("meminfo"))
	if m == nil {
		t.Fatalf("meminfo has no %s", name)
	}
	return m[1]
}

// The file commands on tmpfs, df, and mount's tmpfs options.
func TestTmpfsCommands(t *testing.T) {
	run, _ := simFileShell(t, 0x30_0000_0000, 64<<20)
	runLines(t, run, []lineWant{
		{"write /tmp/f hello tmpfs", ""},
		{"write -a /tmp/f again", ""},
		{"cat /tmp/f", "hello tmpfs\nagain\n"},
		{"mkdir /tmp/d", ""},
		{"create /tmp/d/e", ""},
		{"ls /tmp", "d      1         80 .\nd      1          0 ..\nd      3         60 d\n-      2         18 f\n"},
		{"stat /tmp/f", "  File: /tmp/f\n  Type: -  Inode: 2  Links: 1  Mode: 0644\n  Size: 18  Blocks: 8 (512-byte)\n  Cached: 1 pages  Dirty: 1 pages  Mapped: false\n"},
		{"stat /tmp", "  File: /tmp\n  Type: d  Inode: 1  Links: 3  Mode: 1777\n  Size: 80  Blocks: 0 (512-byte)\n"},
		{"truncate /tmp/f 5", ""},
		{"cat /tmp/f", "hello"},
		{"truncate /tmp/f 1M", ""},
		{"stat /tmp/f", "  File: /tmp/f\n  Type: -  Inode: 2  Links: 1  Mode: 0644\n  Size: 1048576  Blocks: 8 (512-byte)\n  Cached: 1 pages  Dirty: 1 pages  Mapped: false\n"},
		{"rmdir /tmp/d", "error: rmdir: tmpfs: directory not empty: \"/d\"\n"},
		{"rm /tmp/d/e", ""},
		{"rmdir /tmp/d", ""},
		{"cat /tmp/d/e", "error: cat: tmpfs: no such file or directory: \"/d/e\"\n"},
		{"cat /tmp", "error: cat: tmpfs: is a directory: \"/\"\n"},
		{"rm /tmp/f", ""},
		{"ls /tmp", "d      1         40 .\nd      1          0 ..\n"},
		{"mount tmpfs /small size=64K", "tmpfs on /small: 16 pages (64 kB)\n"},
		{"mount tmpfs /small", "error: mount: device or resource busy: /small is a mount point already\n"},
		{"mount tmpfs /x size=1", "tmpfs on /x: 1 pages (4 kB)\n"},
		{"mount tmpfs /y size=0", "tmpfs on /y: no size limit\n"},
		{"mount tmpfs /z nr_inodes=5", "error: mount: unknown tmpfs option \"nr_inodes=5\" (have: size=N)\n"},
		{"mount vda /mnt", "error: mount: no such device: vda\n"},
		{"write /small/a x", ""},
	})
	df := run("df")
	for _, re := range []string{
		`(?m)^tmpfs +64 +4 +60 +7% /small$`,
		`(?m)^tmpfs +\d+ +0 +\d+ +0% /tmp$`,
		`(?m)^tmpfs +4 +0 +4 +0% /x$`,
		`(?m)^tmpfs +0 +0 +0 +- /y$`,
	} {
		if !regexp.MustCompile(re).MatchString(df) {
			t.Errorf("df lacks %s:\n%s", re, df)
		}
	}
	// /tmp is half of the managed memory.
	total := regexp.MustCompile(`(?m)^tmpfs +(\d+) .* /tmp$`).FindStringSubmatch(df)
	if total == nil || total[1] == "0" {
		t.Fatalf("df /tmp:\n%s", df)
	}
	runLines(t, run, []lineWant{
		{"umount /small", ""},
		{"cat /small/a", "error: cat: no filesystem mounted there: /small/a\n"},
		{"umount /small", "error: umount: no filesystem mounted there: /small\n"},
		{"sync", ""},
	})
}

func TestParseTmpfsOptions(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"", 100, true}, {"size=64K", 16, true}, {"size=1", 1, true}, {"size=4097", 2, true},
		{"size=0", 0, true}, {"size=1G", 1 << 18, true}, {"size=50%", 500, true}, {"size=1%", 10, true},
		{"size=100%", 1000, true}, {"size=101%", 0, false}, {"size=x", 0, false}, {"size=1K,size=8K", 2, true},
		{"ro", 0, false}, {"size", 0, false},
	} {
		got, err := parseTmpfsOptions(tc.in, 100, 1000)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseTmpfsOptions(%q) = %d, %v", tc.in, got, err)
		}
	}
}

// A tmpfs file mapped MAP_SHARED in two address spaces: one frame per
// page, shared, written by one and read by the other; MAP_PRIVATE
// copies; msync, sync and drop_caches keep the pages; an unlinked
// mapped file lives until unmapped; umount waits for the last mapping.
func TestTmpfsMappings(t *testing.T) {
	run, v := simFileShell(t, 0x31_0000_0000, 64<<20)
	run("create /tmp/shm")
	run("truncate /tmp/shm 64K")
	a := strings.TrimSpace(run("mmap 64K rw shared /tmp/shm"))
	runLines(t, run, []lineWant{
		{"fill " + a + " 64K 3", ""},
		{"as new", "2\n"},
		{"as switch 2", ""},
	})
	b := strings.TrimSpace(run("mmap 64K rw shared /tmp/shm"))
	runLines(t, run, []lineWant{
		{"check " + b + " 64K 3", "ok\n"},
		{"fill " + b + " 8 4", ""},
		{"as switch 1", ""},
		{"check " + a + " 8 4", "ok\n"},
		{"msync " + a + " 64K", ""},
		{"sync", ""},
		{"drop_caches", "dropped 0 pages\n"},
		{"check " + a + " 8 4", "ok\n"},
	})
	if got := meminfoKB(t, run, "Shmem"); got != "64" {
		t.Errorf("Shmem %s kB, want 64 (one frame per page, shared)", got)
	}
	if got := meminfoKB(t, run, "Dirty"); got != "0" {
		t.Errorf("Dirty %s kB: tmpfs pages are not counted", got)
	}
	// MAP_PRIVATE: a copy on write, the file unchanged. (fill's pattern
	// depends on the address: compare checksums.)
	p := strings.TrimSpace(run("mmap 64K rw private /tmp/shm"))
	sumA := strings.Fields(run("sum " + a + " 64K"))
	if sumP := strings.Fields(run("sum " + p + " 64K")); len(sumP) != 4 || len(sumA) != 4 || sumP[1] != sumA[1] {
		t.Fatalf("the private mapping reads otherwise: %v, %v", sumP, sumA)
	}
	runLines(t, run, []lineWant{
		{"fill " + p + " 4K 9", ""},
		{"check " + a + " 8 4", "ok\n"},
		{"check " + p + " 4K 9", "ok\n"},
		{"munmap " + p + " 64K", ""},
	})
	if got := strings.Fields(run("sum " + a + " 64K")); got[1] != sumA[1] {
		t.Fatal("a private write reached the file")
	}
	if got := meminfoKB(t, run, "Shmem"); got != "64" {
		t.Errorf("Shmem %s kB after a private copy, want 64", got)
	}
	// Unlinked while mapped: still there, gone with the last mapping.
	runLines(t, run, []lineWant{
		{"rm /tmp/shm", ""},
		{"cat /tmp/shm", "error: cat: tmpfs: no such file or directory: \"/shm\"\n"},
		{"umount /tmp", "error: umount: tmpfs: device or resource busy: /tmp/shm is in use\n"},
		{"check " + a + " 8 4", "ok\n"},
		{"munmap " + a + " 64K", ""},
		{"as switch 2", ""},
	})
	if got := run("check " + b + " 64K 4"); !strings.HasPrefix(got, "mismatch at "+addrAt(b, 8)+":") {
		t.Fatalf("check in space 2: %q", got)
	}
	if got := run("check " + b + " 8 4"); got != "ok\n" {
		t.Fatalf("check in space 2: %q", got)
	}
	run("munmap " + b + " 64K")
	if got := meminfoKB(t, run, "Shmem"); got != "0" {
		t.Errorf("Shmem %s kB after the last unmap of an unlinked file", got)
	}
	if u := v.Mounts()[0].Usage(); u.Used != 0 {
		t.Errorf("tmpfs uses %d bytes after the last unmap of its only file", u.Used)
	}
	runLines(t, run, []lineWant{{"umount /tmp", ""}})
}

// addrAt is a hex address plus off.
func addrAt(a string, off uint64) string {
	n, _ := mm.ParseSize(a)
	return fmt.Sprintf("%#x", n+off)
}

// The size limit: a write past it is ENOSPC, a fault past it a bus
// error (sigbus), and the kernel goes on.
func TestTmpfsLimit(t *testing.T) {
	run, _ := simFileShell(t, 0x32_0000_0000, 64<<20)
	run("mount tmpfs /small size=64K")
	run("create /small/f")
	run("truncate /small/f 128K")
	a := strings.TrimSpace(run("mmap 128K rw shared /small/f"))
	runLines(t, run, []lineWant{
		{"fill " + a + " 64K 1", ""},
		{"write /small/g x", "error: write: tmpfs: no space left on device: 1 pages more, 16 of 16 used\n"},
		{"check " + a + " 64K 1", "ok\n"},
	})
	if got := run("fill " + addrAt(a, 64<<10) + " 8 1"); !strings.HasPrefix(got, "fault: write of "+addrAt(a, 64<<10)+": ") {
		t.Errorf("fault past the limit: %q", got)
	}
	if !regexp.MustCompile(`(?m)^sigbus 1$`).MatchString(run("vmstat")) {
		t.Errorf("the fault past the limit was no bus error:\n%s", run("vmstat"))
	}
	runLines(t, run, []lineWant{
		{"msync " + a + " 128K", ""},
		{"echo alive", "alive\n"},
		{"munmap " + a + " 128K", ""},
		{"truncate /small/f 60K", ""},
		{"write /small/g x", ""},
		{"umount /small", ""},
	})
}

// The tmpfs benchmarks run on /tmp and leave nothing behind: the scratch
// file is removed while mapped, and goes with the benchmark's address
// space.
func TestTmpfsBench(t *testing.T) {
	run, v := simFileShell(t, 0x33_0000_0000, 64<<20)
	out := run("bench tmpfs-shared-read tmpfs-shared-write tmpfs-private-write pages=16")
	for _, re := range []string{
		`(?m)^BENCH tmpfs-shared-read pages=16 faults=16 majfaults=0 `,
		`(?m)^BENCH tmpfs-shared-write pages=16 faults=16 majfaults=0 `,
		`(?m)^BENCH tmpfs-private-write pages=16 faults=16 majfaults=0 `,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("bench lacks %s:\n%s", re, out)
		}
	}
	if got := run("ls /tmp"); strings.Count(got, "\n") != 2 {
		t.Errorf("bench left files in /tmp:\n%s", got)
	}
	if u := v.Mounts()[0].Usage(); u.Used != 0 || meminfoKB(t, run, "Shmem") != "0" {
		t.Errorf("bench left tmpfs pages: %d bytes used", u.Used)
	}
	if got := run("umount /tmp"); got != "" {
		t.Errorf("umount /tmp after the benchmarks: %q", got)
	}
	if got := run("bench tmpfs-shared-read pages=4"); !regexp.MustCompile(`^BENCH tmpfs-shared-read unsupported \(.*mount a tmpfs first\)\n$`).MatchString(got) {
		t.Errorf("bench without tmpfs: %q", got)
	}
}

// Shared anonymous memory is an unnamed file of the VFS's internal
// tmpfs: maps shows it as Linux does, /dev/zero (deleted); meminfo
// counts its pages in Shmem; df does not show the instance; fork shares
// it; its last unmap frees it.
func TestSharedAnonIsShmem(t *testing.T) {
	run, v := simFileShell(t, 0x34_0000_0000, 64<<20)
	df := run("df")
	a := strings.TrimSpace(run("mmap 64K rw shared,anon"))
	if got := run("maps"); !regexp.MustCompile(`^` + a[2:] + `-[0-9a-f]+ rw-s 00000000 00:01 0 {26}/dev/zero \(deleted\)\n$`).MatchString(got) {
		t.Errorf("maps: %q", got)
	}
	runLines(t, run, []lineWant{
		{"fill " + a + " 64K 3", ""},
		{"fork", "2\n"},
		{"as switch 2", ""},
		{"check " + a + " 64K 3", "ok\n"},
		{"fill " + a + " 8 4", ""},
		{"as switch 1", ""},
		{"check " + a + " 8 4", "ok\n"},
		{"df", df},
	})
	if got := meminfoKB(t, run, "Shmem"); got != "64" {
		t.Errorf("Shmem %s kB, want 64 (the object's pages, once)", got)
	}
	if st := v.Shm().Statfs(); st.Files != 1 || st.Used != 16 {
		t.Errorf("the internal tmpfs: %+v", st)
	}
	runLines(t, run, []lineWant{
		{"munmap " + a + " 64K", ""},
		{"as switch 2", ""},
		{"check " + a + " 8 4", "ok\n"},
		{"munmap " + a + " 64K", ""},
	})
	if got := meminfoKB(t, run, "Shmem"); got != "0" {
		t.Errorf("Shmem %s kB after the last unmap", got)
	}
	if st := v.Shm().Statfs(); st.Files != 0 || st.Used != 0 {
		t.Errorf("the internal tmpfs after the last unmap: %+v", st)
	}
}
