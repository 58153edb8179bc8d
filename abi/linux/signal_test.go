package linux

import (
	"encoding/binary"
	"testing"
)

func TestSignalNamesAndActions(t *testing.T) {
	for _, c := range []struct {
		s    Signal
		name string
		act  Action
	}{
		{SIGHUP, "SIGHUP", ActionTerm}, {SIGQUIT, "SIGQUIT", ActionCore}, {SIGSEGV, "SIGSEGV", ActionCore},
		{SIGKILL, "SIGKILL", ActionTerm}, {SIGCHLD, "SIGCHLD", ActionIgnore}, {SIGCONT, "SIGCONT", ActionCont},
		{SIGSTOP, "SIGSTOP", ActionStop}, {SIGTTOU, "SIGTTOU", ActionStop}, {SIGSYS, "SIGSYS", ActionCore},
		{SIGWINCH, "SIGWINCH", ActionIgnore}, {SIGPIPE, "SIGPIPE", ActionTerm}, {SIGRTMIN, "SIGRTMIN", ActionTerm},
		{SIGRTMIN + 1, "SIGRT_1", ActionTerm}, {SIGRTMAX, "SIGRT_32", ActionTerm},
	} {
		if c.s.String() != c.name || DefaultAction(c.s) != c.act {
			t.Errorf("%d: %s %v, want %s %v", c.s, c.s, DefaultAction(c.s), c.name, c.act)
		}
	}
	for s := Signal(1); s < SIGRTMIN; s++ {
		if signalNames[s] == "" {
			t.Errorf("signal %d has no name", s)
		}
	}
	if Signal(0).Valid() || Signal(65).Valid() || Signal(65).String() != "65" {
		t.Errorf("0 and 65 are not signals")
	}
}

func TestSigsets(t *testing.T) {
	all := ^Sigset(0)
	if all.Blockable().Has(SIGKILL) || all.Blockable().Has(SIGSTOP) || !all.Blockable().Has(SIGRTMAX) {
		t.Errorf("Blockable")
	}
	if SigsetOf(SIGHUP, SIGRTMAX, 0, 65) != 1|1<<63 || SigsetOf(SIGINT).Del(SIGINT) != 0 {
		t.Errorf("SigsetOf, Del")
	}
	cur := SigsetOf(SIGINT)
	for _, c := range []struct {
		how  uint64
		set  Sigset
		want Sigset
		err  error
	}{
		{SIG_BLOCK, SigsetOf(SIGKILL, SIGTERM), SigsetOf(SIGINT, SIGTERM), nil},
		{SIG_UNBLOCK, SigsetOf(SIGINT), 0, nil},
		{SIG_SETMASK, all, all.Blockable(), nil},
		{1<<32 | SIG_SETMASK, 0, 0, nil},
		{3, 0, 0, EINVAL},
	} {
		if got, err := Sigprocmask(cur, c.how, c.set); got != c.want || err != c.err {
			t.Errorf("Sigprocmask(%d, %#x) = %#x, %v", c.how, c.set, got, err)
		}
	}
	if CheckSigsetSize(8) != nil || CheckSigsetSize(16) != EINVAL || CheckSigsetSize(0) != EINVAL {
		t.Errorf("CheckSigsetSize")
	}
	if s, err := DecodeSigset(all.Append(nil)); s != all || err != nil {
		t.Errorf("DecodeSigset")
	}
	if _, err := DecodeSigset(make([]byte, 7)); err != EFAULT {
		t.Errorf("short sigset")
	}
}

func TestDecodeSigaction(t *testing.T) {
	a := Sigaction{Handler: 0x401000, Flags: SA_SIGINFO | SA_RESTORER | SA_UNSUPPORTED | 1<<40, Restorer: 0x402000, Mask: ^Sigset(0)}
	b := a.Append(nil)
	if len(b) != SizeofSigaction || binary.LittleEndian.Uint64(b[16:]) != a.Restorer {
		t.Fatalf("Append % x", b)
	}
	sig, got, err := DecodeSigaction(b, 1<<32|uint64(SIGSEGV), 8)
	want := Sigaction{Handler: 0x401000, Flags: SA_SIGINFO | SA_RESTORER, Restorer: 0x402000, Mask: ^Sigset(0) &^ SigsetOf(SIGKILL, SIGSTOP)}
	if sig != SIGSEGV || got != want || err != nil {
		t.Errorf("DecodeSigaction = %v %+v %v", sig, got, err)
	}
	for _, c := range []struct {
		b        []byte
		sig, ssz uint64
		err      error
	}{
		{b, uint64(SIGKILL), 8, EINVAL}, {b, uint64(SIGSTOP), 8, EINVAL}, {b, 0, 8, EINVAL}, {b, 65, 8, EINVAL},
		{b, uint64(SIGINT), 16, EINVAL}, {b[:31], uint64(SIGINT), 8, EFAULT},
	} {
		if _, _, err := DecodeSigaction(c.b, c.sig, c.ssz); err != c.err {
			t.Errorf("DecodeSigaction(sig %d, size %d, %d bytes) = %v, want %v", c.sig, c.ssz, len(c.b), err, c.err)
		}
	}
	if m := HandlerMask(SigsetOf(SIGHUP), SIGUSR1, Sigaction{Mask: SigsetOf(SIGTERM)}); m != SigsetOf(SIGHUP, SIGUSR1, SIGTERM) {
		t.Errorf("HandlerMask = %#x", m)
	}
	if m := HandlerMask(0, SIGUSR1, Sigaction{Flags: SA_NODEFER}); m != 0 {
		t.Errorf("HandlerMask with SA_NODEFER = %#x", m)
	}
}

