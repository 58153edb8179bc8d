//go:build !tamago

package proc

import (
	"bytes"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/lock"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/sim"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// procEnv is a process with no program: a user address space over
// simulated memory, the console on descriptors 0-2, and the system call
// layer driven directly (registers in, RAX out), as the run loop does
// after a SYSCALL exit.
type procEnv struct {
	t       testing.TB
	tab     *Table
	p       *Process
	console bytes.Buffer
	free0   uint64
}

func newProcEnv(t testing.TB, base mm.PhysAddr) *procEnv {
	t.Helper()
	mem, done := sim.NewMemory(base, 16<<20)
	t.Cleanup(done)
	m, err := vm.NewMM(mem.Frames, mem.Tables, 0x1_0000, stackTop, 0)
	if err != nil {
		t.Fatal(err)
	}
	m.HoleStart, m.HoleEnd = 0xf000_0000, 0xf800_0000
	e := &procEnv{t: t}
	e.free0 = mem.Frames.Stats().FreePages
	big := new(lock.Kernel)
	e.tab = NewTable(big, m, nil, &e.console, &clock{}, nil)
	as, err := m.NewAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	as.User = true
	as.MmapBase = stackTop - mmapGap
	e.p = &Process{PID: 1, State: Running, AS: as, regs: arch.NewUserRegs(), files: newFDTable(), cwd: "/"}
	for fd := range 3 {
		e.p.files.install(fd, &consoleFile{t: e.tab}, false)
	}
	e.tab.procs[1] = e.p
	big.Lock()
	t.Cleanup(big.Unlock)
	return e
}

// call makes system call nr with args and returns RAX as Linux would
// leave it: a result, or -errno.
func (e *procEnv) call(nr uint64, args ...uint64) int64 {
	var a [6]uint64
	copy(a[:], args)
	r := e.p.regs
	r.RAX, r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9 = nr, a[0], a[1], a[2], a[3], a[4], a[5]
	e.tab.syscall(e.p)
	return int64(e.p.regs.RAX)
}

func (e *procEnv) mmap(length uint64, prot, flags uint64) uint64 {
	e.t.Helper()
	r := e.call(sysMmap, 0, length, prot, flags, ^uint64(0), 0)
	if r < 0 {
		e.t.Fatalf("mmap: %v", linux.Errno(-r))
	}
	return uint64(r)
}

const (
	protRW      = linux.PROT_READ | linux.PROT_WRITE
	privateAnon = linux.MAP_PRIVATE | linux.MAP_ANONYMOUS
)

func errno(e linux.Errno) int64 { return -int64(e) }

// A user pointer to nowhere is EFAULT, and nothing moves: not a read
// into a bad buffer (the console's input stays), not a write from one,
// not a path or a struct; the kernel's own addresses are nowhere too.
func TestSyscallEFAULT(t *testing.T) {
	e := newProcEnv(t, 0x90_0000_0000)
	buf := e.mmap(mm.PageSize, protRW, privateAnon)
	ro := e.mmap(mm.PageSize, linux.PROT_READ, privateAnon)
	bad := []uint64{0, 0xf101_0000, 0xffff_8880_0000_0000, 0xfee0_0000, uint64(stackTop), 0xffff_ffff_8100_0000, buf + mm.PageSize - 8}
	e.tab.tty.termios.Lflag &^= linux.ICANON | linux.ECHO // raw: the bytes are readable as typed, and not echoed
	e.tab.Input([]byte("typed"))
	for _, addr := range bad {
		n := uint64(16)
		if got := e.call(sysWrite, 1, addr, n); got != errno(linux.EFAULT) {
			t.Errorf("write(1, %#x, 16) = %d, want -EFAULT", addr, got)
		}
		if got := e.call(sysRead, 0, addr, n); got != errno(linux.EFAULT) {
			t.Errorf("read(0, %#x, 16) = %d, want -EFAULT", addr, got)
		}
		if got := e.call(sysUname, addr); got != errno(linux.EFAULT) && addr != buf+mm.PageSize-8 {
			t.Errorf("uname(%#x) = %d, want -EFAULT", addr, got)
		}
		if got := e.call(sysOpenat, atFDCWD, addr, 0, 0); got != errno(linux.EFAULT) && got != errno(linux.ENOENT) {
			t.Errorf("openat(%#x) = %d, want -EFAULT", addr, got)
		}
	}
	if got := e.call(sysRead, 0, ro, 4); got != errno(linux.EFAULT) {
		t.Errorf("read into a read-only page = %d, want -EFAULT", got)
	}
	if e.console.Len() != 0 {
		t.Errorf("the console got %q from bad buffers", e.console.String())
	}
	if got := e.call(sysRead, 0, buf, 16); got != 5 {
		t.Errorf("read after the bad ones = %d, want the 5 typed bytes", got)
	}
	if got := e.call(sysWrite, 1, buf, 5); got != 5 || e.console.String() != "typed" {
		t.Errorf("write = %d, console %q", got, e.console.String())
	}
}

// brk grows from the image's end and shrinks; below its start it stays.
func TestSyscallBrk(t *testing.T) {
	e := newProcEnv(t, 0x91_0000_0000)
	e.p.brkStart, e.p.brk = 0x60_0000, 0x60_0000
	if got := e.call(sysBrk, 0); got != 0x60_0000 {
		t.Fatalf("brk(0) = %#x", got)
	}
	if got := e.call(sysBrk, 0x60_3010); got != 0x60_3010 {
		t.Fatalf("brk grow = %#x", got)
	}
	if got := e.call(sysWrite, 1, 0x60_3000, 16); got != 16 {
		t.Errorf("write from the new heap = %d", got)
	}
	if got := e.call(sysBrk, 0x60_1000); got != 0x60_1000 {
		t.Fatalf("brk shrink = %#x", got)
	}
	if got := e.call(sysWrite, 1, 0x60_2000, 16); got != errno(linux.EFAULT) {
		t.Errorf("write from the heap given back = %d, want -EFAULT", got)
	}
	if got := e.call(sysBrk, 0x10_0000); got != 0x60_1000 {
		t.Errorf("brk below the start = %#x, want the break unchanged", got)
	}
}

// An unknown system call is ENOSYS and counted.
func TestSyscallUnknown(t *testing.T) {
	e := newProcEnv(t, 0x92_0000_0000)
	if got := e.call(1000); got != errno(linux.ENOSYS) {
		t.Errorf("syscall 1000 = %d", got)
	}
	if e.tab.Unknown[1000] != 1 {
		t.Errorf("Unknown[1000] = %d", e.tab.Unknown[1000])
	}
}

// Signal masks and handlers: SIGKILL cannot be blocked or caught; a
// handler is entered on a frame and rt_sigreturn gives every register
// back.
func TestSignalFrameRoundTrip(t *testing.T) {
	e := newProcEnv(t, 0x93_0000_0000)
	stack := e.mmap(16*mm.PageSize, protRW, privateAnon)
	set := e.mmap(mm.PageSize, protRW, privateAnon)
	u := e.tab.mem(e.p)
	u.store64(set, ^uint64(0))
	if got := e.call(sysRtSigprocmask, 0, set, 0, 8); got != 0 {
		t.Fatalf("rt_sigprocmask = %d", got)
	}
	if e.p.sig.blocked&sigBit(linux.SIGKILL) != 0 {
		t.Error("SIGKILL blocked")
	}
	u.store64(set, 0)
	e.call(sysRtSigprocmask, 2, set, 0, 8)
	act := linux.Sigaction{Handler: 0x40_1000, Flags: linux.SA_SIGINFO | linux.SA_RESTORER, Restorer: 0x40_2000}
	u.copyOut(set, act.Append(nil))
	if got := e.call(sysRtSigaction, uint64(linux.SIGKILL), set, 0, 8); got != errno(linux.EINVAL) {
		t.Errorf("rt_sigaction(SIGKILL) = %d", got)
	}
	if got := e.call(sysRtSigaction, uint64(linux.SIGUSR1), set, 0, 8); got != 0 {
		t.Fatalf("rt_sigaction(SIGUSR1) = %d", got)
	}
	r := e.p.regs
	r.RSP, r.RIP, r.RBX, r.R12 = stack+16*mm.PageSize-64, 0x40_0500, 0x1111, 0x2222
	r.FPU.SetXMM(3, 0xabcd, 0xef01)
	want := *r
	e.tab.signal(e.p, linux.SIGUSR1)
	e.tab.deliverSignals(e.p)
	h := e.p.regs
	if h.RIP != 0x40_1000 || h.RDI != uint64(linux.SIGUSR1) || (h.RSP+8)%16 != 0 {
		t.Fatalf("handler entered with rip %#x rdi %d rsp %#x", h.RIP, h.RDI, h.RSP)
	}
	if e.p.sig.blocked&sigBit(linux.SIGUSR1) == 0 {
		t.Error("SIGUSR1 not blocked in its handler")
	}
	// The handler returns to the restorer, which calls rt_sigreturn
	// with RSP just past pretcode.
	h.RSP += 8
	e.call(sysRtSigreturn)
	got := e.p.regs
	if got.RIP != want.RIP || got.RSP != want.RSP || got.RBX != 0x1111 || got.R12 != 0x2222 || got.RAX != want.RAX {
		t.Errorf("after rt_sigreturn: rip %#x rsp %#x rbx %#x r12 %#x rax %#x; want rip %#x rsp %#x", got.RIP, got.RSP, got.RBX, got.R12, got.RAX, want.RIP, want.RSP)
	}
	if lo, hi := got.FPU.XMM(3); lo != 0xabcd || hi != 0xef01 {
		t.Errorf("xmm3 after rt_sigreturn = %#x %#x", lo, hi)
	}
	if e.p.sig.blocked != 0 {
		t.Errorf("mask after rt_sigreturn %#x", e.p.sig.blocked)
	}
}

// A system call that does no I/O allocates nothing on the kernel's heap
// (getpid: the round trip the user benchmarks time).
func TestSyscallAllocs(t *testing.T) {
	e := newProcEnv(t, 0x94_0000_0000)
	if n := testing.AllocsPerRun(100, func() { e.call(sysGetpid) }); n != 0 {
		t.Errorf("getpid allocates %v times a call", n)
	}
}
