/*
 * lazy: anonymous memory is allocated on first touch (Linux
 * do_anonymous_page). A 256 MiB private mapping costs nothing until
 * touched; after writing four pages mincore shows exactly those four,
 * and an untouched page reads as zero.
 */
#include <sys/mman.h>
#include "check.h"

#define SIZE (256UL << 20)

static long resident(unsigned char *p, size_t len)
{
	static unsigned char vec[SIZE / PAGE];
	long n = 0;
	CHECK(mincore(p, len, vec) == 0);
	for (size_t i = 0; i < len / PAGE; i++)
		n += vec[i] & 1;
	return n;
}

int main(void)
{
	unsigned char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	/* No transparent huge pages on the host: one touch would fill 2
	 * MiB. The result is not checked: a kernel without THP may refuse
	 * the advice. */
	madvise(p, SIZE, MADV_NOHUGEPAGE);
	say("mapped 256 MiB: %ld pages resident\n", resident(p, SIZE));

	size_t off[] = {0, 1UL << 20, 128UL << 20, SIZE - PAGE};
	for (int i = 0; i < 4; i++)
		p[off[i] + 17] = 0x40 + i;
	say("touched 4 pages: %ld pages resident\n", resident(p, SIZE));
	for (int i = 0; i < 4; i++)
		CHECK(p[off[i] + 17] == 0x40 + i && p[off[i]] == 0);
	say("touched pages read back\n");
	CHECK(p[64UL << 20] == 0);
	say("untouched page reads zero\n");
	CHECK(munmap(p, SIZE) == 0);
	return 0;
}
