//go:build !tamago

package shell

import (
	"encoding/binary"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/sim"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/proc"
)

func TestParseProtAndFlags(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want vm.Prot
		ok   bool
	}{
		{"none", vm.ProtNone, true}, {"r", vm.ProtRead, true}, {"rw", vm.ProtRead | vm.ProtWrite, true},
		{"xwr", vm.ProtRead | vm.ProtWrite | vm.ProtExec, true}, {"", 0, false}, {"rr", 0, false}, {"rq", 0, false},
		// Linux's PROT_* numbers, checked as mprotect checks them.
		{"0", vm.ProtNone, true}, {"3", vm.ProtRead | vm.ProtWrite, true}, {"0x7", vm.ProtRead | vm.ProtWrite | vm.ProtExec, true},
		{"0x10", 0, false},
	} {
		got, err := parseProt(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseProt(%q) = %v, %v", tc.in, got, err)
		}
	}
	for _, tc := range []struct {
		in    string
		flags vm.Flags
		addr  mm.VirtAddr
		ok    bool
	}{
		{"private,anon", vm.MapPrivate | vm.MapAnonymous, 0, true},
		{"shared,anon,populate,noreserve", vm.MapShared | vm.MapAnonymous | vm.MapPopulate | vm.MapNoReserve, 0, true},
		{"private,anon,fixed=0x7fff00000000", vm.MapPrivate | vm.MapAnonymous | vm.MapFixed, 0x7fff00000000, true},
		{"private,anon,fixed=1G,noreplace", vm.MapPrivate | vm.MapAnonymous | vm.MapFixedNoReplace, 1 << 30, true},
		{"private,anon,noreplace", 0, 0, false},
		{"private,anon,fixed", 0, 0, false},
		{"private=1,anon", 0, 0, false},
		{"private,private", 0, 0, false},
		{"private,bogus", 0, 0, false},
		{"fixed=zz", 0, 0, false},
		// Linux's MAP_* numbers: MAP_PRIVATE|MAP_ANONYMOUS, MAP_SHARED|MAP_ANONYMOUS|MAP_POPULATE,
		// MAP_ANONYMOUS alone.
		{"0x22", vm.MapPrivate | vm.MapAnonymous, 0, true},
		{"0x8021", vm.MapShared | vm.MapAnonymous | vm.MapPopulate, 0, true},
		{"0x20", 0, 0, false},
	} {
		f, a, err := parseMapFlags(tc.in)
		if (err == nil) != tc.ok || (tc.ok && (f != tc.flags || a != tc.addr)) {
			t.Errorf("parseMapFlags(%q) = %v %v, %v", tc.in, f, a, err)
		}
	}
}

// simWindow is proc.WindowMemory over the simulated CPU: an unresolved fault
// panics with *arch.FaultError, as the trap handler makes it on the real
// machine.
type simWindow struct{ cpu *sim.CPU }

func (w simWindow) fault(err error) {
	var fe *sim.FaultError
	if !errors.As(err, &fe) {
		panic(err)
	}
	r := arch.ReasonNotMapped
	if fe.Code&arch.PFPresent != 0 {
		r = arch.ReasonProtection
	}
	panic(&arch.FaultError{Addr: uint64(fe.Addr), Access: arch.AccessOf(fe.Code), Reason: r, Code: fe.Code})
}

func (w simWindow) Load64(va uint64) uint64 {
	var b [8]byte
	if err := w.cpu.Read(mm.VirtAddr(va), b[:], false); err != nil {
		w.fault(err)
	}
	return binary.LittleEndian.Uint64(b[:])
}

func (w simWindow) Store64(va uint64, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	if err := w.cpu.Write(mm.VirtAddr(va), b[:], false); err != nil {
		w.fault(err)
	}
}

