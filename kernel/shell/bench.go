package shell

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/mm/workload"
	"github.com/pagoda-os/pagoda/proc"
)

// The in-kernel benchmarks (shell bench). Each runs in a fresh address
// space, made current for it and freed after, and prints one line:
//
//	BENCH <name> pages=<N> faults=<minor> majfaults=<major> ns/page=<x.x> ns/fault=<x.x>
//
// and pressure-read given order= or accesses= adds "order=<O>
// accesses=<N> resident=<R>", its ns/page then per access, R the pages
// of the working set in memory when the timed pass began.
//
// timed with the TSC-based clock. Under QEMU's -icount shift=0 one guest
// instruction is one virtual nanosecond, so the figures count the
// instructions a fault path costs and repeat exactly from run to run.

// benchNames lists every benchmark, in the order bench runs them; those
// whose feature is not built yet print "unsupported".
var benchNames = []string{
	"anon-write", "anon-read", "anon-retouch", "cow-write", "munmap",
	"file-read-hit", "file-read-cold", "file-shared-write", "file-private-write",
	"tmpfs-shared-read", "tmpfs-shared-write", "tmpfs-private-write",
	"swap-cache-hit", "swap-in-seq", "swap-in-rand", "pressure-write", "pressure-read",
}

// benchFn measures one benchmark over pages pages in the current address
// space as and returns the measured phase's figures.
type benchFn func(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error)

// benchResult is a measured phase: its nanoseconds, faults and major
// faults (faults that read from a disk), and, for a run in an order
// (order=), its accesses (ns/page is then per access) and the pages
// resident when it began.
type benchResult struct {
	ns                 int64
	faults, major      uint64
	accesses, resident uint64
}

// benchArgs is bench's command line: the benchmarks, pages= (0: each
// one's default), and pressure-read's order= and accesses= (zero
// values: one read a page in a random order).
type benchArgs struct {
	names    []string
	pages    uint64
	order    workload.Order // random unless order= says otherwise
	ordered  bool           // order= or accesses= given
	accesses uint64
}

// orderedBenches are the benchmarks that take order= and accesses=.
var orderedBenches = map[string]bool{"pressure-read": true}

// parseBenchArgs reads bench's arguments: benchmark names, pages=N,
// order=O and accesses=N (pressure-read's alone: with them the command
// must name it and nothing else). A trace order needs a file, which the
// benchmarks do not read: refused.
func parseBenchArgs(args []string) (benchArgs, error) {
	b := benchArgs{order: workload.Order{Kind: workload.Random}}
	var err error
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "pages="); ok {
			if b.pages, err = mm.ParseSize(v); err != nil {
				return b, err
			}
			if b.pages == 0 || b.pages > 1<<20 {
				return b, fmt.Errorf("pages=%d out of range 1..%d", b.pages, 1<<20)
			}
			continue
		}
		if v, ok := strings.CutPrefix(a, "order="); ok {
			if b.order, err = workload.ParseOrder(v); err != nil {
				return b, err
			}
			if b.order.Kind == workload.Trace {
				return b, fmt.Errorf("order=%s: bench takes no trace", v)
			}
			b.ordered = true
			continue
		}
		if v, ok := strings.CutPrefix(a, "accesses="); ok {
			if b.accesses, err = mm.ParseSize(v); err != nil {
				return b, err
			}
			if b.accesses == 0 || b.accesses > workload.MaxAccesses {
				return b, fmt.Errorf("accesses=%d out of range 1..%d", b.accesses, uint64(workload.MaxAccesses))
			}
			b.ordered = true
			continue
		}
		known := false
		for _, n := range benchNames {
			known = known || n == a
		}
		if !known {
			return b, fmt.Errorf("unknown benchmark %q (have: %s)", a, strings.Join(benchNames, " "))
		}
		b.names = append(b.names, a)
	}
	if b.ordered {
		if len(b.names) == 0 {
			return b, errors.New("order= and accesses= need a benchmark that takes them (pressure-read)")
		}
		for _, n := range b.names {
			if !orderedBenches[n] {
				return b, fmt.Errorf("%s takes no order= or accesses= (pressure-read does)", n)
			}
		}
	}
	if len(b.names) == 0 {
		b.names = benchNames
	}
	return b, nil
}

var benches = map[string]benchFn{
	"anon-write":   benchAnonWrite,
	"anon-read":    benchAnonRead,
	"anon-retouch": benchAnonRetouch,
	"cow-write":    benchCOWWrite,
	"munmap":       benchMunmap,
	// File benchmarks (benchfile.go).
	"file-read-hit":      benchFileReadHit,
	"file-read-cold":     benchFileReadCold,
	"file-shared-write":  benchFileSharedWrite,
	"file-private-write": benchFilePrivateWrite,
}

func cmdBench(sh *Shell, args []string) error {
	s, err := sh.spaces()
	if err != nil {
		return err
	}
	if _, err := sh.window(); err != nil {
		return err
	}
	b, err := parseBenchArgs(args)
	if err != nil {
		return err
	}
	for _, name := range b.names {
		if err := runBench(sh, s, name, b); err != nil {
			return err
		}
	}
	return nil
}

