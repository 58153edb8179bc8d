package qemu

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// swapDrive makes a swap area of size bytes with mkswap.
func swapDrive(t *testing.T, size int64, readErrors ...int64) Drive {
	t.Helper()
	path, err := SwapImage(t.TempDir(), "swap.img", size)
	if err != nil {
		t.Fatal(err)
	}
	return Drive{Path: path, ReadErrors: readErrors}
}

// vmstatField is one counter of vmstat.
func vmstatField(t *testing.T, vm *VM, name string) uint64 {
	t.Helper()
	out := run(t, vm, "vmstat")
	m := regexp.MustCompile(`(?m)^` + name + ` (\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("vmstat has no %s:\n%s", name, out)
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	return n
}

// An anonymous working set four times mm.limit, written and checked in
// random order through swap; then a fork shares the swapped pages (both
// sides read them right); then swapoff brings every page back.
func TestSwapAnon(t *testing.T) {
	vm := boot(t, Options{Append: "mm.limit=32M", Drives: []Drive{swapDrive(t, 192<<20)}})
	if !strings.Contains(vm.Log(), "reclaim: policy lru2q, watermarks min 181 low 226 high 271 pages") {
		t.Errorf("no reclaim line at boot")
	}
	expectMatch(t, vm, "swapon vda", `^Adding 196604k swap on vda\.  Priority:-2 extents:1 across:196608k\n$`)
	expectMatch(t, vm, "swapon vda", `^error: swapon: swap: device is already a swap area: vda\n$`)
	expectMatch(t, vm, "swapon vdq", `^error: swapon: no such device: vdq\n$`)
	expectMatch(t, vm, "swaps", `(?m)^/dev/vda +partition +196604 +0 +-2$`)
	a := mmapAddr(t, vm, "mmap 128M rw private,anon")
	expectOut(t, vm, "fill "+a+" 128M 5 order=random", "")
	expectOut(t, vm, "check "+a+" 128M 5 order=random", "ok\n")
	out, in := vmstatField(t, vm, "pswpout"), vmstatField(t, vm, "pswpin")
	if out < 3*8192 || in == 0 {
		t.Errorf("pswpout %d pswpin %d: the working set did not go through swap", out, in)
	}
	// fill and check leave the reserves to the faults: the faults
	// restocked them and reclaimed themselves, polling the disk.
	if st, steal := vmstatField(t, vm, "allocstall_fault"), vmstatField(t, vm, "pgsteal_fault"); st == 0 || steal < 8192 {
		t.Errorf("allocstall_fault %d pgsteal_fault %d: the faults did not reclaim", st, steal)
	}
	expectMatch(t, vm, "meminfo", `(?m)^SwapTotal: +196604 kB$`)
	expectMatch(t, vm, "zoneinfo", `(?m)^  policy +lru2q$`)

	// Fork with most pages on swap: each slot is named twice, and both
	// sides read the same data; the child's writes stay its own.
	expectOut(t, vm, "fork", "2\n")
	expectOut(t, vm, "check "+a+" 128M 5", "ok\n")
	expectOut(t, vm, "as switch 2", "")
	expectOut(t, vm, "check "+a+" 128M 5 order=random", "ok\n")
	expectOut(t, vm, "fill "+a+" 1M 6", "")
	expectOut(t, vm, "check "+a+" 1M 6", "ok\n")
	expectOut(t, vm, "as switch 1", "")
	expectOut(t, vm, "check "+a+" 128M 5", "ok\n")
	expectOut(t, vm, "as free 2", "")
	expectOut(t, vm, "munmap "+a+" 128M", "")
	expectMatch(t, vm, "swaps", `(?m)^/dev/vda +partition +196604 +0 +-2$`)

	// swapoff: memory too small for what is on swap is ENOMEM, and the
	// area stays on; with room, every page comes back.
	b := mmapAddr(t, vm, "mmap 40M rw private,anon")
	expectOut(t, vm, "fill "+b+" 40M 7", "")
	expectMatch(t, vm, "swapoff vda", `^error: swapoff: vm: cannot allocate memory`)
	expectOut(t, vm, "check "+b+" 40M 7", "ok\n")
	expectOut(t, vm, "munmap "+addrPlus(t, b, 20<<20)+" 20M", "")
	expectOut(t, vm, "swapoff vda", "")
	expectOut(t, vm, "swaps", "Filename                                Type            Size            Used            Priority\n")
	expectMatch(t, vm, "meminfo", `(?m)^SwapTotal: +0 kB$`)
	expectOut(t, vm, "check "+b+" 20M 7", "ok\n")
	halt(t, vm, 0)
}

// A read error on the swap disk is a bus error for the page in that slot
// alone: every other page reads back, and the kernel runs on.
func TestSwapReadError(t *testing.T) {
	const badSlot = 100
	vm := boot(t, Options{Append: "mm.limit=32M", Drives: []Drive{swapDrive(t, 128<<20, badSlot*8)}})
	expectMatch(t, vm, "swapon vda", `^Adding`)
	a := mmapAddr(t, vm, "mmap 64M rw private,anon")
	expectOut(t, vm, "fill "+a+" 64M 3", "")
	bad := 0
	for mb := uint64(0); mb < 64; mb++ {
		out := run(t, vm, "check "+addrPlus(t, a, mb<<20)+" 1M 3")
		switch {
		case out == "ok\n":
		case regexp.MustCompile(`^fault: read of 0x[0-9a-f]+: bus error \(at `).MatchString(out):
			bad++
		default:
			t.Errorf("check of MiB %d: %q", mb, out)
		}
	}
	if bad != 1 {
		t.Errorf("%d MiB had a bus error, want exactly 1", bad)
	}
	if n := vmstatField(t, vm, "sigbus"); n != 1 {
		t.Errorf("sigbus %d, want 1", n)
	}
	expectOut(t, vm, "echo alive", "alive\n")
	halt(t, vm, 0)
}

// With memory and swap both full, the faulting access is out of memory:
// the kernel, the shell and the other address spaces' data stay.
func TestSwapOOM(t *testing.T) {
	vm := boot(t, Options{Append: "mm.limit=32M", Drives: []Drive{swapDrive(t, 16<<20)}})
	expectMatch(t, vm, "bench swap-in-seq pages=64", `^BENCH swap-in-seq unsupported \(no swap area \(swapon first\)\)\n$`)
	expectMatch(t, vm, "swapon vda", `^Adding`)
	// The swap benchmarks, small: every page comes back from the disk,
	// or from the swap cache for the fork's child.
	bench := run(t, vm, "bench swap-in-seq swap-in-rand swap-cache-hit pages=256")
	for _, re := range []string{
		`(?m)^BENCH swap-in-seq pages=256 faults=256 majfaults=[1-9]\d* ns/page=`,
		`(?m)^BENCH swap-in-rand pages=256 faults=256 majfaults=2[0-5]\d ns/page=`,
		`(?m)^BENCH swap-cache-hit pages=256 faults=256 majfaults=0 ns/page=`,
	} {
		if !regexp.MustCompile(re).MatchString(bench) {
			t.Errorf("bench lacks %s:\n%s", re, bench)
		}
	}
	expectMatch(t, vm, "swaps", `(?m)^/dev/vda +partition +16380 +0 +-2$`)
	a := mmapAddr(t, vm, "mmap 4M rw private,anon")
	expectOut(t, vm, "fill "+a+" 4M 1", "")
	id := strings.TrimSpace(expectMatch(t, vm, "as new", `^\d+\n$`)) // bench used some IDs
	expectOut(t, vm, "as switch "+id, "")
	b := mmapAddr(t, vm, "mmap 96M rw private,anon,noreserve")
	expectMatch(t, vm, "fill "+b+" 96M 2", `^fault: write of 0x[0-9a-f]+: out of memory \(at `)
	expectOut(t, vm, "echo alive", "alive\n")
	// The first space's pages went to swap, and memory is full: they
	// come back once the second space is gone (no OOM killer here).
	expectOut(t, vm, "as switch 1", "")
	expectOut(t, vm, "as free "+id, "")
	expectOut(t, vm, "check "+a+" 4M 1", "ok\n")
	halt(t, vm, 0)
}

// Under mm.oom=kill, memory and swap full make the fault kill the
// address space with the most memory instead: the faulting command
// completes with its data, the victim is gone, the kernel reports it.
// When the faulting address space is itself the largest, it is the one
// killed: its access fails, and it stays, empty, as the current one.
func TestSwapOOMKill(t *testing.T) {
	vm := boot(t, Options{Append: "mm.limit=32M mm.oom=kill", Drives: []Drive{swapDrive(t, 16<<20)}})
	if !strings.Contains(vm.Log(), "mm.oom: kill: out of memory and swap, a fault kills the largest address space") {
		t.Errorf("no mm.oom line at boot")
	}
	expectMatch(t, vm, "swapon vda", `^Adding`)
	a := mmapAddr(t, vm, "mmap 32M rw private,anon,noreserve")
	expectOut(t, vm, "fill "+a+" 32M 1", "")
	expectOut(t, vm, "as new", "2\n")
	expectOut(t, vm, "as switch 2", "")
	b := mmapAddr(t, vm, "mmap 24M rw private,anon,noreserve")
	expectMatch(t, vm, "fill "+b+" 24M 2", `^Out of memory: Killed address space 1, anon-rss:\d+kB, swap:\d+kB, pgtables:\d+kB; \d+kB freed\n$`)
	expectOut(t, vm, "check "+b+" 24M 2", "ok\n")
	expectMatch(t, vm, "as", `^ID +VMAs +RSS\n2 +\d+ +\d+ kB \*\n$`)
	if n := vmstatField(t, vm, "oom_kill"); n != 1 {
		t.Errorf("oom_kill %d, want 1", n)
	}
	c := mmapAddr(t, vm, "mmap 64M rw private,anon,noreserve")
	expectMatch(t, vm, "fill "+c+" 64M 3", `^Out of memory: Killed address space 2, .*\naddress space 2 was current: its mappings are gone, it stays current\nfault: write of 0x[0-9a-f]+: out of memory \(at `)
	expectOut(t, vm, "maps", "")
	d := mmapAddr(t, vm, "mmap 8M rw private,anon")
	expectOut(t, vm, "fill "+d+" 8M 4", "")
	expectOut(t, vm, "check "+d+" 8M 4", "ok\n")
	halt(t, vm, 0)
}

// A tmpfs file four times mm.limit, mapped shared by two address spaces:
// written in one, checked in the other, in random order, through swap;
// then, cut down, swapoff brings its pages back.
func TestSwapTmpfs(t *testing.T) {
	vm := boot(t, Options{Append: "mm.limit=32M", Drives: []Drive{swapDrive(t, 192<<20)}})
	expectMatch(t, vm, "swapon vda", `^Adding`)
	expectMatch(t, vm, "mount tmpfs /big size=160M", `^tmpfs on /big`)
	expectOut(t, vm, "create /big/f", "")
	expectOut(t, vm, "truncate /big/f 128M", "")
	a := mmapAddr(t, vm, "mmap 128M rw shared /big/f")
	expectOut(t, vm, "fill "+a+" 128M 5 order=random", "")
	expectMatch(t, vm, "as new", `^2\n$`)
	expectOut(t, vm, "as switch 2", "")
	mmapAddr(t, vm, "mmap 128M rw shared,fixed="+a+" /big/f")
	expectOut(t, vm, "check "+a+" 128M 5 order=random", "ok\n")
	if out, in := vmstatField(t, vm, "pswpout"), vmstatField(t, vm, "pswpin"); out < 3*8192 || in == 0 {
		t.Errorf("pswpout %d pswpin %d: the tmpfs file did not go through swap", out, in)
	}
	expectOut(t, vm, "munmap "+a+" 128M", "")
	expectOut(t, vm, "as switch 1", "")
	expectOut(t, vm, "munmap "+a+" 128M", "")
	expectOut(t, vm, "truncate /big/f 8M", "")
	expectOut(t, vm, "swapoff vda", "")
	expectMatch(t, vm, "meminfo", `(?m)^Shmem: +8192 kB$`)
	b := mmapAddr(t, vm, "mmap 8M r shared,fixed="+a+" /big/f")
	expectOut(t, vm, "check "+b+" 8M 5", "ok\n")
	halt(t, vm, 0)
}

// A shared anonymous mapping four times mm.limit, shared with a fork:
// written in one address space in random order, checked in the other,
// through swap (its pages are its unnamed tmpfs object's); its slots go
// with its last mapping. Then two smaller objects: swapoff cannot bring
// both back (ENOMEM, nothing lost), and can once one is unmapped.
func TestSwapShmem(t *testing.T) {
	vm := boot(t, Options{Append: "mm.limit=32M", Drives: []Drive{swapDrive(t, 192<<20)}})
	expectMatch(t, vm, "swapon vda", `^Adding`)
	a := mmapAddr(t, vm, "mmap 128M rw shared,anon")
	expectOut(t, vm, "fork", "2\n")
	expectOut(t, vm, "fill "+a+" 128M 5 order=random", "")
	expectOut(t, vm, "as switch 2", "")
	expectOut(t, vm, "check "+a+" 128M 5 order=random", "ok\n")
	if out, in := vmstatField(t, vm, "pswpout"), vmstatField(t, vm, "pswpin"); out < 3*8192 || in == 0 {
		t.Errorf("pswpout %d pswpin %d: the shared anonymous pages did not go through swap", out, in)
	}
	// The child's writes are the parent's.
	expectOut(t, vm, "fill "+a+" 1M 6", "")
	expectOut(t, vm, "as switch 1", "")
	expectOut(t, vm, "check "+a+" 1M 6", "ok\n")
	expectOut(t, vm, "check "+addrPlus(t, a, 1<<20)+" 127M 5", "ok\n")
	expectOut(t, vm, "as free 2", "")
	expectOut(t, vm, "munmap "+a+" 128M", "")
	expectMatch(t, vm, "swaps", `(?m)^/dev/vda +partition +196604 +0 +-2$`)

	b := mmapAddr(t, vm, "mmap 20M rw shared,anon")
	c := mmapAddr(t, vm, "mmap 20M rw shared,anon")
	expectOut(t, vm, "fill "+b+" 20M 7", "")
	expectOut(t, vm, "fill "+c+" 20M 8", "")
	expectMatch(t, vm, "swapoff vda", `^error: swapoff: shared anonymous memory: unswap /dev/zero page \d+: tmpfs: cannot allocate memory`)
	expectOut(t, vm, "check "+b+" 20M 7", "ok\n")
	expectOut(t, vm, "check "+c+" 20M 8", "ok\n")
	expectOut(t, vm, "munmap "+c+" 20M", "")
	expectOut(t, vm, "swapoff vda", "")
	expectOut(t, vm, "swaps", "Filename                                Type            Size            Used            Priority\n")
	expectOut(t, vm, "check "+b+" 20M 7", "ok\n")
	expectMatch(t, vm, "meminfo", `(?m)^Shmem: +20480 kB$`)
	halt(t, vm, 0)
}

// memory.max=16M caps user memory however much is free, as a memory
// cgroup's memory.max: with no swap a fill of 32M runs out of memory at
// the cap (memory.events' oom), with swap a working set of three times
// the cap goes through swap while most of memory stays free; the
// charge never passes the cap; memcg sets it, and refuses bad values.
func TestMemoryMax(t *testing.T) {
	vm := boot(t, Options{Append: "memory.max=16M", Drives: []Drive{swapDrive(t, 96<<20)}})
	if !strings.Contains(vm.Log(), "memory.max: 16777216\n") {
		t.Errorf("no memory.max line at boot")
	}
	memcg := func() (current uint64, max string, events []uint64) {
		out := run(t, vm, "memcg")
		m := regexp.MustCompile(`^memory\.current (\d+)\nmemory\.max (\w+)\nmemory\.events max (\d+) oom (\d+)\n$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("memcg printed:\n%s", out)
		}
		current, _ = strconv.ParseUint(m[1], 10, 64)
		maxEv, _ := strconv.ParseUint(m[3], 10, 64)
		oomEv, _ := strconv.ParseUint(m[4], 10, 64)
		return current, m[2], []uint64{maxEv, oomEv}
	}
	a := mmapAddr(t, vm, "mmap 32M rw private,anon")
	expectMatch(t, vm, "fill "+a+" 32M 1", `^fault: write of 0x[0-9a-f]+: out of memory \(at `)
	if cur, max, ev := memcg(); cur > 16<<20 || max != "16777216" || ev[1] == 0 {
		t.Errorf("after the fill without swap: memory.current %d, memory.max %s, events %v", cur, max, ev)
	}
	expectOut(t, vm, "munmap "+a+" 32M", "")
	expectMatch(t, vm, "swapon vda", `^Adding`)
	b := mmapAddr(t, vm, "mmap 48M rw private,anon")
	expectOut(t, vm, "fill "+b+" 48M 2 order=random", "")
	expectOut(t, vm, "check "+b+" 48M 2 order=random", "ok\n")
	cur, _, ev := memcg()
	if cur > 16<<20 || cur < 15<<20 || ev[0] == 0 {
		t.Errorf("after 48M through swap: memory.current %d, events %v: want 15M..16M, max events", cur, ev)
	}
	if out := vmstatField(t, vm, "pswpout"); out < 8192 {
		t.Errorf("pswpout %d: the working set did not go through swap", out)
	}
	expectMatch(t, vm, "meminfo", `(?m)^MemFree: +[1-9]\d{5,} kB$`) // 100 MB or more free
	// Lowering the cap reclaims down to it at once; max lifts it.
	expectMatch(t, vm, "memcg max=8M", `(?m)^memory\.max 8388608$`)
	if cur, _, _ := memcg(); cur > 8<<20 {
		t.Errorf("memory.current %d after memcg max=8M", cur)
	}
	expectOut(t, vm, "check "+b+" 48M 2", "ok\n")
	expectMatch(t, vm, "memcg max=max", `(?m)^memory\.max max$`)
	expectOut(t, vm, "check "+b+" 48M 2", "ok\n")
	if cur, _, _ := memcg(); cur < 48<<20 {
		t.Errorf("memory.current %d after reading 48M back without a cap", cur)
	}
	expectMatch(t, vm, "memcg max=lots", `^error: memcg: bad number "lots"`)
	expectMatch(t, vm, "memcg 8M", `^error: memcg: .*want max=SIZE or max=max`)
	expectMatch(t, vm, "memcg max=100", `^error: memcg: .*below one page`)
	halt(t, vm, 0)
}
