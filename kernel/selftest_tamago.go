//go:build tamago

package kernel

import (
	"errors"
	"fmt"
	"io"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/proc"
	"github.com/pagoda-os/pagoda/trap"
)

// Selftests returns the kernel's self-tests of the machine (paging, the
// TLB, interrupts, ring 3), run by the shell's selftest with its output. They
// stay here, beside the trap and MMU wiring they exercise, rather than in
// the shell: each installs its own window resolver and maps into the
// kernel's table. spaces (nil: none) get their address space back after.
func Selftests(frames *frame.Allocator, kernel *pt.Table, spaces *proc.Spaces) func(out io.Writer, name string) error {
	return func(out io.Writer, name string) error {
		// The self-tests map into the kernel's own table: it is made
		// current for them, and the address space and its resolver come
		// back afterwards.
		defer trap.SetWindowResolver(trap.WindowResolver())
		if spaces != nil {
			arch.LoadCR3(uint64(kernel.Root()))
			defer arch.LoadCR3(uint64(spaces.Current().Root()))
		}
		switch name {
		case "paging":
			return selftestPaging(out, frames, kernel)
		case "tlb":
			return selftestTLB(out, frames, kernel)
		case "irq":
			return selftestIRQ(out, frames, kernel)
		case "ring3":
			return selftestRing3(out, frames, kernel)
		}
		return fmt.Errorf("unknown self-test %q (have: paging, tlb, irq, ring3)", name)
	}
}

// Window ranges the paging self-test uses.
const (
	selftest4KBase  = SelftestBase + 1<<30
	selftest4KPages = 100_000
	selftest2MBase  = SelftestBase + 1<<40
	selftest2MPages = 64
)

// demandResolver maps a zeroed frame of size at any faulting address in
// [base, base+n*size), counting faults and cycles. It is installed as the
// window resolver: it runs on the fault path, so it allocates no Go memory.
type demandResolver struct {
	frames *frame.Allocator
	table  *pt.Table
	base   mm.VirtAddr
	n      uint64
	size   pt.PageSize
	faults uint64
	cycles uint64
}

func (r *demandResolver) resolve(va mm.VirtAddr, code uint64) (bool, arch.Reason) {
	start := arch.RDTSC()
	if va < r.base || uint64(va-r.base) >= r.n*uint64(r.size) {
		return false, arch.ReasonNotMapped
	}
	order := 0
	if r.size == pt.Size2M {
		order = 9
	}
	pfn, err := r.frames.Alloc(order, frame.Anon)
	if err != nil {
		return false, arch.ReasonNoMemory
	}
	mm.ZeroFrames(pfn.Addr(), uintptr(r.size))
	page := va &^ mm.VirtAddr(r.size-1)
	if err := r.table.Map(page, pfn.Addr(), r.size, pt.Writable|pt.NoExecute); err != nil {
		r.frames.Free(pfn, order)
		return false, arch.ReasonNoMemory
	}
	r.faults++
	r.cycles += arch.RDTSC() - start
	return true, 0
}

// teardown unmaps and frees every page the resolver mapped.
func (r *demandResolver) teardown() {
	order := 0
	if r.size == pt.Size2M {
		order = 9
	}
	for i := range r.n {
		if pa, err := r.table.Unmap(r.base+mm.VirtAddr(i*uint64(r.size)), r.size); err == nil {
			r.frames.Free(pa.PFN(), order)
		}
	}
}

func pattern(va mm.VirtAddr) uint64 { return uint64(va)*0x9e3779b97f4a7c15 ^ 0x5a5a }

// selftestPaging demand-faults selftest4KPages distinct 4 KiB pages of the
// window, writing a per-page pattern at both ends of each page, then
// re-reads them all; then the same with 2 MiB pages, writing every 4 KiB
// page of each; then it checks that an access outside the resolver's range
// becomes a recoverable *FaultError. Every frame and table goes back.
func selftestPaging(out io.Writer, frames *frame.Allocator, kernel *pt.Table) error {
	free0 := frames.Stats().FreePages
	need := uint64(selftest4KPages+selftest4KPages/512+16) + selftest2MPages*512
	if free0 < need {
		return fmt.Errorf("needs %d MiB free, have %d MiB", need>>8, free0>>8)
	}
	for _, r := range []*demandResolver{
		{frames: frames, table: kernel, base: selftest4KBase, n: selftest4KPages, size: pt.Size4K},
		{frames: frames, table: kernel, base: selftest2MBase, n: selftest2MPages, size: pt.Size2M},
	} {
		if err := runDemandTest(out, r); err != nil {
			return err
		}
	}
	// Outside every resolver's range, a window fault is unresolvable.
	trap.SetWindowResolver(nil)
	fe := touchExpectingFault(selftest4KBase)
	if fe == nil {
		return errors.New("a read of an unmapped window page did not fault")
	}
	if fe.Addr != uint64(selftest4KBase) || fe.Access != arch.Read || fe.Reason != arch.ReasonNotMapped || fe.Instruction == "" {
		return fmt.Errorf("unexpected fault: %v", fe)
	}
	fmt.Fprintf(out, "selftest paging: unresolvable fault recovered: %v\n", fe)
	if leaked := int64(free0) - int64(frames.Stats().FreePages); leaked != 0 {
		return fmt.Errorf("%d frames not returned", leaked)
	}
	fmt.Fprintf(out, "selftest paging: ok\n")
	return nil
}

func runDemandTest(out io.Writer, r *demandResolver) error {
	trap.SetWindowResolver(r.resolve)
	defer trap.SetWindowResolver(nil)
	defer r.teardown()

	step := mm.VirtAddr(mm.PageSize)
	pages := r.n * uint64(r.size) / mm.PageSize
	end := r.base + mm.VirtAddr(pages)*step
	start := arch.RDTSC()
	for va := r.base; va < end; va += step {
		*word(va) = pattern(va)
		*word(va + step - 8) = ^pattern(va)
	}
	elapsed := arch.RDTSC() - start
	bad := uint64(0)
	for va := r.base; va < end; va += step {
		if *word(va) != pattern(va) || *word(va + step - 8) != ^pattern(va) || *word(va + 8) != 0 {
			bad++
		}
	}
	fmt.Fprintf(out, "selftest paging: %v pages: %d faults resolved for %d pages; %d of %d 4 KiB pages verified; %d cycles/fault in the resolver, %d cycles/fault end to end (TSC)\n",
		r.size, r.faults, r.n, pages-bad, pages, r.cycles/max(r.faults, 1), elapsed/max(r.faults, 1))
	if r.faults != r.n || bad != 0 {
		return fmt.Errorf("%v pages: %d faults for %d pages, %d pages wrong", r.size, r.faults, r.n, bad)
	}
	return nil
}

// touchExpectingFault reads va and returns the *FaultError the read
// panicked with, or nil.
func touchExpectingFault(va mm.VirtAddr) (fe *arch.FaultError) {
	defer func() {
		if r := recover(); r != nil {
			fe, _ = r.(*arch.FaultError)
			if fe == nil {
				panic(r)
			}
		}
	}()
	_ = *word(va)
	return nil
}
