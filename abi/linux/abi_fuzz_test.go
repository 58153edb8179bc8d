package linux

import (
	"bytes"
	"testing"
)

// FuzzSigreturn gives ParseSigreturn any frame: it never panics, fails
// only on a short one, and what it returns is safe to load.
func FuzzSigreturn(f *testing.F) {
	fr, _ := BuildSigframe(testRegs(), testFX(), SigsetOf(SIGINT), Siginfo{Signo: SIGSEGV, Code: SEGV_MAPERR}, testAct, Stack{})
	f.Add(fr.Bytes[:SizeofRtSigframe])
	f.Add(bytes.Repeat([]byte{0xff}, SizeofRtSigframe))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		sr, err := ParseSigreturn(b)
		if err != nil {
			if err != EFAULT || len(b) >= SizeofRtSigframe {
				t.Fatalf("ParseSigreturn(%d bytes): %v", len(b), err)
			}
			return
		}
		r := sr.Regs
		if r.CS != USER_CS || r.SS != USER_DS || r.EFLAGS&^(FIX_EFLAGS|X86_EFLAGS_IF|eflagsFixed) != 0 || r.EFLAGS&X86_EFLAGS_IF == 0 {
			t.Fatalf("unsafe registers %+v", r)
		}
		if sr.Mask.Has(SIGKILL) || sr.Mask.Has(SIGSTOP) {
			t.Fatalf("mask %#x", sr.Mask)
		}
		// Building a frame from what came back and parsing it again is
		// the identity on the registers.
		act := testAct
		fr, err := BuildSigframe(r, testFX(), sr.Mask, Siginfo{Signo: SIGUSR1}, act, sr.Stack)
		if err != nil {
			return // a stack pointer no frame fits under
		}
		again, err := ParseSigreturn(fr.Bytes)
		r.Oldmask = uint64(sr.Mask)
		if err != nil || again.Regs != r || again.Mask != sr.Mask {
			t.Fatalf("rebuild: %+v, %v; want %+v", again.Regs, err, r)
		}
	})
}

// FuzzDecoders gives every decoder of user memory and user registers the
// same input: none may panic, and each error is one its doc names.
func FuzzDecoders(f *testing.F) {
	f.Add(iovecBytes(Iovec{0x1000, 10}, Iovec{0x2000, 1 << 63}), uint64(2), uint64(0o644))
	f.Add(testAct.Append(nil), uint64(SIGSEGV), uint64(8))
	f.Add(Stack{Sp: 0x1000, Size: 4096}.Append(nil), uint64(O_CREAT|O_RDWR), uint64(0x1000))
	f.Add([]byte{}, ^uint64(0), ^uint64(0))
	f.Fuzz(func(t *testing.T, b []byte, x, y uint64) {
		expect := func(what string, err error, allowed ...error) {
			if err == nil {
				return
			}
			for _, a := range allowed {
				if err == a {
					return
				}
			}
			t.Fatalf("%s: unexpected %v", what, err)
		}
		iov, total, err := DecodeIovecs(b, x)
		expect("DecodeIovecs", err, EINVAL, EFAULT)
		if err == nil {
			var sum uint64
			for _, v := range iov {
				sum += v.Len
				if !userRange(v.Base, v.Len) {
					t.Fatalf("record %+v outside user space", v)
				}
			}
			if sum != total || total > MAX_RW_COUNT || len(iov) != int(uint32(x)) {
				t.Fatalf("DecodeIovecs: %d records, total %d, sum %d", len(iov), total, sum)
			}
		}
		o, err := DecodeOpenFlags(x, y)
		expect("DecodeOpenFlags", err, EINVAL, EOPNOTSUPP)
		if err == nil && (o.Mode&^S_IALLUGO != 0 || (!o.Create && o.Mode != 0) || o.Status&(O_CREAT|O_EXCL|O_TRUNC|O_CLOEXEC) != 0) {
			t.Fatalf("DecodeOpenFlags(%#o) = %+v", x, o)
		}
		_, a, err := DecodeSigaction(b, x, y)
		expect("DecodeSigaction", err, EINVAL, EFAULT)
		if err == nil && (a.Flags&^UAPI_SA_FLAGS != 0 || a.Mask != a.Mask.Blockable()) {
			t.Fatalf("DecodeSigaction = %+v", a)
		}
		st, err := DecodeStack(b)
		expect("DecodeStack", err, EFAULT)
		if err == nil {
			cur := Stack{Sp: x, Size: y}
			next, err := SetSigaltstack(cur, st, x+1)
			expect("SetSigaltstack", err, EPERM, EINVAL, ENOMEM)
			if err == nil && next.Flags&SS_DISABLE == 0 && next.Size < MINSIGSTKSZ {
				t.Fatalf("SetSigaltstack accepted %+v", next)
			}
			_ = cur.Report(x)
		}
		ts, err := DecodeTimespec(b)
		expect("DecodeTimespec", err, EINVAL, EFAULT)
		if err == nil && !ts.Valid() {
			t.Fatalf("DecodeTimespec = %+v", ts)
		}
		rl, err := DecodeRlimit(b)
		expect("DecodeRlimit", err, EINVAL, EFAULT)
		if err == nil && rl.Cur > rl.Max {
			t.Fatalf("DecodeRlimit = %+v", rl)
		}
		_, err = DecodeSigset(b)
		expect("DecodeSigset", err, EFAULT)
		_, err = Sigprocmask(Sigset(x), y, Sigset(x^y))
		expect("Sigprocmask", err, EINVAL)
		_, err = CheckRlimitResource(x)
		expect("CheckRlimitResource", err, EINVAL)
		_, err = CheckWait4Options(x)
		expect("CheckWait4Options", err, EINVAL)
		_, err = CheckSignal(x)
		expect("CheckSignal", err, EINVAL)
		if len(b) >= SizeofFXSave {
			fx := append([]byte(nil), b[:SizeofFXSave]...)
			if SanitizeFXSave(fx) != nil || fx[fxMXCSR+2] != 0 || fx[fxMXCSR+3] != 0 {
				t.Fatalf("SanitizeFXSave left reserved MXCSR bits")
			}
		}
	})
}

// FuzzFormatCall: any registers and any strings print without a panic,
// and the line always has its " = ".
func FuzzFormatCall(f *testing.F) {
	for _, c := range straceCases {
		f.Add(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.ret, "a\x00\xff\"")
	}
	f.Fuzz(func(t *testing.T, nr, a0, a1, a2, a3 uint64, ret int64, s string) {
		line := FormatCall(nr, [6]uint64{a0, a1, a2, a3, a0 ^ a1, a2 ^ a3}, ret, func(addr uint64) (string, bool) {
			return s, addr&1 == 0
		})
		if !bytes.Contains([]byte(line), []byte(") = ")) {
			t.Fatalf("FormatCall: %q", line)
		}
	})
}
