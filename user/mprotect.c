/*
 * mprotect: a write to a page made PROT_READ is SIGSEGV with si_code
 * SEGV_ACCERR and si_addr the address written. The handler makes the
 * page writable again and returns, and the faulting write is restarted
 * and completes (Linux: the signal frame returns to the instruction).
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include "check.h"

/* Read by the handler: volatile, so main stores them before the write. */
static char *volatile page;
static volatile char *volatile target;
static volatile int faults, code_ok, addr_ok;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	faults++;
	code_ok = si->si_code == SEGV_ACCERR;
	addr_ok = si->si_addr == target;
	if (mprotect(page, PAGE, PROT_READ | PROT_WRITE) != 0)
		_exit(3);
}

int main(void)
{
	page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(page != MAP_FAILED);
	page[100] = 1;
	CHECK(mprotect(page, PAGE, PROT_READ) == 0);
	say("after PROT_READ: reads %d\n", page[100]);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);

	target = page + 100;
	*target = 2;
	say("write after PROT_READ: %d fault(s), si_code %s, addr %s\n", faults,
	    code_ok ? "SEGV_ACCERR" : "wrong", addr_ok ? "ok" : "wrong");
	say("the write completed: %d\n", page[100]);

	*target = 3; /* writable now: no fault */
	say("second write: %d fault(s), reads %d\n", faults, page[100]);

	/* The raw call: musl's mprotect() rounds the start down itself. */
	say("mprotect unaligned: %s\n", result(syscall(SYS_mprotect, page + 1, PAGE, PROT_READ)));
	say("mprotect of unmapped: %s\n", result(mprotect((void *)PAGE, PAGE, PROT_READ)));
	return 0;
}
