package shell

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/mm/workload"
)

// Swap and pressure benchmarks. They need a swap area (swapon first);
// without one they print "unsupported". The swap-in ones push their pages
// out untimed, then time the faults that bring them back; the pressure
// ones time everything a command would wait for, direct reclaim and its
// writes included, over a working set larger than memory (1.5 × the
// managed pages unless pages= says otherwise).

func init() {
	benches["swap-in-seq"] = benchSwapInSeq
	benches["swap-in-rand"] = benchSwapInRand
	benches["swap-cache-hit"] = benchSwapCacheHit
	benches["pressure-write"] = benchPressureWrite
	benches["pressure-read"] = benchPressureRead
}

// pressureDefault marks the benchmarks whose default size is 1.5 × the
// managed pages.
var pressureDefault = map[string]bool{"pressure-write": true, "pressure-read": true}

// needSwap fails a benchmark when no swap area is on.
func needSwap(sh *Shell) error {
	m := sh.cfg.Spaces.MM
	if m.Swap == nil || len(m.Swap.Areas()) == 0 {
		return fmt.Errorf("%w: no swap area (swapon first)", errBenchUnsupported)
	}
	return nil
}

// swapOutAll reclaims until nothing more goes: every page of every
// address space that can go to swap is there.
func swapOutAll(sh *Shell) {
	m := sh.cfg.Spaces.MM
	for m.Reclaim(1<<20, false) > 0 {
	}
}

// touchOrder makes one access per page, in the order given (page
// indexes from base), refilling the fault path's reserves between pages
// outside the timing, and returns the time and the faults taken.
func touchOrder(sh *Shell, as *vm.AddressSpace, base mm.VirtAddr, order []uint64, write bool) benchResult {
	w := sh.cfg.Window
	faults, major := as.Stats.Faults, as.Stats.MajFaults
	var ns int64
	for _, i := range order {
		sh.refill()
		t0 := sh.cfg.Machine.Uptime()
		w.Touch(uint64(base)+i*mm.PageSize, write)
		ns += (sh.cfg.Machine.Uptime() - t0).Nanoseconds()
	}
	return benchResult{ns: ns, faults: as.Stats.Faults - faults, major: as.Stats.MajFaults - major}
}

func sequence(n uint64) []uint64 {
	p := make([]uint64, n)
	for i := range p {
		p[i] = uint64(i)
	}
	return p
}

// swappedOut maps and writes pages, then pushes them all to swap.
func swappedOut(sh *Shell, as *vm.AddressSpace, pages uint64) (mm.VirtAddr, error) {
	if err := needSwap(sh); err != nil {
		return 0, err
	}
	base, err := benchMap(as, pages)
	if err != nil {
		return 0, err
	}
	touchAll(sh, as, base, pages, true)
	swapOutAll(sh)
	return base, nil
}

// swap-in-seq: read back pages swapped out in order (readahead helps).
func benchSwapInSeq(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	base, err := swappedOut(sh, as, pages)
	if err != nil {
		return benchResult{}, err
	}
	return touchOrder(sh, as, base, sequence(pages), false), nil
}

// swap-in-rand: the same in a random order (readahead stays off).
func benchSwapInRand(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	base, err := swappedOut(sh, as, pages)
	if err != nil {
		return benchResult{}, err
	}
	return touchOrder(sh, as, base, workload.Permutation(pages, 1), false), nil
}

// swap-cache-hit: pages shared with a fork, swapped out, read back by the
// parent (untimed): the child's reads find them in the swap cache.
func benchSwapCacheHit(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	if err := needSwap(sh); err != nil {
		return benchResult{}, err
	}
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
	swapOutAll(sh)
	touchAll(sh, as, base, pages, false)
	s.Switch(child.ID)
	defer s.Switch(as.ID)
	return touchAll(sh, child, base, pages, false), nil
}

// Seeds of the pressure benchmarks' runs: the write pass's permutation
// and the read pass's run. The lab's reference lines (qemu/cmd/lab,
// pressureReference) draw the same runs from the same seeds.
const (
	pressureWriteSeed = 1
	pressureReadSeed  = 2
)

