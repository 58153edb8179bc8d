package shell

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/mm/workload"
	"github.com/pagoda-os/pagoda/proc"
)

// vmCommands are the address-space commands of the command table.
func vmCommands() []Command {
	return []Command{
		{Name: "mmap", Usage: "LEN PROT FLAGS [PATH [OFFSET]]", Help: "map LEN bytes of anonymous memory, or of file PATH from OFFSET (PROT: none or rwx letters; FLAGS: private|shared[,anon,fixed=ADDR,noreplace,populate,noreserve]); prints the address", MinArgs: 3, MaxArgs: 5, Run: cmdMmap},
		{Name: "munmap", Usage: "ADDR LEN", Help: "unmap [ADDR, ADDR+LEN)", MinArgs: 2, MaxArgs: 2, Run: cmdMunmap},
		{Name: "mprotect", Usage: "ADDR LEN PROT", Help: "change the protection of [ADDR, ADDR+LEN)", MinArgs: 3, MaxArgs: 3, Run: cmdMprotect},
		{Name: "madvise", Usage: "ADDR LEN ADVICE", Help: "advise on [ADDR, ADDR+LEN): normal, random, sequential, willneed, dontneed", MinArgs: 3, MaxArgs: 3, Run: cmdMadvise},
		{Name: "mincore", Usage: "ADDR LEN", Help: "print 1 (resident) or 0 for each page of [ADDR, ADDR+LEN)", MinArgs: 2, MaxArgs: 2, Run: cmdMincore},
		{Name: "fill", Usage: "ADDR LEN SEED [order=O] [accesses=N]", Help: "write a pattern made from SEED and each 8-byte word's address over [ADDR, ADDR+LEN), page by page in order O seeded by SEED (" + workload.OrderSyntax + "; default sequential)", MinArgs: 3, MaxArgs: 5, Run: cmdFill},
		{Name: "check", Usage: "ADDR LEN SEED [order=O] [accesses=N]", Help: "verify fill's pattern on the pages order O visits: ok, or the first mismatching address", MinArgs: 3, MaxArgs: 5, Run: cmdCheck},
		{Name: "touch", Usage: "ADDR LEN r|w [order=O] [accesses=N] [seed=N]", Help: "read a byte, or write a zero byte, in each page of [ADDR, ADDR+LEN), or in the pages order O draws; print pages, faults and time", MinArgs: 3, MaxArgs: 6, Run: cmdTouch},
		{Name: "maps", Usage: "[PID]", Help: "the mappings of process PID, or of the current address space, as /proc/PID/maps", MaxArgs: 1, Run: cmdMaps},
		{Name: "smaps", Usage: "[PID]", Help: "per mapping of process PID or the current address space: Size, Rss, Pss, Shared/Private Clean/Dirty, Referenced (Accessed bits), Swap, as /proc/PID/smaps", MaxArgs: 1, Run: cmdSmaps},
		{Name: "trace", Usage: "on | off | show [N]", Help: "record the last 4096 window faults (time, address, access, kind, cycles); show the last N (default 20)", MinArgs: 1, MaxArgs: 2, Run: cmdTrace},
		{Name: "frames", Help: "frames per state: free, reserved, kernel, page table, anonymous, page cache, swap cache", MaxArgs: 0, Run: cmdFrames},
		{Name: "as", Usage: "[new | switch ID | free ID]", Help: "list address spaces (* is current), or make, switch to or free one", MaxArgs: 2, Run: cmdAs},
		{Name: "fork", Help: "make a copy-on-write child of the current address space; prints its id", MaxArgs: 0, Run: cmdFork},
		{Name: "vmstat", Help: "memory event counters, one per line (name value)", MaxArgs: 0, Run: cmdVmstat},
		{Name: "bench", Usage: "[NAME...] [pages=N] [order=O] [accesses=N]", Help: "run fault benchmarks (default: all, 4096 pages each; pressure-*: 1.5 × managed memory), one BENCH line each; swap-* and pressure-* need swapon; pressure-read alone takes order= and accesses= (its read pass, as touch)", MaxArgs: -1, Run: cmdBench},
	}
}

