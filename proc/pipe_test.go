//go:build !tamago

package proc

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/pagoda-os/pagoda/abi/linux"
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/mm"
)

// sibling is a second process of e's table sharing e.p's address space
// and a copy of its descriptors, as a forked child's (its memory is the
// same, which a test that only moves bytes through the kernel may use).
func (e *procEnv) sibling(pid int) *Process {
	q := &Process{PID: pid, PPID: e.p.PID, State: Running, AS: e.p.AS, regs: arch.NewUserRegs(),
		files: e.p.files.dup(), cwd: "/"}
	e.tab.procs[pid] = q
	return q
}

// callAs is call for process q.
func (e *procEnv) callAs(q *Process, nr uint64, args ...uint64) int64 {
	var a [6]uint64
	copy(a[:], args)
	r := q.regs
	r.RAX, r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9 = nr, a[0], a[1], a[2], a[3], a[4], a[5]
	e.tab.syscall(q)
	return int64(q.regs.RAX)
}

// inBackground runs q's call in a goroutine that takes the big kernel
// lock, lets it run until q sleeps, and returns the call's result
// channel; the test goroutine holds the lock again on return.
func (e *procEnv) inBackground(q *Process, nr uint64, args ...uint64) <-chan int64 {
	e.t.Helper()
	res := make(chan int64, 1)
	big := e.tab.Lock
	go func() {
		big.Lock()
		defer big.Unlock()
		res <- e.callAs(q, nr, args...)
	}()
	big.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		time.Sleep(time.Millisecond)
		big.Lock()
		if q.State == Sleeping || len(res) > 0 {
			return res
		}
		big.Unlock()
		if time.Now().After(deadline) {
			e.t.Fatal("the call neither slept nor returned")
		}
	}
}

// wait lets go of the big kernel lock until res has the call's result.
func (e *procEnv) wait(res <-chan int64) int64 {
	e.tab.Lock.Unlock()
	defer e.tab.Lock.Lock()
	select {
	case r := <-res:
		return r
	case <-time.After(5 * time.Second):
		e.t.Fatal("the sleeping call did not return")
		return 0
	}
}

func (e *procEnv) pipe(flags uint64) (r, w uint64) {
	e.t.Helper()
	fds := e.mmap(mm.PageSize, protRW, privateAnon)
	if got := e.call(sysPipe2, fds, flags); got != 0 {
		e.t.Fatalf("pipe2(%#x) = %d", flags, got)
	}
	v, _ := e.tab.mem(e.p).load64(fds)
	return v & 0xffffffff, v >> 32
}

// Bytes go through in order; an empty pipe's read sleeps until a write;
// the last writer's close is end of file; the last reader's close makes
// a write EPIPE with SIGPIPE; fstat says S_IFIFO; O_CLOEXEC is the
// descriptors', O_NONBLOCK the open files'.
func TestPipe(t *testing.T) {
	e := newProcEnv(t, 0x94_0000_0000)
	buf := e.mmap(16*mm.PageSize, protRW, privateAnon)
	u := e.tab.mem(e.p)
	r, w := e.pipe(linux.O_CLOEXEC)
	if r != 3 || w != 4 {
		t.Fatalf("pipe2 gave %d, %d; want the lowest free, 3 and 4", r, w)
	}
	if got := e.call(sysFcntl, w, linux.F_GETFD); got != linux.FD_CLOEXEC {
		t.Errorf("F_GETFD of an O_CLOEXEC pipe = %d", got)
	}
	if got := e.call(sysFcntl, r, linux.F_GETFL); got != linux.O_RDONLY {
		t.Errorf("F_GETFL of the read end = %#o", got)
	}
	u.copyOut(buf, []byte("hello, pipe"))
	if got := e.call(sysWrite, w, buf, 11); got != 11 {
		t.Fatalf("write = %d", got)
	}
	if got := e.call(sysRead, w, buf, 1); got != errno(linux.EBADF) {
		t.Errorf("read of the write end = %d, want EBADF", got)
	}
	if got := e.call(sysLseek, r, 0, 0); got != errno(linux.ESPIPE) {
		t.Errorf("lseek of a pipe = %d, want ESPIPE", got)
	}
	if got := e.call(sysRead, r, buf+4096, 5); got != 5 {
		t.Fatalf("read 5 = %d", got)
	}
	if got := e.call(sysRead, r, buf+4096+5, 100); got != 6 {
		t.Fatalf("read the rest = %d", got)
	}
	got := make([]byte, 11)
	u.copyIn(buf+4096, got)
	if string(got) != "hello, pipe" {
		t.Errorf("read %q", got)
	}
	st := make([]byte, linux.SizeofStat)
	if e.call(sysFstat, r, buf+8192) != 0 {
		t.Fatal("fstat of a pipe failed")
	}
	u.copyIn(buf+8192, st)
	if mode := le64(st[24:]) & 0xffffffff; mode&0o170000 != linux.S_IFIFO {
		t.Errorf("fstat of a pipe: mode %#o, want S_IFIFO", mode)
	}

	// An empty pipe's read sleeps until a writer writes.
	child := e.sibling(2)
	res := e.inBackground(child, sysRead, r, buf+4096, 100)
	if child.State != Sleeping {
		t.Fatalf("read of an empty pipe returned %d", <-res)
	}
	u.copyOut(buf, []byte("wake"))
	e.call(sysWrite, w, buf, 4)
	if got := e.wait(res); got != 4 {
		t.Errorf("the sleeping read returned %d, want 4", got)
	}

	// A signal ends the sleep: EINTR.
	res = e.inBackground(child, sysRead, r, buf+4096, 100)
	e.tab.signal(child, linux.SIGUSR1)
	if got := e.wait(res); got != errno(linux.EINTR) {
		t.Errorf("read interrupted by a signal = %d, want EINTR", got)
	}
	child.sig.pending = 0

	// End of file once every writer is gone: the sleeping reader wakes
	// when the child's copy of the write end, the last, closes.
	e.call(sysClose, w)
	res = e.inBackground(e.p, sysRead, r, buf+4096, 100)
	e.callAs(child, sysClose, w)
	if got := e.wait(res); got != 0 {
		t.Errorf("read after the last writer closed = %d, want 0 (EOF)", got)
	}

	// EPIPE and SIGPIPE once every reader is gone.
	r2, w2 := e.pipe(0)
	e.call(sysClose, r2)
	if got := e.call(sysWrite, w2, buf, 4); got != errno(linux.EPIPE) {
		t.Errorf("write with no reader = %d, want EPIPE", got)
	}
	if e.p.sig.pending&sigBit(linux.SIGPIPE) == 0 {
		t.Error("no SIGPIPE after EPIPE")
	}
}

