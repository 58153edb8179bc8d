/*
 * mremap: growing in place when the next pages are free, ENOMEM when they
 * are not and moving is not allowed, moving with MREMAP_MAYMOVE, and to a
 * chosen address with MREMAP_FIXED; contents are kept each time, new
 * pages are zero, and the old range is gone after a move (Linux
 * mremap_to, move_vma).
 */
#include "check.h"
#include <sys/mman.h>

static void fill(char *p, int pages)
{
	for (int i = 0; i < pages; i++)
		memset(p + i * PAGE, 'a' + i, PAGE);
}

static int kept(char *p, int pages)
{
	for (int i = 0; i < pages; i++)
		if (p[i * PAGE] != 'a' + i || p[i * PAGE + PAGE - 1] != 'a' + i)
			return 0;
	return 1;
}

int main(void)
{
	/* Reserve 8 pages, keep 2: the 6 after them are free. */
	char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK(munmap(p + 2 * PAGE, 6 * PAGE) == 0);
	fill(p, 2);

	char *q = mremap(p, 2 * PAGE, 4 * PAGE, 0);
	say("grow 2 to 4 pages in place: %s, same address %d, kept %d, new page reads %d\n",
	    result(q == MAP_FAILED ? -1 : 0), q == p, kept(p, 2), p[3 * PAGE]);
	fill(p, 4);

	/* A page mapped right after blocks growth in place. */
	char *block = mmap(p + 4 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(block == p + 4 * PAGE);
	q = mremap(p, 4 * PAGE, 6 * PAGE, 0);
	say("grow blocked without MAYMOVE: %s\n", q == MAP_FAILED ? errname(errno) : "ok");
	q = mremap(p, 4 * PAGE, 6 * PAGE, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED);
	say("grow with MAYMOVE: moved %d, kept %d, new page reads %d\n", q != p, kept(q, 4), q[5 * PAGE]);
	say("old address after the move: mincore %s\n", result(mincore(p, PAGE, (unsigned char[1]){0})));
	p = q;

	q = mremap(p, 6 * PAGE, 3 * PAGE, 0);
	say("shrink 6 to 3: same address %d, kept %d, tail: mincore %s\n",
	    q == p, kept(p, 3), result(mincore(p + 3 * PAGE, PAGE, (unsigned char[1]){0})));

	/* MREMAP_FIXED into a reserved (PROT_NONE) range replaces it. */
	char *dst = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(dst != MAP_FAILED);
	q = mremap(p, 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 2 * PAGE);
	say("MREMAP_FIXED move: at target %d, kept %d, old: mincore %s\n",
	    q == dst + 2 * PAGE, kept(q, 3), result(mincore(p, PAGE, (unsigned char[1]){0})));
	say("MREMAP_FIXED without MAYMOVE: %s\n",
	    mremap(q, 3 * PAGE, 3 * PAGE, MREMAP_FIXED, dst) == MAP_FAILED ? errname(errno) : "ok");
	say("mremap of unmapped: %s\n",
	    mremap(p, PAGE, 2 * PAGE, MREMAP_MAYMOVE) == MAP_FAILED ? errname(errno) : "ok");
	CHECK(munmap(dst, 8 * PAGE) == 0);
	CHECK(munmap(block, PAGE) == 0);
	return 0;
}