// pressureRun is pressure-read's two passes over pages pages: the write
// pass, each page once in a random order, and the read pass, accesses
// reads in order o (0: o's default; random visits each page once).
func pressureRun(o workload.Order, pages, accesses uint64) (write, read *workload.Generator, err error) {
	if write, err = workload.New(workload.Order{Kind: workload.Random}, pages, 0, pressureWriteSeed); err != nil {
		return nil, nil, err
	}
	if read, err = workload.New(o, pages, accesses, pressureReadSeed); err != nil {
		return nil, nil, err
	}
	return write, read, nil
}

// pressureTouch writes (or reads and checks) one word per page in the
// order of g, timing the reclaim the faults do (no refill between pages:
// the faults restock and reclaim themselves, as in fill and check).
func pressureTouch(sh *Shell, as *vm.AddressSpace, base mm.VirtAddr, g *workload.Generator, write bool) (benchResult, error) {
	w := sh.cfg.Window
	faults, major := as.Stats.Faults, as.Stats.MajFaults
	t0 := sh.cfg.Machine.Uptime()
	for i, ok := g.Next(); ok; i, ok = g.Next() {
		sh.throttle()
		va := uint64(base) + i*mm.PageSize
		if write {
			w.Store64(va, patternWord(7, va))
		} else if got := w.Load64(va); got != patternWord(7, va) {
			return benchResult{}, fmt.Errorf("page %d reads %#x, want %#x", i, got, patternWord(7, va))
		}
	}
	return benchResult{ns: (sh.cfg.Machine.Uptime() - t0).Nanoseconds(), faults: as.Stats.Faults - faults, major: as.Stats.MajFaults - major}, nil
}

// pressure-write: a working set larger than memory written in a random
// order: demand-zero faults, with reclaim writing earlier pages to swap.
func benchPressureWrite(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	if err := needSwap(sh); err != nil {
		return benchResult{}, err
	}
	write, _, err := pressureRun(workload.Order{Kind: workload.Random}, pages, 0)
	if err != nil {
		return benchResult{}, err
	}
	base, err := benchMap(as, pages)
	if err != nil {
		return benchResult{}, err
	}
	return pressureTouch(sh, as, base, write, true)
}

// pressure-read: the working set written (untimed), then every page read
// once in another random order and checked: swap-ins and the reclaim
// that makes room for them.
func benchPressureRead(sh *Shell, as *vm.AddressSpace, pages uint64) (benchResult, error) {
	r, err := pressureRead(sh, as, pages, workload.Order{Kind: workload.Random}, 0)
	r.accesses = 0 // the plain line: one read a page
	return r, err
}

// pressureRead is pressure-read in an order: the working set written
// (untimed), then read accesses times in order o and checked (bench
// pressure-read order=O accesses=N). Its major faults are the read
// pass's; resident is the pages in memory when the read pass begins
// (its own: the benchmark's address space holds nothing else).
func pressureRead(sh *Shell, as *vm.AddressSpace, pages uint64, o workload.Order, accesses uint64) (benchResult, error) {
	if err := needSwap(sh); err != nil {
		return benchResult{}, err
	}
	write, read, err := pressureRun(o, pages, accesses)
	if err != nil {
		return benchResult{}, err
	}
	base, err := benchMap(as, pages)
	if err != nil {
		return benchResult{}, err
	}
	if _, err := pressureTouch(sh, as, base, write, true); err != nil {
		return benchResult{}, err
	}
	resident := as.RSS()
	r, err := pressureTouch(sh, as, base, read, false)
	r.accesses, r.resident = read.Len(), resident
	return r, err
}

// PressureRun is the whole run of bench pressure-read pages=pages
// order=o accesses=accesses (0: o's default), the write pass's pages
// then the read pass's: what the lab's reference lines (qemu/cmd/lab)
// must replay, which its tests compare with their own.
func PressureRun(o workload.Order, pages, accesses uint64) ([]uint64, error) {
	write, read, err := pressureRun(o, pages, accesses)
	if err != nil {
		return nil, err
	}
	run := make([]uint64, 0, write.Len()+read.Len())
	for _, g := range []*workload.Generator{write, read} {
		for p, ok := g.Next(); ok; p, ok = g.Next() {
			run = append(run, p)
		}
	}
	return run, nil
}
