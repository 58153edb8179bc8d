/*
 * regs: what a system call does to the registers, and the FS base.
 *
 * Linux's x86-64 SYSCALL convention: the call leaves its result in RAX,
 * the return address in RCX and RFLAGS in R11 (the CPU's SYSCALL put them
 * there), and every other general register as it was: the arguments
 * (RDI, RSI, RDX, R10, R8, R9) and the callee-saved ones alike. A kernel
 * that returns by SYSRET without reloading what it saved, or restores a
 * register from the wrong slot, shows here.
 *
 * The FS base (the thread pointer, %fs:0) is set with arch_prctl and
 * with clone's CLONE_SETTLS, read back through %fs and ARCH_GET_FS, and
 * kept across system calls; a base at or above TASK_SIZE_MAX (the last
 * page of the lower half, or non-canonical) is refused with EPERM by
 * both calls (Linux's do_arch_prctl_64, which set_new_tls calls for
 * clone too). While FS points at a test buffer no libc function runs
 * (errno and the stack protector's canary live at FS), so those calls
 * are raw SYSCALL instructions.
 */
#include "check.h"
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define NONCANONICAL 0x0000800000000000UL
#define TASK_SIZE_MAX 0x00007ffffffff000UL /* the user range's end: a page below */

/* The registers a system call must keep, in syscall_regs's order:
 * RBX, RBP, RDI, RSI, RDX, R8, R9, R10, R12, R13, R14, R15. */
#define KEPT 12
static const char *const kept_names[KEPT] = {
	"rbx", "rbp", "rdi", "rsi", "rdx", "r8", "r9", "r10", "r12", "r13", "r14", "r15",
};

/* regs_in: the values loaded before the call (then RAX, the number);
 * regs_out: the twelve after it, then RAX, RCX, R11, the return address
 * (the label after SYSCALL) and RFLAGS just before SYSCALL. */
unsigned long regs_in[KEPT + 1];
unsigned long regs_out[KEPT + 5];

void syscall_regs(void);
__asm__(
	".text\n"
	".globl syscall_regs\n"
	"syscall_regs:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	mov regs_in+0(%rip), %rbx\n"
	"	mov regs_in+8(%rip), %rbp\n"
	"	mov regs_in+16(%rip), %rdi\n"
	"	mov regs_in+24(%rip), %rsi\n"
	"	mov regs_in+32(%rip), %rdx\n"
	"	mov regs_in+40(%rip), %r8\n"
	"	mov regs_in+48(%rip), %r9\n"
	"	mov regs_in+56(%rip), %r10\n"
	"	mov regs_in+64(%rip), %r12\n"
	"	mov regs_in+72(%rip), %r13\n"
	"	mov regs_in+80(%rip), %r14\n"
	"	mov regs_in+88(%rip), %r15\n"
	"	mov regs_in+96(%rip), %rax\n"
	"	pushfq; popq regs_out+128(%rip)\n"
	"	syscall\n"
	"1:	mov %rbx, regs_out+0(%rip)\n"
	"	mov %rbp, regs_out+8(%rip)\n"
	"	mov %rdi, regs_out+16(%rip)\n"
	"	mov %rsi, regs_out+24(%rip)\n"
	"	mov %rdx, regs_out+32(%rip)\n"
	"	mov %r8, regs_out+40(%rip)\n"
	"	mov %r9, regs_out+48(%rip)\n"
	"	mov %r10, regs_out+56(%rip)\n"
	"	mov %r12, regs_out+64(%rip)\n"
	"	mov %r13, regs_out+72(%rip)\n"
	"	mov %r14, regs_out+80(%rip)\n"
	"	mov %r15, regs_out+88(%rip)\n"
	"	mov %rax, regs_out+96(%rip)\n"
	"	mov %rcx, regs_out+104(%rip)\n"
	"	mov %r11, regs_out+112(%rip)\n"
	"	lea 1b(%rip), %rax\n"
	"	mov %rax, regs_out+120(%rip)\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n");

