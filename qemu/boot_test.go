package qemu

import (
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	pboot "github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
)

// kernelPath is the kernel built once for the whole test run; skipReason
// is set when the TamaGo toolchain cannot be obtained.
var kernelPath, skipReason string

// skipFile records a skip for make test to print: go test shows nothing of
// a passing package's output.
const skipFile = "build/SKIP"

func TestMain(m *testing.M) {
	// -short runs the host-side tests only (TestArgs, the user
	// programs on the host...): no kernel is built, boot tests skip.
	flag.Parse()
	if testing.Short() {
		skipReason = "-short: the boot tests need the kernel, which -short does not build"
		os.Exit(m.Run())
	}
	path, err := BuildKernel()
	root, _ := Root()
	switch {
	case errors.Is(err, ErrNoToolchain):
		skipReason = err.Error()
		line := fmt.Sprintf("*** SKIP: QEMU boot tests did not run: %s ***\n", skipReason)
		fmt.Print(line)
		os.MkdirAll(filepath.Join(root, "build"), 0o755)
		os.WriteFile(filepath.Join(root, skipFile), []byte(line), 0o644)
	case err != nil:
		fmt.Fprintf(os.Stderr, "building the kernel failed:\n%v\n", err)
		os.Exit(1)
	}
	kernelPath = path
	os.Exit(m.Run())
}

// Under TCG on a loaded 2-core machine a boot takes well under a second;
// the timeouts only stop a hung test.
const (
	bootTimeout = 60 * time.Second
	cmdTimeout  = 30 * time.Second
)

// accel is the accelerator the boot tests use: ACCEL from the environment
// (make test ACCEL=kvm), TCG by default.
var accel = os.Getenv("ACCEL")

// boot starts the kernel with o and waits for the first prompt. On test
// failure the console log is printed.
func boot(t *testing.T, o Options) *VM {
	t.Helper()
	return bootTo(t, o, regexp.QuoteMeta(Prompt))
}

// bootTo starts the kernel with o and waits for the regular expression
// prompt (that of the program init= starts).
func bootTo(t *testing.T, o Options, prompt string) *VM {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	o.Kernel = kernelPath
	o.Accel = accel
	vm, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		vm.Kill()
		if t.Failed() {
			t.Logf("console log:\n%s", vm.Log())
		}
	})
	if out, err := vm.Expect(prompt, bootTimeout); err != nil {
		t.Fatalf("no prompt %q: %v\n%s", prompt, err, out)
	}
	return vm
}

func run(t *testing.T, vm *VM, line string) string {
	t.Helper()
	out, err := vm.Run(line, cmdTimeout)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return out
}

