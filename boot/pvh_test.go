package boot

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// arena is a window of fake physical memory, [base, base+len(mem)). Its read
// refuses any range not wholly inside, as readPhys does outside the boot
// direct map.
type arena struct {
	base PhysAddr
	mem  []byte
}

var errOutside = errors.New("outside the arena")

func (a arena) read(addr PhysAddr, p []byte) error {
	if addr < a.base {
		return errOutside
	}
	off := uint64(addr - a.base)
	if off > uint64(len(a.mem)) || uint64(len(p)) > uint64(len(a.mem))-off {
		return errOutside
	}
	copy(p, a.mem[off:])
	return nil
}

// The test arena: start_info at its base, the memory map and the command
// line at fixed offsets after it.
const (
	testBase       PhysAddr = 0x1000 // page 0 is never readable
	testMemmapOff           = 0x100
	testCmdlineOff          = 0x1000
	testArenaSize           = 0x3000
	testRSDP                = 0xf52d0
)

// startInfo is the raw content of an hvm_start_info, as firmware writes it.
type startInfo struct {
	magic, version uint32
	cmdline        uint64 // cmdline_paddr
	memmap         uint64 // memmap_paddr
	entries        uint32 // memmap_entries
}

func putStartInfo(mem []byte, si startInfo) {
	le := binary.LittleEndian
	le.PutUint32(mem[0:], si.magic)
	le.PutUint32(mem[4:], si.version)
	le.PutUint64(mem[24:], si.cmdline)
	le.PutUint64(mem[32:], testRSDP)
	le.PutUint64(mem[40:], si.memmap)
	le.PutUint32(mem[48:], si.entries)
}

func putEntries(mem []byte, es []MemmapEntry) {
	le := binary.LittleEndian
	for i, e := range es {
		b := mem[i*memmapEntrySize:]
		le.PutUint64(b[0:], e.Addr)
		le.PutUint64(b[8:], e.Size)
		le.PutUint32(b[16:], e.Type)
		le.PutUint32(b[20:], 0xdeadbeef) // reserved: must be ignored
	}
}

// qemuMemmap is the map QEMU microvm hands over with -m 4G, trailing empty
// entry included.
var qemuMemmap = []MemmapEntry{
	{0, 0x9fc00, E820RAM},
	{0x9fc00, 0x400, E820Reserved},
	{0xd0000, 0x20000, E820NVS},
	{0xf0000, 0x10000, E820Reserved},
	{0x100000, 0xc0000000 - 0x100000, E820RAM},
	{0x100000000, 0x40000000, E820RAM},
	{0, 0, 0},
}

// goodArena returns an arena holding a valid start_info with the QEMU map
// and command line cmd, with edit applied to the header before it is
// written.
func goodArena(cmd string, edit func(*startInfo)) arena {
	a := arena{base: testBase, mem: make([]byte, testArenaSize)}
	si := startInfo{
		magic:   startInfoMagic,
		version: startInfoVersion1,
		cmdline: uint64(testBase) + testCmdlineOff,
		memmap:  uint64(testBase) + testMemmapOff,
		entries: uint32(len(qemuMemmap)),
	}
	if edit != nil {
		edit(&si)
	}
	putStartInfo(a.mem, si)
	putEntries(a.mem[testMemmapOff:], qemuMemmap)
	copy(a.mem[testCmdlineOff:], cmd+"\x00")
	return a
}

func manyEntries(n int) []MemmapEntry {
	es := make([]MemmapEntry, n)
	for i := range es {
		es[i] = MemmapEntry{Addr: uint64(i) << 20, Size: 1 << 20, Type: E820RAM}
	}
	return es
}

