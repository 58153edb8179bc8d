//go:build tamago

package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/boot"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/frame"
	pt "github.com/pagoda-os/pagoda/mm/pagetable"
	"github.com/pagoda-os/pagoda/trap"
)

// Where selftest ring3 maps its pages in the window: the code page, a
// guard page, the stack page.
const (
	ring3Base      = SelftestBase + 3<<40
	ring3CodeVA    = ring3Base
	ring3StackVA   = ring3Base + 2*mm.PageSize
	ring3StackTop  = ring3StackVA + mm.PageSize
	ring3Trips     = 10_000 // round trips measured per return path
	ring3TimerWait = time.Millisecond
	ring3MaxIRQs   = 1000 // interrupts from other sources tolerated while waiting for the timer
	ring3Result    = 0x5eed_0000_0000_0001
	ring3TLSWord   = 0x7153_7153_7153_7153
)

// ring3Test is the state of one run: the two frames, the registers of
// the one ring-3 thread, the output.
type ring3Test struct {
	out         io.Writer
	code, stack mm.PhysAddr
	r           *arch.UserRegs
}

// selftestRing3 runs ring3Program in ring 3 through arch.Switch, on a
// code page (user, read+execute) and a stack page (user, read/write,
// no-execute) mapped in the kernel's table, and checks each way back:
// SYSCALL and the SYSRETQ resume, page faults on a kernel address, on the
// read-only code page and on the no-execute stack, #UD and #GP, the FS
// base, XMM0 across Go code, and an interrupt; with SMAP on, first that
// a kernel load from the user page faults. It prints one line per check,
// then the cost of a round trip (Switch in, SYSCALL out).
func selftestRing3(out io.Writer, frames *frame.Allocator, kernel *pt.Table) error {
	smep, smap := arch.UserProtection()
	fmt.Fprintf(out, "ring3: SMEP %s, SMAP %s\n", onOff(smep), onOff(smap))
	free0 := frames.Stats().FreePages
	t := &ring3Test{out: out, r: arch.NewUserRegs()}
	var err error
	if t.code, t.stack, err = ring3Map(frames, kernel); err != nil {
		return err
	}
	trap.SetWindowResolver(nil) // the window holds only this test's pages (Selftests restores it)
	err = t.smap(smap)
	if err == nil {
		err = t.run()
	}
	ring3Unmap(frames, kernel)
	if err != nil {
		return err
	}
	if leaked := int64(free0) - int64(frames.Stats().FreePages); leaked != 0 {
		return fmt.Errorf("ring3: %d frames not returned", leaked)
	}
	fmt.Fprintf(out, "ring3: ok\n")
	return nil
}

