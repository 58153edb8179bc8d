//go:build !tamago

package proc

import (
	"bytes"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
)

// readAll reads the line discipline's chunks as successive read(2)s of
// up to n bytes would, "<EOF>" for a read that returns 0.
func readAll(l *ldisc, n int) []string {
	var out []string
	for l.readable() {
		buf := make([]byte, n)
		k := l.read(buf)
		if k == 0 {
			out = append(out, "<EOF>")
			continue
		}
		out = append(out, string(buf[:k]))
	}
	return out
}

// The line discipline in its default (a serial tty's) settings, and raw.
func TestLdisc(t *testing.T) {
	raw := linux.DefaultTermios
	raw.Lflag &^= linux.ICANON | linux.ECHO
	tests := []struct {
		name  string
		tm    linux.Termios
		in    string
		reads []string
		echo  string
		sig   linux.Signal
	}{
		{"a read is a line", linux.DefaultTermios, "one\ntwo\n", []string{"one\n", "two\n"}, "one\ntwo\n", 0},
		{"no line yet", linux.DefaultTermios, "partial", nil, "partial", 0},
		{"return is newline (ICRNL)", linux.DefaultTermios, "hi\r", []string{"hi\n"}, "hi\n", 0},
		{"backspace erases", linux.DefaultTermios, "ab\x7fc\n", []string{"ac\n"}, "ab\b \bc\n", 0},
		{"erase at line start", linux.DefaultTermios, "\x7f\x7fx\n", []string{"x\n"}, "x\n", 0},
		{"erase a control char echoed as ^A", linux.DefaultTermios, "\x01\x7f\n", []string{"\n"}, "^A\b \b\b \b\n", 0},
		{"^U kills the line", linux.DefaultTermios, "abc\x15d\n", []string{"d\n"}, "abc\b \b\b \b\b \bd\n", 0},
		{"^W erases a word", linux.DefaultTermios, "ls foo \x17bar\n", []string{"ls bar\n"}, "ls foo \b \b\b \b\b \b\b \bbar\n", 0},
		{"^D at line start is EOF", linux.DefaultTermios, "\x04", []string{"<EOF>"}, "", 0},
		{"^D mid-line ends it undelimited", linux.DefaultTermios, "ab\x04cd\n", []string{"ab", "cd\n"}, "abcd\n", 0},
		{"^C signals and flushes", linux.DefaultTermios, "one\nabc\x03x\n", []string{"x\n"}, "one\nabc^Cx\n", linux.SIGINT},
		{"^\\ is SIGQUIT", linux.DefaultTermios, "\x1c", nil, "^\\", linux.SIGQUIT},
		{"raw: bytes at once, no echo", raw, "ab\x7f\x04\r", []string{"ab\x7f\x04\n"}, "", 0},
	}
	for _, tc := range tests {
		l := newLdisc()
		l.setTermios(tc.tm)
		echo, sig := l.receive([]byte(tc.in))
		reads := readAll(l, 100)
		if string(echo) != tc.echo || sig != tc.sig || len(reads) != len(tc.reads) {
			t.Errorf("%s: echo %q sig %v reads %q; want %q %v %q", tc.name, echo, sig, reads, tc.echo, tc.sig, tc.reads)
			continue
		}
		for i := range reads {
			if reads[i] != tc.reads[i] {
				t.Errorf("%s: reads %q, want %q", tc.name, reads, tc.reads)
				break
			}
		}
	}

	// A short read takes the line in pieces, never past its end.
	l := newLdisc()
	l.receive([]byte("abcdef\nxy\n"))
	if got := readAll(l, 4); len(got) != 3 || got[0] != "abcd" || got[1] != "ef\n" || got[2] != "xy\n" {
		t.Errorf("reads of 4: %q", got)
	}
	// Leaving canonical mode makes the edited line readable.
	l.receive([]byte("pending"))
	l.setTermios(raw)
	if got := readAll(l, 100); len(got) != 1 || got[0] != "pending" {
		t.Errorf("after ICANON off: %q", got)
	}
	// A line longer than the buffer is cut at 4095 bytes.
	l = newLdisc()
	l.receive(bytes.Repeat([]byte{'x'}, 5000))
	if len(l.line) != maxCanon-1 {
		t.Errorf("line of 5000 bytes kept %d", len(l.line))
	}
}

