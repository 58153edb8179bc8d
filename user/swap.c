/*
 * swap: a working set larger than memory must come back intact. argv[1]
 * is the size in MiB (default 64). Every 8-byte word gets a value made
 * from its page number and position, written page by page; the pages are
 * then checked in reverse (so the first-written, likeliest on swap, come
 * last) and then forwards. Only a summary is printed. Run with mm.limit
 * below the size and a swap disk to push pages through swap.
 */
#include <stdint.h>
#include <sys/mman.h>
#include "check.h"

static uint64_t pattern(size_t page, size_t word)
{
	return (page * 0x9e3779b97f4a7c15ULL) ^ (word << 3) ^ 0x5a5a;
}

static size_t verify(uint64_t *p, size_t page)
{
	for (size_t w = 0; w < PAGE / 8; w++)
		if (p[page * (PAGE / 8) + w] != pattern(page, w))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	CHECK(mib > 0);
	size_t pages = mib << 20 >> 12;
	uint64_t *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	for (size_t pg = 0; pg < pages; pg++)
		for (size_t w = 0; w < PAGE / 8; w++)
			p[pg * (PAGE / 8) + w] = pattern(pg, w);
	size_t bad = 0, first = 0;
	for (size_t pg = pages; pg-- > 0;)
		if (verify(p, pg))
			bad++, first = pg;
	for (size_t pg = 0; pg < pages; pg++)
		bad += verify(p, pg);
	if (bad) {
		say("swap: %zu MiB: %zu bad page checks, the lowest page %zu\n", mib, bad, first);
		return 1;
	}
	say("swap: %zu MiB, %zu pages written and verified twice\n", mib, pages);
	return 0;
}