func (w simWindow) Touch(va uint64, write bool) {
	var b [1]byte
	var err error
	if write {
		err = w.cpu.Write(mm.VirtAddr(va), b[:], false)
	} else {
		err = w.cpu.Read(mm.VirtAddr(va), b[:], false)
	}
	if err != nil {
		w.fault(err)
	}
}

// The address-space commands, end to end on the simulator.
func TestVMCommands(t *testing.T) {
	run, _ := simShell(t, 0x10_0000_0000, 64<<20)
	addr := strings.TrimSpace(run("mmap 64K rw private,anon"))
	if addr != "0x7fffffff0000" {
		t.Fatalf("mmap: %q", addr)
	}
	for _, tc := range []struct{ line, want string }{
		{"fill " + addr + " 64K 7", ""},
		{"check " + addr + " 64K 7", "ok\n"},
		{"fork", "2\n"},
		{"as switch 2", ""},
		{"fill " + addr + " 8 9", ""},
		{"as switch 1", ""},
		{"check " + addr + " 64K 7", "ok\n"},
		{"as switch 2", ""},
		{"check " + addr + " 8 9", "ok\n"},
		{"as switch 1", ""},
		{"as free 2", ""},
		{"as", "ID     VMAs        RSS\n1         1      64 kB *\n"},
		{"mprotect " + addr + " 4K r", ""},
		{"fill " + addr + " 8 1", "fault: write of " + addr + ": protection violation\n"},
		{"munmap 0x7fffffff4000 4K", ""},
		{"touch 0x7fffffff4000 4K r", "fault: read of 0x7fffffff4000: not mapped\n"},
		{"maps", "7fffffff0000-7fffffff1000 r--p 00000000 00:00 0\n7fffffff1000-7fffffff4000 rw-p 00000000 00:00 0\n7fffffff5000-800000000000 rw-p 00000000 00:00 0\n"},
		{"mincore 0x7fffffff0000 16K", "1111\n"},
		{"madvise 0x7fffffff1000 4K dontneed", ""},
		{"mincore 0x7fffffff0000 16K", "1011\n"},
		{"mincore 0x7fffffff0000 24K", "error: mincore: vm: cannot allocate memory: [0x7fffffff0000, 0x7fffffff6000) is not wholly mapped\n"},
		{"madvise 0x7fffffff1000 4K often", "error: madvise: unknown advice \"often\" (normal, random, sequential, willneed, dontneed, or an MADV_* number)\n"},
		{"madvise 0x7fffffff1000 4K 0x63", "error: madvise: advice \"0x63\": EINVAL\n"},
		{"mmap 0 rw private,anon", "error: mmap: vm: invalid argument: length 0\n"},
		{"mmap 4K rw anon", "error: mmap: flags \"anon\": EINVAL\n"},
		{"mmap 4K rw private,anon,fixed=0x7fffffff0000,noreplace", "error: mmap: vm: mapping exists: [0x7fffffff0000, +0x1000)\n"},
		{"munmap 0x7fffffff0001 4K", "error: munmap: vm: invalid argument: munmap(0x7fffffff0001, 4096)\n"},
		{"fill 0x1000 8 1", "error: fill: [0x1000, +0x8) is outside the mapping window [0x200000000000, 0x800000000000)\n"},
		{"as switch 9", "error: as: no such address space: 9\n"},
		{"as free 1", "error: as: cannot free the current address space: switch to another first\n"},
		{"as bogus", "error: as: unknown subcommand \"bogus\" (new, switch ID, free ID)\n"},
	} {
		if got := run(tc.line); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.line, got, tc.want)
		}
	}
	bench := run("bench anon-write anon-read anon-retouch cow-write munmap swap-in-seq pages=16")
	for _, re := range []string{
		`(?m)^BENCH anon-write pages=16 faults=16 majfaults=0 ns/page=\d+\.\d ns/fault=\d+\.\d$`,
		`(?m)^BENCH anon-read pages=16 faults=16 majfaults=0 `,
		`(?m)^BENCH anon-retouch pages=16 faults=0 majfaults=0 ns/page=\d+\.\d ns/fault=0\.0$`,
		`(?m)^BENCH cow-write pages=16 faults=16 majfaults=0 `,
		`(?m)^BENCH munmap pages=16 faults=0 `,
		`(?m)^BENCH swap-in-seq unsupported \(no swap area \(swapon first\)\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(bench) {
			t.Errorf("bench lacks %s:\n%s", re, bench)
		}
	}
	if got := run("as"); got != "ID     VMAs        RSS\n1         3      56 kB *\n" {
		t.Errorf("bench left address spaces behind or switched away:\n%s", got)
	}
	for _, tc := range []struct{ line, want string }{
		{"bench nope", "error: bench: unknown benchmark \"nope\""},
		{"bench pages=0", "error: bench: pages=0 out of range"},
		{"bench pages=x", "error: bench: bad number \"x\""},
	} {
		if got := run(tc.line); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q", tc.line, got)
		}
	}
	// trace: the faults of a touch, in order, with their kinds.
	run("trace on")
	run("mmap 8K rw private,anon,fixed=0x7ffff0000000")
	run("touch 0x7ffff0000000 4K r")
	run("touch 0x7ffff0000000 8K w")
	run("touch 0x7ffff0000000 4K r") // no fault: already mapped
	run("touch 0x7ffff0004000 4K r") // no VMA: segv
	tr := run("trace show")
	if !regexp.MustCompile(`^# trace on, 4 faults recorded; time, address, access, kind, cycles\n` +
		`5\.000000000 0x7ffff0000000 read zero \d+\n` +
		`5\.000000000 0x7ffff0000000 write cow \d+\n` +
		`5\.000000000 0x7ffff0001000 write anon \d+\n` +
		`5\.000000000 0x7ffff0004000 read segv \d+\n$`).MatchString(tr) {
		t.Errorf("trace show:\n%s", tr)
	}
	if got := run("trace show 1"); !strings.HasSuffix(got, "read segv 5000000000\n") && !regexp.MustCompile(`read segv \d+\n$`).MatchString(got) {
		t.Errorf("trace show 1: %q", got)
	}
	run("trace off")
	run("touch 0x7ffff0001000 4K r")
	if got := run("trace show 2"); !strings.HasPrefix(got, "# trace off, 4 faults recorded") {
		t.Errorf("trace off still records: %q", got)
	}
	for _, tc := range []struct{ line, want string }{
		{"trace show 0", "error: trace: N out of range 1..4096\n"},
		{"trace blink", "error: trace: unknown subcommand \"blink\" (on, off, show [N])\n"},
	} {
		if got := run(tc.line); got != tc.want {
			t.Errorf("%s: %q", tc.line, got)
		}
	}

	// smaps of the 8K mapping: one zero-page page was replaced by a
	// private dirty page, the other written: 8 kB private and dirty.
	sm := run("smaps")
	if !strings.Contains(sm, "7ffff0000000-7ffff0002000 rw-p 00000000 00:00 0\nSize:                  8 kB\nRss:                   8 kB\nPss:                   8 kB\nShared_Clean:          0 kB\nShared_Dirty:          0 kB\nPrivate_Clean:         0 kB\nPrivate_Dirty:         8 kB\nReferenced:            8 kB\nAnonymous:             8 kB\nAnonHugePages:         0 kB\nSwap:                  0 kB\n") {
		t.Errorf("smaps:\n%s", sm)
	}
	if fr := run("frames"); !regexp.MustCompile(`(?m)^anonymous +\d+ pages +\d+ kB$`).MatchString(fr) || strings.Count(fr, "\n") != 7 {
		t.Errorf("frames:\n%s", fr)
	}

	got := run("touch 0x7fffffff5000 8K w")
	if !regexp.MustCompile(`^touched 2 pages: 2 faults, \d+ ns, \d+ ns/page, \d+ cycles/page\n$`).MatchString(got) {
		t.Errorf("touch: %q", got)
	}
	vmstat := run("vmstat")
	for _, re := range []string{`(?m)^pgfault \d+$`, `(?m)^cow_fault [1-9]\d*$`, `(?m)^zero_page_fault \d+$`, `(?m)^pgalloc \d+$`, `(?m)^pgfree [1-9]\d*$`} {
		if !regexp.MustCompile(re).MatchString(vmstat) {
			t.Errorf("vmstat lacks %s:\n%s", re, vmstat)
		}
	}
}