// runBench runs one benchmark in a fresh address space and prints its
// line. The address space goes away, and the previous one is current
// again, however the benchmark ends: an unresolvable fault (out of
// memory) panics through here to the shell.
func runBench(sh *Shell, s *proc.Spaces, name string, b benchArgs) error {
	fn, pages := benches[name], b.pages
	if b.ordered && name == "pressure-read" {
		fn = func(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
			return pressureRead(sh, as, pages, b.order, b.accesses)
		}
	}
	if fn == nil {
		sh.Printf("BENCH %s unsupported\n", name)
		return nil
	}
	if pages == 0 {
		pages = 4096
		if pressureDefault[name] {
			pages = sh.cfg.Frames.Stats().ManagedPages * 3 / 2
		}
	}
	home := s.Current().ID
	as, err := s.New()
	if err != nil {
		return err
	}
	s.Switch(as.ID)
	defer func() {
		s.Switch(home)
		s.Free(as.ID)
	}()
	// Background writeback's poll waits while a row that needs none is
	// timed (vfs.PauseWriteback): the pressure rows may need it to
	// write the dirty file pages reclaim queues.
	if v := sh.cfg.VFS; v != nil && !pressureDefault[name] {
		v.PauseWriteback()
		defer v.ResumeWriteback()
	}
	// Each row starts from the same state whatever ran before it: no
	// garbage for a collection to find inside the row (as Go's testing
	// collects before a benchmark), the fault reserves at their fill.
	runtime.GC()
	s.MM.Refill()
	r, err := fn(sh, as, pages)
	if errors.Is(err, errBenchUnsupported) {
		sh.Printf("BENCH %s unsupported (%s)\n", name, strings.TrimPrefix(err.Error(), errBenchUnsupported.Error()+": "))
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	perFault := 0.0
	if r.faults > 0 {
		perFault = float64(r.ns) / float64(r.faults)
	}
	if r.accesses == 0 {
		sh.Printf("BENCH %s pages=%d faults=%d majfaults=%d ns/page=%.1f ns/fault=%.1f\n",
			name, pages, r.faults, r.major, float64(r.ns)/float64(pages), perFault)
		return nil
	}
	sh.Printf("BENCH %s pages=%d faults=%d majfaults=%d ns/page=%.1f ns/fault=%.1f order=%s accesses=%d resident=%d\n",
		name, pages, r.faults, r.major, float64(r.ns)/float64(r.accesses), perFault, b.order, r.accesses, r.resident)
	return nil
}

// benchMap maps pages of private anonymous memory.
func benchMap(as *vm.AddressSpace, pages uint64) (mm.VirtAddr, error) {
	return as.Mmap(0, pages*mm.PageSize, vm.ProtRead|vm.ProtWrite, vm.MapPrivate|vm.MapAnonymous)
}

// touchAll makes one access per page, refilling the fault path's
// reserves between pages as every command does (outside the timing), and
// returns the time and the faults taken.
func touchAll(sh *Shell, as *vm.AddressSpace, base mm.VirtAddr, pages uint64, write bool) benchResult {
	return touchOrder(sh, as, base, sequence(pages), write)
}

// anon-write: demand-zero faults, one write per fresh page.
func benchAnonWrite(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	base, err := benchMap(as, pages)
	if err != nil {
		return benchResult{}, err
	}
	return touchAll(sh, as, base, pages, true), nil
}

// anon-read: zero-page faults, one read per fresh page.
func benchAnonRead(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	base, err := benchMap(as, pages)
	if err != nil {
		return benchResult{}, err
	}
	return touchAll(sh, as, base, pages, false), nil
}

// anon-retouch: writes to pages already mapped writable: no fault, the
// cost of the access itself.
func benchAnonRetouch(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	base, err := benchMap(as, pages)
	if err != nil {
		return benchResult{}, err
	}
	touchAll(sh, as, base, pages, true)
	return touchAll(sh, as, base, pages, true), nil
}

// cow-write: after a fork, writes to private pages the child shares: each
// copies.
func benchCOWWrite(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	base, err := benchMap(as, pages)
	if err != nil {
		return benchResult{}, err
	}
	touchAll(sh, as, base, pages, true)
	s := sh.cfg.Spaces
	child, err := s.Fork()
	if err != nil {
		return benchResult{}, err
	}
	defer s.Free(child.ID)
	return touchAll(sh, as, base, pages, true), nil
}

// munmap: unmapping populated pages, per page (no faults).
func benchMunmap(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	base, err := benchMap(as, pages)
	if err != nil {
		return benchResult{}, err
	}
	touchAll(sh, as, base, pages, true)
	t0 := sh.cfg.Machine.Uptime()
	err = as.Munmap(base, pages*mm.PageSize)
	return benchResult{ns: (sh.cfg.Machine.Uptime() - t0).Nanoseconds()}, err
}
