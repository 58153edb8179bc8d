package proc

import (
	"github.com/pagoda-os/pagoda/abi/linux"
)

// The terminal: the console as user programs see it, one tty with
// Linux's N_TTY line discipline cut down to what a serial console's
// user needs (drivers/tty/n_tty.c). The kernel shell's `run` hands it
// every byte typed while a program runs (Table.Input); the built-in
// prompt keeps its own line editing (kernel/shell/lineedit.go) and
// never goes through here.
//
// In canonical mode (ICANON) bytes gather in a line that VERASE,
// VWERASE and VKILL edit; newline, VEOL or VEOL2 ends it, and a read
// returns at most one line. VEOF ends a line without a delimiter, so
// at a line's start it makes a read return 0: end of file. Otherwise
// (raw mode) each byte is readable at once. ISIG makes VINTR, VQUIT and
// VSUSP signals to the foreground process group (and flushes the
// input, as without NOFLSH). ECHO echoes, control characters as ^X with
// ECHOCTL, erasures as backspace-space-backspace with ECHOE. Input
// ICRNL, INLCR, IGNCR and ISTRIP are honoured; output processing is the
// console's own (it already turns "\n" into "\r\n").
//
// Missing: VMIN/VTIME beyond "a read returns once a byte is there",
// flow control (IXON), VLNEXT, VREPRINT, job control (SIGTTIN and
// SIGTTOU to background groups), and hang-up.

// maxCanon is N_TTY_BUF_SIZE: a line, and the input queue, hold at most
// this many bytes; more are dropped, as n_tty drops them.
const maxCanon = 4096

// ldisc is the line discipline's state. It knows nothing of processes:
// receive says what to echo and which signal to send, and the Table
// does it. Guarded by the big kernel lock.
type ldisc struct {
	termios linux.Termios
	// line is the canonical line being edited.
	line []byte
	// ready are the chunks a read may take, oldest first: in canonical
	// mode each a line with its delimiter, or without one after VEOF
	// (empty at a line's start: end of file); in raw mode runs of bytes.
	ready [][]byte
	// queued is the bytes in ready.
	queued int
}

func newLdisc() *ldisc { return &ldisc{termios: linux.DefaultTermios} }

func (l *ldisc) canonical() bool { return l.termios.Lflag&linux.ICANON != 0 }

// receive takes typed bytes (n_tty_receive_buf): what to echo, and a
// signal for the foreground group (0: none; the last one wins).
func (l *ldisc) receive(in []byte) (echo []byte, sig linux.Signal) {
	tm := &l.termios
	cc := &tm.CC
	for _, c := range in {
		if tm.Iflag&linux.ISTRIP != 0 {
			c &= 0x7f
		}
		switch {
		case c == '\r' && tm.Iflag&linux.IGNCR != 0:
			continue
		case c == '\r' && tm.Iflag&linux.ICRNL != 0:
			c = '\n'
		case c == '\n' && tm.Iflag&linux.INLCR != 0:
			c = '\r'
		}
		if tm.Lflag&linux.ISIG != 0 && c != 0 {
			var s linux.Signal
			switch c {
			case cc[linux.VINTR]:
				s = linux.SIGINT
			case cc[linux.VQUIT]:
				s = linux.SIGQUIT
			case cc[linux.VSUSP]:
				s = linux.SIGTSTP
			}
			if s != 0 {
				if tm.Lflag&linux.NOFLSH == 0 {
					l.flush()
				}
				echo = l.echoChar(echo, c)
				sig = s
				continue
			}
		}
		if !l.canonical() {
			l.push([]byte{c})
			echo = l.echoChar(echo, c)
			continue
		}
		switch {
		case c == 0:
			// NUL is an ordinary byte; the _POSIX_VDISABLE value of an
			// unset c_cc slot must not match it below.
		case c == cc[linux.VERASE]:
			echo = l.erase(echo, 1)
			continue
		case c == cc[linux.VWERASE] && tm.Lflag&linux.IEXTEN != 0:
			echo = l.erase(echo, l.wordLen())
			continue
		case c == cc[linux.VKILL]:
			echo = l.erase(echo, len(l.line))
			continue
		case c == cc[linux.VEOF]:
			l.endLine()
			continue
		case c == cc[linux.VEOL] || c == cc[linux.VEOL2]:
			l.line = append(l.line, c)
			echo = l.echoChar(echo, c)
			l.endLine()
			continue
		}
		if c == '\n' {
			l.line = append(l.line, c)
			if tm.Lflag&(linux.ECHO|linux.ECHONL) != 0 {
				echo = append(echo, '\n')
			}
			l.endLine()
			continue
		}
		if len(l.line) < maxCanon-1 {
			l.line = append(l.line, c)
			echo = l.echoChar(echo, c)
		}
	}
	return echo, sig
}

