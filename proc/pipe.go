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
	// pipeBuf is PIPE_BUF: writes up to this size are atomic.
	pipeBuf = 4096
)

// pipe is the buffer both ends share. Guarded by the big kernel lock.
type pipe struct {
	t *Table
	// buf holds the bytes written and not yet read, oldest first;
	// len(buf) <= pipeSize.
	buf []byte
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
	if e.writer {
		return 0, linux.EBADF
	}
	pp := e.p
	for len(pp.buf) == 0 {
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
	n := copy(buf, pp.buf)
	pp.buf = pp.buf[n:]
	if len(pp.buf) == 0 {
		pp.buf = nil // let the backing array go
	}
	pp.t.cond.Broadcast() // a writer may have room now
	return n, 0
}

// write is pipe_write.
func (e *pipeEnd) write(_ *Table, p *Process, buf []byte, _ int64) (int, linux.Errno) {
	if !e.writer {
		return 0, linux.EBADF
	}
	pp := e.p
	atomic := len(buf) <= pipeBuf
	done := 0
	for done < len(buf) {
		if pp.readers == 0 {
			pp.t.signal(p, linux.SIGPIPE)
			if done > 0 {
				return done, 0
			}
			return 0, linux.EPIPE
		}
		room := pipeSize - len(pp.buf)
		if room > 0 && (!atomic || room >= len(buf)) {
			n := min(room, len(buf)-done)
			pp.buf = append(pp.buf, buf[done:done+n]...)
			done += n
			pp.t.cond.Broadcast() // a reader may go on
			continue
		}
		if e.nonblocking() {
			if done > 0 {
				return done, 0
			}
			return 0, linux.EAGAIN
		}
		if err := e.sleep(p); err != 0 {
			if done > 0 {
				return done, 0
			}
			return 0, err
		}
	}
	return done, 0
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
	e.p.t.cond.Broadcast()
}

// available is FIONREAD: the bytes a read would find.
func (e *pipeEnd) available() int { return len(e.p.buf) }

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
