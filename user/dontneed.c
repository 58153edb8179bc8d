/*
 * dontneed: madvise(MADV_DONTNEED) drops pages (Linux zap_page_range).
 * Private anonymous pages come back zero-filled; a private file page
 * written (copied) comes back as the file's contents; the pages around
 * keep their data, and mincore shows the dropped ones gone.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include "check.h"

int main(void)
{
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	memset(p, 'x', 4 * PAGE);
	CHECK(madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED) == 0);
	unsigned char vec[4];
	CHECK(mincore(p, 4 * PAGE, vec) == 0);
	say("after DONTNEED of pages 1-2: mincore %d%d%d%d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
	int zeros = 1;
	for (unsigned long i = PAGE; i < 3 * PAGE; i++)
		zeros &= p[i] == 0;
	say("after DONTNEED: %s; pages 0 and 3 read %c %c\n", zeros ? "zeros" : "old data", p[0], p[3 * PAGE]);
	say("DONTNEED unaligned: %s\n", result(madvise(p + 1, PAGE, MADV_DONTNEED)));
	CHECK(munmap(p, 4 * PAGE) == 0);

	const char *path = tmpname("dontneed");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "file", 4) == 4);
	char *f = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(f != MAP_FAILED);
	memcpy(f, "copy", 4);
	say("private file page written: %.4s\n", f);
	CHECK(madvise(f, PAGE, MADV_DONTNEED) == 0);
	say("after DONTNEED: %.4s\n", f);
	CHECK(munmap(f, PAGE) == 0);
	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
	return 0;
}
