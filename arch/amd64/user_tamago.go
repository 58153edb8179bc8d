//go:build tamago

package amd64

// Ring 3. A thread of a user program is a goroutine that runs its code
// through one call, Switch, in the spirit of gVisor's ring0 Switch: the
// call loads the user registers and enters ring 3, and whatever brings the
// CPU back to ring 0 (a SYSCALL, an exception, an interrupt) comes back as
// its return, with the registers saved and the reason in Exit.
//
// The way in (enterUser, user_tamago.s), interrupts off:
//   - the caller's stack pointer and frame pointer are kept in PerCPU
//     (kernelSP, kernelBP): that is the whole kernel context, since Go's
//     ABI0 preserves nothing else across a call (the ABI wrapper
//     restores R14 = g and X15 = 0 after it), and Go code runs with
//     interrupts on, so the flags to give back are known;
//   - the runtime's FS base (TLS: g at -8(FS)) is kept in PerCPU and the
//     user's written to IA32_FS_BASE; from here no Go code may run;
//   - FXRSTOR64 loads the user's x87/SSE state;
//   - SYSRETQ if RCX = RIP and R11 = RFLAGS (after a system call), else
//     IRETQ from a frame with the user's CS and SS (the first entry, and
//     after an exception or interrupt); SWAPGS just before either.
//     Registers exactly as a SYSCALL saved them (UserRegs.sysret: the
//     path of every system call that changed only general registers)
//     skip the checks of what ring 3 may be entered with: the CPU saved
//     nothing it would refuse.
//
// The ways out, all ending in EXIT (syscallEntry's own copy, or
// userExit's):
//   - SYSCALL enters syscallEntry (IA32_LSTAR) with IF, DF, TF and AC
//     cleared (IA32_FMASK): SWAPGS, park the user RSP in PerCPU, store
//     the registers into the UserRegs (RIP from RCX, RFLAGS from R11);
//   - an exception enters trapCommon on its IST stack; a frame whose CS
//     has RPL 3 goes to userTrap instead of the trap policy: SWAPGS, the
//     registers and the frame's RIP, RSP and RFLAGS into the UserRegs,
//     the vector, error code and CR2 into UserRegs.Exit;
//   - an external interrupt enters irqEntry on IST4, which counts it and
//     sends the EOI as for the kernel; then a frame from ring 3 goes to
//     userInterrupt (the same as userTrap) instead of IRETQ. The Go
//     handler runs later in ServeIRQs, as for any interrupt: a caller
//     that loops on Switch must let the scheduler run (runtime.Gosched)
//     on ExitInterrupt, and that is where preemption will go.
//   - EXIT saves the user's FS base and FPU state, puts back the
//     runtime's FS base, a clean x87 state and MXCSR 0x1f80 (Go's ABI
//     assumes the default control words), then resumes the caller on
//     kernelSP with its frame pointer, IF set and the other flags clear.
//
// RFLAGS.AC: SYSCALL clears it (IA32_FMASK), an exception or interrupt
// gate does not, so the exit stubs may run with ring 3's AC, lifting
// SMAP; they touch only the UserRegs and the PerCPU, and EXIT's POPFQ
// gives Go code AC clear.
//
// Ring 3's GS base is always 0: CR4.FSGSBASE stays off, so ring 3 cannot
// write FS or GS bases itself, and the only other way, loading a selector,
// gives base 0. Ring 3 changes its FS base through the kernel (arch_prctl)
// by writing UserRegs.FSBase; the exit reads it back all the same when
// FS's selector is not 0, for a program that loads one. A selector ring 3
// loads into DS, ES, FS or GS stays loaded after it (the exits do not
// reload them): harmless to the kernel, which uses bases only, but not
// yet part of UserRegs.

// Model-specific registers (SDM 4, Table 2-2).
const (
	msrEFER         = 0xc0000080
	msrSTAR         = 0xc0000081
	msrLSTAR        = 0xc0000082
	msrFMASK        = 0xc0000084
	msrKernelGSBase = 0xc0000102

	eferSCE = 1 << 0 // SYSCALL/SYSRET enabled

	cr4SMEP = 1 << 20 // supervisor-mode execution prevention (SDM 3A 4.6.1)
	cr4SMAP = 1 << 21 // supervisor-mode access prevention

	cpuidExtFeatures = 7
	cpuidSMEP        = 1 << 7  // CPUID.(7,0):EBX
	cpuidSMAP        = 1 << 20 // CPUID.(7,0):EBX
)