func (sh *Shell) spaces() (*proc.Spaces, error) {
	if sh.cfg.Spaces == nil {
		return nil, errors.New("no address spaces in this kernel")
	}
	return sh.cfg.Spaces, nil
}

// reapKilled runs after every command: it tears down the address spaces
// the OOM killer chose during it, and says so as Linux's kernel log does.
func (sh *Shell) reapKilled() {
	if sh.cfg.Spaces == nil {
		return
	}
	for _, r := range sh.cfg.Spaces.ReapKilled() {
		sh.Printf("Out of memory: Killed address space %d, anon-rss:%dkB, swap:%dkB, pgtables:%dkB; %dkB freed\n",
			r.ID, r.Kill.RSS*4, r.Kill.Swap*4, r.Kill.Tables*4, r.Kill.Freed*4)
		if r.Current {
			sh.Printf("address space %d was current: its mappings are gone, it stays current\n", r.ID)
		}
	}
}

func (sh *Shell) currentSpace() (*vm.AddressSpace, error) {
	s, err := sh.spaces()
	if err != nil {
		return nil, err
	}
	return s.Current(), nil
}

// The shell's words for mmap's protections, flags and advice are
// Linux's values (abi/linux) under short names, translated to vm's by
// the same functions the system calls use; each argument may also be
// Linux's number itself ("mmap 4K 3 0x22" is "mmap 4K rw private,anon").

// protLetters are mmap's PROT letters.
var protLetters = map[rune]uint64{'r': linux.PROT_READ, 'w': linux.PROT_WRITE, 'x': linux.PROT_EXEC}

// parseProt parses "none", letters from "rwx", or a PROT_* number, as
// mprotect checks it.
func parseProt(s string) (vm.Prot, error) {
	var bits uint64
	if n, err := mm.ParseSize(s); err == nil {
		bits = n
	} else if s != "none" {
		for _, c := range s {
			bit, ok := protLetters[c]
			if !ok {
				return 0, fmt.Errorf("bad protection %q: none, letters from rwx, or PROT_* bits", s)
			}
			if bits&bit != 0 {
				return 0, fmt.Errorf("bad protection %q: %c twice", s, c)
			}
			bits |= bit
		}
		if bits == 0 {
			return 0, fmt.Errorf("bad protection %q", s)
		}
	}
	p, err := linux.Prot(bits)
	if err != nil {
		return 0, fmt.Errorf("bad protection %q: %w", s, err)
	}
	return p, nil
}

// mapFlagWords are the words of mmap's FLAGS.
var mapFlagWords = map[string]uint64{
	"private": linux.MAP_PRIVATE, "shared": linux.MAP_SHARED, "anon": linux.MAP_ANONYMOUS,
	"fixed": linux.MAP_FIXED, "noreplace": linux.MAP_FIXED_NOREPLACE,
	"populate": linux.MAP_POPULATE, "noreserve": linux.MAP_NORESERVE,
}

// parseMapFlags parses the comma list of mmap's FLAGS (or one MAP_*
// number), as mmap checks them.
func parseMapFlags(s string) (vm.Flags, mm.VirtAddr, error) {
	var bits, addr uint64
	if n, err := mm.ParseSize(s); err == nil {
		bits = n
	} else {
		for _, w := range strings.Split(s, ",") {
			name, val, hasVal := strings.Cut(w, "=")
			bit, ok := mapFlagWords[name]
			if !ok {
				return 0, 0, fmt.Errorf("unknown flag %q", name)
			}
			if hasVal != (name == "fixed") {
				return 0, 0, fmt.Errorf("flag %q: only fixed takes a value (fixed=ADDR)", w)
			}
			if hasVal {
				var err error
				if addr, err = mm.ParseSize(val); err != nil {
					return 0, 0, err
				}
			}
			if bits&bit != 0 {
				return 0, 0, fmt.Errorf("flag %q twice", name)
			}
			bits |= bit
		}
		// noreplace is MAP_FIXED_NOREPLACE: it needs the address
		// fixed= gives.
		if bits&linux.MAP_FIXED_NOREPLACE != 0 && bits&linux.MAP_FIXED == 0 {
			return 0, 0, errors.New("noreplace needs fixed=ADDR")
		}
	}
	f, err := linux.MapFlags(bits)
	if err != nil {
		return 0, 0, fmt.Errorf("flags %q: %w", s, err)
	}
	return f, mm.VirtAddr(addr), nil
}

