package linux

import "encoding/binary"

// Terminals: struct termios as x86-64's TCGETS and TCSETS* copy it, the
// flags of its four words, the terminal ioctls, and struct winsize
// (include/uapi/asm-generic/termbits.h, termbits-common.h, ioctls.h,
// include/uapi/asm-generic/termios.h).
//
// The kernel's struct termios is 36 bytes: four 32-bit flag words, the
// line discipline, and NCCS (19) control characters. The speeds live in
// c_cflag's CBAUD bits; struct termios2 (TCGETS2) adds c_ispeed and
// c_ospeed as numbers, 44 bytes. glibc's user-space struct termios is
// larger (NCCS 32, its own speed fields) and converted by tcgetattr.

// SizeofTermios and SizeofTermios2 are the two structs' sizes.
const (
	SizeofTermios  = 36
	SizeofTermios2 = 44
	NCCS           = 19
)

// c_cc indexes.
const (
	VINTR    = 0
	VQUIT    = 1
	VERASE   = 2
	VKILL    = 3
	VEOF     = 4
	VTIME    = 5
	VMIN     = 6
	VSWTC    = 7
	VSTART   = 8
	VSTOP    = 9
	VSUSP    = 10
	VEOL     = 11
	VREPRINT = 12
	VDISCARD = 13
	VWERASE  = 14
	VLNEXT   = 15
	VEOL2    = 16
)

// c_iflag.
const (
	IGNBRK  = 0o1
	BRKINT  = 0o2
	IGNPAR  = 0o4
	PARMRK  = 0o10
	INPCK   = 0o20
	ISTRIP  = 0o40
	INLCR   = 0o100
	IGNCR   = 0o200
	ICRNL   = 0o400
	IUCLC   = 0o1000
	IXON    = 0o2000
	IXANY   = 0o4000
	IXOFF   = 0o10000
	IMAXBEL = 0o20000
	IUTF8   = 0o40000
)

// c_oflag (the ones Pagoda's console knows).
const (
	OPOST = 0o1
	OLCUC = 0o2
	ONLCR = 0o4
	OCRNL = 0o10
)

// c_cflag.
const (
	CBAUD  = 0o10017
	B9600  = 0o15
	B38400 = 0o17
	CSIZE  = 0o60
	CS8    = 0o60
	CSTOPB = 0o100
	CREAD  = 0o200
	PARENB = 0o400
	HUPCL  = 0o2000
	CLOCAL = 0o4000
)

// c_lflag.
const (
	ISIG    = 0o1
	ICANON  = 0o2
	XCASE   = 0o4
	ECHO    = 0o10
	ECHOE   = 0o20
	ECHOK   = 0o40
	ECHONL  = 0o100
	NOFLSH  = 0o200
	TOSTOP  = 0o400
	ECHOCTL = 0o1000
	ECHOPRT = 0o2000
	ECHOKE  = 0o4000
	FLUSHO  = 0o10000
	PENDIN  = 0o40000
	IEXTEN  = 0o100000
)

// Terminal ioctls (include/uapi/asm-generic/ioctls.h).
const (
	TCGETS     = 0x5401
	TCSETS     = 0x5402
	TCSETSW    = 0x5403
	TCSETSF    = 0x5404
	TCFLSH     = 0x540b
	TIOCSCTTY  = 0x540e
	TIOCGPGRP  = 0x540f
	TIOCSPGRP  = 0x5410
	TIOCGWINSZ = 0x5413
	TIOCSWINSZ = 0x5414
	FIONREAD   = 0x541b
	TIOCNOTTY  = 0x5422
	TIOCGSID   = 0x5429
	TCGETS2    = 0x802c542a
	TCSETS2    = 0x402c542b
	TCSETSW2   = 0x402c542c
	TCSETSF2   = 0x402c542d
)

// TCFLSH's argument.
const (
	TCIFLUSH  = 0
	TCOFLUSH  = 1
	TCIOFLUSH = 2
)

// Termios is struct termios2's fields (struct termios's are its first
// 36 bytes).
type Termios struct {
	Iflag, Oflag, Cflag, Lflag uint32
	Line                       uint8
	CC                         [NCCS]uint8
	Ispeed, Ospeed             uint32
}

// DefaultTermios is Linux's tty_std_termios (drivers/tty/tty_io.c) at
// 38400 baud: what a serial console answers before anyone changes it.
var DefaultTermios = Termios{
	Iflag: ICRNL | IXON,
	Oflag: OPOST | ONLCR,
	Cflag: B38400 | CS8 | CREAD | HUPCL,
	Lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
	// INIT_C_CC: ^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, ^Q ^S ^Z, ^R ^O ^W ^V.
	CC:     [NCCS]uint8{VINTR: 0x03, VQUIT: 0x1c, VERASE: 0x7f, VKILL: 0x15, VEOF: 0x04, VMIN: 1, VSTART: 0x11, VSTOP: 0x13, VSUSP: 0x1a, VREPRINT: 0x12, VDISCARD: 0x0f, VWERASE: 0x17, VLNEXT: 0x16},
	Ispeed: 38400,
	Ospeed: 38400,
}

// Append appends struct termios (36 bytes) or, with two, struct
// termios2 (44 bytes).
func (t *Termios) Append(b []byte, two bool) []byte {
	le := binary.LittleEndian
	b = le.AppendUint32(b, t.Iflag)
	b = le.AppendUint32(b, t.Oflag)
	b = le.AppendUint32(b, t.Cflag)
	b = le.AppendUint32(b, t.Lflag)
	b = append(b, t.Line)
	b = append(b, t.CC[:]...)
	if two {
		b = le.AppendUint32(b, t.Ispeed)
		b = le.AppendUint32(b, t.Ospeed)
	}
	return b
}

// DecodeTermios reads struct termios (36 bytes) or struct termios2 (44).
// From a struct termios the speeds follow c_cflag's CBAUD bits, as
// Linux's set_termios does (only 38400 and 9600 are named here; other
// bauds keep the old numbers).
func DecodeTermios(b []byte, old Termios) Termios {
	le := binary.LittleEndian
	t := Termios{Iflag: le.Uint32(b[0:]), Oflag: le.Uint32(b[4:]), Cflag: le.Uint32(b[8:]), Lflag: le.Uint32(b[12:]), Line: b[16]}
	copy(t.CC[:], b[17:36])
	t.Ispeed, t.Ospeed = old.Ispeed, old.Ospeed
	if len(b) >= SizeofTermios2 {
		t.Ispeed, t.Ospeed = le.Uint32(b[36:]), le.Uint32(b[40:])
		return t
	}
	switch t.Cflag & CBAUD {
	case B38400:
		t.Ispeed, t.Ospeed = 38400, 38400
	case B9600:
		t.Ispeed, t.Ospeed = 9600, 9600
	}
	return t
}

// Winsize is struct winsize (TIOCGWINSZ): rows, columns, and the pixel
// sizes nobody sets.
type Winsize struct {
	Row, Col, Xpixel, Ypixel uint16
}

// Append appends its 8 bytes.
func (w Winsize) Append(b []byte) []byte {
	le := binary.LittleEndian
	b = le.AppendUint16(b, w.Row)
	b = le.AppendUint16(b, w.Col)
	b = le.AppendUint16(b, w.Xpixel)
	return le.AppendUint16(b, w.Ypixel)
}