/* One system call with every register seeded; what it kept. */
static void call_kept(const char *what, long nr, unsigned long seed)
{
	for (int i = 0; i < KEPT; i++)
		regs_in[i] = seed * (i + 1);
	regs_in[KEPT] = nr;
	syscall_regs();
	int bad = 0;
	for (int i = 0; i < KEPT; i++)
		if (regs_out[i] != regs_in[i]) {
			say("%s: %s is %#lx, was %#lx\n", what, kept_names[i], regs_out[i], regs_in[i]);
			bad = 1;
		}
	if (!bad)
		say("%s: the twelve registers kept\n", what);
	say("%s: rcx %s, r11 %s\n", what,
	    regs_out[13] == regs_out[15] ? "the return address" : "wrong",
	    (regs_out[14] & ~0x10000UL) == (regs_out[16] & ~0x10000UL) ? "rflags" : "wrong");
}

static long raw2(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

/* clone(flags, no new stack, 0, 0, tls) by SYSCALL: the child returns
 * here, not through a libc wrapper that might check a stack canary at
 * FS (musl's syscall() does). */
static long raw_clone(long flags, unsigned long tls)
{
	long ret;
	register long r10 __asm__("r10") = 0;
	register unsigned long r8 __asm__("r8") = tls;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"(flags), "S"(0L), "d"(0L), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

static unsigned long fs0(void)
{
	unsigned long v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

static unsigned long tls_a[64], tls_b[64];

int main(void)
{
	call_kept("getpid", SYS_getpid, 0x0101010101010101UL);
	CHECK((long)regs_out[12] == getpid());
	/* An error result, and a call that sleeps (the kernel runs other
	 * code, and maybe the timer's, before the way back). */
	call_kept("close(-1)", SYS_close, 0x1111111111111111UL);
	say("close(-1) returns %ld\n", (long)regs_out[12]);
	call_kept("sched_yield", SYS_sched_yield, 0x0f0f0f0f0f0f0f0fUL);

	/* arch_prctl: the base set, read through %fs, kept across calls. */
	unsigned long old;
	CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &old) == 0);
	errno = 0;
	long r = syscall(SYS_arch_prctl, ARCH_SET_FS, NONCANONICAL);
	say("arch_prctl(ARCH_SET_FS, non-canonical): %ld %s\n", r, errname(errno));
	errno = 0;
	r = syscall(SYS_arch_prctl, ARCH_SET_FS, TASK_SIZE_MAX);
	say("arch_prctl(ARCH_SET_FS, the last page of the lower half): %ld %s\n", r, errname(errno));
	tls_a[0] = 0xa1a2a3a4a5a6a7a8UL;
	long set = raw2(SYS_arch_prctl, ARCH_SET_FS, (long)tls_a);
	unsigned long first = fs0();
	for (int i = 0; i < 100; i++)
		raw2(SYS_getpid, 0, 0);
	unsigned long after = fs0(), got = 0;
	long get = raw2(SYS_arch_prctl, ARCH_GET_FS, (long)&got);
	raw2(SYS_arch_prctl, ARCH_SET_FS, (long)old);
	say("arch_prctl(ARCH_SET_FS, buffer): %ld; %%fs:0 %s, after 100 calls %s; ARCH_GET_FS %ld, %s\n",
	    set, first == tls_a[0] ? "the buffer's" : "wrong", after == tls_a[0] ? "still" : "lost",
	    get, got == (unsigned long)tls_a ? "the buffer" : "wrong");

	/* clone with CLONE_SETTLS: a bad base refused, a good one the
	 * child's own (the child touches nothing of libc's after clone). */
	r = raw_clone(SIGCHLD | CLONE_SETTLS, NONCANONICAL);
	say("clone(CLONE_SETTLS, non-canonical): %s\n", errname(-r));
	r = raw_clone(SIGCHLD | CLONE_SETTLS, TASK_SIZE_MAX);
	say("clone(CLONE_SETTLS, the last page of the lower half): %s\n", errname(-r));
	tls_b[0] = 42;
	long pid = raw_clone(SIGCHLD | CLONE_SETTLS, (unsigned long)tls_b);
	if (pid == 0)
		raw2(SYS_exit_group, (long)fs0(), 0);
	CHECK(pid > 0);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	say("clone(CLONE_SETTLS, buffer): the child read %d at %%fs:0; the parent reads %s\n",
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1, fs0() == tls_a[0] || fs0() == 42 ? "the child's" : "its own");
	return 0;
}