func TestParseStartInfo(t *testing.T) {
	const cmd = `console=ttyS0 pagoda.panic "x=a b"`
	qemuWant := qemuMemmap[:len(qemuMemmap)-1] // the empty entry dropped
	long := strings.Repeat("a", maxCmdlineLen-1)

	for _, tc := range []struct {
		name        string
		a           arena
		addr        PhysAddr // 0: testBase
		wantErr     bool
		wantCmdline string
		wantMemmap  []MemmapEntry
	}{
		{name: "qemu -m 4G", a: goodArena(cmd, nil), wantCmdline: cmd, wantMemmap: qemuWant},
		{name: "later version keeps the v1 layout",
			a:           goodArena(cmd, func(si *startInfo) { si.version = 2 }),
			wantCmdline: cmd, wantMemmap: qemuWant},
		{name: "bad magic",
			a:       goodArena(cmd, func(si *startInfo) { si.magic = startInfoMagic ^ 1 }),
			wantErr: true},
		{name: "version 0 has no memory map",
			a:       goodArena(cmd, func(si *startInfo) { si.version = 0 }),
			wantErr: true},
		{name: "zero entries",
			a:       goodArena(cmd, func(si *startInfo) { si.entries = 0 }),
			wantErr: true},
		{name: "only an empty entry",
			a: func() arena {
				a := goodArena(cmd, func(si *startInfo) { si.entries = 1 })
				putEntries(a.mem[testMemmapOff:], []MemmapEntry{{0x100000, 0, E820RAM}})
				return a
			}(),
			wantErr: true},
		{name: "128 entries",
			a: func() arena {
				a := goodArena("", func(si *startInfo) { si.cmdline, si.entries = 0, maxMemmapEntries })
				putEntries(a.mem[testMemmapOff:], manyEntries(maxMemmapEntries))
				return a
			}(),
			wantMemmap: manyEntries(maxMemmapEntries)},
		{name: "129 entries, all readable",
			a: func() arena {
				a := goodArena("", func(si *startInfo) { si.cmdline, si.entries = 0, maxMemmapEntries+1 })
				putEntries(a.mem[testMemmapOff:], manyEntries(maxMemmapEntries+1))
				return a
			}(),
			wantErr: true},
		{name: "entry count near 2^32",
			a:       goodArena(cmd, func(si *startInfo) { si.entries = ^uint32(0) }),
			wantErr: true},
		{name: "memory map outside the arena",
			a:       goodArena(cmd, func(si *startInfo) { si.memmap = uint64(testBase) + testArenaSize }),
			wantErr: true},
		{name: "memory map below the arena",
			a:       goodArena(cmd, func(si *startInfo) { si.memmap = 0 }),
			wantErr: true},
		{name: "memory map running off the end",
			a: goodArena(cmd, func(si *startInfo) {
				si.memmap = uint64(testBase) + testArenaSize - 6*memmapEntrySize
			}),
			wantErr: true},
		{name: "memory map address wraps",
			a:       goodArena(cmd, func(si *startInfo) { si.memmap = ^uint64(0) - 8 }),
			wantErr: true},
		{name: "no command line",
			a:          goodArena(cmd, func(si *startInfo) { si.cmdline = 0 }),
			wantMemmap: qemuWant},
		{name: "empty command line", a: goodArena("", nil), wantMemmap: qemuWant},
		{name: "command line of 4095 bytes", a: goodArena(long, nil), wantCmdline: long, wantMemmap: qemuWant},
		{name: "command line of 4096 bytes",
			a:       goodArena(long+"a", nil),
			wantErr: true},
		{name: "command line with no NUL in 4096 bytes",
			a: func() arena {
				a := goodArena("", nil)
				copy(a.mem[testCmdlineOff:], strings.Repeat("b", testArenaSize-testCmdlineOff))
				return a
			}(),
			wantErr: true},
		{name: "command line outside the arena",
			a:       goodArena(cmd, func(si *startInfo) { si.cmdline = uint64(testBase) + testArenaSize }),
			wantErr: true},
		{name: "command line ending at the last readable byte",
			a: func() arena {
				a := goodArena("", func(si *startInfo) { si.cmdline = uint64(testBase) + testArenaSize - 6 })
				copy(a.mem[testArenaSize-6:], "quiet\x00")
				return a
			}(),
			wantCmdline: "quiet", wantMemmap: qemuWant},
		{name: "command line ending 70 bytes before the end",
			a: func() arena {
				a := goodArena("", func(si *startInfo) { si.cmdline = uint64(testBase) + testArenaSize - 100 })
				s := strings.Repeat("c", 29) + "\x00" + strings.Repeat("d", 70)
				copy(a.mem[testArenaSize-100:], s)
				return a
			}(),
			wantCmdline: strings.Repeat("c", 29), wantMemmap: qemuWant},
		{name: "command line running into unreadable memory",
			a: func() arena {
				a := goodArena("", func(si *startInfo) { si.cmdline = uint64(testBase) + testArenaSize - 5 })
				copy(a.mem[testArenaSize-5:], "quiet")
				return a
			}(),
			wantErr: true},
		{name: "start_info outside the arena", a: goodArena(cmd, nil), addr: testBase + testArenaSize, wantErr: true},
		{name: "start_info with only its first 8 bytes readable",
			a: func() arena {
				a := goodArena(cmd, nil)
				a.mem = a.mem[:8]
				return a
			}(),
			wantErr: true},
		{name: "start_info cut short of the v1 fields",
			a: func() arena {
				a := goodArena(cmd, nil)
				a.mem = a.mem[:startInfoSizeV1-1]
				return a
			}(),
			wantErr: true},
	} {
		addr := tc.addr
		if addr == 0 {
			addr = testBase
		}
		si, err := ParseStartInfo(tc.a.read, addr)
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s: ParseStartInfo succeeded: %+v", tc.name, si)
			} else if !errors.Is(err, ErrStartInfo) {
				t.Errorf("%s: error %v is not ErrStartInfo", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if si.Cmdline != tc.wantCmdline {
			t.Errorf("%s: Cmdline = %q, want %q", tc.name, si.Cmdline, tc.wantCmdline)
		}
		if !reflect.DeepEqual(si.Memmap, tc.wantMemmap) {
			t.Errorf("%s: Memmap = %v, want %v", tc.name, si.Memmap, tc.wantMemmap)
		}
		if si.RSDP != testRSDP {
			t.Errorf("%s: RSDP = %#x, want %#x", tc.name, uint64(si.RSDP), testRSDP)
		}
		checkStartInfo(t, si)
	}
}

// checkStartInfo checks what every successfully parsed start_info keeps.
func checkStartInfo(t *testing.T, si StartInfo) {
	t.Helper()
	if n := len(si.Memmap); n < 1 || n > maxMemmapEntries {
		t.Errorf("%d memory map entries, want 1..%d", n, maxMemmapEntries)
	}
	for i, e := range si.Memmap {
		if e.Size == 0 {
			t.Errorf("memory map entry %d is empty: %+v", i, e)
		}
	}
	if strings.IndexByte(si.Cmdline, 0) >= 0 {
		t.Errorf("command line %q holds a NUL", si.Cmdline)
	}
	if len(si.Cmdline) >= maxCmdlineLen {
		t.Errorf("command line of %d bytes, want < %d", len(si.Cmdline), maxCmdlineLen)
	}
	if si.Version < startInfoVersion1 {
		t.Errorf("version %d accepted", si.Version)
	}
}

// refParseStartInfo is the reference model of ParseStartInfo over an arena:
// a direct slice decoding with no chunked reads.
func refParseStartInfo(a arena, addr PhysAddr) (StartInfo, bool) {
	var si StartInfo
	tail := func(p uint64) ([]byte, bool) {
		if p < uint64(a.base) || p-uint64(a.base) > uint64(len(a.mem)) {
			return nil, false
		}
		return a.mem[p-uint64(a.base):], true
	}
	bytesAt := func(p uint64, n uint64) ([]byte, bool) {
		b, ok := tail(p)
		if !ok || uint64(len(b)) < n {
			return nil, false
		}
		return b[:n], true
	}
	hdr, ok := bytesAt(uint64(addr), startInfoSizeV1)
	le := binary.LittleEndian
	if !ok || le.Uint32(hdr) != startInfoMagic || le.Uint32(hdr[4:]) < 1 {
		return si, false
	}
	si.Version = le.Uint32(hdr[4:])
	si.RSDP = PhysAddr(le.Uint64(hdr[32:]))
	if p := le.Uint64(hdr[24:]); p != 0 {
		b, ok := tail(p)
		if !ok {
			return si, false
		}
		n := bytes.IndexByte(b, 0)
		if n < 0 || n >= maxCmdlineLen {
			return si, false
		}
		si.Cmdline = string(b[:n])
	}
	n := le.Uint32(hdr[48:])
	if n == 0 || n > maxMemmapEntries {
		return si, false
	}
	m, ok := bytesAt(le.Uint64(hdr[40:]), uint64(n)*memmapEntrySize)
	if !ok {
		return si, false
	}
	for ; len(m) > 0; m = m[memmapEntrySize:] {
		if e := (MemmapEntry{le.Uint64(m), le.Uint64(m[8:]), le.Uint32(m[16:])}); e.Size != 0 {
			si.Memmap = append(si.Memmap, e)
		}
	}
	return si, len(si.Memmap) > 0
}

func FuzzParseStartInfo(f *testing.F) {
	seed := func(a arena, addr PhysAddr) { f.Add(a.mem, uint64(addr)) }
	seed(goodArena("console=ttyS0", nil), testBase)
	seed(goodArena("", func(si *startInfo) { si.cmdline = 0 }), testBase)
	seed(goodArena("quiet", func(si *startInfo) { si.entries = 1 }), testBase)
	seed(goodArena("x", func(si *startInfo) { si.version = 0 }), testBase)
	seed(goodArena("x", func(si *startInfo) { si.cmdline = uint64(testBase) + testArenaSize - 6 }), testBase)
	small := goodArena("", func(si *startInfo) {
		si.cmdline = uint64(testBase) + startInfoSizeV1
		si.memmap = uint64(testBase) + startInfoSizeV1 + 8
		si.entries = 2
	})
	copy(small.mem[startInfoSizeV1:], "a=b c\x00")
	putEntries(small.mem[startInfoSizeV1+8:], qemuMemmap[4:6])
	small.mem = small.mem[:startInfoSizeV1+8+2*memmapEntrySize]
	seed(small, testBase)
	seed(goodArena("y", nil), testBase+8)

	f.Fuzz(func(t *testing.T, mem []byte, addr uint64) {
		a := arena{base: testBase, mem: mem}
		si, err := ParseStartInfo(a.read, PhysAddr(addr))
		want, ok := refParseStartInfo(a, PhysAddr(addr))
		if ok != (err == nil) {
			t.Fatalf("ParseStartInfo error %v, reference accepts: %v", err, ok)
		}
		if err != nil {
			if !errors.Is(err, ErrStartInfo) {
				t.Fatalf("error %v is not ErrStartInfo", err)
			}
			return
		}
		checkStartInfo(t, si)
		if !reflect.DeepEqual(si, want) {
			t.Fatalf("ParseStartInfo = %+v, reference %+v", si, want)
		}
	})
}

func TestE820TypeName(t *testing.T) {
	for _, tc := range []struct {
		typ  uint32
		want string
	}{
		{E820RAM, "usable"},
		{E820Reserved, "reserved"},
		{E820ACPI, "ACPI data"},
		{E820NVS, "ACPI NVS"},
		{E820Unusable, "unusable"},
		{0, "type 0"},
		{12, "type 12"},
	} {
		if got := E820TypeName(tc.typ); got != tc.want {
			t.Errorf("E820TypeName(%d) = %q, want %q", tc.typ, got, tc.want)
		}
	}
}