// A benchmark that runs out of memory reports the fault and leaves no
// address space or frame behind.
func TestBenchOutOfMemory(t *testing.T) {
	run, mem := simShell(t, 0x20_0000_0000, 16<<20)
	run("as") // every command refills the reserves: count after one
	free := mem.Frames.Stats().FreePages
	// (simWindow names the reason from the error code; the real trap
	// handler names the resolver's, out of memory.) As many pages as
	// memory: the heuristic overcommit lets the mapping be, the faults
	// run out.
	if got := run("bench anon-write pages=4096"); !strings.HasPrefix(got, "fault: write of ") {
		t.Errorf("bench past memory: %q", got)
	}
	if got := run("as"); got != "ID     VMAs        RSS\n1         0       0 kB *\n" {
		t.Errorf("as after the failed bench:\n%s", got)
	}
	if got := mem.Frames.Stats().FreePages; got != free {
		t.Errorf("%d frames free after the failed bench, %d before", got, free)
	}
}

// simShell is a shell over size bytes of simulated memory at base, with
// address spaces on the simulated CPU; run executes a line and returns
// what it printed. The clock stands at 5 s.
func simShell(t *testing.T, base mm.PhysAddr, size uint64) (run func(string) string, mem *sim.Memory) {
	t.Helper()
	return simShellMM(t, base, size, nil)
}

