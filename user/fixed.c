/*
 * fixed: MAP_FIXED replaces whatever was mapped at the address (Linux
 * do_mmap unmaps first): the replaced page reads zero, its neighbours
 * keep their data. MAP_FIXED_NOREPLACE (Linux 4.17) refuses an occupied
 * range with EEXIST and takes a free one at exactly the address given.
 */
#include <sys/mman.h>
#include "check.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

int main(void)
{
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memset(p, 'a', 3 * PAGE);
	CHECK(munmap(p + 3 * PAGE, PAGE) == 0); /* page 3 is free */

	char *q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	say("MAP_FIXED over page 1: at address %d, reads %d; pages 0 and 2 read %c %c\n",
	    q == p + PAGE, q[0], p[0], p[2 * PAGE]);

	q = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	say("MAP_FIXED_NOREPLACE over page 0: %s; page 0 reads %c\n",
	    q == MAP_FAILED ? errname(errno) : "mapped", p[0]);
	q = mmap(p + 2 * PAGE, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	say("MAP_FIXED_NOREPLACE over pages 2-3 (2 taken): %s\n", q == MAP_FAILED ? errname(errno) : "mapped");
	q = mmap(p + 3 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	say("MAP_FIXED_NOREPLACE over free page 3: %s, at address %d\n",
	    q == MAP_FAILED ? errname(errno) : "mapped", q == p + 3 * PAGE);
	q = mmap(p + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	say("MAP_FIXED unaligned: %s\n", q == MAP_FAILED ? errname(errno) : "mapped");
	CHECK(munmap(p, 4 * PAGE) == 0);
	return 0;
}
