/*
 * memfd: memfd_create makes an unnamed tmpfs file (Linux mm/memfd.c).
 * Two MAP_SHARED mappings of it are the same pages, each seeing the
 * other's writes, and read(2) on the descriptor sees them too.
 */
#include "check.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

int main(void)
{
	int fd = memfd_create("pagoda", MFD_CLOEXEC);
	CHECK(fd >= 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	say("new memfd: size %ld, regular file %d, FD_CLOEXEC %d\n", (long)st.st_size,
	    S_ISREG(st.st_mode), fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(ftruncate(fd, 2 * PAGE) == 0);

	char *a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *b = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED && a != b);
	say("fresh pages read %d %d\n", a[0], b[PAGE]);
	strcpy(a + PAGE, "from a");
	say("b sees \"%s\"\n", b + PAGE);
	strcpy(b, "from b");
	say("a sees \"%s\"\n", a);
	char buf[8] = {0};
	CHECK(pread(fd, buf, 6, PAGE) == 6);
	say("read(2) sees \"%s\"\n", buf);
	CHECK(pwrite(fd, "by write", 8, 100) == 8);
	say("after write(2): a sees \"%.8s\", b sees \"%.8s\"\n", a + 100, b + 100);
	CHECK(munmap(a, 2 * PAGE) == 0);
	say("after unmapping a, b still sees \"%s\"\n", b);
	CHECK(munmap(b, 2 * PAGE) == 0);
	CHECK(close(fd) == 0);
	return 0;
}
