//go:build linux && amd64 && !tamago

package elf

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
)

// The host is Linux on x86-64: it runs the same static programs Pagoda
// will, so its kernel is the reference for the initial stack. dumpC
// prints its initial stack pointer (argv - 8: the C library's _start
// pops argc and passes the rest), the top of its [stack] mapping, and
// every byte in between, before anything has written there.
const dumpC = `#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
	unsigned long sp = (unsigned long)argv - 8, top = 0, lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			top = hi;
	printf("%lx %lx\n", sp, top);
	for (unsigned char *p = (unsigned char *)sp; p < (unsigned char *)top; p++)
		printf("%02x", *p);
	printf("\n");
	return 0;
}
`

// hostStack runs the dump program with argv and envp (argv[0] is the
// program's path, which is also AT_EXECFN), under setarch -R when
// norandom, and returns its stack's top and bytes.
func hostStack(t *testing.T, prog string, norandom bool, args, envp []string) (mm.VirtAddr, []byte) {
	t.Helper()
	var cmd *exec.Cmd
	if norandom {
		if _, err := exec.LookPath("setarch"); err != nil {
			t.Skipf("no setarch to turn randomization off: %v", err)
		}
		cmd = exec.Command("setarch", append([]string{"-R", prog}, args...)...)
	} else {
		cmd = exec.Command(prog, args...)
	}
	cmd.Env = envp
	if envp == nil {
		cmd.Env = []string{}
	}
	out, err := cmd.Output()
	if err != nil {
		if norandom {
			t.Skipf("setarch -R failed (personality(ADDR_NO_RANDOMIZE) refused?): %v", err)
		}
		t.Fatalf("%s: %v", prog, err)
	}
	var sp, top uint64
	var dump string
	if _, err := fmt.Sscanf(string(out), "%x %x\n%s", &sp, &top, &dump); err != nil {
		t.Fatalf("dump output %q: %v", out, err)
	}
	b, err := hex.DecodeString(dump)
	if err != nil || uint64(len(b)) != top-sp {
		t.Fatalf("dump of %d bytes for [%#x, %#x): %v", len(b), sp, top, err)
	}
	return mm.VirtAddr(top), b
}

// auxFrom is the Aux that makes BuildStack reproduce a stack the host
// built: the values only the host knows (AT_RANDOM's bytes, AT_HWCAP,
// the signal frame size, the vDSO, the ids, rseq) taken from it.
func auxFrom(t *testing.T, top mm.VirtAddr, b []byte, d *decoded) Aux {
	sp := uint64(top) - uint64(len(b))
	cstr := func(addr uint64) string {
		s := b[addr-sp:]
		return string(s[:bytes.IndexByte(s, 0)])
	}
	a := Aux{
		ExecFn:          cstr(d.aux[linux.AT_EXECFN]),
		HWCap:           d.aux[linux.AT_HWCAP],
		HWCap2:          d.aux[linux.AT_HWCAP2],
		ClkTck:          d.aux[linux.AT_CLKTCK],
		MinSigStkSz:     d.aux[linux.AT_MINSIGSTKSZ],
		UID:             uint32(d.aux[linux.AT_UID]),
		EUID:            uint32(d.aux[linux.AT_EUID]),
		GID:             uint32(d.aux[linux.AT_GID]),
		EGID:            uint32(d.aux[linux.AT_EGID]),
		Secure:          d.aux[linux.AT_SECURE] != 0,
		Base:            mm.VirtAddr(d.aux[linux.AT_BASE]),
		Flags:           d.aux[linux.AT_FLAGS],
		SysinfoEHdr:     mm.VirtAddr(d.aux[linux.AT_SYSINFO_EHDR]),
		RseqFeatureSize: d.aux[linux.AT_RSEQ_FEATURE_SIZE],
		RseqAlign:       d.aux[linux.AT_RSEQ_ALIGN],
	}
	if p, ok := d.aux[linux.AT_PLATFORM]; ok {
		a.Platform = cstr(p)
	}
	copy(a.Random[:], b[d.aux[linux.AT_RANDOM]-sp:])
	return a
}

