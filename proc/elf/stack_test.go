package elf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
)

const testTop mm.VirtAddr = 0x7ffffffff000

// decoded is an initial stack read back the way a C library's _start
// and getauxval read it: argc at SP, then the pointer arrays, then the
// auxv, the strings found through the pointers.
type decoded struct {
	argv, envp []string
	auxv       []AuxEntry
	aux        map[uint64]uint64
}

// decodeStack reads b, the bytes of [top-len(b), top), as a program's
// initial stack, checking on the way every pointer and the layout rules
// of BuildStack's doc.
func decodeStack(top mm.VirtAddr, b []byte) (*decoded, error) {
	return decodeStackShuffled(top, b, 0)
}

// decodeStackShuffled is decodeStack for a stack built with
// randomization on: arch_align_stack moves the platform string and all
// below it down by less than shuffle bytes (8192 on x86).
func decodeStackShuffled(top mm.VirtAddr, b []byte, shuffle uint64) (*decoded, error) {
	sp := uint64(top) - uint64(len(b))
	if sp%16 != 0 {
		return nil, fmt.Errorf("SP %#x not 16-byte aligned", sp)
	}
	word := func(i int) (uint64, error) {
		if (i+1)*8 > len(b) {
			return 0, fmt.Errorf("word %d past the top", i)
		}
		return binary.LittleEndian.Uint64(b[i*8:]), nil
	}
	str := func(addr uint64) (string, error) {
		if addr < sp || addr >= uint64(top) {
			return "", fmt.Errorf("string pointer %#x outside [%#x, %v)", addr, sp, top)
		}
		s := b[addr-sp:]
		n := bytes.IndexByte(s, 0)
		if n < 0 {
			return "", fmt.Errorf("string at %#x not terminated", addr)
		}
		return string(s[:n]), nil
	}
	d := &decoded{aux: map[uint64]uint64{}}
	argc, err := word(0)
	if err != nil {
		return nil, err
	}
	if argc > uint64(len(b))/8 {
		return nil, fmt.Errorf("argc %d", argc)
	}
	i := 1
	var ptrs []uint64 // every string pointer, argv then envp
	for ; ; i++ {
		p, err := word(i)
		if err != nil {
			return nil, err
		}
		if p == 0 {
			break
		}
		s, err := str(p)
		if err != nil {
			return nil, err
		}
		d.argv = append(d.argv, s)
		ptrs = append(ptrs, p)
	}
	if uint64(len(d.argv)) != argc {
		return nil, fmt.Errorf("argc %d but %d argv pointers", argc, len(d.argv))
	}
	for i++; ; i++ {
		p, err := word(i)
		if err != nil {
			return nil, err
		}
		if p == 0 {
			break
		}
		s, err := str(p)
		if err != nil {
			return nil, err
		}
		d.envp = append(d.envp, s)
		ptrs = append(ptrs, p)
	}
	for i++; ; i += 2 {
		typ, err := word(i)
		if err != nil {
			return nil, err
		}
		val, err := word(i + 1)
		if err != nil {
			return nil, err
		}
		d.auxv = append(d.auxv, AuxEntry{typ, val})
		if _, dup := d.aux[typ]; dup {
			return nil, fmt.Errorf("auxv type %d twice", typ)
		}
		d.aux[typ] = val
		if typ == linux.AT_NULL {
			break
		}
	}
	auxEnd := sp + uint64(i+2)*8

	// The strings: argv's and envp's packed in order, then AT_EXECFN's,
	// then 8 zero bytes to the top.
	execfn, ok := d.aux[linux.AT_EXECFN]
	if !ok {
		return nil, fmt.Errorf("no AT_EXECFN")
	}
	want := execfn
	if len(ptrs) > 0 {
		want = ptrs[0]
	}
	for k, p := range ptrs {
		if p != want {
			return nil, fmt.Errorf("string %d at %#x, want %#x (packed after the previous)", k, p, want)
		}
		s, _ := str(p)
		want += uint64(len(s)) + 1
	}
	if want != execfn {
		return nil, fmt.Errorf("AT_EXECFN at %#x, want %#x (right after the last envp string)", execfn, want)
	}
	fn, err := str(execfn)
	if err != nil {
		return nil, err
	}
	if execfn+uint64(len(fn))+1 != uint64(top)-8 || binary.LittleEndian.Uint64(b[len(b)-8:]) != 0 {
		return nil, fmt.Errorf("AT_EXECFN string does not end 8 zero bytes below the top")
	}

	// Below the strings: AT_PLATFORM's string, then AT_RANDOM's bytes,
	// then the auxv's end, each lower than the last.
	strStart := execfn
	if len(ptrs) > 0 {
		strStart = ptrs[0]
	}
	random, ok := d.aux[linux.AT_RANDOM]
	if !ok {
		return nil, fmt.Errorf("no AT_RANDOM")
	}
	above := strStart &^ 15 // arch_align_stack
	if plat, ok := d.aux[linux.AT_PLATFORM]; ok {
		s, err := str(plat)
		if err != nil {
			return nil, err
		}
		if end := plat + uint64(len(s)) + 1; end > above || above-end > shuffle || end%16 != 0 {
			return nil, fmt.Errorf("AT_PLATFORM at %#x, want it to end at %#x (less a 16-byte multiple below %d)", plat, above, shuffle)
		}
		above = plat
	} else if random+16 <= above && above-(random+16) <= shuffle {
		above = random + 16
	}
	if random+16 != above {
		return nil, fmt.Errorf("AT_RANDOM at %#x, want it to end at %#x", random, above)
	}
	if auxEnd > random || random-auxEnd >= 16+8 {
		return nil, fmt.Errorf("auxv ends at %#x, AT_RANDOM at %#x: the gap is not STACK_ROUND's", auxEnd, random)
	}
	return d, nil
}