// A full pipe holds 64 KiB; a write of at most PIPE_BUF bytes goes in
// whole or not at all, a longer one in part; O_NONBLOCK is EAGAIN where
// a call would sleep; a writer sleeping on a full pipe wakes when a
// reader makes room, and finishes its atomic write in one piece.
func TestPipeFullAndAtomic(t *testing.T) {
	e := newProcEnv(t, 0x95_0000_0000)
	big := e.mmap(pipeSize+2*mm.PageSize, protRW, privateAnon)
	r, w := e.pipe(linux.O_NONBLOCK)
	if got := e.call(sysRead, r, big, 10); got != errno(linux.EAGAIN) {
		t.Errorf("non-blocking read of an empty pipe = %d, want EAGAIN", got)
	}
	if got := e.call(sysWrite, w, big, pipeSize+100); got != pipeSize {
		t.Fatalf("non-blocking write of 64 KiB + 100 = %d, want %d", got, pipeSize)
	}
	if got := e.call(sysWrite, w, big, 1); got != errno(linux.EAGAIN) {
		t.Errorf("write to a full pipe = %d, want EAGAIN", got)
	}
	e.call(sysRead, r, big, 100)
	if got := e.call(sysWrite, w, big, pipeBuf); got != errno(linux.EAGAIN) {
		t.Errorf("atomic write of PIPE_BUF into 100 bytes of room = %d, want EAGAIN", got)
	}
	if got := e.call(sysWrite, w, big, pipeBuf+1); got != 100 {
		t.Errorf("write of PIPE_BUF+1 into 100 bytes of room = %d, want 100", got)
	}

	// Blocking now: the writer sleeps, a read of 100 bytes is not room
	// for its 4096, a read of 4000 more is.
	e.call(sysFcntl, w, linux.F_SETFL, 0)
	child := e.sibling(2)
	u := e.tab.mem(e.p)
	u.copyOut(big, bytes.Repeat([]byte{'A'}, pipeBuf))
	res := e.inBackground(child, sysWrite, w, big, pipeBuf)
	e.call(sysRead, r, big+pipeSize, 100)
	if child.State != Sleeping {
		t.Fatalf("atomic write into 100 bytes of room returned %d", <-res)
	}
	e.call(sysRead, r, big+pipeSize, 4000)
	if got := e.wait(res); got != pipeBuf {
		t.Fatalf("the sleeping writer wrote %d", got)
	}
	// 65536 - 4100 + 4096 bytes, the tail the writer's 4096 As in one
	// piece.
	pp := e.p.files.fds[w].f.ops.(*pipeEnd).p
	if b := pp.contents(); len(b) != pipeSize-4 || !bytes.Equal(b[len(b)-pipeBuf:], bytes.Repeat([]byte{'A'}, pipeBuf)) {
		t.Errorf("pipe holds %d bytes after the atomic write", pp.n)
	}
}