// echoChar appends c as echo shows it: ^X for a control character with
// ECHOCTL (not tab or newline), nothing without ECHO.
func (l *ldisc) echoChar(echo []byte, c byte) []byte {
	if l.termios.Lflag&linux.ECHO == 0 {
		return echo
	}
	if l.termios.Lflag&linux.ECHOCTL != 0 && (c < 0x20 && c != '\t' && c != '\n' || c == 0x7f) {
		return append(echo, '^', c^0x40)
	}
	return append(echo, c)
}

// erase drops the line's last n bytes, echoing each erasure.
func (l *ldisc) erase(echo []byte, n int) []byte {
	for ; n > 0 && len(l.line) > 0; n-- {
		c := l.line[len(l.line)-1]
		l.line = l.line[:len(l.line)-1]
		if l.termios.Lflag&linux.ECHO == 0 {
			continue
		}
		width := 1
		if l.termios.Lflag&linux.ECHOCTL != 0 && (c < 0x20 && c != '\t' || c == 0x7f) {
			width = 2 // it was echoed as ^X
		}
		for range width {
			if l.termios.Lflag&linux.ECHOE != 0 {
				echo = append(echo, '\b', ' ', '\b')
			} else {
				echo = l.echoChar(echo, l.termios.CC[linux.VERASE])
			}
		}
	}
	return echo
}

// wordLen is how many bytes VWERASE takes: trailing blanks, then the
// word before them.
func (l *ldisc) wordLen() int {
	i := len(l.line)
	for i > 0 && (l.line[i-1] == ' ' || l.line[i-1] == '\t') {
		i--
	}
	for i > 0 && l.line[i-1] != ' ' && l.line[i-1] != '\t' {
		i--
	}
	return len(l.line) - i
}

// endLine makes the edited line readable.
func (l *ldisc) endLine() {
	l.push(l.line)
	l.line = nil
}

// push queues a chunk, dropping what does not fit (an end of file
// always fits).
func (l *ldisc) push(b []byte) {
	if n := maxCanon - l.queued; len(b) > n {
		b = b[:max(n, 0)]
		if len(b) == 0 {
			return
		}
	}
	if !l.canonical() && len(l.ready) > 0 && len(l.ready[len(l.ready)-1]) > 0 {
		l.ready[len(l.ready)-1] = append(l.ready[len(l.ready)-1], b...)
	} else {
		l.ready = append(l.ready, b)
	}
	l.queued += len(b)
}

// flush drops the line and the queue (TCIFLUSH, a signal character).
func (l *ldisc) flush() {
	l.line = nil
	l.ready = nil
	l.queued = 0
}

// readable reports whether a read would return now.
func (l *ldisc) readable() bool { return len(l.ready) > 0 }

// read takes up to len(buf) bytes: in canonical mode from one line
// only (a chunk with no bytes is end of file: 0), in raw mode from as
// many chunks as fit. The caller checked readable.
func (l *ldisc) read(buf []byte) int {
	n := 0
	for len(l.ready) > 0 && n < len(buf) {
		c := l.ready[0]
		k := copy(buf[n:], c)
		n += k
		l.queued -= k
		if k < len(c) {
			l.ready[0] = c[k:]
			break
		}
		l.ready = l.ready[1:]
		if l.canonical() {
			break
		}
	}
	if n == 0 && len(l.ready) > 0 && len(l.ready[0]) == 0 {
		l.ready = l.ready[1:] // the end of file is read
	}
	return n
}

// takeAll returns every byte typed and not read, the line being edited
// included, and empties the queue.
func (l *ldisc) takeAll() []byte {
	var out []byte
	for _, c := range l.ready {
		out = append(out, c...)
	}
	out = append(out, l.line...)
	l.flush()
	return out
}

// setTermios changes the settings; leaving canonical mode makes the
// edited line readable, as n_tty_set_termios does.
func (l *ldisc) setTermios(tm linux.Termios) {
	if l.canonical() && tm.Lflag&linux.ICANON == 0 && len(l.line) > 0 {
		l.endLine()
	}
	l.termios = tm
}

