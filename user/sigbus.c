/*
 * sigbus: a file mapping's pages past end of file are SIGBUS with si_code
 * BUS_ADRERR (Linux filemap_fault), and the tail of the last page reads
 * as zeros. Shrinking the file with ftruncate turns pages already mapped
 * into SIGBUS too (Linux unmap_mapping_range on truncate).
 */
#include "check.h"
#include <fcntl.h>
#include <sys/mman.h>

int main(void)
{
	catch();
	const char *path = tmpname("sigbus");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "0123456789", 10) == 10);

	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	say("10-byte file: byte 9 is %c, byte 10 is %d, byte 4095 is %d\n", p[9], p[10], p[4095]);
	fault_line("load from page 1", probe_load(p + PAGE + 3), p + PAGE + 3);

	CHECK(ftruncate(fd, 3 * PAGE) == 0);
	for (int i = 0; i < 3; i++)
		p[i * PAGE + 1] = 'x';
	say("grown to 3 pages: all three written\n");

	CHECK(ftruncate(fd, PAGE) == 0);
	say("shrunk to 1 page: page 0 has %c\n", p[1]);
	fault_line("load from page 1", probe_load(p + PAGE + 1), p + PAGE + 1);
	fault_line("store to page 2", probe_store(p + 2 * PAGE, 1), p + 2 * PAGE);

	CHECK(ftruncate(fd, 3 * PAGE) == 0);
	say("grown again: page 2 reads %d (the old data is gone)\n", p[2 * PAGE + 1]);
	CHECK(munmap(p, 3 * PAGE) == 0);
	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
	return 0;
}