// stackImage is the Image the stack tests use: goodExec's.
func stackImage(t testing.TB) *Image {
	img, err := parseBytes(goodExec().build())
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestBuildStackDecodes(t *testing.T) {
	img := stackImage(t)
	random := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	for _, c := range []struct {
		name       string
		argv, envp []string
		mod        func(a *Aux)
	}{
		{"hello", []string{"/bin/hello"}, []string{"HOME=/", "PATH=/bin"}, nil},
		{"no environment", []string{"ls", "-l", "/tmp"}, nil, nil},
		{"empty strings", []string{"", "", "x"}, []string{""}, nil},
		{"odd lengths", []string{"a", "bb", "ccc", "dddd", "eeeee"}, []string{"F=fffffff"}, nil},
		{"no platform", []string{"sh"}, []string{"A=1"}, func(a *Aux) { a.Platform = "" }},
		{"vdso and rseq", []string{"sh"}, []string{"A=1"}, func(a *Aux) {
			a.SysinfoEHdr, a.RseqFeatureSize, a.RseqAlign = 0x7ffff7fc1000, 32, 32
		}},
		{"ids and secure", []string{"su"}, nil, func(a *Aux) { a.UID, a.EUID, a.GID, a.EGID, a.Secure = 1000, 0, 100, 0, true }},
		{"long execfn", []string{"x"}, nil, func(a *Aux) { a.ExecFn = "/" + strings.Repeat("d/", 1000) + "x" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			aux := NewAux("/bin/prog", random)
			aux.HWCap, aux.HWCap2 = 0x178bfbff, 2
			if c.mod != nil {
				c.mod(&aux)
			}
			st, err := BuildStack(testTop, img, c.argv, c.envp, &aux)
			if err != nil {
				t.Fatal(err)
			}
			if st.SP+mm.VirtAddr(len(st.Bytes)) != testTop {
				t.Fatalf("SP %v + %d bytes != top", st.SP, len(st.Bytes))
			}
			d, err := decodeStack(testTop, st.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.argv, c.argv) || !reflect.DeepEqual(d.envp, c.envp) && len(c.envp)+len(d.envp) > 0 {
				t.Errorf("argv %q envp %q, want %q %q", d.argv, d.envp, c.argv, c.envp)
			}
			if !reflect.DeepEqual(d.auxv, st.Auxv) {
				t.Errorf("auxv on the stack %v, Stack.Auxv %v", d.auxv, st.Auxv)
			}
			wantAux := map[uint64]uint64{
				linux.AT_PHDR: 0x400040, linux.AT_PHENT: 56, linux.AT_PHNUM: 4, linux.AT_ENTRY: 0x401010,
				linux.AT_PAGESZ: 4096, linux.AT_CLKTCK: 100, linux.AT_MINSIGSTKSZ: 2048, linux.AT_BASE: 0, linux.AT_FLAGS: 0,
				linux.AT_HWCAP: 0x178bfbff, linux.AT_HWCAP2: 2,
				linux.AT_UID: uint64(aux.UID), linux.AT_EUID: uint64(aux.EUID), linux.AT_GID: uint64(aux.GID), linux.AT_EGID: uint64(aux.EGID),
				linux.AT_SECURE: b2u(aux.Secure),
			}
			for typ, v := range wantAux {
				if got, ok := d.aux[typ]; !ok || got != v {
					t.Errorf("auxv type %d = %#x (present %v), want %#x", typ, got, ok, v)
				}
			}
			rnd := d.aux[linux.AT_RANDOM]
			if got := st.Bytes[rnd-uint64(st.SP):][:16]; !bytes.Equal(got, random[:]) {
				t.Errorf("AT_RANDOM bytes %x", got)
			}
			fn := d.aux[linux.AT_EXECFN] - uint64(st.SP)
			if got := string(st.Bytes[fn : fn+uint64(len(aux.ExecFn))]); got != aux.ExecFn {
				t.Errorf("AT_EXECFN %q, want %q", got, aux.ExecFn)
			}
			_, hasPlat := d.aux[linux.AT_PLATFORM]
			_, hasVDSO := d.aux[linux.AT_SYSINFO_EHDR]
			_, hasRseq := d.aux[linux.AT_RSEQ_ALIGN]
			if hasPlat != (aux.Platform != "") || hasVDSO != (aux.SysinfoEHdr != 0) || hasRseq != (aux.RseqAlign != 0) {
				t.Errorf("optional entries: platform %v vdso %v rseq %v", hasPlat, hasVDSO, hasRseq)
			}
			// mm's argument and environment ranges.
			args := strings.Join(c.argv, "\x00") + "\x00"
			if got := string(st.Bytes[st.ArgStart-st.SP : st.ArgEnd-st.SP]); got != args {
				t.Errorf("[ArgStart, ArgEnd) %q, want %q", got, args)
			}
			env := ""
			if len(c.envp) > 0 {
				env = strings.Join(c.envp, "\x00") + "\x00"
			}
			if st.EnvStart != st.ArgEnd || string(st.Bytes[st.EnvStart-st.SP:st.EnvEnd-st.SP]) != env {
				t.Errorf("[EnvStart, EnvEnd) = [%v, %v), want %q after ArgEnd %v", st.EnvStart, st.EnvEnd, env, st.ArgEnd)
			}
		})
	}
}

// TestBuildStackLayout pins one stack to the byte, computed by hand as
// create_elf_tables computes it, with top 0x7ffffffff000, argv {"a"},
// envp {"B=1"}, AT_EXECFN "/x":
//
//	p = top-8; "/x\0" (3) -> top-11; "B=1\0" (4) -> top-15; "a\0" (2) -> top-17
//	arch_align_stack: top-32; "x86_64\0" (7) -> top-39; random (16) -> top-55
//	auxv: 19 entries + AT_NULL = 40 words; argc, argv, NULL, envp, NULL = 5
//	STACK_ROUND(top-55 - 45*8) = (top-415) &^ 15 = top-416 = 0x7fffffffee60
func TestBuildStackLayout(t *testing.T) {
	img := stackImage(t)
	aux := NewAux("/x", [16]byte{0xaa})
	st, err := BuildStack(testTop, img, []string{"a"}, []string{"B=1"}, &aux)
	if err != nil {
		t.Fatal(err)
	}
	if st.SP != 0x7fffffffee60 || len(st.Bytes) != 416 {
		t.Fatalf("SP %v (%d bytes), want 0x7fffffffee60 (416)", st.SP, len(st.Bytes))
	}
	at := func(a uint64) []byte { return st.Bytes[a-uint64(st.SP):] }
	w := func(i int) uint64 { return binary.LittleEndian.Uint64(st.Bytes[i*8:]) }
	top := uint64(testTop)
	if w(0) != 1 || w(1) != top-17 || w(2) != 0 || w(3) != top-15 || w(4) != 0 {
		t.Errorf("argc/argv/envp words %#x %#x %#x %#x %#x", w(0), w(1), w(2), w(3), w(4))
	}
	if w(5) != linux.AT_MINSIGSTKSZ || w(7) != linux.AT_HWCAP || w(43) != linux.AT_NULL || w(44) != 0 {
		t.Errorf("auxv starts with type %d, then %d; ends with %d %d", w(5), w(7), w(43), w(44))
	}
	if string(at(top - 17)[:17]) != "a\x00B=1\x00/x\x00\x00\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("strings %q", at(top - 17)[:17])
	}
	if string(at(top - 39)[:7]) != "x86_64\x00" || at(top - 55)[0] != 0xaa {
		t.Errorf("platform %q random %x", at(top - 39)[:7], at(top - 55)[:16])
	}
	for i := 45 * 8; i < 416-55; i++ { // STACK_ROUND's slack
		if st.Bytes[i] != 0 {
			t.Errorf("byte %d of the slack is %#x", i, st.Bytes[i])
		}
	}
}