// smap checks, when SMAP is on, that a kernel load from the user code
// page faults (present, supervisor, read: a protection fault), through
// the probe accessor, which turns the fault into an error.
func (t *ring3Test) smap(on bool) error {
	if !on {
		return nil
	}
	var b [1]byte
	_, fe := MachineProber{}.Peek(uint64(ring3CodeVA), b[:])
	if fe == nil || fe.Code != arch.PFPresent || fe.Addr != uint64(ring3CodeVA) {
		return fmt.Errorf("ring3: SMAP: a kernel load from user page %#x gave %v, want a protection fault", uint64(ring3CodeVA), fe)
	}
	fmt.Fprintf(t.out, "ring3: SMAP: kernel load from a user page: %v (error %#x)\n", fe, fe.Code)
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// ring3Map maps the code page, written through the direct map before
// the user mapping exists (the kernel never touches a user page: SMAP),
// and the zeroed stack page.
func ring3Map(frames *frame.Allocator, kernel *pt.Table) (code, stack mm.PhysAddr, err error) {
	var pfns [2]mm.PFN
	for i := range pfns {
		if pfns[i], err = frames.Alloc(0, frame.Anon); err != nil {
			for _, p := range pfns[:i] {
				frames.Free(p, 0)
			}
			return 0, 0, err
		}
	}
	code, stack = pfns[0].Addr(), pfns[1].Addr()
	copy(mm.FrameBytes(code), ring3Image())
	mm.ZeroFrames(stack, mm.PageSize)
	err = errors.Join(
		kernel.Map(ring3CodeVA, code, pt.Size4K, pt.User),
		kernel.Map(ring3StackVA, stack, pt.Size4K, pt.User|pt.Writable|pt.NoExecute))
	if err != nil {
		ring3Unmap(frames, kernel)
	}
	return code, stack, err
}

// ring3Unmap unmaps (with TLB invalidation) and frees what ring3Map
// mapped.
func ring3Unmap(frames *frame.Allocator, kernel *pt.Table) {
	for _, va := range []mm.VirtAddr{ring3CodeVA, ring3StackVA} {
		if pa, err := kernel.Unmap(va, pt.Size4K); err == nil {
			frames.Free(pa.PFN(), 0)
		}
	}
}

// at sets where ring 3 resumes: RIP at offset off of the code page, a
// fresh stack.
func (t *ring3Test) at(off int) {
	t.r.RIP = uint64(ring3CodeVA) + uint64(off)
	t.r.RSP = uint64(ring3StackTop)
	t.r.Changed()
}

// expect runs ring 3 and checks the exit against want (the kind, and
// for exceptions the vector and error code) and RIP against rip.
func (t *ring3Test) expect(what string, want arch.Exit, rip int) (arch.Exit, error) {
	arch.Switch(t.r)
	e := t.r.Exit
	ok := e.Kind == want.Kind && (e.Kind == arch.ExitSyscall || e.Vector == want.Vector && e.Error == want.Error)
	if !ok || t.r.RIP != uint64(ring3CodeVA)+uint64(rip) {
		return e, fmt.Errorf("ring3: %s: exit %v at rip %#x, want %v at %#x", what, e, t.r.RIP, want, uint64(ring3CodeVA)+uint64(rip))
	}
	return e, nil
}

// pfError builds a page fault's error code: P, W/R, U/S, I/D (SDM 3A
// 4.7).
func pfError(bits ...uint64) arch.Exit {
	code := uint64(0)
	for _, b := range bits {
		code |= b
	}
	return arch.Exit{Kind: arch.ExitException, Vector: arch.VectorPageFault, Error: code}
}

// kernelAddr is the code page's frame as the kernel reaches it: its
// address in the direct map, present and supervisor-only.
func (t *ring3Test) kernelAddr() uint64 { return uint64(mm.DirectMapBase) + uint64(t.code) }

func (t *ring3Test) run() error {
	out, r := t.out, t.r
	syscall := arch.Exit{Kind: arch.ExitSyscall}

	// 1. SYSCALL: RAX, RCX = the next RIP, R11 = RFLAGS; every other
	// register as the kernel loaded it.
	t.at(ring3Syscall)
	seeds := []*uint64{&r.RBX, &r.RDX, &r.RSI, &r.RDI, &r.RBP, &r.R8, &r.R9, &r.R10, &r.R12, &r.R13, &r.R14, &r.R15}
	for i, p := range seeds {
		*p = 0x1111_1111_1111_1111 * uint64(i+1)
	}
	r.RDI = t.kernelAddr() // a kernel address (the direct map, supervisor) for step 3
	want := make([]uint64, len(seeds))
	for i, p := range seeds {
		want[i] = *p
	}
	if _, err := t.expect("syscall", syscall, ring3AfterSyscall); err != nil {
		return err
	}
	for i, p := range seeds {
		if *p != want[i] {
			return fmt.Errorf("ring3: syscall: register %d is %#x, want %#x", i, *p, want[i])
		}
	}
	if r.RAX != 39 || r.RCX != r.RIP || r.R11 != r.RFLAGS || r.R11&(1<<9) == 0 || r.RSP != uint64(ring3StackTop) {
		return fmt.Errorf("ring3: syscall: rax %d rcx %#x r11 %#x rsp %#x, want 39, rip %#x, rflags %#x with IF, %#x",
			r.RAX, r.RCX, r.R11, r.RSP, r.RIP, r.RFLAGS, uint64(ring3StackTop))
	}
	fmt.Fprintf(out, "ring3: syscall: rax=39 rcx=%#x (the next rip) r11=%#x (rflags), other registers kept\n", r.RCX, r.R11)

	// 2. The result in RAX, back through SYSRETQ (RCX = RIP, R11 =
	// RFLAGS): ring 3 stores it on its stack and in RBX, then calls
	// again.
	r.RAX = ring3Result
	if _, err := t.expect("sysret resume", syscall, ring3KernelLoad); err != nil {
		return err
	}
	stackWord := mm.FrameBytes(t.stack)[mm.PageSize-8:]
	if got := binary.LittleEndian.Uint64(stackWord); r.RAX != 60 || r.RBX != ring3Result || got != ring3Result {
		return fmt.Errorf("ring3: sysret resume: rax %d rbx %#x [rsp-8] %#x, want 60 and %#x twice", r.RAX, r.RBX, got, uint64(ring3Result))
	}
	fmt.Fprintf(out, "ring3: sysret resume: result %#x seen by ring 3 in rbx and on its stack\n", r.RBX)

	// 3. A load from a kernel address: #PF, present, user, read.
	e, err := t.expect("load from a kernel address", pfError(arch.PFPresent, arch.PFUser), ring3KernelLoad)
	if err != nil {
		return err
	}
	if e.CR2 != t.kernelAddr() {
		return fmt.Errorf("ring3: load from a kernel address: cr2 %#x, want %#x", e.CR2, t.kernelAddr())
	}
	fmt.Fprintf(out, "ring3: load from kernel address %#x: %v\n", e.CR2, e)

	// 4. A store to the read-only code page: #PF, present, write, user.
	t.at(ring3Write)
	r.RDI = uint64(ring3CodeVA)
	if e, err = t.expect("store to the code page", pfError(arch.PFPresent, arch.PFWrite, arch.PFUser), ring3Write); err != nil {
		return err
	}
	if e.CR2 != uint64(ring3CodeVA) {
		return fmt.Errorf("ring3: store to the code page: cr2 %#x", e.CR2)
	}
	fmt.Fprintf(out, "ring3: store to the read-only code page: %v\n", e)

	// 5. A jump to the no-execute stack: #PF, present, user, fetch.
	r.RIP, r.RSP = uint64(ring3StackVA), uint64(ring3StackTop)
	r.Changed()
	arch.Switch(r)
	e = r.Exit
	if want := pfError(arch.PFPresent, arch.PFUser, arch.PFFetch); e.Kind != want.Kind || e.Vector != want.Vector || e.Error != want.Error || e.CR2 != uint64(ring3StackVA) {
		return fmt.Errorf("ring3: fetch from the stack: %v, want %v at %#x", e, want, uint64(ring3StackVA))
	}
	fmt.Fprintf(out, "ring3: fetch from the no-execute stack: %v\n", e)

	// 6. UD2 and HLT (privileged: ring 3 is really ring 3).
	t.at(ring3UD)
	if e, err = t.expect("ud2", arch.Exit{Kind: arch.ExitException, Vector: arch.VectorInvalidOpcode}, ring3UD); err != nil {
		return err
	}
	fmt.Fprintf(out, "ring3: ud2: %v\n", e)
	t.at(ring3Hlt)
	if e, err = t.expect("hlt", arch.Exit{Kind: arch.ExitException, Vector: arch.VectorGeneralProtection}, ring3Hlt); err != nil {
		return err
	}
	fmt.Fprintf(out, "ring3: hlt: %v\n", e)

	// 7. The FS base: ring 3 reads FS:0, a word the kernel put at the
	// base through the direct map.
	t.at(ring3FS)
	r.FSBase = uint64(ring3StackVA)
	binary.LittleEndian.PutUint64(mm.FrameBytes(t.stack), ring3TLSWord)
	if _, err = t.expect("fs base", syscall, ring3FS+11); err != nil {
		return err
	}
	if r.RAX != ring3TLSWord || r.FSBase != uint64(ring3StackVA) {
		return fmt.Errorf("ring3: fs base: fs:[0] read %#x, base %#x, want %#x at %#x", r.RAX, r.FSBase, uint64(ring3TLSWord), uint64(ring3StackVA))
	}
	fmt.Fprintf(out, "ring3: fs base %#x: fs:[0] = %#x\n", r.FSBase, r.RAX)
	r.FSBase = 0

	// 8. XMM0 set by ring 3, kept in its FPU state while the kernel runs
	// Go code that uses the XMM registers (memmove, fmt), then checked by
	// ring 3 itself.
	t.at(ring3FPU)
	if _, err = t.expect("xmm0 set", syscall, ring3FPU+0x16); err != nil {
		return err
	}
	if lo, _ := r.FPU.XMM(0); lo != ring3XMM {
		return fmt.Errorf("ring3: xmm0 saved as %#x, want %#x", lo, uint64(ring3XMM))
	}
	var a, b [4096]byte
	for i := range a {
		a[i] = byte(i * 7)
	}
	copy(b[:], a[:])
	s := fmt.Sprintf("%x", b[:64])
	if _, err = t.expect("xmm0 check", syscall, ring3FPU+0x22); err != nil {
		return err
	}
	if r.RBX != ring3XMM || len(s) != 128 {
		return fmt.Errorf("ring3: xmm0 after Go code: ring 3 read %#x, want %#x", r.RBX, uint64(ring3XMM))
	}
	fmt.Fprintf(out, "ring3: xmm0 = %#x kept across Go code, mxcsr %#x\n", r.RBX, r.FPU.MXCSR())

	// 9. The entry rules enterUser enforces before entering.
	if err := t.entryRules(); err != nil {
		return err
	}

	// 10. An interrupt: the LAPIC timer fires while ring 3 spins.
	if err := t.interrupt(); err != nil {
		return err
	}

	// 11. The round trip, by each way back into ring 3.
	return t.roundTrips()
}

// entryRules checks what enterUser (user_tamago.s) does to the registers
// before entering, on every entry: a non-canonical RIP, RSP or FS base is
// a #GP exit without entering; RFLAGS keeps only ring 3's flags, with IF
// set and IOPL 0; MXCSR loses its reserved bits.
func (t *ring3Test) entryRules() error {
	out, r := t.out, t.r
	for _, bad := range []struct {
		name string
		reg  *uint64
	}{{"rip", &r.RIP}, {"rsp", &r.RSP}, {"fs base", &r.FSBase}} {
		t.at(ring3Syscall)
		r.RCX = 0 // the IRETQ way (RSP is IRETQ's only)
		*bad.reg = 0x0000_8000_0000_0000
		arch.Switch(r)
		e := r.Exit
		if e.Kind != arch.ExitException || e.Vector != arch.VectorGeneralProtection || e.Error != 0 || *bad.reg != 0x0000_8000_0000_0000 {
			return fmt.Errorf("ring3: non-canonical %s: exit %v, register %#x after, want #GP at once", bad.name, e, *bad.reg)
		}
		*bad.reg = 0
	}
	t.at(ring3Syscall)
	r.RFLAGS = 0x3000 | 1<<14 | 1<<21 | 1<<1 // IOPL 3, NT, ID, IF clear
	buf := r.FPU.FXSAVE()
	binary.LittleEndian.PutUint32(buf[24:], 0x1f80|1<<20) // a reserved MXCSR bit
	if _, err := t.expect("entry rules", arch.Exit{Kind: arch.ExitSyscall}, ring3AfterSyscall); err != nil {
		return err
	}
	if r.R11&0x3000 != 0 || r.R11&(1<<14) != 0 || r.R11&(1<<9) == 0 || r.R11&(1<<21) == 0 || r.FPU.MXCSR() != 0x1f80 {
		return fmt.Errorf("ring3: entry rules: ring 3 ran with rflags %#x and mxcsr %#x, want IF, ID kept, IOPL 0, no NT, 0x1f80", r.R11, r.FPU.MXCSR())
	}
	fmt.Fprintf(out, "ring3: entry rules: non-canonical rip, rsp, fs base refused (#GP); rflags %#x, mxcsr %#x in ring 3\n", r.R11, r.FPU.MXCSR())
	return nil
}

// interrupt arms the LAPIC timer and spins in ring 3 until it fires: it
// must come back as an interrupt exit at the spinning instruction.
// Interrupts of other sources may come first; each is handed to the
// scheduler (runtime.Gosched) as a process's caller would.
func (t *ring3Test) interrupt() error {
	if !arch.InterruptsEnabled() {
		return errors.New("ring3: interrupts are disabled (IF=0) in a goroutine")
	}
	count0 := arch.IRQCount(VectorSelftestTimer)
	if err := arch.ArmLAPICTimer(VectorSelftestTimer, ring3TimerWait); err != nil {
		return err
	}
	defer arch.StopLAPICTimer()
	t.at(ring3Spin)
	for range ring3MaxIRQs {
		arch.Switch(t.r)
		e := t.r.Exit
		if e.Kind != arch.ExitInterrupt || t.r.RIP != uint64(ring3CodeVA+ring3Spin) {
			return fmt.Errorf("ring3: interrupt: exit %v at rip %#x, want an interrupt at %#x", e, t.r.RIP, uint64(ring3CodeVA+ring3Spin))
		}
		runtime.Gosched()
		if e.Vector == VectorSelftestTimer {
			if n := arch.IRQCount(VectorSelftestTimer) - count0; n != 1 {
				return fmt.Errorf("ring3: interrupt: vector %d counted %d times, want 1", VectorSelftestTimer, n)
			}
			fmt.Fprintf(t.out, "ring3: interrupt in ring 3: %v, counted, rip %#x kept\n", e, t.r.RIP)
			return nil
		}
	}
	return fmt.Errorf("ring3: interrupt: %d other interrupts, no timer", ring3MaxIRQs)
}

// roundTrips measures Switch in, one JMP, SYSCALL out: ring3Trips times
// returning with SYSRETQ, then as many with IRETQ (RCX made unequal to
// RIP, so that SYSRETQ cannot be used). TSC cycles; under -icount the
// TSC counts instructions, and so does this.
func (t *ring3Test) roundTrips() error {
	r := t.r
	t.at(ring3Loop)
	if k := arch.Switch(r); k != arch.ExitSyscall {
		return fmt.Errorf("ring3: round trip: %v", r.Exit)
	}
	measure := func(forceIRET bool) (uint64, error) {
		start := arch.RDTSC()
		for range ring3Trips {
			if forceIRET {
				r.RCX = 0
				r.Changed()
			}
			if k := arch.Switch(r); k != arch.ExitSyscall || r.RIP != uint64(ring3CodeVA+ring3Loop+2) {
				return 0, fmt.Errorf("ring3: round trip: exit %v at %#x", r.Exit, r.RIP)
			}
		}
		return (arch.RDTSC() - start) / ring3Trips, nil
	}
	sysret, err := measure(false)
	if err != nil {
		return err
	}
	iret, err := measure(true)
	if err != nil {
		return err
	}
	ns := func(c uint64) float64 { return float64(c) * 1e9 / float64(boot.TSCHz()) }
	fmt.Fprintf(t.out, "ring3: syscall round trip (Switch in, SYSCALL out), %d each: sysretq %d cycles (%.0f ns), iretq %d cycles (%.0f ns) (TSC)\n",
		ring3Trips, sysret, ns(sysret), iret, ns(iret))
	return nil
}