// knownAux are the auxv types BuildStack can write.
var knownAux = []uint64{
	linux.AT_SYSINFO_EHDR, linux.AT_MINSIGSTKSZ, linux.AT_HWCAP, linux.AT_PAGESZ, linux.AT_CLKTCK,
	linux.AT_PHDR, linux.AT_PHENT, linux.AT_PHNUM, linux.AT_BASE, linux.AT_FLAGS, linux.AT_ENTRY,
	linux.AT_UID, linux.AT_EUID, linux.AT_GID, linux.AT_EGID, linux.AT_SECURE, linux.AT_RANDOM,
	linux.AT_HWCAP2, linux.AT_EXECFN, linux.AT_PLATFORM, linux.AT_RSEQ_FEATURE_SIZE, linux.AT_RSEQ_ALIGN,
	linux.AT_NULL,
}

var hostCases = []struct {
	name       string
	args, envp []string
}{
	{"plain", []string{"one", "two"}, []string{"HOME=/root", "PATH=/bin:/usr/bin", "LANG=C"}},
	{"no environment", nil, nil},
	{"odd sizes", []string{"", "a", "bb", "ccc"}, []string{"X=", "YY=1", "ZZZ=22"}},
	{"long", []string{strings.Repeat("arg", 3000)}, []string{"BIG=" + strings.Repeat("v", 5000)}},
}

// TestHostStackExact runs the dump program, static (glibc and musl),
// under setarch -R, so that Linux builds its stack as BuildStack does,
// at the same top. Parse's AT_PHDR, AT_PHNUM and AT_ENTRY must equal the
// kernel's, and BuildStack, given the values only the host knows, must
// produce the host's stack to the byte.
//
// A static PIE Linux places in its mmap region; the test rebases the
// image by the bias the host's AT_ENTRY reveals, and then expects the
// same agreement, AT_PHDR included.
func TestHostStackExact(t *testing.T) {
	for _, p := range []struct{ cc, flag string }{
		{"gcc", "-static"}, {"musl-gcc", "-static"}, {"gcc", "-static-pie"},
	} {
		t.Run(p.cc+" "+p.flag, func(t *testing.T) {
			prog := compile(t, t.TempDir(), p.cc, dumpC, "dump", p.flag, "-O2")
			linked, err := parseFile(t, prog)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range hostCases {
				t.Run(c.name, func(t *testing.T) {
					top, b := hostStack(t, prog, true, c.args, c.envp)
					d, err := decodeStack(top, b)
					if err != nil {
						t.Fatalf("the host's stack breaks a layout rule: %v", err)
					}
					img := linked
					if img.Type == TypeDyn {
						bias := mm.VirtAddr(d.aux[linux.AT_ENTRY]) - img.Entry
						if img, err = img.Rebase(bias); err != nil {
							t.Fatalf("Rebase by the host's bias %v: %v", bias, err)
						}
						t.Logf("Linux put the static PIE at %v (bias %v)", img.Segments[0].Start, bias)
					}
					for _, e := range d.auxv {
						if !slices.Contains(knownAux, e.Type) {
							t.Errorf("the host writes auxv type %d, which BuildStack cannot", e.Type)
						}
					}
					for typ, want := range map[uint64]uint64{
						linux.AT_PHDR: uint64(img.PhdrAddr), linux.AT_PHNUM: uint64(img.PhNum),
						linux.AT_PHENT: uint64(img.PhEnt), linux.AT_ENTRY: uint64(img.Entry),
						linux.AT_PAGESZ: mm.PageSize, linux.AT_CLKTCK: ClkTck,
					} {
						if d.aux[typ] != want {
							t.Errorf("auxv type %d: host %#x, Parse/BuildStack %#x", typ, d.aux[typ], want)
						}
					}
					if d.aux[linux.AT_MINSIGSTKSZ] < MinSigStkSz {
						t.Errorf("host AT_MINSIGSTKSZ %d below MinSigStkSz", d.aux[linux.AT_MINSIGSTKSZ])
					}
					aux := auxFrom(t, top, b, d)
					if aux.ExecFn != prog || aux.Platform != Platform {
						t.Errorf("AT_EXECFN %q AT_PLATFORM %q, want %q %q", aux.ExecFn, aux.Platform, prog, Platform)
					}
					st, err := BuildStack(top, img, append([]string{prog}, c.args...), c.envp, &aux)
					if err != nil {
						t.Fatal(err)
					}
					if st.SP != top-mm.VirtAddr(len(b)) || !bytes.Equal(st.Bytes, b) {
						t.Errorf("BuildStack differs from the host: SP %v, host %v", st.SP, top-mm.VirtAddr(len(b)))
						diffWords(t, top, st.Bytes, b)
					}
					t.Logf("top %v SP %v (%d bytes), %d auxv entries: %v", top, st.SP, len(b), len(d.auxv), auxTypes(d.auxv))
				})
			}
		})
	}
}