// ttyInput runs typed bytes through the line discipline: echo on the
// console, a signal to the foreground process group.
func (t *Table) ttyInput(b []byte) {
	echo, sig := t.tty.receive(b)
	if len(echo) > 0 && t.Console != nil {
		t.Console.Write(echo)
	}
	if sig != 0 && t.fgPgrp != 0 {
		for _, q := range t.List() {
			if q.pgid == t.fgPgrp {
				t.signal(q, sig)
			}
		}
	}
	t.wake()
}

// ttyRead is read(2) of the console: it sleeps until the line
// discipline has something (EINTR on a signal), or the console's input
// ended (0).
func (t *Table) ttyRead(p *Process, buf []byte, nonblock bool) (int, linux.Errno) {
	for !t.tty.readable() {
		if t.inputClosed {
			return 0, 0
		}
		if nonblock {
			return 0, linux.EAGAIN
		}
		if t.interrupted(p) {
			return 0, linux.EINTR
		}
		p.State = Sleeping
		t.wait(p)
		p.State = Running
	}
	return t.tty.read(buf), 0
}

// ttyIoctl serves the terminal ioctls on a descriptor of the console
// (tty_ioctl, n_tty_ioctl): the settings, the window size, the
// foreground process group.
func (t *Table) ttyIoctl(p *Process, f *openFile, cmd, arg uint64) (uint64, linux.Errno) {
	u := t.mem(p)
	switch cmd {
	case linux.TCGETS, linux.TCGETS2:
		return 0, u.copyOut(arg, t.tty.termios.Append(nil, cmd == linux.TCGETS2))
	case linux.TCSETS, linux.TCSETSW, linux.TCSETSF, linux.TCSETS2, linux.TCSETSW2, linux.TCSETSF2:
		size := linux.SizeofTermios
		if cmd == linux.TCSETS2 || cmd == linux.TCSETSW2 || cmd == linux.TCSETSF2 {
			size = linux.SizeofTermios2
		}
		b := make([]byte, size)
		if e := u.copyIn(arg, b); e != 0 {
			return 0, e
		}
		if cmd == linux.TCSETSF || cmd == linux.TCSETSF2 {
			t.tty.flush()
		}
		// TCSETSW waits for output to drain: the console's writes are
		// synchronous, so it has.
		t.tty.setTermios(linux.DecodeTermios(b, t.tty.termios))
		return 0, 0
	case linux.TCFLSH:
		switch arg {
		case linux.TCIFLUSH, linux.TCIOFLUSH:
			t.tty.flush()
		case linux.TCOFLUSH:
		default:
			return 0, linux.EINVAL
		}
		return 0, 0
	case linux.TIOCGWINSZ:
		return 0, u.copyOut(arg, linux.Winsize{Row: 24, Col: 80}.Append(nil))
	case linux.TIOCSWINSZ:
		return 0, 0
	case linux.TIOCGPGRP:
		return 0, u.store32(arg, uint32(t.fgPgrp))
	case linux.TIOCSPGRP:
		v, e := u.load32(arg)
		if e != 0 {
			return 0, e
		}
		pgrp := int(int32(v))
		if pgrp < 0 {
			return 0, linux.EINVAL
		}
		if !t.groupExists(pgrp) {
			return 0, linux.ESRCH
		}
		t.fgPgrp = pgrp
		return 0, 0
	case linux.TIOCGSID:
		return 0, u.store32(arg, uint32(p.sid))
	case linux.TIOCSCTTY, linux.TIOCNOTTY:
		return 0, 0
	case linux.FIONREAD:
		n := t.tty.queued
		if t.tty.canonical() && len(t.tty.ready) > 0 {
			n = len(t.tty.ready[0])
		}
		return 0, u.store32(arg, uint32(n))
	}
	return 0, linux.ENOTTY
}

// Foreground makes p's process group the terminal's foreground one:
// the one VINTR signals (the shell's run, for the program it waits for).
func (t *Table) Foreground(p *Process) { t.fgPgrp = p.pgid }

// load32 reads one little-endian 32-bit word (an int argument passed
// by pointer).
func (u userMemory) load32(va uint64) (uint32, linux.Errno) {
	var b [4]byte
	if e := u.copyIn(va, b[:]); e != 0 {
		return 0, e
	}
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24, 0
}