// The terminal's ioctls on the console answer as Linux's for a serial
// tty; every other file is not a terminal (ENOTTY); Ctrl-C typed at the
// console is SIGINT to the foreground process group.
func TestTTYIoctl(t *testing.T) {
	e := newProcEnv(t, 0x97_0000_0000)
	buf := e.mmap(mm.PageSize, protRW, privateAnon)
	u := e.tab.mem(e.p)
	if got := e.call(sysIoctl, 0, linux.TCGETS, buf); got != 0 {
		t.Fatalf("TCGETS on the console = %d", got)
	}
	b := make([]byte, linux.SizeofTermios)
	u.copyIn(buf, b)
	if want := linux.DefaultTermios.Append(nil, false); !bytes.Equal(b, want) {
		t.Errorf("TCGETS gave % x\nwant        % x", b, want)
	}
	tm := linux.DecodeTermios(b, linux.Termios{})
	if tm.Lflag&(linux.ICANON|linux.ECHO|linux.ISIG) != linux.ICANON|linux.ECHO|linux.ISIG || tm.Cflag&linux.CBAUD != linux.B38400 || tm.Ospeed != 38400 {
		t.Errorf("default termios %+v", tm)
	}
	tm.Lflag &^= linux.ICANON | linux.ECHO
	u.copyOut(buf, tm.Append(nil, false))
	if got := e.call(sysIoctl, 1, linux.TCSETSF, buf); got != 0 || e.tab.tty.canonical() {
		t.Errorf("TCSETSF = %d, canonical %v", got, e.tab.tty.canonical())
	}
	if got := e.call(sysIoctl, 1, linux.TIOCGWINSZ, buf); got != 0 {
		t.Errorf("TIOCGWINSZ = %d", got)
	}
	u.copyIn(buf, b[:8])
	if !bytes.Equal(b[:8], []byte{24, 0, 80, 0, 0, 0, 0, 0}) {
		t.Errorf("winsize % x, want 24 rows 80 columns", b[:8])
	}
	r, _ := e.pipe(0)
	if got := e.call(sysIoctl, r, linux.TCGETS, buf); got != errno(linux.ENOTTY) {
		t.Errorf("TCGETS on a pipe = %d, want ENOTTY", got)
	}

	// Process groups: the foreground group gets Ctrl-C; another does not.
	e.p.pgid, e.p.sid = 1, 1
	other := e.sibling(2)
	if got := e.callAs(other, sysSetpgid, 0, 0); got != 0 || other.pgid != 2 {
		t.Fatalf("setpgid(0, 0) = %d, pgid %d", got, other.pgid)
	}
	if got := e.callAs(other, sysGetpgrp); got != 2 {
		t.Errorf("getpgrp = %d", got)
	}
	u.store32(buf, 1)
	if got := e.call(sysIoctl, 0, linux.TIOCSPGRP, buf); got != 0 {
		t.Errorf("TIOCSPGRP 1 = %d", got)
	}
	u.store32(buf, 99)
	if got := e.call(sysIoctl, 0, linux.TIOCSPGRP, buf); got != errno(linux.ESRCH) {
		t.Errorf("TIOCSPGRP of no group = %d, want ESRCH", got)
	}
	if got := e.call(sysIoctl, 0, linux.TIOCGPGRP, buf); got != 0 {
		t.Errorf("TIOCGPGRP = %d", got)
	}
	if v, _ := u.load32(buf); v != 1 {
		t.Errorf("TIOCGPGRP gave %d, want 1", v)
	}
	e.tab.tty.setTermios(linux.DefaultTermios)
	e.tab.Input([]byte{0x03})
	if e.p.sig.pending&sigBit(linux.SIGINT) == 0 || other.sig.pending != 0 {
		t.Errorf("after ^C: pending %#x in the foreground group, %#x outside", e.p.sig.pending, other.sig.pending)
	}
	if got := e.call(sysKill, 0, uint64(linux.SIGUSR1)); got != 0 || other.sig.pending != 0 {
		t.Errorf("kill(0) = %d reached another group (%#x)", got, other.sig.pending)
	}
	if got := e.call(sysKill, ^uint64(1), uint64(linux.SIGUSR2)); got != 0 || other.sig.pending != sigBit(linux.SIGUSR2) {
		t.Errorf("kill(-2) = %d, group 2 pending %#x", got, other.sig.pending)
	}
	// A zombie not yet reaped holds its group: a pipeline's shell makes
	// the group of its first command, which may have exited, the
	// terminal's foreground.
	other.State = Zombie
	u.store32(buf, 2)
	if got := e.call(sysIoctl, 0, linux.TIOCSPGRP, buf); got != 0 {
		t.Errorf("TIOCSPGRP of a zombie's group = %d, want 0", got)
	}
}

// The line discipline takes any bytes in any settings: its queue
// accounting holds, nothing grows past N_TTY_BUF_SIZE, and a read
// never returns more than was typed.
func FuzzLdisc(f *testing.F) {
	f.Add(uint32(linux.DefaultTermios.Lflag), uint32(linux.DefaultTermios.Iflag), []byte("ls -l\x7f\x7fx\r\x04\x03\x15\x17"))
	f.Add(uint32(0), uint32(0), []byte("\x00\xff\n\n"))
	f.Fuzz(func(t *testing.T, lflag, iflag uint32, in []byte) {
		l := newLdisc()
		tm := linux.DefaultTermios
		tm.Lflag, tm.Iflag = lflag, iflag
		l.setTermios(tm)
		half := len(in) / 2
		l.receive(in[:half])
		tm.Lflag ^= linux.ICANON
		l.setTermios(tm)
		l.receive(in[half:])
		n := 0
		for _, c := range l.ready {
			n += len(c)
		}
		if n != l.queued || l.queued > maxCanon || len(l.line) >= maxCanon {
			t.Fatalf("queued %d, chunks hold %d, line %d", l.queued, n, len(l.line))
		}
		total := 0
		for l.readable() {
			total += l.read(make([]byte, 7))
		}
		if total > len(in) || l.queued != 0 {
			t.Fatalf("read %d of %d typed; %d left queued", total, len(in), l.queued)
		}
	})
}

// A non-blocking read of the terminal with no line ready is EAGAIN;
// with one it returns the line.
func TestTTYNonblock(t *testing.T) {
	e := newProcEnv(t, 0x9b_0000_0000)
	buf := e.mmap(mm.PageSize, protRW, privateAnon)
	e.call(sysFcntl, 0, linux.F_SETFL, linux.O_NONBLOCK)
	e.tab.Input([]byte("half"))
	if got := e.call(sysRead, 0, buf, 100); got != errno(linux.EAGAIN) {
		t.Errorf("non-blocking read with half a line = %d, want EAGAIN", got)
	}
	e.tab.Input([]byte(" done\n"))
	if got := e.call(sysRead, 0, buf, 100); got != 10 {
		t.Errorf("non-blocking read of a line = %d, want 10", got)
	}
}
