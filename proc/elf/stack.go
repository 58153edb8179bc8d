package elf

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/mm"
)

// Values Linux gives on x86-64, for Aux.
const (
	// Platform is AT_PLATFORM's string: ELF_PLATFORM, utsname()->machine.
	Platform = "x86_64"
	// ClkTck is AT_CLKTCK: CLOCKS_PER_SEC, which is USER_HZ, 100.
	ClkTck = 100
	// MinSigStkSz is a floor for AT_MINSIGSTKSZ: the uapi MINSIGSTKSZ.
	// Linux gives get_sigframe_size(), which grows with the CPU's
	// XSAVE area (about 3.5 KiB with AVX-512); the signal code that
	// builds the frames should supply the real size.
	MinSigStkSz = 2048
	// StackLimit is RLIMIT_STACK's default soft limit, _STK_LIM, 8 MiB.
	StackLimit = 8 << 20
)

// Aux is what the initial stack says besides the program's image: the
// auxiliary vector's values that come from the kernel and the caller.
// NewAux fills in Linux's usual values.
type Aux struct {
	ExecFn      string      // AT_EXECFN: the path execve was given (bprm->filename)
	Random      [16]byte    // AT_RANDOM's bytes, from the kernel's generator
	HWCap       uint64      // AT_HWCAP: CPUID.01H:EDX on x86 (ELF_HWCAP)
	HWCap2      uint64      // AT_HWCAP2: x86's elf_hwcap2 (ring3mwait, fsgsbase)
	Platform    string      // AT_PLATFORM's string; empty leaves AT_PLATFORM out
	ClkTck      uint64      // AT_CLKTCK
	MinSigStkSz uint64      // AT_MINSIGSTKSZ
	UID, EUID   uint32      // AT_UID, AT_EUID
	GID, EGID   uint32      // AT_GID, AT_EGID
	Secure      bool        // AT_SECURE: set-id program; the C library distrusts the environment
	Base        mm.VirtAddr // AT_BASE: the interpreter's load address, 0 without one
	Flags       uint64      // AT_FLAGS
	// SysinfoEHdr is AT_SYSINFO_EHDR, the vDSO's ELF header; 0 (no
	// vDSO, Pagoda's case) leaves the entry out, as Linux with
	// vdso64_enabled off.
	SysinfoEHdr mm.VirtAddr
	// RseqFeatureSize and RseqAlign are AT_RSEQ_FEATURE_SIZE and
	// AT_RSEQ_ALIGN (CONFIG_RSEQ, Linux 6.3); 0 leaves both out, as a
	// kernel without rseq.
	RseqFeatureSize, RseqAlign uint64
	// StackLimit is RLIMIT_STACK's soft limit, which bounds argv and
	// envp (bprm_stack_limits); 0 means the default, 8 MiB.
	StackLimit uint64
}

// NewAux is an Aux with Linux's values for execfn: AT_PLATFORM
// "x86_64", AT_CLKTCK 100, AT_MINSIGSTKSZ 2048, root's ids, the default
// stack limit, and random for AT_RANDOM.
func NewAux(execfn string, random [16]byte) Aux {
	return Aux{ExecFn: execfn, Random: random, Platform: Platform, ClkTck: ClkTck,
		MinSigStkSz: MinSigStkSz, StackLimit: StackLimit}
}

// AuxEntry is one auxiliary vector entry, a pair of unsigned longs.
type AuxEntry struct {
	Type, Value uint64
}

// Stack is a new program's initial stack: Bytes are the contents of
// [SP, SP+len(Bytes)), which ends at the top BuildStack was given.
type Stack struct {
	// SP is the initial RSP: the address of argc, the lowest byte of
	// the stack, 16-byte aligned at process entry (psABI 3.4.1, figure
	// 3.9 "Initial Process Stack").
	SP    mm.VirtAddr
	Bytes []byte
	// ArgStart..ArgEnd and EnvStart..EnvEnd hold the argument and
	// environment strings, NULs included: mm->arg_start and friends,
	// what /proc/pid/cmdline and /proc/pid/environ show.
	ArgStart, ArgEnd mm.VirtAddr
	EnvStart, EnvEnd mm.VirtAddr
	// Auxv is the auxiliary vector written, AT_NULL last: the saved
	// copy /proc/pid/auxv shows (mm->saved_auxv).
	Auxv []AuxEntry
}

