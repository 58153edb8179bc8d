/*
 * brk: the program break, through the raw system call (musl's brk() and
 * sbrk(n) refuse to move it). brk(0) returns the break; a larger value
 * grows the heap with zero-filled pages, a smaller one unmaps the pages
 * past it, and a value below the start is refused by returning the
 * current break (Linux sys_brk never returns an error). Only offsets are
 * printed: where the break starts depends on the loader and libc.
 */
#include <sys/syscall.h>
#include "check.h"

static char *brk_(void *addr)
{
	return (char *)syscall(SYS_brk, addr);
}

int main(void)
{
	catch();
	char *cur = brk_(0);
	/* Work from the next page boundary: start-up code (glibc's TLS)
	 * may have left the break unaligned. */
	char *base = (char *)(((unsigned long)cur + PAGE - 1) & ~(PAGE - 1));
	CHECK(brk_(0) == cur);

	char *got = brk_(base + 16 * PAGE);
	say("grow by 16 pages: %s\n", got == base + 16 * PAGE ? "ok" : "refused");
	int zeros = 1;
	for (unsigned long i = 0; i < 16 * PAGE; i += 512)
		zeros &= base[i] == 0;
	say("new heap reads %s\n", zeros ? "zeros" : "garbage");
	memset(base, 'h', 16 * PAGE);

	got = brk_(base + 4 * PAGE + 100);
	say("shrink to 4 pages + 100 bytes: %s\n", got == base + 4 * PAGE + 100 ? "ok" : "refused");
	say("page 3 keeps %c, page 4 keeps %c\n", base[3 * PAGE], base[4 * PAGE + 50]);
	fault_line("load from page 5", probe_load(base + 5 * PAGE), base + 5 * PAGE);

	got = brk_(base + 8 * PAGE);
	say("grow back to 8 pages: %s, page 4 keeps %c, page 6 reads %d\n",
	    got == base + 8 * PAGE ? "ok" : "refused", base[4 * PAGE + 50], base[6 * PAGE]);

	got = brk_((void *)PAGE);
	say("brk below the start: %s\n", got == base + 8 * PAGE ? "unchanged" : "moved");
	got = brk_(cur);
	say("back to the start: %s\n", got == cur ? "ok" : "refused");
	return 0;
}
