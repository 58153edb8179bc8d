package proc

import (
	"github.com/pagoda-os/pagoda/abi/linux"
)

// Pipes, as Linux's fs/pipe.c: a 64 KiB buffer (PIPE_DEF_BUFFERS pages)
// between a read end and a write end, each an open file of its own
// (pipe2 makes both; dup and fork share them). A read of an empty pipe
// sleeps until a writer writes or the last writer closes (then it
// returns 0: end of file); a write to a full pipe sleeps until a reader
// makes room. A write of at most PIPE_BUF bytes goes in whole or not at
// all, so that writers' records never interleave (pipe_write's
// "atomic"); a longer one may be split, and may return short when a
// signal interrupts it after some bytes went in. Writing with no reader
// left is EPIPE, and SIGPIPE to the writer. O_NONBLOCK makes a sleep
// EAGAIN; a pending signal makes it EINTR (or the count so far).
//
// Sleeping is on the Table's condition variable, tied to the big kernel
// lock, as wait4 and the console's read sleep; every change of a pipe's
// state broadcasts it.

const (
	// pipeSize is the buffer: PIPE_DEF_BUFFERS (16) pages.
	pipeSize = 16 * 4096
	// pipePage is the ring's smallest size (pipe.ring).
	pipePage = 4096
	// pipeBuf is PIPE_BUF: writes up to this size are atomic.
	pipeBuf = 4096
)

// pipe is the buffer both ends share. Guarded by the big kernel lock.
type pipe struct {
	t *Table
	// ring holds the bytes written and not yet read: n of them from
	// head, wrapping around. Its length is a power of two, from one
	// page up to pipeSize as the bytes held need (grow); a drained pipe
	// keeps one page of it, so that a write and a read back allocate
	// nothing.
	ring    []byte
	head, n int
	// readers and writers count the open files of each end (0 or 1
	// each: dup and fork share an open file, not make one).
	readers, writers int
	// ino is the number fstat reports (pipefs's inode).
	ino uint64
}

// pipeEnd is one end of a pipe: an open file's ops. of is the open file
// it belongs to, whose flags say O_NONBLOCK (fcntl may change them).
type pipeEnd struct {
	p      *pipe
	writer bool
	of     *openFile
}

// newPipe makes a pipe and its two open files: the read end O_RDONLY,
// the write end O_WRONLY, both with O_NONBLOCK if flags has it.
func (t *Table) newPipe(flags uint64) (r, w *openFile) {
	t.pipeIno++
	p := &pipe{t: t, readers: 1, writers: 1, ino: t.pipeIno}
	nb := flags & linux.O_NONBLOCK
	r = &openFile{path: "pipe:", flags: linux.O_RDONLY | nb}
	w = &openFile{path: "pipe:", flags: linux.O_WRONLY | nb}
	r.ops = &pipeEnd{p: p, of: r}
	w.ops = &pipeEnd{p: p, writer: true, of: w}
	return r, w
}

func (e *pipeEnd) nonblocking() bool { return e.of.flags&linux.O_NONBLOCK != 0 }

// sleep waits for the pipe to change: EINTR if a signal is pending
// first.
func (e *pipeEnd) sleep(p *Process) linux.Errno {
	t := e.p.t
	if t.interrupted(p) {
		return linux.EINTR
	}
	p.State = Sleeping
	t.wait(p)
	p.State = Running
	return 0
}

// read is pipe_read: whatever is there, up to len(buf); 0 with no
// writer left; else sleep (or EAGAIN).
func (e *pipeEnd) read(_ *Table, p *Process, buf []byte, _ int64) (int, linux.Errno) {
	return e.readTo(p, pipeIO{k: buf}, len(buf))
}

// write is pipe_write.
func (e *pipeEnd) write(_ *Table, p *Process, buf []byte, _ int64) (int, linux.Errno) {
	return e.writeFrom(p, pipeIO{k: buf}, len(buf))
}