// BuildStack lays out a program's initial stack below top, as Linux on
// x86-64 does in do_execveat_common, copy_strings and create_elf_tables
// (fs/exec.c, fs/binfmt_elf.c) with address randomization off. From top
// down:
//
//	8 bytes of zero        the end marker (bprm->p starts at top - 8)
//	execfn string          AT_EXECFN (copy_string_kernel)
//	envp strings           envp[0] lowest (copy_strings copies backwards)
//	argv strings           argv[0] lowest: ArgStart
//	padding to 16 bytes    arch_align_stack
//	platform string        AT_PLATFORM ("x86_64")
//	16 random bytes        AT_RANDOM
//	padding                so that SP is 16-byte aligned
//	auxv pairs, AT_NULL    Auxv
//	NULL, envp pointers    envp[0] lowest
//	NULL, argv pointers    argv[0] lowest
//	argc                   at SP
//
// An empty argv becomes {""}, so that argc is 1 and a program that
// skips argv[0] does not walk into envp (Linux 5.18). The limits are
// execve's: each string with its NUL at most MAX_ARG_STRLEN (128 KiB),
// and all the strings plus the argv and envp pointers at most a quarter
// of the stack limit (2 MiB of the default 8 MiB), but never less than
// 128 KiB nor more than 6 MiB (bprm_stack_limits); beyond them
// ErrTooBig. A string holding a NUL is ErrInvalid.
//
// The auxiliary vector has Linux's order (ARCH_DLINFO first):
// AT_SYSINFO_EHDR (if any), AT_MINSIGSTKSZ, AT_HWCAP, AT_PAGESZ,
// AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY,
// AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_HWCAP2,
// AT_EXECFN, AT_PLATFORM (if any), AT_RSEQ_* (if any), AT_NULL.
//
// Preconditions: top is page-aligned, at most UserEnd, and at least
// 16 MiB, which holds the largest stack the limits allow.
func BuildStack(top mm.VirtAddr, img *Image, argv, envp []string, aux *Aux) (*Stack, error) {
	if top&mm.PageMask != 0 || top > UserEnd || top < 16<<20 {
		panic("elf.BuildStack: top not page-aligned or out of range")
	}
	if len(argv) > linux.MAX_ARG_STRINGS || len(envp) > linux.MAX_ARG_STRINGS {
		return nil, fmt.Errorf("%w: %d arguments, %d environment strings", ErrTooBig, len(argv), len(envp))
	}
	for _, set := range []struct {
		name string
		strs []string
	}{{"argv", argv}, {"envp", envp}, {"AT_EXECFN", []string{aux.ExecFn}}, {"AT_PLATFORM", []string{aux.Platform}}} {
		for i, a := range set.strs {
			if strings.IndexByte(a, 0) >= 0 {
				return nil, fmt.Errorf("%w: %s[%d] holds a NUL byte", ErrInvalid, set.name, i)
			}
		}
	}

	// bprm_stack_limits: the strings may take limit bytes below the end
	// marker, less the room their pointers will need.
	rlim := aux.StackLimit
	if rlim == 0 {
		rlim = StackLimit
	}
	limit := min(StackLimit/4*3, rlim/4)
	limit = max(limit, linux.MAX_ARG_STRLEN) // ARG_MAX, 32 pages, whatever the rlimit
	ptrs := (uint64(max(len(argv), 1)) + uint64(len(envp))) * 8
	if limit <= ptrs {
		return nil, fmt.Errorf("%w: %d pointers need %d bytes, the limit is %d", ErrTooBig, len(argv)+len(envp), ptrs, limit)
	}
	limit -= ptrs
	if len(argv) == 0 {
		argv = []string{""} // do_execveat_common, after the limits
	}

	// Strings, from the top down, as offsets below top.
	p := uint64(8)
	push := func(s string) (uint64, error) {
		n := uint64(len(s)) + 1
		if n > linux.MAX_ARG_STRLEN {
			return 0, fmt.Errorf("%w: a string of %d bytes (MAX_ARG_STRLEN is %d with its NUL)", ErrTooBig, len(s), linux.MAX_ARG_STRLEN)
		}
		p += n
		if p-8 > limit {
			return 0, fmt.Errorf("%w: the strings exceed %d bytes", ErrTooBig, limit)
		}
		return p, nil
	}
	execfn, err := push(aux.ExecFn)
	if err != nil {
		return nil, err
	}
	envEnd := p
	for i := len(envp) - 1; i >= 0; i-- {
		if _, err := push(envp[i]); err != nil {
			return nil, err
		}
	}
	envStart := p
	for i := len(argv) - 1; i >= 0; i-- {
		if _, err := push(argv[i]); err != nil {
			return nil, err
		}
	}
	argStart := p

	// create_elf_tables.
	p = align16(p) // arch_align_stack, unrandomized
	var platform uint64
	if aux.Platform != "" {
		p += uint64(len(aux.Platform)) + 1
		platform = p
	}
	p += 16
	random := p
	at := func(off uint64) uint64 { return uint64(top) - off }
	auxv := make([]AuxEntry, 0, 24)
	add := func(typ, val uint64) { auxv = append(auxv, AuxEntry{typ, val}) }
	if aux.SysinfoEHdr != 0 {
		add(linux.AT_SYSINFO_EHDR, uint64(aux.SysinfoEHdr))
	}
	add(linux.AT_MINSIGSTKSZ, aux.MinSigStkSz)
	add(linux.AT_HWCAP, aux.HWCap)
	add(linux.AT_PAGESZ, mm.PageSize)
	add(linux.AT_CLKTCK, aux.ClkTck)
	add(linux.AT_PHDR, uint64(img.PhdrAddr))
	add(linux.AT_PHENT, uint64(img.PhEnt))
	add(linux.AT_PHNUM, uint64(img.PhNum))
	add(linux.AT_BASE, uint64(aux.Base))
	add(linux.AT_FLAGS, aux.Flags)
	add(linux.AT_ENTRY, uint64(img.Entry))
	add(linux.AT_UID, uint64(aux.UID))
	add(linux.AT_EUID, uint64(aux.EUID))
	add(linux.AT_GID, uint64(aux.GID))
	add(linux.AT_EGID, uint64(aux.EGID))
	add(linux.AT_SECURE, b2u(aux.Secure))
	add(linux.AT_RANDOM, at(random))
	add(linux.AT_HWCAP2, aux.HWCap2)
	add(linux.AT_EXECFN, at(execfn))
	if aux.Platform != "" {
		add(linux.AT_PLATFORM, at(platform))
	}
	if aux.RseqFeatureSize != 0 || aux.RseqAlign != 0 {
		add(linux.AT_RSEQ_FEATURE_SIZE, aux.RseqFeatureSize)
		add(linux.AT_RSEQ_ALIGN, aux.RseqAlign)
	}
	add(linux.AT_NULL, 0)

	// STACK_ADD then STACK_ROUND: room for the auxv and the argc, argv
	// and envp words, rounded down to 16 bytes. The auxv is written
	// right after envp's NULL, so the rounding's slack lies between it
	// and the random bytes.
	items := uint64(1+len(argv)+1+len(envp)+1) + uint64(2*len(auxv))
	sp := align16(p + items*8)

	b := make([]byte, sp)
	put := func(off uint64, s string) { copy(b[sp-off:], s) } // the NUL is b's zero
	word := func(i, v uint64) { binary.LittleEndian.PutUint64(b[i*8:], v) }
	put(execfn, aux.ExecFn)
	off := envStart
	envAddrs := make([]uint64, len(envp))
	for i, s := range envp {
		put(off, s)
		envAddrs[i] = at(off)
		off -= uint64(len(s)) + 1
	}
	off = argStart
	argAddrs := make([]uint64, len(argv))
	for i, s := range argv {
		put(off, s)
		argAddrs[i] = at(off)
		off -= uint64(len(s)) + 1
	}
	if aux.Platform != "" {
		put(platform, aux.Platform)
	}
	copy(b[sp-random:], aux.Random[:])
	w := uint64(0)
	word(w, uint64(len(argv)))
	w++
	for _, a := range argAddrs {
		word(w, a)
		w++
	}
	w++ // argv's NULL
	for _, a := range envAddrs {
		word(w, a)
		w++
	}
	w++ // envp's NULL
	for _, e := range auxv {
		word(w, e.Type)
		word(w+1, e.Value)
		w += 2
	}
	return &Stack{
		SP:       mm.VirtAddr(at(sp)),
		Bytes:    b,
		ArgStart: mm.VirtAddr(at(argStart)),
		ArgEnd:   mm.VirtAddr(at(envStart)),
		EnvStart: mm.VirtAddr(at(envStart)),
		EnvEnd:   mm.VirtAddr(at(envEnd)),
		Auxv:     auxv,
	}, nil
}

// align16 rounds an offset below a 16-aligned top up, which rounds the
// address down to 16 bytes.
func align16(off uint64) uint64 { return (off + 15) &^ 15 }

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