// syscallEntryPC is syscallEntry's address, for IA32_LSTAR.
var syscallEntryPC uintptr

func rdmsr(msr uint32) uint64
func wrmsr(msr uint32, v uint64)
func cr4() uint64
func setCR4(v uint64)

// enterUser makes r safe to enter, runs it in ring 3 until it comes back
// (with SYSRETQ where it can, else IRETQ) and returns why; the exit stubs
// fill PerCPU's exit fields. An r it will not enter is ExitException,
// #GP, at once.
func enterUser(r *UserRegs) ExitKind

// initUserEntry sets up this CPU for ring 3: SYSCALL and its MSRs, and
// SMEP and SMAP where the CPU has them.
//
// SYSCALL (SDM 2B, SYSCALL; SDM 3A 5.8.8): IA32_STAR's selectors (see
// the GDT's layout), IA32_LSTAR at syscallEntry, IA32_FMASK clearing IF,
// DF, TF, AC and NT, then EFER.SCE. IA32_CSTAR (SYSCALL from
// compatibility mode) is left 0: with no 32-bit user code segment ring 3
// cannot be in compatibility mode. SYSENTER's MSRs are 0, so SYSENTER
// raises #GP, which comes back as an exception. IA32_KERNEL_GS_BASE holds
// ring 3's GS base while the kernel runs: 0.
//
// SMEP makes the kernel fault on fetching from a user page, SMAP on
// reading or writing one without RFLAGS.AC (SDM 3A 4.6.1). The kernel
// touches no user page today (the mapping window's pages are
// supervisor-only until processes come); a kernel that copies from user
// memory will bracket the copy with STAC and CLAC, as Linux's
// copy_from_user.
//
// Preconditions: it runs on the CPU it sets up, with GS at its PerCPU.
func initUserEntry() {
	wrmsr(msrSTAR, uint64(user32CS)<<48|uint64(kernelCS)<<32)
	wrmsr(msrLSTAR, uint64(syscallEntryPC))
	wrmsr(msrFMASK, rflagsSyscallMask)
	wrmsr(msrKernelGSBase, 0)
	wrmsr(msrEFER, rdmsr(msrEFER)|eferSCE)

	if max, _, _, _ := CPUID(0, 0); max >= cpuidExtFeatures {
		_, b, _, _ := CPUID(cpuidExtFeatures, 0)
		v := cr4()
		if b&cpuidSMEP != 0 {
			v |= cr4SMEP
		}
		if b&cpuidSMAP != 0 {
			v |= cr4SMAP
			smapOn = true
		}
		setCR4(v)
	}
}

// UserProtection reports whether SMEP and SMAP are on for this CPU.
func UserProtection() (smep, smap bool) {
	v := cr4()
	return v&cr4SMEP != 0, v&cr4SMAP != 0
}

// Switch runs r in ring 3 on this CPU until a system call, an exception
// or an interrupt brings it back, and returns why; r then holds ring 3's
// registers at that point, and r.Exit the exit (for an exception or an
// interrupt its vector, error code and CR2; for a system call only its
// kind). It returns to the caller's goroutine on the caller's stack: no
// Go code runs on this CPU while ring 3 does (the goroutine cannot be
// preempted or moved: TamaGo has no asynchronous preemption, and the
// only M runs it). It is one call of enterUser, so that callers inline
// it: this is the path of every system call.
//
// Before entering, enterUser makes r safe for the CPU, unless r is as a
// system call left it (UserRegs.sysret): RFLAGS gets IF set and IOPL 0
// (rflagsUser, rflagsEntry), MXCSR loses its reserved bits. A
// non-canonical RIP or RSP would make IRETQ or SYSRETQ fault in ring 0
// with the user's GS (SDM 2B, SYSRET), and a non-canonical FS base would
// make the WRMSR that loads it fault in ring 0 (#GP); Switch returns a
// #GP exit instead, without entering, as Linux sends SIGSEGV for a bad
// sigreturn (arch_prctl refuses such a base with EPERM first).
//
// Preconditions: r comes from NewUserRegs (its FPU area: a nil one
// panics with a nil dereference before entering) and was edited by the
// rule of UserRegs (Changed); the page table in CR3 maps ring 3's pages
// with U/S set at every level.
func Switch(r *UserRegs) ExitKind { return enterUser(r) }

// The exit stubs (user_tamago.s): entered from the CPU or other stubs,
// never called from Go.
func syscallEntry()
func userTrap()
func userInterrupt()
func userExit()
