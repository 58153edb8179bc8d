/*
 * shm: POSIX shared memory, shm_open and shm_unlink, which glibc and
 * musl both make files of /dev/shm (a tmpfs on Linux and on Pagoda).
 * A segment made with O_EXCL, sized with ftruncate and mapped
 * MAP_SHARED is the same pages in a forked child, which opens it again
 * by name; a second O_EXCL create fails; after shm_unlink the name is
 * gone, and the mappings live on. fstatfs says the file is on a tmpfs
 * (on Pagoda a /dev/shm directory of the root disk would do the rest).
 */
#include "check.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#define TMPFS_MAGIC 0x01021994 /* linux/magic.h, which musl-gcc lacks */

int main(void)
{
	char name[64], path[80];
	snprintf(name, sizeof name, "/pagoda-shm-%d", (int)getpid());
	snprintf(path, sizeof path, "/dev/shm%s", name);

	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	say("new segment: size %ld, regular file %d, mode %o, FD_CLOEXEC %d\n", (long)st.st_size,
	    S_ISREG(st.st_mode), (unsigned)(st.st_mode & 0777), fcntl(fd, F_GETFD) & FD_CLOEXEC);
	int r = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	say("again with O_EXCL: %d %s\n", r, errname(errno));
	struct statfs sfs;
	CHECK(fstatfs(fd, &sfs) == 0);
	say("on a tmpfs: %d\n", sfs.f_type == TMPFS_MAGIC);
	CHECK(ftruncate(fd, 2 * PAGE) == 0);
	CHECK(stat(path, &st) == 0);
	say("%s: size %ld\n", "in /dev/shm", (long)st.st_size);

	char *a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED);
	say("fresh pages read %d %d\n", a[0], a[PAGE]);
	strcpy(a, "from the parent");

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int cfd = shm_open(name, O_RDWR, 0);
		CHECK(cfd >= 0);
		char *c = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		CHECK(c != MAP_FAILED);
		say("child sees \"%s\" by name, \"%s\" inherited\n", c, a);
		strcpy(c + PAGE, "from the child");
		strcpy(a + 100, "inherited mapping");
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	say("parent sees \"%s\" and \"%s\"\n", a + PAGE, a + 100);

	CHECK(shm_unlink(name) == 0);
	r = shm_open(name, O_RDWR, 0);
	say("open after unlink: %d %s\n", r, errname(errno));
	r = shm_unlink(name);
	say("unlink again: %d %s\n", r, errname(errno));
	say("after unlink the mapping still reads \"%s\"\n", a + PAGE);
	char buf[16] = {0};
	CHECK(pread(fd, buf, 14, PAGE) == 14);
	say("and read(2) \"%s\"\n", buf);
	CHECK(munmap(a, 2 * PAGE) == 0);
	CHECK(close(fd) == 0);
	return 0;
}
