//go:build !tamago

package shell

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/mm/vm"
)

type fakeMachine struct {
	uptime time.Duration
	halts  []uint8
}

func (m *fakeMachine) Uptime() time.Duration { return m.uptime }
func (m *fakeMachine) Cycles() uint64        { return uint64(m.uptime) }
func (m *fakeMachine) Realtime() int64       { return int64(m.uptime) }
func (m *fakeMachine) Halt(s uint8)          { m.halts = append(m.halts, s) }

// runShell feeds input to a shell until it halts or the input ends, and
// returns the console output.
func runShell(t *testing.T, m *fakeMachine, input string) string {
	t.Helper()
	in := make(chan byte, len(input))
	for i := 0; i < len(input); i++ {
		in <- input[i]
	}
	close(in)
	var out strings.Builder
	frames := testFrames(t)
	sh := NewShell(Config{
		Machine:  m,
		In:       in,
		Out:      &out,
		MemTotal: 1 << 30,
		Frames:   frames,
		Kernel:   testKernelTable(t, frames),
		Cmdline:  mustCmdline(t, `mm.limit=64M quiet msg="a b"`),
	})
	sh.Run()
	return out.String()
}

func TestShellCommands(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // regexps that must match the output, in order
		halts    []uint8
	}{
		{"help lists every command", "help\n", []string{
			`(?m)^help +list the commands$`,
			`(?m)^echo \[WORD\.\.\.\] +print`,
			`(?m)^uptime +print the seconds`,
			`(?m)^sleep MS +sleep`,
			`(?m)^cmdline +print the kernel command line`,
			`(?m)^meminfo +print memory`,
			`(?m)^buddyinfo +print free blocks`,
			`(?m)^halt \[N\] +sync the filesystems, then stop the machine`,
		}, []uint8{0}},
		{"cmdline", "cmdline\n", []string{`(?m)^mm.limit=64M quiet msg="a b"\n  mm.limit=64M\n  quiet\n  msg=a b\n`}, []uint8{0}},
		{"pt mapped", "pt 0x201234\n", []string{
			`(?m)^PML4\[  0\] @0x[0-9a-f]+ += 0x[0-9a-f]{16}  P RW$`,
			`(?m)^PDPT\[  0\] `,
			`(?m)^PD  \[  1\] `,
			`(?m)^PT  \[  1\] @0x[0-9a-f]+ += 0x0000000000abc101  P G$`,
			`(?m)^0x201234 -> 0xabc234 \(4K page\): read, execute; supervisor$`,
		}, []uint8{0}},
		{"pt unmapped", "pt 0x200000\n", []string{`(?m)^PT  \[  0\] .* = 0x0{16}  -\n0x200000: not mapped: the PT entry is not present$`}, []uint8{0}},
		{"echo", "echo hello   pagoda\n", []string{`(?m)^hello pagoda$`}, []uint8{0}},
		{"echo nothing", "echo\n", []string{`(?m)^$`}, []uint8{0}},
		{"uptime", "uptime\n", []string{`(?m)^12\.000345678$`}, []uint8{0}},
		{"meminfo", "meminfo\n", []string{
			`(?m)^MemTotal:        1048576 kB$`,
			`(?m)^MemFree:           16304 kB$`,
			`(?m)^MemAvailable:      16304 kB$`,
			`(?m)^AnonPages:             0 kB$`,
			`(?m)^Mapped:                0 kB$`,
			`(?m)^PageTables:           16 kB$`,
			`(?m)^FrameTable:           64 kB$`,
		}, []uint8{0}},
		{"buddyinfo", "buddyinfo\n", []string{
			`(?m)^Node 0, zone   Normal      0      0      1      1      0      1      1      1      1      1      3 $`,
		}, []uint8{0}},
		{"sleep accepts suffixes", "sleep 0x1\nsleep 0K\nsleep 2\n", []string{`sleep 0x1\npagoda> sleep 0K\npagoda> sleep 2\npagoda> \nend of input`}, []uint8{0}},
		{"halt default", "halt\necho never\n", []string{`pagoda: halt 0\n$`}, []uint8{0}},
		{"halt N", "halt 42\n", []string{`pagoda: halt 42\n$`}, []uint8{42}},
		{"halt hex", "halt 0x7f\n", []string{`pagoda: halt 127\n$`}, []uint8{127}},
		{"end of input halts 0", "echo a\n", []string{`end of input\npagoda: halt 0\n$`}, []uint8{0}},
		{"ctrl-c drops a halt", "halt 9\x03\n", []string{`halt 9\^C\n`, `end of input`}, []uint8{0}},
	} {
		m := &fakeMachine{uptime: 12*time.Second + 345678}
		out := runShell(t, m, tc.in)
		rest := out
		for _, re := range tc.want {
			loc := regexp.MustCompile(re).FindStringIndex(rest)
			if loc == nil {
				t.Errorf("%s: output lacks %s after the previous match:\n%s", tc.name, re, out)
				break
			}
			rest = rest[loc[1]:]
		}
		if strings.Contains(out, "error:") {
			t.Errorf("%s: unexpected error:\n%s", tc.name, out)
		}
		if got, want := m.halts, tc.halts; len(got) != len(want) || (len(got) > 0 && got[0] != want[0]) {
			t.Errorf("%s: halts %v, want %v", tc.name, got, want)
		}
	}
}

