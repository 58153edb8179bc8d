/*
 * isolate: a process reaches only its own lower-half mappings. For each
 * probe address (page 0, Pagoda's kernel image, its direct map, the
 * LAPIC's MMIO page, the last page of the user half, and the kernel text
 * of a Linux build) a load and a store are SIGSEGV caught by a handler,
 * and write(2) from it or read(2) into it is EFAULT: the kernel's own
 * accesses on the process's behalf check the address too (Linux
 * access_ok and the copy_*_user fixups). None of these is mapped for a
 * process on Linux either, so the host's answers are the oracle; Linux's
 * vsyscall page (0xffffffffff600000) is left out because Linux maps it.
 * Then the process's own pages it may not use so: a range it unmapped,
 * a PROT_NONE page and a read-only one (read(2) into it is EFAULT,
 * write(2) from it works). These pass the kernel's range check and
 * fault inside its copy, which must end in EFAULT, not a kernel fault.
 */
#include "check.h"
#include <fcntl.h>
#include <sys/mman.h>

static struct {
	unsigned long addr;
	const char *what;
} probes[] = {
	{0, "page 0"},
	{0xf1010000UL, "kernel image"},
	{0xffff888000000000UL, "direct map"},
	{0xfee00000UL, "LAPIC MMIO"},
	{0x7ffffffff000UL, "top of user half"},
	{0xffffffff81000000UL, "kernel text"},
	{0, "unmapped range"},
	{0, "PROT_NONE page"},
	{0, "read-only page"},
};

int main(void)
{
	catch();
	char *none = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(none != MAP_FAILED && ro != MAP_FAILED);
	/* Last, so that no later mmap takes the range back. */
	char *gone = mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(gone != MAP_FAILED && munmap(gone, 2 * 4096) == 0);
	probes[6].addr = (unsigned long)gone + 4096 - 8; /* 16 bytes from 8 before its second page */
	probes[7].addr = (unsigned long)none;
	probes[8].addr = (unsigned long)ro;
	const char *path = tmpname("isolate");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "0123456789abcdef", 16) == 16);

	for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		char *p = (char *)probes[i].addr;
		int load = probe_load(p);
		int lcode = caught_code, laddr = caught_addr == p;
		int store = probe_store(p, 1);
		int scode = caught_code, saddr = caught_addr == p;
		CHECK(lseek(fd, 0, SEEK_SET) == 0);
		long w = write(fd, p, 16);
		int werr = errno;
		CHECK(lseek(fd, 0, SEEK_SET) == 0);
		long r = read(fd, p, 16);
		int rerr = errno;
		say("%-16s load %s %s addr %s, store %s %s addr %s, write(2) %s, read(2) %s\n",
		    probes[i].what, signame(load), codename(load, lcode), laddr ? "ok" : "wrong",
		    signame(store), codename(store, scode), saddr ? "ok" : "wrong",
		    w < 0 ? errname(werr) : "ok", r < 0 ? errname(rerr) : "ok");
	}
	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
	return 0;
}