// simShellMM is simShell with setup run on the MM first.
func simShellMM(t *testing.T, base mm.PhysAddr, size uint64, setup func(*vm.MM)) (run func(string) string, mem *sim.Memory) {
	t.Helper()
	cfg, mem := simConfig(t, base, size, func(m *vm.MM, mem *sim.Memory) {
		// Shared anonymous memory needs the internal tmpfs of a file
		// layer: one without disks or mounts, which the shell does not
		// see.
		m.Shmem = vfs.NewVFS(pagecache.New(mem.Frames), nil).ShmemFile
		if setup != nil {
			setup(m)
		}
	})
	return runner(cfg), mem
}

// simConfig is a shell's Config over size bytes of simulated memory at
// base: an MM (setup runs on it first) and its address spaces, on a
// simulated CPU whose faults they resolve.
func simConfig(t testing.TB, base mm.PhysAddr, size uint64, setup func(*vm.MM, *sim.Memory)) (Config, *sim.Memory) {
	t.Helper()
	mem, done := sim.NewMemory(base, size)
	t.Cleanup(done)
	m, err := vm.NewMM(mem.Frames, mem.Tables, testWindowStart, testWindowEnd, 0)
	if err != nil {
		t.Fatal(err)
	}
	setup(m, mem)
	cpu := sim.NewCPU()
	t.Cleanup(func() { cpu.LoadCR3(0) })
	spaces, err := proc.NewSpaces(m, cpu.LoadCR3, &fakeMachine{uptime: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cpu.Handler = func(va mm.VirtAddr, code uint64) bool {
		ok, _ := spaces.Resolve(va, code)
		return ok
	}
	return Config{Machine: &fakeMachine{}, Frames: mem.Frames, Spaces: spaces, Window: simWindow{cpu}}, mem
}

// runner is a shell over cfg, run one line at a time: it returns what
// the line printed.
func runner(cfg Config) func(string) string {
	var out strings.Builder
	cfg.Out = &out
	sh := NewShell(cfg)
	return func(line string) string {
		out.Reset()
		sh.Exec(line)
		return out.String()
	}
}