func TestShellBadInput(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"frobnicate", `error: unknown command "frobnicate" (try help)`},
		{"sleep", `error: usage: sleep MS`},
		{"sleep 1 2", `error: usage: sleep MS`},
		{"sleep abc", `error: sleep: bad number "abc": unexpected 'a'`},
		{"sleep -5", `error: sleep: bad number "-5"`},
		{"sleep 18446744073709551615", `error: sleep: 18446744073709551615 ms is too long`},
		{"sleep 99999999999999999999", `error: sleep: bad number "99999999999999999999": out of range`},
		{"halt 128", `error: halt: status 128 out of range 0..127`},
		{"halt 1G", `error: halt: status 1073741824 out of range 0..127`},
		{"halt x", `error: halt: bad number "x"`},
		{"halt 1 2", `error: usage: halt [N]`},
		{"uptime now", `error: usage: uptime`},
		{"help me", `error: usage: help`},
		{"meminfo -v", `error: usage: meminfo`},
	} {
		m := &fakeMachine{}
		out := runShell(t, m, tc.in+"\necho still alive\n")
		if !strings.Contains(out, tc.want) {
			t.Errorf("%q: output lacks %q:\n%s", tc.in, tc.want, out)
		}
		if strings.Count(out, "error:") != 1 {
			t.Errorf("%q: want exactly one error line:\n%s", tc.in, out)
		}
		if !strings.Contains(out, "\nstill alive\n") || len(m.halts) != 1 || m.halts[0] != 0 {
			t.Errorf("%q: shell did not carry on to end of input (halts %v):\n%s", tc.in, m.halts, out)
		}
	}
}

func TestShellRecoversPanickingCommand(t *testing.T) {
	var out strings.Builder
	sh := NewShell(Config{Machine: &fakeMachine{}, Out: &out})
	sh.commands = append(sh.commands, Command{Name: "boom", MaxArgs: 0,
		Run: func(*Shell, []string) error { panic("kaboom") }})
	sh.Exec("boom")
	if got := out.String(); got != "error: internal error in boom: kaboom\n" {
		t.Errorf("output %q", got)
	}
}