// TestHostStackRules runs the dump program with randomization on, as a
// program normally starts, and checks the layout rules decodeStack
// checks (16-byte SP, packed strings in order, AT_EXECFN last, platform
// and random bytes below them) and that the auxv types come in
// BuildStack's order.
func TestHostStackRules(t *testing.T) {
	prog := compile(t, t.TempDir(), "gcc", dumpC, "dump", "-static", "-O2")
	img, err := parseFile(t, prog)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range hostCases {
		t.Run(c.name, func(t *testing.T) {
			top, b := hostStack(t, prog, false, c.args, c.envp)
			d, err := decodeStackShuffled(top, b, 8192)
			if err != nil {
				t.Fatalf("the host's stack breaks a layout rule: %v", err)
			}
			if !slices.Equal(d.argv, append([]string{prog}, c.args...)) || !slices.Equal(d.envp, c.envp) && len(c.envp) > 0 {
				t.Errorf("argv %q envp %q", d.argv, d.envp)
			}
			aux := auxFrom(t, top, b, d)
			st, err := BuildStack(UserEnd, img, d.argv, d.envp, &aux)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := auxTypes(st.Auxv), auxTypes(d.auxv); !slices.Equal(got, want) {
				t.Errorf("auxv order:\n BuildStack %v\n host       %v", got, want)
			}
		})
	}
}

func auxTypes(v []AuxEntry) []uint64 {
	var out []uint64
	for _, e := range v {
		out = append(out, e.Type)
	}
	return out
}

// diffWords logs the first words where two stacks ending at top differ.
func diffWords(t *testing.T, top mm.VirtAddr, got, want []byte) {
	t.Helper()
	n := min(len(got), len(want))
	shown := 0
	for i := 8; i <= n && shown < 10; i += 8 {
		g, w := got[len(got)-i:][:8], want[len(want)-i:][:8]
		if !bytes.Equal(g, w) {
			t.Logf("  at %v: BuildStack %x, host %x", top-mm.VirtAddr(i), g, w)
			shown++
		}
	}
}

// brkC prints the program break before anything can move it: musl's
// startup does not call brk, and the first thing main does is ask.
const brkC = `#include <stdio.h>
#include <unistd.h>
int main(void) {
	void *brk = sbrk(0);
	printf("%lx\n", (unsigned long)brk);
	return 0;
}
`

// TestHostBrk checks Image.Brk against the break Linux gives a static
// musl program under setarch -R (mm->start_brk, unrandomized: the end of
// the last segment, page-aligned). glibc is no witness: its startup
// takes TLS from brk before main.
func TestHostBrk(t *testing.T) {
	prog := compile(t, t.TempDir(), "musl-gcc", brkC, "brk", "-static", "-O2")
	img, err := parseFile(t, prog)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("setarch"); err != nil {
		t.Skipf("no setarch to turn randomization off: %v", err)
	}
	out, err := exec.Command("setarch", "-R", prog).Output()
	if err != nil {
		t.Skipf("setarch -R failed (personality(ADDR_NO_RANDOMIZE) refused?): %v", err)
	}
	var brk uint64
	if _, err := fmt.Sscanf(string(out), "%x", &brk); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if mm.VirtAddr(brk) != img.Brk {
		t.Errorf("host brk %#x, Image.Brk %v", brk, img.Brk)
	}
}