func numbers(args ...string) ([]uint64, error) {
	out := make([]uint64, len(args))
	for i, a := range args {
		v, err := mm.ParseSize(a)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func cmdMmap(sh *Shell, args []string) error {
	as, err := sh.currentSpace()
	if err != nil {
		return err
	}
	n, err := mm.ParseSize(args[0])
	if err != nil {
		return err
	}
	prot, err := parseProt(args[1])
	if err != nil {
		return err
	}
	flags, addr, err := parseMapFlags(args[2])
	if err != nil {
		return err
	}
	if len(args) > 3 {
		return cmdMmapFile(sh, as, n, prot, flags, addr, args[3:])
	}
	got, err := as.Mmap(addr, n, prot, flags)
	if err != nil {
		return err
	}
	sh.Printf("%#x\n", uint64(got))
	return nil
}

func cmdMunmap(sh *Shell, args []string) error {
	as, err := sh.currentSpace()
	if err != nil {
		return err
	}
	v, err := numbers(args...)
	if err != nil {
		return err
	}
	return as.Munmap(mm.VirtAddr(v[0]), v[1])
}

func cmdMprotect(sh *Shell, args []string) error {
	as, err := sh.currentSpace()
	if err != nil {
		return err
	}
	v, err := numbers(args[:2]...)
	if err != nil {
		return err
	}
	prot, err := parseProt(args[2])
	if err != nil {
		return err
	}
	return as.Mprotect(mm.VirtAddr(v[0]), v[1], prot)
}

// advices are madvise's words: Linux's MADV_* under their own names.
var advices = map[string]uint64{
	"normal": linux.MADV_NORMAL, "random": linux.MADV_RANDOM, "sequential": linux.MADV_SEQUENTIAL,
	"willneed": linux.MADV_WILLNEED, "dontneed": linux.MADV_DONTNEED,
}

func cmdMadvise(sh *Shell, args []string) error {
	as, err := sh.currentSpace()
	if err != nil {
		return err
	}
	v, err := numbers(args[:2]...)
	if err != nil {
		return err
	}
	n, ok := advices[args[2]]
	if !ok {
		if n, err = mm.ParseSize(args[2]); err != nil {
			return fmt.Errorf("unknown advice %q (normal, random, sequential, willneed, dontneed, or an MADV_* number)", args[2])
		}
	}
	a, apply, err := linux.Advice(n)
	if err != nil {
		return fmt.Errorf("advice %q: %w", args[2], err)
	}
	if !apply {
		// Advice Linux takes and Pagoda has nothing to do for: the range
		// is still checked, as madvise checks it.
		a = vm.AdviceNormal
	}
	return as.Madvise(mm.VirtAddr(v[0]), v[1], a)
}

// maxMincorePages bounds mincore's output line.
const maxMincorePages = 1 << 16

func cmdMincore(sh *Shell, args []string) error {
	as, err := sh.currentSpace()
	if err != nil {
		return err
	}
	v, err := numbers(args...)
	if err != nil {
		return err
	}
	if v[1] > maxMincorePages*mm.PageSize {
		return fmt.Errorf("at most %d pages at a time", maxMincorePages)
	}
	res, err := as.Mincore(mm.VirtAddr(v[0]), v[1])
	if err != nil {
		return err
	}
	b := make([]byte, len(res))
	for i, r := range res {
		b[i] = '0'
		if r {
			b[i] = '1'
		}
	}
	sh.Printf("%s\n", b)
	return nil
}

// patternWord is fill's value for the 8-byte word at va (splitmix64).
func patternWord(seed, va uint64) uint64 {
	z := seed ^ va + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (sh *Shell) window() (proc.WindowMemory, error) {
	if sh.cfg.Window == nil {
		return nil, errors.New("no mapping window in this kernel")
	}
	return sh.cfg.Window, nil
}

// inWindow checks that [addr, addr+n) lies in the mapping window: fill,
// check and touch reach the current address space only, and an address
// outside (a non-canonical one above all) must not reach the MMU.
func (sh *Shell) inWindow(addr, n uint64) error {
	s, err := sh.spaces()
	if err != nil {
		return err
	}
	start, end := uint64(s.MM.WindowStart), uint64(s.MM.WindowEnd)
	if addr+n < addr || addr < start || addr+n > end {
		return fmt.Errorf("[%#x, +%#x) is outside the mapping window [%#x, %#x)", addr, n, start, end)
	}
	return nil
}

func (sh *Shell) wordRange(args []string) (addr, n, seed uint64, err error) {
	v, err := numbers(args...)
	if err != nil {
		return 0, 0, 0, err
	}
	addr, n, seed = v[0], v[1], v[2]
	if addr%8 != 0 || n%8 != 0 {
		return 0, 0, 0, errors.New("ADDR and LEN must be multiples of 8")
	}
	return addr, n, seed, sh.inWindow(addr, n)
}

// Fill, check and touch take their page order after their arguments:
//
//	order=O      sequential (the default), random, zipf:S, hotcold:H:A,
//	             loop, trace:PATH (mm/workload; PATH is read from the VFS)
//	accesses=N   the run's length, for the orders that draw pages (not
//	             sequential or random, which visit each page once)
//	seed=N       touch's seed (fill and check use SEED); default 1
//
// Pages are numbered from the one holding ADDR; fill and check visit the
// words of each page the run names, in order, and a page named twice is
// written or checked twice. So fill writes the pattern only on the pages
// its run visits, and check verifies only the pages its own run visits:
// the same order and SEED check exactly what fill wrote, and a check in
// another order finds the pages fill never reached as mismatches.

// runOptions are the options of fill, check and touch.
type runOptions struct {
	order    workload.Order
	accesses uint64 // 0: the order's default
	seed     uint64
}

// maxTraceBytes bounds a trace file read for order=trace: the file and
// its entries (at most 2 Mi, 8 bytes each) live in the Go heap, 96 MiB
// in all (boot.RuntimeSize). A run of 8192 pages with 10 accesses a page
// is about 400 KiB of trace.
const maxTraceBytes = 4 << 20

// parseRunOptions reads the name=value options after a command's
// arguments; seed= is taken when seedOK (touch). A trace is read from the
// VFS.
func (sh *Shell) parseRunOptions(args []string, seedOK bool) (runOptions, error) {
	opts := runOptions{seed: 1}
	seen := map[string]bool{}
	for _, a := range args {
		name, val, ok := strings.Cut(a, "=")
		if !ok || (name != "order" && name != "accesses" && (name != "seed" || !seedOK)) {
			want := "order=O, accesses=N"
			if seedOK {
				want += ", seed=N"
			}
			return opts, fmt.Errorf("%q: the options are %s", a, want)
		}
		if seen[name] {
			return opts, fmt.Errorf("%s= twice", name)
		}
		seen[name] = true
		var err error
		switch name {
		case "order":
			opts.order, err = workload.ParseOrder(val)
		case "accesses":
			opts.accesses, err = mm.ParseSize(val)
			if err == nil && (opts.accesses == 0 || opts.accesses > workload.MaxAccesses) {
				err = fmt.Errorf("accesses=%s out of range 1..%d", val, uint64(workload.MaxAccesses))
			}
		case "seed":
			opts.seed, err = mm.ParseSize(val)
		}
		if err != nil {
			return opts, err
		}
	}
	if opts.order.Kind == workload.Trace {
		var err error
		if opts.order.Pages, err = sh.readTrace(opts.order.Path); err != nil {
			return opts, err
		}
	}
	return opts, nil
}

// readTrace reads a trace file (mm/workload's format) from the VFS.
func (sh *Shell) readTrace(path string) ([]uint64, error) {
	v, err := sh.vfs()
	if err != nil {
		return nil, err
	}
	f, err := v.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := f.PC.Size()
	if size > maxTraceBytes {
		return nil, fmt.Errorf("trace %s: %d bytes, at most %d", path, size, maxTraceBytes)
	}
	buf := make([]byte, size)
	for off := 0; off < len(buf); {
		n, err := f.ReadAt(buf[off:], int64(off))
		if err != nil {
			return nil, err
		}
		if n == 0 {
			buf = buf[:off]
			break
		}
		off += n
	}
	pages, err := workload.ParseTrace(buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pages, nil
}

// eachWord parses fill's and check's ADDR LEN SEED and options, and calls
// fn for every 8-byte word of each page the run visits, with its pattern
// value, throttling before each page; fn returns false to stop.
func (sh *Shell) eachWord(args []string, fn func(w proc.WindowMemory, va, want uint64) bool) error {
	w, err := sh.window()
	if err != nil {
		return err
	}
	opts, err := sh.parseRunOptions(args[3:], false)
	if err != nil {
		return err
	}
	addr, n, seed, err := sh.wordRange(args[:3])
	if err != nil || n == 0 {
		return err
	}
	first := addr &^ mm.PageMask
	pages := (addr + n - first + mm.PageMask) / mm.PageSize
	run, err := workload.New(opts.order, pages, opts.accesses, seed)
	if err != nil {
		return err
	}
	for p, ok := run.Next(); ok; p, ok = run.Next() {
		sh.throttle()
		lo, hi := max(first+p*mm.PageSize, addr), min(first+(p+1)*mm.PageSize, addr+n)
		for va := lo; va < hi; va += 8 {
			if !fn(w, va, patternWord(seed, va)) {
				return nil
			}
		}
	}
	return nil
}

func cmdFill(sh *Shell, args []string) error {
	return sh.eachWord(args, func(w proc.WindowMemory, va, want uint64) bool {
		w.Store64(va, want)
		return true
	})
}

func cmdCheck(sh *Shell, args []string) error {
	ok := true
	err := sh.eachWord(args, func(w proc.WindowMemory, va, want uint64) bool {
		if got := w.Load64(va); got != want {
			sh.Printf("mismatch at %#x: %#016x, want %#016x\n", va, got, want)
			ok = false
		}
		return ok
	})
	if err != nil || !ok {
		return err
	}
	sh.Printf("ok\n")
	return nil
}

func cmdTouch(sh *Shell, args []string) error {
	w, err := sh.window()
	if err != nil {
		return err
	}
	as, err := sh.currentSpace()
	if err != nil {
		return err
	}
	v, err := numbers(args[:2]...)
	if err != nil {
		return err
	}
	var write bool
	switch args[2] {
	case "r":
	case "w":
		write = true
	default:
		return fmt.Errorf("access %q: r or w", args[2])
	}
	opts, err := sh.parseRunOptions(args[3:], true)
	if err != nil {
		return err
	}
	addr, n := v[0]&^mm.PageMask, v[1]
	if err := sh.inWindow(v[0], n); err != nil {
		return err
	}
	pages := (v[0] + n - addr + mm.PageMask) / mm.PageSize
	if pages == 0 {
		sh.Printf("touched 0 pages: 0 faults, 0 ns, 0 ns/page, 0 cycles/page\n")
		return nil
	}
	run, err := workload.New(opts.order, pages, opts.accesses, opts.seed)
	if err != nil {
		return err
	}
	faults0, major0 := as.Stats.Faults, as.Stats.MajFaults
	t0, c0 := sh.cfg.Machine.Uptime(), sh.cfg.Machine.Cycles()
	for p, ok := run.Next(); ok; p, ok = run.Next() {
		sh.throttle()
		w.Touch(addr+p*mm.PageSize, write)
	}
	accesses := run.Len()
	ns, cycles := (sh.cfg.Machine.Uptime() - t0).Nanoseconds(), sh.cfg.Machine.Cycles()-c0
	faults, major := as.Stats.Faults-faults0, as.Stats.MajFaults-major0
	if opts.order.OncePerPage() {
		sh.Printf("touched %d pages: %d faults, %d ns, %d ns/page, %d cycles/page\n",
			pages, faults, ns, ns/int64(max(pages, 1)), cycles/max(pages, 1))
		return nil
	}
	// Over pages filled and swapped out before, the major faults
	// (swap-ins, file reads) are the figure to set beside lab optimum's
	// MIN and LRU, which start from empty memory.
	sh.Printf("touched %d pages %d times in order %s: %d faults (%d major), %d ns, %d ns/access, %d cycles/access\n",
		pages, accesses, opts.order, faults, major, ns, ns/int64(max(accesses, 1)), cycles/max(accesses, 1))
	return nil
}

func cmdMaps(sh *Shell, args []string) error {
	as, labels, err := sh.spaceOf(args)
	if err != nil {
		return err
	}
	return as.WriteMaps(sh.cfg.Out, labels)
}

func cmdAs(sh *Shell, args []string) error {
	s, err := sh.spaces()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		sh.Printf("%-4s %6s %10s\n", "ID", "VMAs", "RSS")
		for _, as := range s.List() {
			mark := ""
			if as == s.Current() {
				mark = " *"
			}
			sh.Printf("%-4d %6d %7d kB%s\n", as.ID, len(as.VMAs()), as.RSS()*mm.PageSize>>10, mark)
		}
		return nil
	}
	switch args[0] {
	case "new":
		if len(args) != 1 {
			return errors.New("usage: as new")
		}
		as, err := s.New()
		if err != nil {
			return err
		}
		sh.Printf("%d\n", as.ID)
		return nil
	case "switch", "free":
		if len(args) != 2 {
			return fmt.Errorf("usage: as %s ID", args[0])
		}
		id, err := strconv.Atoi(args[1])
		if err != nil {
			return fmt.Errorf("bad id %q", args[1])
		}
		if args[0] == "switch" {
			return s.Switch(id)
		}
		return s.Free(id)
	}
	return fmt.Errorf("unknown subcommand %q (new, switch ID, free ID)", args[0])
}

func cmdFork(sh *Shell, _ []string) error {
	s, err := sh.spaces()
	if err != nil {
		return err
	}
	child, err := s.Fork()
	if err != nil {
		return err
	}
	sh.Printf("%d\n", child.ID)
	return nil
}

func cmdVmstat(sh *Shell, _ []string) error {
	s, err := sh.spaces()
	if err != nil {
		return err
	}
	var cache *pagecache.Cache
	if sh.cfg.VFS != nil {
		cache = sh.cfg.VFS.Cache
	}
	totals := s.Totals()
	if sh.cfg.Procs != nil {
		totals.Add(sh.cfg.Procs.Totals())
	}
	return vm.WriteVmstat(sh.cfg.Out, s.MM.Vmstat(totals, cache))
}

func cmdSmaps(sh *Shell, args []string) error {
	as, labels, err := sh.spaceOf(args)
	if err != nil {
		return err
	}
	return as.WriteSmaps(sh.cfg.Out, labels)
}

func cmdFrames(sh *Shell, _ []string) error {
	st := sh.cfg.Frames.Stats()
	for _, s := range frame.States() {
		sh.Printf("%-12s %9d pages %10d kB\n", s.String(), st.Pages[s], st.Pages[s]*mm.PageSize>>10)
	}
	return nil
}