// TestBuildStackLimits checks execve's limits at their edges:
// MAX_ARG_STRLEN per string, a quarter of the stack limit in all, never
// below ARG_MAX nor above 3/4 of _STK_LIM, the pointers counted.
func TestBuildStackLimits(t *testing.T) {
	img := stackImage(t)
	const strlen = linux.MAX_ARG_STRLEN
	big := func(n int) string { return strings.Repeat("x", n) }
	many := func(n, size int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = big(size)
		}
		return s
	}
	for _, c := range []struct {
		name       string
		rlim       uint64
		argv, envp []string
		execfn     string
		want       error
	}{
		{"string of MAX_ARG_STRLEN-1", 0, []string{big(strlen - 1)}, nil, "/p", nil},
		{"string of MAX_ARG_STRLEN", 0, []string{big(strlen)}, nil, "/p", ErrTooBig},
		{"env string of MAX_ARG_STRLEN", 0, []string{"p"}, []string{big(strlen)}, "/p", ErrTooBig},
		{"execfn of MAX_ARG_STRLEN", 0, []string{"p"}, nil, big(strlen), ErrTooBig},
		// 8 MiB / 4 = 2 MiB: 15 strings of 128 KiB fit, with
		// their pointers and the execfn; 16 do not.
		{"2 MiB: 15 big strings", 0, many(15, strlen-1), nil, "/p", nil},
		{"2 MiB: 16 big strings", 0, many(16, strlen-1), nil, "/p", ErrTooBig},
		// 2 MiB less 16 pointers, less 15 strings of 128 KiB and
		// "/p": the last string may have strlen-132 bytes and its NUL.
		{"2 MiB: exactly", 0, []string{big(strlen - 1)}, append(many(14, strlen-1), big(strlen-132)), "/p", nil},
		{"2 MiB: one byte over", 0, []string{big(strlen - 1)}, append(many(14, strlen-1), big(strlen-131)), "/p", ErrTooBig},
		{"pointers count", 0, make([]string, (2<<20)/16), make([]string, (2<<20)/16), "/p", ErrTooBig},
		{"small rlimit keeps ARG_MAX", 64 << 10, []string{big(strlen/2 - 1)}, []string{big(strlen/2 - 100)}, "/p", nil},
		{"small rlimit: past ARG_MAX", 64 << 10, []string{big(strlen/2 - 1)}, []string{big(strlen / 2)}, "/p", ErrTooBig},
		{"1 MiB rlimit: 256 KiB", 1 << 20, []string{big(strlen - 1), big(strlen - 200)}, nil, "/p", nil},
		{"1 MiB rlimit: past 256 KiB", 1 << 20, many(2, strlen-1), nil, "/p", ErrTooBig},
		{"unlimited: 6 MiB", ^uint64(0), many(47, strlen-1), nil, "/p", nil},
		{"unlimited: past 6 MiB", ^uint64(0), many(48, strlen-1), nil, "/p", ErrTooBig},
		{"NUL in argv", 0, []string{"a\x00b"}, nil, "/p", ErrInvalid},
		{"NUL in envp", 0, nil, []string{"A=\x00"}, "/p", ErrInvalid},
		{"NUL in execfn", 0, nil, nil, "/p\x00", ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			aux := NewAux(c.execfn, [16]byte{})
			aux.StackLimit = c.rlim
			st, err := BuildStack(testTop, img, c.argv, c.envp, &aux)
			if !errors.Is(err, c.want) {
				t.Fatalf("BuildStack: %v, want %v", err, c.want)
			}
			if err != nil {
				return
			}
			d, err := decodeStack(testTop, st.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.argv) != max(len(c.argv), 1) || len(d.envp) != len(c.envp) {
				t.Errorf("decoded %d args %d env", len(d.argv), len(d.envp))
			}
		})
	}
}

// TestBuildStackEmptyArgv: execve(path, {NULL}, envp) starts the program
// with argc 1 and argv[0] "" (Linux 5.18, do_execveat_common).
func TestBuildStackEmptyArgv(t *testing.T) {
	aux := NewAux("/bin/x", [16]byte{})
	st, err := BuildStack(testTop, stackImage(t), nil, []string{"A=1"}, &aux)
	if err != nil {
		t.Fatal(err)
	}
	d, err := decodeStack(testTop, st.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.argv, []string{""}) || !reflect.DeepEqual(d.envp, []string{"A=1"}) {
		t.Errorf("argv %q envp %q", d.argv, d.envp)
	}
}

func TestBuildStackPreconditions(t *testing.T) {
	aux := NewAux("/x", [16]byte{})
	img := stackImage(t)
	for _, top := range []mm.VirtAddr{testTop + 8, UserEnd + mm.PageSize, 0x1000} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("BuildStack(top %v) did not panic", top)
				}
			}()
			BuildStack(top, img, nil, nil, &aux)
		}()
	}
}