// pipeIO is the other side of a pipe's read or write: a kernel buffer k,
// or n bytes of user memory u at va (read(2) and write(2) move the bytes
// straight between the ring and the program, as Linux's pipe_read and
// pipe_write copy to and from the iov_iter: a buffer that faults moves
// nothing of what it could not take, and loses nothing).
type pipeIO struct {
	k  []byte
	u  userMemory
	va uint64
}

// in fills dst with the bytes at offset off of the source.
func (x *pipeIO) in(off int, dst []byte) linux.Errno {
	if x.k != nil {
		copy(dst, x.k[off:])
		return 0
	}
	return x.u.copyIn(x.va+uint64(off), dst)
}

// out stores src at offset off of the sink.
func (x *pipeIO) out(off int, src []byte) linux.Errno {
	if x.k != nil {
		copy(x.k[off:], src)
		return 0
	}
	return x.u.copyOut(x.va+uint64(off), src)
}

// readTo is pipe_read into x, up to n bytes: what is there; 0 with no
// writer left; else sleep (or EAGAIN). The bytes leave the ring only
// once they reached x: EFAULT leaves them for the next read.
func (e *pipeEnd) readTo(p *Process, x pipeIO, n int) (int, linux.Errno) {
	if e.writer {
		return 0, linux.EBADF
	}
	pp := e.p
	for pp.n == 0 {
		if pp.writers == 0 {
			return 0, 0
		}
		if e.nonblocking() {
			return 0, linux.EAGAIN
		}
		if err := e.sleep(p); err != 0 {
			return 0, err
		}
	}
	a, b := pp.held(min(n, pp.n))
	if err := x.out(0, a); err != 0 {
		return 0, err
	}
	done := len(a)
	if len(b) > 0 && x.out(done, b) == 0 {
		done += len(b)
	}
	pp.consume(done)
	pp.t.wake() // a writer may have room now
	return done, 0
}

// writeFrom is pipe_write from x, n bytes: up to PIPE_BUF at once or not
// at all, more in pieces, sleeping while the ring is full (or EAGAIN);
// SIGPIPE and EPIPE with no reader. A source that faults ends the write
// with what went in before (EFAULT if nothing).
func (e *pipeEnd) writeFrom(p *Process, x pipeIO, n int) (int, linux.Errno) {
	if !e.writer {
		return 0, linux.EBADF
	}
	pp := e.p
	atomic := n <= pipeBuf
	done := 0
	for done < n {
		if pp.readers == 0 {
			pp.t.signal(p, linux.SIGPIPE)
			if done > 0 {
				return done, 0
			}
			return 0, linux.EPIPE
		}
		room := pipeSize - pp.n
		if room > 0 && (!atomic || room >= n) {
			k := min(room, n-done)
			a, b := pp.free(k)
			if err := x.in(done, a); err != 0 {
				return done, errIfNone(done, err)
			}
			if len(b) > 0 {
				if err := x.in(done+len(a), b); err != 0 {
					pp.n += len(a)
					pp.t.wake()
					return done + len(a), 0
				}
			}
			pp.n += k
			done += k
			pp.t.wake() // a reader may go on
			continue
		}
		if e.nonblocking() {
			return done, errIfNone(done, linux.EAGAIN)
		}
		if err := e.sleep(p); err != 0 {
			return done, errIfNone(done, err)
		}
	}
	return done, 0
}

// errIfNone is a transfer's errno: none once some bytes moved.
func errIfNone(done int, err linux.Errno) linux.Errno {
	if done > 0 {
		return 0
	}
	return err
}

// stat is pipefs's: S_IFIFO, mode 0600, the pipe's number.
func (e *pipeEnd) stat() linux.Stat {
	return linux.Stat{Dev: 0xc, Ino: e.p.ino, Nlink: 1, Mode: linux.S_IFIFO | 0o600, Blksize: 4096}
}

func (e *pipeEnd) size() int64    { return 0 }
func (e *pipeEnd) seekable() bool { return false }