// halt sends "halt n" and checks QEMU's exit status.
func halt(t *testing.T, vm *VM, n int) {
	t.Helper()
	if err := vm.Send(fmt.Sprintf("halt %d", n)); err != nil {
		t.Fatal(err)
	}
	status, err := vm.Wait(cmdTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if status != HaltStatus(n) {
		t.Fatalf("halt %d: QEMU exit status %d, want %d", n, status, HaltStatus(n))
	}
	if !strings.Contains(vm.Log(), fmt.Sprintf("pagoda: halt %d\n", n)) {
		t.Fatalf("halt %d: the kernel did not report the halt", n)
	}
}

func TestBootBanner(t *testing.T) {
	vm := boot(t, Options{})
	log := vm.Log()
	for _, re := range []string{
		`Pagoda on QEMU microvm: TSC \d+\.\d{3} MHz, (TSC calibrated against the LAPIC timer|kvm cpuid \(invariant TSC\))\n`,
		`BIOS-e820: \[mem 0x0000000000100000-0x000000003fffffff\] usable`,
		`memory: 1023 MiB RAM, \d+ MiB managed`,
		`boot to shell: \d+\.\d{3} ms`,
	} {
		if !regexp.MustCompile(re).MatchString(log) {
			t.Errorf("banner lacks %s", re)
		}
	}
	if strings.Contains(log, "error:") {
		t.Errorf("errors at boot")
	}
	halt(t, vm, 0)
}

func TestCommands(t *testing.T) {
	vm := boot(t, Options{Append: `mm.limit=64M quiet msg="a b"`})
	help := run(t, vm, "help")
	for _, cmd := range []string{"help", "echo", "uptime", "sleep", "cmdline", "meminfo", "buddyinfo", "pt", "halt"} {
		if !regexp.MustCompile(`(?m)^` + cmd + `( \S+)* {2,}\S`).MatchString(help) {
			t.Errorf("help has no line for %s:\n%s", cmd, help)
		}
	}
	if got := run(t, vm, "echo hello   bare  metal"); got != "hello bare metal\n" {
		t.Errorf("echo: %q", got)
	}
	if got := run(t, vm, "uptime"); !regexp.MustCompile(`^\d+\.\d{9}\n$`).MatchString(got) {
		t.Errorf("uptime: %q", got)
	}
	if got := run(t, vm, "cmdline"); got != "mm.limit=64M quiet msg=\"a b\"\n  mm.limit=64M\n  quiet\n  msg=a b\n" {
		t.Errorf("cmdline: %q", got)
	}
	mi := run(t, vm, "meminfo")
	if !regexp.MustCompile(`^MemTotal: +\d+ kB\nMemFree: +\d+ kB\nMemAvailable: +\d+ kB\nCached: +0 kB\nDirty: +0 kB\nWriteback: +0 kB\nAnonPages: +0 kB\nMapped: +0 kB\nShmem: +0 kB\nPageTables: +\d+ kB\nSwapCached: +0 kB\nActive: +0 kB\nInactive: +0 kB\nActive\(anon\): +0 kB\nInactive\(anon\): +0 kB\nActive\(file\): +0 kB\nInactive\(file\): +0 kB\nSwapTotal: +0 kB\nSwapFree: +0 kB\nCommitLimit: +\d+ kB\nCommitted_AS: +0 kB\nAnonHugePages: +0 kB\nFrameTable: +\d+ kB\n$`).MatchString(mi) {
		t.Errorf("meminfo: %q", mi)
	}
	// buddyinfo's free blocks add up to MemFree.
	bi := run(t, vm, "buddyinfo")
	m := regexp.MustCompile(`^Node 0, zone   Normal ((?: +\d+){11}) \n$`).FindStringSubmatch(bi)
	if m == nil {
		t.Fatalf("buddyinfo: %q", bi)
	}
	var freeKB uint64
	for order, f := range strings.Fields(m[1]) {
		n, _ := strconv.ParseUint(f, 10, 64)
		freeKB += n * 4 << order
	}
	if !strings.Contains(mi, fmt.Sprintf("MemFree:  %14d kB", freeKB)) {
		t.Errorf("buddyinfo adds up to %d kB free; meminfo says\n%s", freeKB, mi)
	}
	for _, line := range strings.Split(strings.TrimSpace(mi), "\n") {
		if len(line) != len("MemTotal:        1048188 kB") {
			t.Errorf("meminfo line %q is not in /proc/meminfo columns", line)
		}
	}
	for _, arg := range []string{"1", "0x10", "0K"} {
		if got := run(t, vm, "sleep "+arg); got != "" {
			t.Errorf("sleep %s: %q", arg, got)
		}
	}
	halt(t, vm, 0)
}

// Line editing over the serial line: backspace and DEL erase, Ctrl-C
// drops the line (a dropped halt must not halt), CR LF is one line end.
func TestLineEditing(t *testing.T) {
	vm := boot(t, Options{})
	if _, err := vm.Write([]byte("echo abx\x7fc\bd\r\n")); err != nil {
		t.Fatal(err)
	}
	if out, err := vm.Expect(`\nabd\r?\n`, cmdTimeout); err != nil {
		t.Fatalf("backspace: %v: %q", err, out)
	}
	if _, err := vm.Write([]byte("halt 3\x03")); err != nil {
		t.Fatal(err)
	}
	if out, err := vm.Expect(`\^C\r?\n`+regexp.QuoteMeta(Prompt), cmdTimeout); err != nil {
		t.Fatalf("ctrl-c: %v: %q", err, out)
	}
	if got := run(t, vm, "echo still here"); got != "still here\n" {
		t.Errorf("after ctrl-c: %q", got)
	}
	halt(t, vm, 4)
}

func TestBadInput(t *testing.T) {
	vm := boot(t, Options{})
	for _, tc := range []struct{ line, want string }{
		{"frobnicate", `error: unknown command "frobnicate" (try help)`},
		{"sleep", "error: usage: sleep MS"},
		{"sleep 12ms", `error: sleep: bad number "12ms"`},
		{"sleep 0xfffffffffffffffff", "out of range"},
		{"halt 128", "error: halt: status 128 out of range 0..127"},
		{"halt -1", `error: halt: bad number "-1"`},
		{"echo \x01\x02", ""},
		{strings.Repeat("x", 3000), "error: unknown command"},
	} {
		got := run(t, vm, tc.line)
		if tc.want == "" && got != "\n" || !strings.Contains(got, tc.want) {
			t.Errorf("%.20q: got %q, want %q", tc.line, got, tc.want)
		}
		if strings.Count(got, "error:") > 1 {
			t.Errorf("%.20q: more than one error line: %q", tc.line, got)
		}
	}
	halt(t, vm, 5)
}

// Every status 0..127 reaches QEMU's exit status distinctly.
func TestHaltStatuses(t *testing.T) {
	for n := 0; n <= 127; n++ {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			halt(t, boot(t, Options{}), n)
		})
	}
}

