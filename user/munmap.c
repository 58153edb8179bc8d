/*
 * munmap: unmapping the middle of a mapping splits it (Linux
 * __split_vma). The pages either side keep their data; a load from the
 * hole is SIGSEGV with si_code SEGV_MAPERR at the address touched, and
 * mincore calls the hole ENOMEM.
 */
#include "check.h"
#include <sys/mman.h>

int main(void)
{
	catch();
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	for (int i = 0; i < 4; i++)
		p[i * PAGE] = 'A' + i;
	CHECK(munmap(p + PAGE, 2 * PAGE) == 0);
	say("munmap of pages 1-2 ok\n");
	say("page 0 has %c, page 3 has %c\n", p[0], p[3 * PAGE]);

	fault_line("load from page 1", probe_load(p + PAGE + 5), p + PAGE + 5);
	fault_line("store to page 2", probe_store(p + 2 * PAGE, 1), p + 2 * PAGE);

	unsigned char vec[4];
	errno = 0;
	say("mincore over the hole: %s\n", result(mincore(p, 4 * PAGE, vec)));
	say("mincore of page 3: %s\n", result(mincore(p + 3 * PAGE, PAGE, vec)));
	/* Unmapping a range with nothing in it is no error. */
	say("munmap of the hole again: %s\n", result(munmap(p + PAGE, 2 * PAGE)));
	say("munmap of an unaligned address: %s\n", result(munmap(p + 1, PAGE)));
	say("munmap of length 0: %s\n", result(munmap(p, 0)));
	CHECK(munmap(p, 4 * PAGE) == 0);
	fault_line("load from page 0 after all", probe_load(p), p);
	return 0;
}
