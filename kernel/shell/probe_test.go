//go:build !tamago

package shell

import (
	"strings"
	"testing"

	arch "github.com/pagoda-os/pagoda/arch/amd64"
)

// fakeProbe is memory [0x1000, 0x2000): readable, writable below 0x1800.
type fakeProbe struct {
	mem     [0x1000]byte
	crashed bool
}

func (p *fakeProbe) Peek(addr uint64, b []byte) (int, *arch.FaultError) {
	for i := range b {
		a := addr + uint64(i)
		if a < 0x1000 || a >= 0x2000 {
			return i, &arch.FaultError{Addr: a, Access: arch.Read, Reason: arch.ReasonNotMapped}
		}
		b[i] = p.mem[a-0x1000]
	}
	return len(b), nil
}

func (p *fakeProbe) Poke(addr uint64, b []byte) (int, *arch.FaultError) {
	for i, v := range b {
		a := addr + uint64(i)
		switch {
		case a < 0x1000 || a >= 0x2000:
			return i, &arch.FaultError{Addr: a, Access: arch.Write, Reason: arch.ReasonNotMapped}
		case a >= 0x1800:
			return i, &arch.FaultError{Addr: a, Access: arch.Write, Reason: arch.ReasonProtection, Code: arch.PFPresent | arch.PFWrite}
		}
		p.mem[a-0x1000] = v
	}
	return len(b), nil
}

func (p *fakeProbe) Crash(stack bool) { p.crashed = true }

func TestPeekPokeCommands(t *testing.T) {
	p := &fakeProbe{}
	var out strings.Builder
	sh := NewShell(Config{Machine: &fakeMachine{}, Out: &out, Probe: p})
	for _, tc := range []struct{ line, want string }{
		{"poke 0x1000 hello  world", "stored 11 bytes at 0x1000\n"},
		{"peek 0x1000 11", "0x0000000000001000  68 65 6c 6c 6f 20 77 6f  72 6c 64                 |hello world|\n"},
		{"peek 0x1ff8 12", "0x0000000000001ff8  00 00 00 00 00 00 00 00                           |........|\nfault: read of 0x2000: not mapped\n"},
		{"peek 0 4", "fault: read of 0x0: not mapped\n"},
		{"poke 0x17fe abc", "fault: write of 0x1800: protection violation\n(2 bytes stored before the fault)\n"},
		{"peek 0x1000 0x11", "0x0000000000001000  68 65 6c 6c 6f 20 77 6f  72 6c 64 00 00 00 00 00  |hello world.....|\n0x0000000000001010  00                                                |.|\n"},
		{"peek 0x1000 0", "error: peek: length 0 out of range 1..65536\n"},
		{"peek 0x1000 65K", "error: peek: length 66560 out of range 1..65536\n"},
		{"peek 0xfffffffffffffff0 0x20", "error: peek: 0xfffffffffffffff0 + 32 wraps around the address space\n"},
		{"poke 0xffffffffffffffff ab", "error: poke: 0xffffffffffffffff + 2 wraps around the address space\n"},
		{"poke 0x1000", "error: usage: poke ADDR STRING...\n"},
		{"peek", "error: usage: peek ADDR [LEN]\n"},
		{"selftest paging", "error: selftest: no self-tests in this kernel\n"},
	} {
		out.Reset()
		sh.Exec(tc.line)
		if out.String() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.line, out.String(), tc.want)
		}
	}
	out.Reset()
	sh.Exec("crash heap")
	if p.crashed || out.String() != "error: crash: unknown crash \"heap\" (have: stack)\n" {
		t.Errorf("crash heap: %q", out.String())
	}
	out.Reset()
	sh.Exec("crash")
	if !p.crashed || out.String() != "error: crash: the crash did not happen\n" {
		t.Errorf("crash: %v %q", p.crashed, out.String())
	}
}

// A command that takes an unresolvable fault panics with *FaultError; the
// shell prints one fault: line and carries on.
func TestShellRecoversFaultError(t *testing.T) {
	var out strings.Builder
	sh := NewShell(Config{Machine: &fakeMachine{}, Out: &out})
	sh.commands = append(sh.commands, Command{Name: "touchit", MaxArgs: 0, Run: func(*Shell, []string) error {
		panic(&arch.FaultError{Addr: 0x200000000000, Access: arch.Write, Reason: arch.ReasonNoMemory, RIP: 0x1010203, Instruction: "mov qword ptr [rax], rbx"})
	}})
	sh.Exec("touchit")
	sh.Exec("echo next")
	want := "fault: write of 0x200000000000: out of memory (at 0x1010203: mov qword ptr [rax], rbx)\nnext\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
