/*
 * filemap: file mappings of a file in /tmp. A MAP_SHARED write is the
 * file's page-cache page, so read(2) sees it; a MAP_PRIVATE write is a
 * copy (Linux do_cow_fault) that never reaches the file, while a private
 * page not yet written still shows the file, shared writes included.
 */
#include "check.h"
#include <fcntl.h>
#include <sys/mman.h>

static char filebyte(int fd, off_t off)
{
	char c = 0;
	CHECK(pread(fd, &c, 1, off) == 1);
	return c;
}

int main(void)
{
	const char *path = tmpname("filemap");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	static char buf[2 * PAGE];
	memset(buf, 'a', PAGE);
	memset(buf + PAGE, 'b', PAGE);
	CHECK(write(fd, buf, sizeof buf) == sizeof buf);

	char *sh = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *pr = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(sh != MAP_FAILED && pr != MAP_FAILED);
	say("mappings read %c%c %c%c\n", sh[0], sh[PAGE], pr[0], pr[PAGE]);

	sh[0] = 'S';
	say("shared write: read() gives %c\n", filebyte(fd, 0));
	say("private mapping of that page sees %c\n", pr[0]);
	CHECK(msync(sh, 2 * PAGE, MS_SYNC) == 0);

	pr[PAGE] = 'P';
	say("private write: read() gives %c, mapping %c, shared %c\n",
	    filebyte(fd, PAGE), pr[PAGE], sh[PAGE]);

	/* Once copied, the private page no longer follows the file. */
	CHECK(pwrite(fd, "W", 1, PAGE + 1) == 1);
	say("write(2) after: shared sees %c, private copy sees %c\n", sh[PAGE + 1], pr[PAGE + 1]);

	CHECK(munmap(pr, 2 * PAGE) == 0);
	CHECK(munmap(sh, 2 * PAGE) == 0);
	say("after munmap: file %c%c%c\n", filebyte(fd, 0), filebyte(fd, PAGE), filebyte(fd, PAGE + 1));
	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
	return 0;
}