// Bytes typed during sleep belong to the next command line; Ctrl-C ends
// the sleep at once.
func TestShellSleepKeepsTypeahead(t *testing.T) {
	in := make(chan byte, 64)
	var out strings.Builder
	m := &fakeMachine{}
	sh := NewShell(Config{Machine: m, In: in, Out: &out, Frames: testFrames(t)})
	done := make(chan struct{})
	go func() { sh.Run(); close(done) }()
	for _, c := range []byte("sleep 60000\necho typed ahead\n") {
		in <- c
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	in <- ctrlC
	for _, c := range []byte("halt 7\n") {
		in <- c
	}
	<-done
	if time.Since(start) > 10*time.Second {
		t.Fatal("Ctrl-C did not interrupt sleep")
	}
	if !strings.Contains(out.String(), "^C\n") || !strings.Contains(out.String(), "\ntyped ahead\n") {
		t.Errorf("output:\n%s", out.String())
	}
	if len(m.halts) != 1 || m.halts[0] != 7 {
		t.Errorf("halts %v, want [7]", m.halts)
	}
}

// FuzzShellExec runs arbitrary command lines: none may panic out of Exec,
// and each produces at most one error line.
func FuzzShellExec(f *testing.F) {
	for _, s := range []string{"help", "echo a b", "sleep 1", "halt 200", "meminfo", "uptime", "sleep 0x", "x y z", "pt 0x1000", "pt -1",
		"mmap 64K rw private,anon", "mmap 4K 3 0x22", "mmap 8K rx shared,anon,fixed=0x200000000000,noreplace", "mmap 4K none private,anon,populate,noreserve",
		"mmap 4K rw shared /tmp/f 4K", "mmap 1T rw private,anon,noreserve", "mprotect 0x7fffffff0000 4K r", "madvise 0x7fffffff0000 8K dontneed",
		"mount tmpfs /mnt size=1M", "mount tmpfs /mnt size=50%,nr_inodes=10", "mount tmpfs /mnt mode=1777", "write /tmp/f hello", "truncate /tmp/f 1G",
		"fill 0x7fffffff0000 8K 1", "check 0x7fffffff0000 8K 1 order=random", "touch 0x7fffffff0000 8K w", "sum 0x7fffffff0000 16",
		"msync 0x7fffffff0000 4K async", "mincore 0x7fffffff0000 4K", "as new", "fork", "as switch 2", "smaps", "vmstat",
		"fill 0x7fffffff0000 8K 1 order=zipf:1 accesses=4", "check 0x7fffffff0000 8K 1 order=hotcold:10:90 accesses=3",
		"touch 0x7fffffff0000 8K r order=loop seed=2", "touch 0x7fffffff0000 8K w order=zipf:0.8 accesses=1K seed=7",
		"write /tmp/t 1", "fill 0x7fffffff0000 8K 1 order=trace:/tmp/t", "check 0x7fffffff0000 8K 1 order=trace:/tmp/f accesses=2",
		"fill 0x7fffffff0000 8K 1 order=zipf:-1", "fill 0x7fffffff0000 8K 1 order=random accesses=3", "touch 0x7fffffff0000 8K r order=hotcold:0:1",
		"check 0x7fffffff0000 8K 1 accesses=0 order=loop", "touch 0x7fffffff0000 8K r seed=1 seed=2"} {
		f.Add(s)
	}
	// One shell, configured as the kernel's (address spaces over the
	// simulator, a VFS with /tmp), so that the mmap, mount and address
	// range parsers are reached; its state carries from input to input.
	run, _ := simFileShell(f, 0x38_0000_0000, 16<<20)
	f.Fuzz(func(t *testing.T, line string) {
		if w := strings.Fields(line); len(w) > 0 && (w[0] == "sleep" || w[0] == "bench") {
			return // real time, long runs: covered by the table tests
		}
		for _, w := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(w, "accesses="); ok {
				if n, err := mm.ParseSize(v); err == nil && n > 1<<16 {
					return // a long run over memory already mapped
				}
			}
		}
		out := run(line)
		if n := strings.Count("\n"+out, "\nerror: "); n > 1 {
			t.Fatalf("%q: %d error lines", line, n)
		}
		if strings.Contains(out, "internal error") {
			t.Fatalf("%q: %s", line, out)
		}
	})
}

func mustCmdline(t *testing.T, s string) boot.Cmdline {
	c, err := boot.ParseCmdline(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testKernelTable is a page table over the test frames mapping one page:
// 0x201000 -> 0xabc000, read+execute, global.
func testKernelTable(t testing.TB, frames *frame.Allocator) *pagetable.Table {
	t.Helper()
	tbl, err := pagetable.New(vm.TableFrames(frames))
	if err != nil {
		t.Fatal(err)
	}
	if err := tbl.Map(0x201000, 0xabc000, pagetable.Size4K, pagetable.Global); err != nil {
		t.Fatal(err)
	}
	return tbl
}

// The mapping window of the tests' address spaces: the kernel's
// (kernel.WindowStart, kernel.WindowEnd).
const (
	testWindowStart mm.VirtAddr = 1 << 45
	testWindowEnd   mm.VirtAddr = 1 << 47
)

// testArena is 16 MiB of simulated memory at 16 MiB, registered once; the
// shell tests run one after another, each on a fresh allocator over it.
var testArena sync.Once

// testFrames is a fresh frame allocator over the test arena: a 64 KiB
// frame table (4096 records of 16 bytes), then free blocks of orders 4 to
// 9 up to the first 4 MiB boundary, and three 4 MiB blocks. (The shell
// tests' kernel table then takes four 4 KiB frames of the order-4 block.)
func testFrames(t testing.TB) *frame.Allocator {
	t.Helper()
	const base, size = 16 << 20, 16 << 20
	testArena.Do(func() { mm.RegisterArena(base, make([]byte, size)) })
	a, err := frame.New([]mm.AddrRange{{Start: base, End: base + size}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