// poll of a pipe: nothing to read at first (timeout 0 returns 0), POLLIN
// after a write, POLLHUP once the writer is gone; the write end is
// POLLOUT while PIPE_BUF bytes fit; a bad descriptor is POLLNVAL.
func TestPollPipe(t *testing.T) {
	e := newProcEnv(t, 0x98_0000_0000)
	buf := e.mmap(mm.PageSize, protRW, privateAnon)
	u := e.tab.mem(e.p)
	r, w := e.pipe(0)
	pfd := func(fds ...uint64) {
		b := make([]byte, 0, 8*len(fds))
		for _, fd := range fds {
			b = append(b, byte(fd), byte(fd>>8), byte(fd>>16), byte(fd>>24), pollIn|pollOut, 0, 0, 0)
		}
		u.copyOut(buf, b)
	}
	revents := func(i int) uint16 {
		var b [2]byte
		u.copyIn(buf+uint64(8*i)+6, b[:])
		return uint16(b[0]) | uint16(b[1])<<8
	}
	pfd(r)
	if got := e.call(sysPoll, buf, 1, 0); got != 0 || revents(0) != 0 {
		t.Errorf("poll of an empty pipe = %d, revents %#x", got, revents(0))
	}
	pfd(r, w, 77)
	e.call(sysWrite, w, buf, 1)
	pfd(r, w, 77)
	if got := e.call(sysPoll, buf, 3, ^uint64(0)); got != 3 || revents(0) != pollIn || revents(1) != pollOut || revents(2) != pollNval {
		t.Errorf("poll = %d, revents %#x %#x %#x", got, revents(0), revents(1), revents(2))
	}
	e.call(sysClose, w)
	pfd(r)
	if got := e.call(sysPoll, buf, 1, 0); got != 1 || revents(0) != pollIn|pollHup {
		t.Errorf("poll after the writer closed = %d, revents %#x", got, revents(0))
	}
}

// A read with a huge count returns what the pipe has, through a kernel
// buffer of rwChunk at most: no allocation the size of the count.
func TestPipeHugeRead(t *testing.T) {
	e := newProcEnv(t, 0x9a_0000_0000)
	buf := e.mmap(rwChunk, protRW, privateAnon)
	r, w := e.pipe(0)
	e.call(sysWrite, w, buf, 5)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := e.call(sysRead, r, buf, 1<<30)
	runtime.ReadMemStats(&after)
	if got != 5 {
		t.Errorf("read(pipe, 1 GiB) = %d, want the 5 bytes there", got)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 4*rwChunk {
		t.Errorf("read(pipe, 1 GiB) allocated %d bytes", d)
	}
}

// The ring against a plain slice: random puts and gets of random sizes
// (up to the pipe's size held, across its growth and the page it keeps
// when drained) move the same bytes in the same order.
func TestPipeRingModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var pp pipe
	var model []byte
	next := byte(0)
	for step := 0; step < 20000; step++ {
		if rng.IntN(2) == 0 {
			n := rng.IntN(min(pipeSize-pp.n, 3*pipePage) + 1)
			b := make([]byte, n)
			for i := range b {
				b[i] = next
				next++
			}
			pp.put(b)
			model = append(model, b...)
		} else {
			b := make([]byte, rng.IntN(3*pipePage))
			got := pp.get(b)
			want := min(len(b), len(model))
			if got != want || !bytes.Equal(b[:got], model[:want]) {
				t.Fatalf("step %d: get %d bytes, want %d (the model's)", step, got, want)
			}
			model = model[want:]
		}
		if pp.n != len(model) || len(pp.ring)&(len(pp.ring)-1) != 0 || len(pp.ring) > pipeSize {
			t.Fatalf("step %d: %d bytes in a ring of %d, model %d", step, pp.n, len(pp.ring), len(model))
		}
	}
}

// read(2) and write(2) move a pipe's bytes straight between the ring and
// the program: a buffer that faults is EFAULT and the bytes stay in the
// pipe for the next read (Linux's pipe_read leaves what it could not
// copy); a write from a buffer that faults puts nothing in.
func TestPipeBadBuffer(t *testing.T) {
	e := newProcEnv(t, 0x94_0000_0000)
	buf := e.mmap(4*mm.PageSize, protRW, privateAnon)
	u := e.tab.mem(e.p)
	r, w := e.pipe(linux.O_NONBLOCK)               // a lost byte is EAGAIN, not a hang
	bad := uint64(0x94_0000_0000 - 16*mm.PageSize) // nothing mapped there
	u.copyOut(buf, []byte("kept"))
	if got := e.call(sysWrite, w, bad, 4); got != errno(linux.EFAULT) {
		t.Fatalf("write from a bad buffer = %d, want EFAULT", got)
	}
	if got := e.call(sysWrite, w, buf, 4); got != 4 {
		t.Fatalf("write = %d", got)
	}
	if got := e.call(sysRead, r, bad, 4); got != errno(linux.EFAULT) {
		t.Fatalf("read into a bad buffer = %d, want EFAULT", got)
	}
	if got := e.call(sysRead, r, buf+100, 4); got != 4 {
		t.Fatalf("read after the EFAULT = %d, want the 4 bytes still there", got)
	}
	got := make([]byte, 4)
	u.copyIn(buf+100, got)
	if string(got) != "kept" {
		t.Errorf("read %q after the EFAULT, want %q", got, "kept")
	}
}