func TestPanicStatus(t *testing.T) {
	if skipReason != "" {
		t.Skip(skipReason)
	}
	vm, err := Start(Options{Kernel: kernelPath, Append: "pagoda.panic", Accel: accel})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Kill()
	defer func() {
		if t.Failed() {
			t.Logf("console log:\n%s", vm.Log())
		}
	}()
	status, err := vm.Wait(bootTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if status != PanicStatus {
		t.Errorf("QEMU exit status %d after a kernel panic, want %d", status, PanicStatus)
	}
	if log := vm.Log(); !strings.Contains(log, "panic: pagoda.panic on the command line") ||
		!strings.Contains(log, "pagoda: kernel panic") {
		t.Errorf("no panic report:\n%s", log)
	}
}

// End of a scripted console: Ctrl-D on an empty line halts with status 0.
func TestEndOfInput(t *testing.T) {
	vm := boot(t, Options{})
	if _, err := vm.Write([]byte("echo last\n\x04")); err != nil {
		t.Fatal(err)
	}
	status, err := vm.Wait(cmdTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if status != HaltStatus(0) || !strings.Contains(vm.Log(), "last\npagoda> \nend of input\npagoda: halt 0\n") {
		t.Errorf("status %d, log:\n%s", status, vm.Log())
	}
}

// MemTotal is what QEMU was given less the firmware's holes, RAM above
// 4 GiB included. The hole is [0x9fc00, 1 MiB); counted in whole pages, as
// the kernel counts memory, it is [0x9f000, 1 MiB): 388 KiB.
func TestMemSizes(t *testing.T) {
	for _, tc := range []struct {
		mem   string
		bytes uint64
	}{{"512M", 512 << 20}, {"1G", 1 << 30}, {"2G", 2 << 30}, {"4G", 4 << 30}} {
		t.Run(tc.mem, func(t *testing.T) {
			vm := boot(t, Options{Mem: tc.mem})
			m := regexp.MustCompile(`MemTotal: +(\d+) kB`).FindStringSubmatch(run(t, vm, "meminfo"))
			if m == nil {
				t.Fatal("no MemTotal")
			}
			kb, _ := strconv.ParseUint(m[1], 10, 64)
			want := (tc.bytes - (0x100000 - 0x9f000)) >> 10
			if kb != want {
				t.Errorf("MemTotal %d kB, want %d kB", kb, want)
			}
			halt(t, vm, 0)
		})
	}
}

// sleep 2000 takes 2.0 s ± 5 % of host time.
func TestSleepTiming(t *testing.T) {
	vm := boot(t, Options{})
	run(t, vm, "sleep 1") // warm up the path
	start := time.Now()
	run(t, vm, "sleep 2000")
	if d := time.Since(start); d < 1900*time.Millisecond || d > 2100*time.Millisecond {
		t.Errorf("sleep 2000 took %v of host time", d)
	}
	halt(t, vm, 0)
}

// uptime agrees with the host's elapsed time within 5 % over 10 s.
func TestUptimeTiming(t *testing.T) {
	vm := boot(t, Options{})
	uptime := func() (float64, time.Time) {
		before := time.Now()
		out := run(t, vm, "uptime")
		after := time.Now()
		v, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
		if err != nil {
			t.Fatalf("uptime: %q", out)
		}
		return v, before.Add(after.Sub(before) / 2)
	}
	u0, h0 := uptime()
	time.Sleep(10 * time.Second)
	u1, h1 := uptime()
	guest, host := u1-u0, h1.Sub(h0).Seconds()
	if r := guest / host; r < 0.95 || r > 1.05 {
		t.Errorf("uptime advanced %.3f s while the host's clock advanced %.3f s", guest, host)
	}
	t.Logf("uptime advanced %.3f s, host %.3f s", guest, host)
	halt(t, vm, 0)
}

// DISKS attaches images as virtio-blk devices: QEMU must accept the
// command line, and the kernel must boot with them present.
func TestBootWithDisks(t *testing.T) {
	dir := t.TempDir()
	raw, err := RawImage(dir, "raw.img", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Ext2Image(dir, "fs.img", 4<<20, 1024, "")
	if err != nil {
		t.Fatal(err)
	}
	vm := boot(t, Options{Disks: []string{raw, fs}})
	halt(t, vm, 0)
}

// pt shows the kernel's own tables: text present, read-only, executable;
// data writable and no-execute, both in the kernel window; RAM and MMIO in
// the direct map only; nothing identity-mapped, page 0 included. The
// addresses come from the kernel's ELF sections.
func TestPageTableWalk(t *testing.T) {
	vm := boot(t, Options{})
	f, err := elf.Open(kernelPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	text, data := f.Section(".text"), f.Section(".data")
	if text.Addr < pboot.KWindow || text.Addr >= pboot.KWindow+pboot.KWindowSize {
		t.Fatalf(".text at %#x, outside the kernel window", text.Addr)
	}
	dm := func(p uint64) uint64 { return mm.DirectMapBase + p }
	for _, tc := range []struct {
		addr uint64
		want []string
	}{
		{text.Addr + 0x100, []string{`(?m)^PT  \[...\] @0x[0-9a-f]+ += 0x[0-9a-f]{16}  P( A)? G$`,
			fmt.Sprintf(`-> %#x \(4K page\): read, execute; supervisor`, text.Addr+0x100-pboot.KWindow)}},
		// 4 KiB or 2 MiB pages, as the segment's alignment allows.
		{data.Addr + 0x10, []string{`(?m)^(PT  |PD  )\[...\] @0x[0-9a-f]+ += 0x[0-9a-f]{16}  P RW( A)?( D)?( PS)? G NX$`, `\((4K|2M) page\): read, write; supervisor`}},
		// Nothing below the window: not page 0, not the image's physical
		// address, not RAM, not MMIO.
		{0, []string{`(?m)^PDPT\[  0\] @0x[0-9a-f]+ += 0x0{16}  -$`, `0x0: not mapped: the PDPT entry is not present`}},
		{text.Addr + 0x100 - pboot.KWindow, []string{`not mapped: the PDPT entry is not present`}},
		{0x1000_0000, []string{`not mapped: the PDPT entry is not present`}},
		{0xfee0_0000, []string{`not mapped: the PD entry is not present`}},
		// The window maps the runtime region only.
		{pboot.KWindow, []string{`not mapped: the PD entry is not present`}},
		{pboot.KWindow + uint64(pboot.DMAStart), []string{`not mapped: the PD entry is not present`}},
		// The direct map: RAM read/write, MMIO uncached, page 0 absent.
		{dm(0), []string{`(?m)^PT  \[  0\] @0x[0-9a-f]+ += 0x0{16}  -$`, `not mapped: the PT entry is not present`}},
		{dm(0x1000_0000), []string{`(?m)^PML4\[273\] `, `(?m)^PD  \[128\] .* P RW( A)?( D)? PS G NX$`, `-> 0x10000000 \(2M page\): read, write; supervisor`}},
		{dm(0xfee0_0000), []string{`P RW PWT PCD( A)?( D)? PS G NX`}}, // A and D once the LAPIC is written (interrupts)
		{1 << 45, []string{`not mapped: the PML4 entry is not present`}},
	} {
		out := run(t, vm, fmt.Sprintf("pt %#x", tc.addr))
		for _, re := range tc.want {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("pt %#x lacks %s:\n%s", tc.addr, re, out)
			}
		}
	}
	if out := run(t, vm, "pt 0x800000000000"); !strings.HasPrefix(out, "error: pt: 0x800000000000 is not a canonical address") {
		t.Errorf("non-canonical: %q", out)
	}
	halt(t, vm, 0)
}

// peek and poke make real loads and stores; their faults are fixed up
// through the exception table and reported, and the shell carries on.
// RAM is reached through the direct map; its physical addresses fault.
func TestPeekPoke(t *testing.T) {
	vm := boot(t, Options{})
	f, err := elf.Open(kernelPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	text := f.Section(".text").Addr
	// The last frame of RAM (-m 1G), free in a fresh kernel.
	last := uint64(mm.DirectMapBase + 0x3ffff000)
	for _, tc := range []struct{ line, want string }{
		{"peek 0 8", "fault: read of 0x0: not mapped\n"},
		{"echo after", "after\n"},
		{fmt.Sprintf("poke %#x hi", text), fmt.Sprintf("fault: write of %#x: protection violation\n", text)},
		{"echo after", "after\n"},
		{fmt.Sprintf("peek %#x 8", text-pboot.KWindow), fmt.Sprintf("fault: read of %#x: not mapped\n", text-pboot.KWindow)},
		{"peek 0x200000000000 4", "fault: read of 0x200000000000: not mapped\n"},
		{"poke 0x3ffff000 hello", "fault: write of 0x3ffff000: not mapped\n"},
		{fmt.Sprintf("poke %#x hello pagoda", last), fmt.Sprintf("stored 12 bytes at %#x\n", last)},
		{fmt.Sprintf("peek %#x 12", last), fmt.Sprintf("%#016x  68 65 6c 6c 6f 20 70 61  67 6f 64 61              |hello pagoda|\n", last)},
		{fmt.Sprintf("peek %#x 16", last+0xff8), fmt.Sprintf("%#016x  00 00 00 00 00 00 00 00                           |........|\nfault: read of %#x: not mapped\n", last+0xff8, last+0x1000)},
		{"peek 0 0", "error: peek: length 0 out of range 1..65536\n"},
		{"peek 0xffffffffffffffff 2", "error: peek: 0xffffffffffffffff + 2 wraps around the address space\n"},
	} {
		if got := run(t, vm, tc.line); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.line, got, tc.want)
		}
	}
	if got := run(t, vm, fmt.Sprintf("peek %#x 16", text)); !regexp.MustCompile(`^0x[0-9a-f]{16}  ([0-9a-f]{2} ){8} ([0-9a-f]{2} ){8} \|.{16}\|\n$`).MatchString(got) {
		t.Errorf("peek of text: %q", got)
	}
	halt(t, vm, 0)
}

func TestSelftestPaging(t *testing.T) {
	vm := boot(t, Options{})
	out, err := vm.Run("selftest paging", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^selftest paging: 4K pages: 100000 faults resolved for 100000 pages; 100000 of 100000 4 KiB pages verified; \d+ cycles/fault in the resolver, \d+ cycles/fault end to end \(TSC\)$`,
		`(?m)^selftest paging: 2M pages: 64 faults resolved for 64 pages; 32768 of 32768 4 KiB pages verified;`,
		`(?m)^selftest paging: unresolvable fault recovered: read of 0x200040000000: not mapped \(at 0x[0-9a-f]+: .+\)$`,
		`(?m)^selftest paging: ok$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("selftest output lacks %s:\n%s", re, out)
		}
	}
	t.Log(out)
	if got := run(t, vm, "selftest nope"); got != "error: selftest: unknown self-test \"nope\" (have: paging, tlb, irq, ring3)\n" {
		t.Errorf("unknown selftest: %q", got)
	}
	halt(t, vm, 0)
}

// crash is a kernel bug: the full report, then the panic status.
func TestCrashReport(t *testing.T) {
	vm := boot(t, Options{})
	if err := vm.Send("crash"); err != nil {
		t.Fatal(err)
	}
	status, err := vm.Wait(cmdTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if status != PanicStatus {
		t.Errorf("QEMU exit status %d, want the panic status %d", status, PanicStatus)
	}
	log := vm.Log()
	for _, re := range []string{
		`pagoda: KERNEL BUG: page fault \(vector 14\) at rip 0x[0-9a-f]{16}\n`,
		`  error code 0x0{15}2: not present, write, supervisor\n`,
		`  cr2 0x0{15}8\n`,
		`  rax 0x[0-9a-f]{16}  rbx 0x[0-9a-f]{16}  rcx 0x[0-9a-f]{16}  rdx 0x[0-9a-f]{16}\n`,
		`  rip 0x[0-9a-f]{16}  rfl 0x[0-9a-f]{16}  cs  0x0{14}08  ss  0x0{14}10\n`,
		`  in github.com/pagoda-os/pagoda/kernel.MachineProber.Crash\+0x[0-9a-f]+ \(.*probe_unsafe_tamago.go:\d+\)\n`,
		`  instruction: mov qword ptr \[rax\], 0x2a\n`,
		`goroutine stack:\ngoroutine \d+ \[running\]:\n(.*\n)*github.com/pagoda-os/pagoda/kernel.MachineProber.Crash`,
		`pagoda: kernel panic: resetting\n`,
	} {
		if !regexp.MustCompile(re).MatchString(log) {
			t.Errorf("report lacks %s", re)
		}
	}
}

// A stack overflow is a page fault taken on its own IST stack: a report,
// not a triple fault, and the panic status.
func TestCrashStackReport(t *testing.T) {
	vm := boot(t, Options{})
	if err := vm.Send("crash stack"); err != nil {
		t.Fatal(err)
	}
	status, err := vm.Wait(cmdTimeout)
	if err != nil {
		t.Fatal(err)
	}
	log := vm.Log()
	if status != PanicStatus {
		t.Errorf("QEMU exit status %d, want %d", status, PanicStatus)
	}
	for _, re := range []string{
		`pagoda: KERNEL BUG: page fault \(vector 14\)`,
		`  cr2 0x0{13}7f8\n`,
		`rsp 0x0{13}800`,
		`the stack pointer is not usable \(a stack overflow\?\)`,
		`pagoda: kernel panic: resetting\n`,
	} {
		if !regexp.MustCompile(re).MatchString(log) {
			t.Errorf("report lacks %s", re)
		}
	}
}

// selftest tlb measures the INVLPG/flush crossover and sets the ceiling;
// the boot banner reports the measured zeroing and TLB figures.
func TestSelftestTLB(t *testing.T) {
	vm := boot(t, Options{})
	log := vm.Log()
	for _, re := range []string{
		`zeroing: rep-stosq \d+, sse \d+, non-temporal \d+, go-clear \d+, cycles/page; using (rep-stosq|sse|non-temporal|go-clear)\n`,
		`tlb: invalidating more than \d+ pages flushes the whole TLB \(measured\)\n`,
	} {
		if !regexp.MustCompile(re).MatchString(log) {
			t.Errorf("banner lacks %s", re)
		}
	}
	out, err := vm.Run("selftest tlb", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^selftest tlb: flush ceiling (\d+) pages \(was \d+\): invalidating more pages flushes the whole TLB$`).FindStringSubmatch(out)
	if m == nil || strings.Count(out, "selftest tlb: invlpg ") < 2 {
		t.Fatalf("selftest tlb:\n%s", out)
	}
	t.Log(out)
	halt(t, vm, 0)
}

// Address spaces (issue 4): demand-zero of 256 MiB shows in meminfo and
// goes back on munmap; fork isolation both ways; a write to a read-only
// mapping is a fault: line; MAP_FIXED replaces; a partial munmap leaves
// two VMAs and a hole that faults.
func TestAddressSpaces(t *testing.T) {
	vm := boot(t, Options{})
	anon := func() int {
		m := regexp.MustCompile(`AnonPages: +(\d+) kB`).FindStringSubmatch(run(t, vm, "meminfo"))
		if m == nil {
			t.Fatal("no AnonPages in meminfo")
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	expect := func(line, want string) {
		t.Helper()
		if got := run(t, vm, line); got != want {
			t.Errorf("%s:\n got %q\nwant %q", line, got, want)
		}
	}
	addr := strings.TrimSpace(run(t, vm, "mmap 256M rw private,anon"))
	if !regexp.MustCompile(`^0x[0-9a-f]+$`).MatchString(addr) {
		t.Fatalf("mmap printed %q", addr)
	}
	before := anon()
	out := run(t, vm, "touch "+addr+" 256M w")
	if !regexp.MustCompile(`^touched 65536 pages: 65536 faults, \d+ ns, \d+ ns/page, \d+ cycles/page\n$`).MatchString(out) {
		t.Errorf("touch: %q", out)
	}
	t.Logf("demand-zero: %s", strings.TrimSpace(out))
	if got := anon() - before; got != 256<<10 {
		t.Errorf("AnonPages grew by %d kB, want %d", got, 256<<10)
	}
	expect("munmap "+addr+" 256M", "")
	if got := anon(); got != before {
		t.Errorf("AnonPages %d kB after munmap, want %d", got, before)
	}

	// Fork isolation.
	a := strings.TrimSpace(run(t, vm, "mmap 64K rw private,anon"))
	expect("fill "+a+" 64K 7", "")
	if id := strings.TrimSpace(run(t, vm, "fork")); id != "2" {
		t.Fatalf("fork printed %q", id)
	}
	expect("as switch 2", "")
	expect("check "+a+" 64K 7", "ok\n")
	expect("fill "+a+" 32K 9", "")
	expect("as switch 1", "")
	expect("check "+a+" 64K 7", "ok\n")
	expect("fill "+a+" 64K 11", "")
	expect("as switch 2", "")
	expect("check "+a+" 32K 9", "ok\n")
	if got := run(t, vm, "check "+a+" 64K 9"); !strings.HasPrefix(got, "mismatch at ") {
		t.Errorf("child's second half should still hold the parent's old pattern: %q", got)
	}
	out = run(t, vm, "as")
	if !regexp.MustCompile(`(?m)^1 +1 +64 kB$`).MatchString(out) || !regexp.MustCompile(`(?m)^2 +1 +64 kB \*$`).MatchString(out) {
		t.Errorf("as:\n%s", out)
	}
	expect("as switch 1", "")
	expect("as free 2", "")
	if got := run(t, vm, "as free 1"); !strings.HasPrefix(got, "error: as: cannot free the current address space") {
		t.Errorf("as free 1: %q", got)
	}

	// A write to a read-only mapping is a fault, and the shell goes on.
	expect("mprotect "+a+" 4K r", "")
	if got := run(t, vm, "fill "+a+" 8 1"); !regexp.MustCompile(`^fault: write of ` + a + `: protection violation \(at 0x[0-9a-f]+: mov qword ptr \[.+\], .+\)\n$`).MatchString(got) {
		t.Errorf("write to read-only: %q", got)
	}
	expect("echo alive", "alive\n")

	// MAP_FIXED over an existing mapping replaces it (zero-filled again).
	base, _ := strconv.ParseUint(a[2:], 16, 64)
	p := func(off uint64) string { return fmt.Sprintf("%#x", base+off) }
	expect("mmap 4K rw private,anon,fixed="+p(0x2000), p(0x2000)+"\n")
	if got := run(t, vm, "check "+p(0x2000)+" 8 11"); !strings.HasPrefix(got, "mismatch at "+p(0x2000)) {
		t.Errorf("MAP_FIXED did not replace the old page: %q", got)
	}
	expect("check "+p(0x3000)+" 4K 11", "ok\n")
	if got := run(t, vm, "mmap 4K rw private,anon,fixed="+p(0x2000)+",noreplace"); !strings.HasPrefix(got, "error: mmap: vm: mapping exists") {
		t.Errorf("noreplace: %q", got)
	}

	// munmap in the middle of a VMA: two VMAs around a hole that faults.
	expect("munmap "+p(0x8000)+" 4K", "")
	maps := run(t, vm, "maps")
	for _, re := range []string{
		// the replaced page merged with its rw neighbours
		fmt.Sprintf(`(?m)^%x-%x r--p 00000000 00:00 0$`, base, base+0x1000),
		fmt.Sprintf(`(?m)^%x-%x rw-p 00000000 00:00 0$`, base+0x1000, base+0x8000),
		fmt.Sprintf(`(?m)^%x-[0-9a-f]+ rw-p 00000000 00:00 0$`, base+0x9000),
	} {
		if !regexp.MustCompile(re).MatchString(maps) {
			t.Errorf("maps lacks %s:\n%s", re, maps)
		}
	}
	if got := run(t, vm, "touch "+p(0x8000)+" 4K r"); !strings.HasPrefix(got, "fault: read of "+p(0x8000)+": not mapped") {
		t.Errorf("the hole: %q", got)
	}
	expect("mincore "+p(0)+" 32K", "11111111\n")
	if got := run(t, vm, "mincore "+p(0)+" 40K"); !strings.HasPrefix(got, "error: mincore: vm: cannot allocate memory") {
		t.Errorf("mincore over the hole: %q", got)
	}
	vmstat := run(t, vm, "vmstat")
	for _, name := range []string{"pgfault", "pgalloc", "pgfree", "cow_fault", "zero_page_fault"} {
		if !regexp.MustCompile(`(?m)^` + name + ` \d+$`).MatchString(vmstat) {
			t.Errorf("vmstat lacks %s:\n%s", name, vmstat)
		}
	}
	if got := run(t, vm, "fill 0x7ffffffff0000 64K 7"); !strings.HasPrefix(got, "error: fill: [0x7ffffffff0000, +0x10000) is outside the mapping window") {
		t.Errorf("out of window: %q", got)
	}
	expect("peek 0x7ffffffffff8 16", "fault: read of 0x800000000000: not mapped\n")
	halt(t, vm, 0)
}

// peek and poke of the mapping window fault on the current address space
// for real: untouched pages resolve, unresolvable ones are fault: lines.
func TestPeekPokeWindow(t *testing.T) {
	vm := boot(t, Options{})
	a := strings.TrimSpace(run(t, vm, "mmap 16K rw private,anon"))
	base, _ := strconv.ParseUint(a[2:], 16, 64)
	p := func(off uint64) string { return fmt.Sprintf("%#x", base+off) }
	for _, tc := range []struct{ line, want string }{
		{"peek " + p(0) + " 4", fmt.Sprintf("0x%016x  00 00 00 00                                       |....|\n", base)},
		{"poke " + p(0x1000) + " hi", "stored 2 bytes at " + p(0x1000) + "\n"},
		{"check " + p(0x2000) + " 8 0", "mismatch at " + p(0x2000) + ": 0x0000000000000000, want 0x"},
	} {
		got := run(t, vm, tc.line)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %q...", tc.line, got, tc.want)
		}
	}
	run(t, vm, "mprotect "+p(0x1000)+" 4K r")
	if got := run(t, vm, "poke "+p(0x1000)+" ho"); got != "fault: write of "+p(0x1000)+": protection violation\n" {
		t.Errorf("poke of read-only: %q", got)
	}
	run(t, vm, "munmap "+p(0x2000)+" 4K")
	if got := run(t, vm, "peek "+p(0x2000)+" 4"); got != "fault: read of "+p(0x2000)+": not mapped\n" {
		t.Errorf("peek of the hole: %q", got)
	}
	vmstat := run(t, vm, "vmstat")
	if !regexp.MustCompile(`(?m)^zero_page_fault [1-9]`).MatchString(vmstat) || !regexp.MustCompile(`(?m)^demand_zero_fault [1-9]`).MatchString(vmstat) {
		t.Errorf("peek/poke did not fault on the address space:\n%s", vmstat)
	}
	halt(t, vm, 0)
}

// Shared anonymous mappings stay shared across fork, both ways; one larger
// than memory is refused (its page index is made at mmap).
func TestSharedAcrossFork(t *testing.T) {
	vm := boot(t, Options{})
	a := strings.TrimSpace(run(t, vm, "mmap 64M rw shared,anon"))
	for _, tc := range []struct{ line, want string }{
		{"fill " + a + " 1M 5", ""},
		{"fork", "2\n"},
		{"as switch 2", ""},
		{"check " + a + " 1M 5", "ok\n"},
		{"fill " + a + " 8 6", ""},
		{"as switch 1", ""},
		{"check " + a + " 8 6", "ok\n"},
		{"fill " + a + " 16 7", ""},
		{"as switch 2", ""},
		{"check " + a + " 16 7", "ok\n"},
		{"maps", a[2:] + "-7ffffffff000 rw-s 00000000 00:01 0                          /dev/zero (deleted)\n"},
		{"mmap 1G rw shared,anon", "error: mmap: vm: cannot allocate memory: shared mappings of 0x40000000 more bytes would outgrow memory\n"},
	} {
		if got := run(t, vm, tc.line); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.line, got, tc.want)
		}
	}
	halt(t, vm, 0)
}

// bench prints one BENCH line per benchmark; under ICOUNT=1 two boots give
// identical figures (one instruction is one virtual nanosecond).
func TestBenchICount(t *testing.T) {
	if accel == "kvm" {
		t.Skip("ICOUNT needs TCG")
	}
	var lines [2]string
	for i := range lines {
		// A fresh disk each boot: the file benchmarks make their file.
		img, err := Ext2Image(t.TempDir(), "bench.img", 32<<20, 4096, "")
		if err != nil {
			t.Fatal(err)
		}
		vm := boot(t, Options{ICount: true, Disks: []string{img}})
		run(t, vm, "mount vda /mnt")
		out, err := vm.Run("bench anon-write anon-read anon-retouch cow-write munmap file-read-hit file-shared-write file-private-write file-read-cold tmpfs-shared-read pages=1024", 5*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []string{
			`(?m)^BENCH anon-write pages=1024 faults=1024 majfaults=0 ns/page=\d+\.\d ns/fault=\d+\.\d$`,
			`(?m)^BENCH anon-read pages=1024 faults=1024 majfaults=0 `,
			`(?m)^BENCH anon-retouch pages=1024 faults=0 majfaults=0 `,
			`(?m)^BENCH cow-write pages=1024 faults=1024 majfaults=0 `,
			`(?m)^BENCH munmap pages=1024 faults=0 majfaults=0 `,
			`(?m)^BENCH file-read-hit pages=1024 faults=1024 majfaults=0 `,
			`(?m)^BENCH file-shared-write pages=1024 faults=1024 majfaults=0 `,
			`(?m)^BENCH file-private-write pages=1024 faults=1024 majfaults=0 `,
			`(?m)^BENCH file-read-cold pages=1024 faults=1024 majfaults=[1-9]\d* `,
			`(?m)^BENCH tmpfs-shared-read pages=1024 faults=1024 majfaults=0 `,
		} {
			if !regexp.MustCompile(re).MatchString(out) {
				t.Errorf("bench lacks %s:\n%s", re, out)
			}
		}
		// A major fault waits for the disk, whose completion time QEMU
		// does not count in instructions: only its fault count repeats.
		lines[i] = regexp.MustCompile(`(?m)^(BENCH file-read-cold .*majfaults=\d+) .*$`).ReplaceAllString(out, "$1 (timing varies)")
		halt(t, vm, 0)
	}
	if lines[0] != lines[1] {
		t.Errorf("ICOUNT figures differ between two boots:\n%s\n%s", lines[0], lines[1])
	}
	t.Logf("ICOUNT=1:\n%s", lines[0])
}

// trace, smaps and frames on the real machine.
func TestIntrospection(t *testing.T) {
	vm := boot(t, Options{})
	a := strings.TrimSpace(run(t, vm, "mmap 64K rw private,anon"))
	run(t, vm, "trace on")
	run(t, vm, "fill "+a+" 32K 1")
	run(t, vm, "touch "+a+" 64K r")
	tr := run(t, vm, "trace show 16")
	if !regexp.MustCompile(`^# trace on, 16 faults recorded; time, address, access, kind, cycles\n(\d+\.\d{9} 0x[0-9a-f]+ write anon \d+\n){8}(\d+\.\d{9} 0x[0-9a-f]+ read zero \d+\n){8}$`).MatchString(tr) {
		t.Errorf("trace show 16:\n%s", tr)
	}
	run(t, vm, "fork")
	sm := run(t, vm, "smaps")
	for _, re := range []string{
		`(?m)^Size: +64 kB$`, `(?m)^Rss: +32 kB$`, `(?m)^Pss: +16 kB$`,
		`(?m)^Shared_Dirty: +32 kB$`, `(?m)^Private_Dirty: +0 kB$`, `(?m)^Referenced: +32 kB$`,
	} {
		if !regexp.MustCompile(re).MatchString(sm) {
			t.Errorf("smaps lacks %s:\n%s", re, sm)
		}
	}
	fr := run(t, vm, "frames")
	for _, state := range []string{"free", "reserved", "kernel", "page table", "anonymous", "page cache", "swap cache"} {
		if !regexp.MustCompile(`(?m)^` + state + ` +\d+ pages +\d+ kB$`).MatchString(fr) {
			t.Errorf("frames lacks %s:\n%s", state, fr)
		}
	}
	halt(t, vm, 0)
}

// The kernel window is the one hole in the user range: MAP_FIXED just
// below and just above it works, into it is ENOMEM, and munmap of it
// EINVAL (README, "Memory layout").
func TestKernelHole(t *testing.T) {
	vm := boot(t, Options{})
	for _, tc := range []struct{ line, want string }{
		{"mmap 4K rw private,anon,fixed=0xeffff000", "0xeffff000\n"},
		{"mmap 4K rw private,anon,fixed=0xf8000000", "0xf8000000\n"},
		{"mmap 4K rw private,anon,fixed=0xf0001000", "error: mmap: vm: cannot allocate memory: [0xf0001000, +0x1000) is outside the window or meets the kernel's hole\n"},
		{"mmap 8K rw private,anon,fixed=0xefffe000,noreplace", "error: mmap: vm: mapping exists: [0xefffe000, +0x2000)\n"},
		{"munmap 0xf0000000 4K", "error: munmap: vm: invalid argument: [0xf0000000, +0x1000) is outside the window or meets the kernel's hole\n"},
		{"fill 0xeffff000 4K 3", ""},
		{"check 0xeffff000 4K 3", "ok\n"},
	} {
		if got := run(t, vm, tc.line); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.line, got, tc.want)
		}
	}
	halt(t, vm, 0)
}
