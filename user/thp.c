/*
 * thp: private anonymous memory marked madvise(MADV_HUGEPAGE), where a
 * kernel with transparent huge pages (Pagoda's default "always", Linux's
 * "always" or "madvise") maps 2 MiB at a time, then forked, written,
 * partly unmapped, protected, dropped and moved. Whatever pages the
 * kernel chooses, what the program reads must be the same: the
 * transcript is compared with the host's. madvise's errors for a bad
 * address or an unmapped range are those of Linux.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include "check.h"

#define HUGE (2UL << 20)
#define NPAGES (4 * HUGE / PAGE) /* the region: 4 MiB, 2 MiB-aligned */

static char stamp(unsigned long i) { return (char)(i % 251 + 1); }

/* bad counts the region's pages in [lo, hi) whose first byte is not
 * want(i). */
static unsigned long bad(char *p, unsigned long lo, unsigned long hi, char (*want)(unsigned long))
{
	unsigned long n = 0;
	for (unsigned long i = lo; i < hi; i++)
		n += p[i * PAGE] != want(i);
	return n;
}

static char zero(unsigned long i) { (void)i; return 0; }

int main(void)
{
	char *raw = mmap(NULL, 4 * HUGE + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(raw != MAP_FAILED);
	char *p = (char *)(((unsigned long)raw + HUGE - 1) & ~(HUGE - 1));
	say("MADV_HUGEPAGE: %s\n", result(madvise(p, 4 * HUGE, MADV_HUGEPAGE)));
	say("untouched: %lu pages not zero\n", bad(p, 0, NPAGES, zero));
	for (unsigned long i = 0; i < NPAGES; i++)
		p[i * PAGE] = stamp(i);
	unsigned char vec[NPAGES];
	CHECK(mincore(p, 4 * HUGE, vec) == 0);
	unsigned long resident = 0;
	for (unsigned long i = 0; i < NPAGES; i++)
		resident += vec[i] & 1;
	say("written: %lu pages resident, %lu wrong\n", resident, bad(p, 0, NPAGES, stamp));

	/* Copy-on-write: the child's writes stay its own. */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		p[5 * PAGE] = 'c';
		p[600 * PAGE] = 'c';
		_exit(p[5 * PAGE] == 'c' && p[6 * PAGE] == stamp(6) && bad(p, 601, NPAGES, stamp) == 0 ? 0 : 1);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	say("child: status %d; parent: %lu pages wrong\n", WEXITSTATUS(status), bad(p, 0, NPAGES, stamp));
	p[7 * PAGE] = 'p';
	say("parent wrote page 7: reads %c, page 8 %s\n", p[7 * PAGE], p[8 * PAGE] == stamp(8) ? "kept" : "changed");
	p[7 * PAGE] = stamp(7);

	/* Part of a huge page: unmap one page, protect a few, drop some. */
	CHECK(munmap(p + 700 * PAGE, PAGE) == 0);
	CHECK(mincore(p + 699 * PAGE, 3 * PAGE, vec) == -1);
	say("munmap of page 700: mincore over it %s; pages 699 and 701 %lu wrong\n", errname(errno),
	    bad(p, 699, 700, stamp) + bad(p, 701, 702, stamp));
	CHECK(mprotect(p + 1000 * PAGE, 10 * PAGE, PROT_READ) == 0);
	say("mprotect read-only: pages 995-1014 %lu wrong\n", bad(p, 995, 1015, stamp));
	CHECK(mprotect(p + 1000 * PAGE, 10 * PAGE, PROT_READ | PROT_WRITE) == 0);
	p[1005 * PAGE] = stamp(1005);
	CHECK(madvise(p + 1024 * PAGE, HUGE, MADV_DONTNEED) == 0);
	say("DONTNEED of pages 1024-1535: %lu not zero, 1000-1023 and 1536-1600 %lu wrong\n",
	    bad(p, 1024, 1536, zero), bad(p, 1000, 1024, stamp) + bad(p, 1536, 1600, stamp));

	/* mremap moves what the last 2 MiB held. */
	char *q = mremap(p + 1536 * PAGE, 512 * PAGE, HUGE + 512 * PAGE, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED);
	unsigned long wrong = 0;
	for (unsigned long i = 0; i < 512; i++)
		wrong += q[i * PAGE] != stamp(1536 + i);
	say("mremap of pages 1536-2047: %lu wrong, the growth %lu not zero\n", wrong, bad(q, 512, 1024, zero));

	/* Read first: zeros (the huge zero page, where there is one), then
	 * a write changes one page only. */
	char *z = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(z != MAP_FAILED);
	CHECK(madvise(z, 2 * HUGE, MADV_HUGEPAGE) == 0);
	unsigned long nz = bad(z, 0, 2 * HUGE / PAGE, zero);
	z[HUGE + 3 * PAGE] = 'w';
	say("read first: %lu not zero; after one write %lu not zero\n", nz, bad(z, 0, 2 * HUGE / PAGE, zero));

	/* Errors, as Linux's. */
	say("MADV_HUGEPAGE unaligned: %s\n", result(madvise(z + 1, PAGE, MADV_HUGEPAGE)));
	say("MADV_HUGEPAGE over an unmapped page: %s\n", result(madvise(p + 699 * PAGE, 3 * PAGE, MADV_HUGEPAGE)));
	say("MADV_NOHUGEPAGE: %s\n", result(madvise(z, 2 * HUGE, MADV_NOHUGEPAGE)));
	CHECK(munmap(z, 2 * HUGE) == 0);
	CHECK(munmap(q, HUGE + 512 * PAGE) == 0);
	CHECK(munmap(raw, 4 * HUGE + HUGE) == 0);
	return 0;
}
