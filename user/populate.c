/*
 * populate: MAP_POPULATE faults every page in at mmap time (Linux
 * __mm_populate), so mincore reports them all resident before any
 * access; the same mapping without it reports none.
 */
#include "check.h"
#include <sys/mman.h>

#define PAGES 64 /* 256 KiB: too small for a transparent huge page */

static void show(const char *what, int flags)
{
	unsigned char vec[PAGES];
	char line[PAGES + 1];
	char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK(mincore(p, PAGES * PAGE, vec) == 0);
	for (int i = 0; i < PAGES; i++)
		line[i] = '0' + (vec[i] & 1);
	line[PAGES] = 0;
	say("%s: %s\n", what, line);
	for (int i = 0; i < PAGES; i++)
		CHECK(p[i * PAGE] == 0);
	CHECK(munmap(p, PAGES * PAGE) == 0);
}

int main(void)
{
	show("MAP_POPULATE", MAP_POPULATE);
	show("without     ", 0);
	return 0;
}