func TestSigaltstack(t *testing.T) {
	cur := Stack{Sp: 0x10000, Size: 0x4000}
	for _, c := range []struct {
		name string
		cur  Stack
		ss   Stack
		sp   uint64
		want Stack
		err  error
	}{
		{"set", Stack{}, Stack{Sp: 0x20000, Size: MINSIGSTKSZ}, 0x7000, Stack{Sp: 0x20000, Size: MINSIGSTKSZ}, nil},
		{"SS_ONSTACK is enable", Stack{}, Stack{Sp: 0x20000, Size: SIGSTKSZ, Flags: SS_ONSTACK}, 0x7000, Stack{Sp: 0x20000, Size: SIGSTKSZ, Flags: SS_ONSTACK}, nil},
		{"too small", cur, Stack{Sp: 0x20000, Size: MINSIGSTKSZ - 1}, 0x7000, cur, ENOMEM},
		{"bad mode", cur, Stack{Flags: 4}, 0x7000, cur, EINVAL},
		{"disable", cur, Stack{Sp: 5, Size: 5, Flags: SS_DISABLE}, 0x7000, Stack{Flags: SS_DISABLE}, nil},
		{"while on it", cur, Stack{Flags: SS_DISABLE}, 0x12000, cur, EPERM},
		{"on it, autodisarmed", Stack{Sp: 0x10000, Size: 0x4000, Flags: SS_AUTODISARM}, Stack{Flags: SS_DISABLE}, 0x12000, Stack{Flags: SS_DISABLE}, nil},
	} {
		got, err := SetSigaltstack(c.cur, c.ss, c.sp)
		if got != c.want || err != c.err {
			t.Errorf("%s: %+v, %v; want %+v, %v", c.name, got, err, c.want, c.err)
		}
	}
	if r := cur.Report(0x12000); r.Flags != SS_ONSTACK {
		t.Errorf("Report on it: %+v", r)
	}
	if r := (Stack{}).Report(0x12000); r.Flags != SS_DISABLE {
		t.Errorf("Report of none: %+v", r)
	}
	if r := cur.Report(0x14000); r.Flags != SS_ONSTACK { // its top is on it: (Sp, Sp+Size]
		t.Errorf("Report at the top: %+v", r)
	}
	if s, err := DecodeStack(cur.Append(nil)); s != cur || err != nil {
		t.Errorf("DecodeStack round trip")
	}
	if _, err := DecodeStack(make([]byte, 23)); err != EFAULT {
		t.Errorf("short stack_t")
	}
}

func TestWaitStatus(t *testing.T) {
	for _, c := range []struct {
		w          WaitStatus
		raw        uint32
		str        string
		code, stat int32
	}{
		{WaitExited(3), 0x300, "exited 3", CLD_EXITED, 3},
		{WaitExited(256 + 7), 0x700, "exited 7", CLD_EXITED, 7},
		{WaitSignaled(SIGKILL, false), 9, "killed by SIGKILL", CLD_KILLED, 9},
		{WaitSignaled(SIGSEGV, true), 0x8b, "killed by SIGSEGV (core dumped)", CLD_DUMPED, 11},
		{WaitStopped(SIGTSTP), 0x147f, "stopped by SIGTSTP", 0, 0},
		{WaitContinued, 0xffff, "continued", 0, 0},
	} {
		if uint32(c.w) != c.raw || c.w.String() != c.str {
			t.Errorf("%#x %q, want %#x %q", uint32(c.w), c.w, c.raw, c.str)
		}
		if c.code != 0 {
			if code, st := c.w.ChildStatus(); code != c.code || st != c.stat {
				t.Errorf("%s: ChildStatus %d %d", c.str, code, st)
			}
		}
	}
	if _, err := CheckWait4Options(WNOHANG | WUNTRACED | WALL); err != nil {
		t.Errorf("wait4 options")
	}
	if _, err := CheckWait4Options(WEXITED); err != EINVAL {
		t.Errorf("WEXITED is waitid's")
	}
}