// release is the last close of one end: readers see end of file, or
// writers EPIPE.
func (e *pipeEnd) release() {
	if e.writer {
		e.p.writers--
	} else {
		e.p.readers--
	}
	e.p.t.wake()
}

// available is FIONREAD: the bytes a read would find.
func (e *pipeEnd) available() int { return e.p.n }

// free returns the ring's space for the next k bytes after those held
// (pp.n+k <= pipeSize), growing the ring as needed: one slice, or two
// where it wraps. The caller fills them and adds what it filled to pp.n.
func (pp *pipe) free(k int) (a, b []byte) {
	if need := pp.n + k; need > len(pp.ring) {
		pp.grow(need)
	}
	tail := (pp.head + pp.n) & (len(pp.ring) - 1)
	a = pp.ring[tail:min(tail+k, len(pp.ring))]
	return a, pp.ring[:k-len(a)]
}

// held returns the oldest k bytes held (k <= pp.n): one slice, or two
// where the ring wraps.
func (pp *pipe) held(k int) (a, b []byte) {
	a = pp.ring[pp.head:min(pp.head+k, len(pp.ring))]
	return a, pp.ring[:k-len(a)]
}

// consume drops the oldest k bytes. A pipe it drains keeps one page of
// ring.
func (pp *pipe) consume(k int) {
	if k == 0 {
		return
	}
	pp.head = (pp.head + k) & (len(pp.ring) - 1)
	pp.n -= k
	if pp.n == 0 {
		pp.head = 0
		if len(pp.ring) > pipePage {
			pp.ring = nil // let the big array go (free makes a page again)
		}
	}
}

// put appends b, which fits (tests).
func (pp *pipe) put(b []byte) {
	x, y := pp.free(len(b))
	copy(y, b[copy(x, b):])
	pp.n += len(b)
}

// get moves the oldest bytes into b, as many as fit, and returns how
// many (tests).
func (pp *pipe) get(b []byte) int {
	x, y := pp.held(min(len(b), pp.n))
	n := copy(b, x)
	n += copy(b[n:], y)
	pp.consume(n)
	return n
}

// grow makes the ring the smallest power of two from one page that holds
// need bytes, with the bytes held moved to its start.
func (pp *pipe) grow(need int) {
	size := pipePage
	for size < need {
		size *= 2
	}
	ring := make([]byte, size)
	copy(ring, pp.contents())
	pp.ring, pp.head = ring, 0
}

// contents are the bytes held, oldest first (a copy).
func (pp *pipe) contents() []byte {
	out := make([]byte, pp.n)
	c := copy(out, pp.ring[pp.head:])
	copy(out[c:], pp.ring)
	return out
}

// sysPipe2Fn is pipe2(fds, flags): flags O_CLOEXEC, O_NONBLOCK, O_DIRECT
// (packet mode, accepted as a plain pipe), EINVAL for anything else;
// the two descriptors are the lowest free, read end first.
func sysPipe2Fn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	flags := a[1]
	if flags&^(linux.O_CLOEXEC|linux.O_NONBLOCK|linux.O_DIRECT) != 0 {
		return 0, linux.EINVAL
	}
	r, w := t.newPipe(flags)
	cloexec := flags&linux.O_CLOEXEC != 0
	rfd, e := p.files.alloc(r, 0, cloexec)
	if e != 0 {
		r.ops.release()
		w.ops.release()
		return 0, e
	}
	wfd, e := p.files.alloc(w, 0, cloexec)
	if e != 0 {
		p.files.close(uint64(rfd))
		w.ops.release()
		return 0, e
	}
	var b [8]byte
	put32(b[:], uint32(rfd))
	put32(b[4:], uint32(wfd))
	if e := t.mem(p).copyOut(a[0], b[:]); e != 0 {
		p.files.close(uint64(rfd))
		p.files.close(uint64(wfd))
		return 0, e
	}
	return 0, 0
}

func init() {
	register(sysPipe, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return sysPipe2Fn(t, p, &[6]uint64{a[0], 0})
	})
	register(sysPipe2, sysPipe2Fn)
}
