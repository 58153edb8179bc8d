/*
 * crash: a program that goes wrong in one of the ways the kernel must
 * survive, named by argv[1]; without one it says so and exits 0.
 *   null     stores through a NULL pointer: SIGSEGV (SEGV_MAPERR at 0)
 *   stack    recurses until the stack runs out: SIGSEGV, no handler
 *            can run (no alternate stack)
 *   divide   divides by zero: SIGFPE (FPE_INTDIV)
 *   ud2      executes an undefined instruction: SIGILL
 *   spin     loops for ever without a system call: the kernel must
 *            preempt it and still kill it (the boot test does; never
 *            run natively by the suite)
 */
#include "check.h"

static volatile int zero;

static volatile int forever = 1;

static __attribute__((noinline)) int deep(int n)
{
	volatile char pad[4096];
	pad[0] = (char)n;
	if (forever)
		return deep(n + 1) + pad[0];
	return pad[0];
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		say("crash: give null, stack, divide, ud2 or spin\n");
		return 0;
	}
	say("crash %s\n", argv[1]);
	if (strcmp(argv[1], "null") == 0)
		*(volatile int *)0 = 1;
	else if (strcmp(argv[1], "stack") == 0)
		return deep(0);
	else if (strcmp(argv[1], "divide") == 0) {
		int q, d = zero;
		__asm__ volatile("cltd; idivl %1" : "=a"(q) : "r"(d), "a"(1) : "edx");
		return q;
	}
	else if (strcmp(argv[1], "ud2") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(argv[1], "spin") == 0)
		for (;;)
			;
	say("crash: unknown way %s\n", argv[1]);
	return 2;
}
