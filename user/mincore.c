/*
 * mincore: one byte per page, bit 0 set when the page is resident (for
 * anonymous memory: mapped by the page tables, the shared zero page
 * after a read included, as Linux mincore_pte_range). Untouched pages
 * are 0; an unmapped range is ENOMEM and an unaligned start EINVAL.
 */
#include "check.h"
#include <sys/mman.h>

#define PAGES 16

static void show(const char *what, char *p)
{
	unsigned char vec[PAGES];
	char line[PAGES + 1];
	CHECK(mincore(p, PAGES * PAGE, vec) == 0);
	for (int i = 0; i < PAGES; i++)
		line[i] = '0' + (vec[i] & 1);
	line[PAGES] = 0;
	say("%s: %s\n", what, line);
}

int main(void)
{
	char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	show("untouched         ", p);
	p[0] = p[5 * PAGE] = p[15 * PAGE + 100] = 1;
	show("wrote 0, 5, 15    ", p);
	CHECK(*(volatile char *)(p + 3 * PAGE) == 0);
	show("read 3            ", p);
	CHECK(munmap(p + 8 * PAGE, 8 * PAGE) == 0);
	unsigned char vec[PAGES];
	say("range with a hole: %s\n", result(mincore(p, PAGES * PAGE, vec)));
	say("unaligned start: %s\n", result(mincore(p + 1, PAGE, vec)));
	say("length not a page multiple: %s\n", result(mincore(p, 100, vec)));
	CHECK(vec[0] == 1);
	return 0;
}
