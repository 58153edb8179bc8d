/*
 * fileio: the file system calls a process uses, on /tmp: openat with
 * O_CREAT, write, pread/pwrite (no offset change), lseek, fstat's size,
 * ftruncate (shrink, and grow with zeros), writev/readv, mkdir and a
 * getdents64 listing (sorted here: directory order is the file system's),
 * unlink and rmdir, and descriptors: dup shares the offset, dup2 picks
 * the number, FD_CLOEXEC belongs to the descriptor, not the file.
 * Last, write(2) from pages the process has not touched yet (a file
 * mapping, and fresh anonymous memory, both read by the kernel's copy,
 * which faults them in part-way) and read(2) into untouched pages: the
 * bytes arrive whole; then a buffer that runs off its mapping: the
 * bytes before the bad page move, and the call returns their count.
 */
#include "check.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

static long fsize(int fd)
{
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	return (long)st.st_size;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list prints the names in dir, sorted, each with d_type's letter. */
static void list(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	static char buf[4096], names[32][300];
	char *sorted[32];
	int n = 0;
	long len;
	while ((len = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < len;) {
			struct {
				unsigned long ino;
				long off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			CHECK(n < 32);
			char t = d->type == DT_DIR ? 'd' : d->type == DT_REG ? 'f' : '?';
			snprintf(names[n], sizeof names[n], "%s(%c)", d->name, t);
			sorted[n] = names[n];
			n++;
			off += d->reclen;
		}
	}
	CHECK(len == 0);
	qsort(sorted, n, sizeof sorted[0], cmp);
	say("listing:");
	for (int i = 0; i < n; i++)
		say(" %s", sorted[i]);
	say("\n");
	CHECK(close(fd) == 0);
}

int main(void)
{
	char dir[64], path[96];
	snprintf(dir, sizeof dir, "%s", tmpname("fileio"));
	say("mkdir: %s\n", result(mkdir(dir, 0755)));
	say("mkdir again: %s\n", result(mkdir(dir, 0755)));
	snprintf(path, sizeof path, "%s/data", dir);

	int fd = openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	say("openat O_CREAT|O_EXCL again: %s\n", result(openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL, 0644)));
	CHECK(write(fd, "hello world", 11) == 11);
	say("after write: offset %ld, size %ld\n", (long)lseek(fd, 0, SEEK_CUR), fsize(fd));

	char buf[64] = {0};
	CHECK(pwrite(fd, "HELLO", 5, 0) == 5);
	CHECK(pread(fd, buf, 5, 6) == 5);
	say("pwrite then pread: \"%s\", offset still %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	memset(buf, 0, sizeof buf);
	say("read from 0: %ld \"%s\"\n", (long)read(fd, buf, sizeof buf), buf);
	say("read at end: %ld\n", (long)read(fd, buf, sizeof buf));
	say("lseek SEEK_END-3: %ld, SEEK_CUR+1: %ld\n", (long)lseek(fd, -3, SEEK_END), (long)lseek(fd, 1, SEEK_CUR));
	say("lseek to -1: %s\n", result(lseek(fd, -1, SEEK_SET)));

	CHECK(ftruncate(fd, 5) == 0);
	say("ftruncate 5: size %ld\n", fsize(fd));
	CHECK(ftruncate(fd, 8192) == 0);
	memset(buf, 'x', sizeof buf);
	CHECK(pread(fd, buf, 8, 4) == 8);
	say("ftruncate 8192: size %ld, bytes 4..11 %c %d %d %d %d %d %d %d\n", fsize(fd),
	    buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7]);

	struct iovec w[3] = {{"one ", 4}, {"two ", 4}, {"three", 5}};
	CHECK(lseek(fd, 100, SEEK_SET) == 100);
	say("writev: %ld\n", (long)writev(fd, w, 3));
	char a[6] = {0}, b[8] = {0};
	struct iovec r[2] = {{a, 5}, {b, 7}};
	CHECK(lseek(fd, 100, SEEK_SET) == 100);
	say("readv: %ld \"%s\" \"%s\"\n", (long)readv(fd, r, 2), a, b);

	int fd2 = dup(fd);
	CHECK(fd2 >= 0 && fd2 != fd);
	CHECK(lseek(fd, 42, SEEK_SET) == 42);
	say("dup shares the offset: %ld\n", (long)lseek(fd2, 0, SEEK_CUR));
	say("dup2 to 10: %d\n", dup2(fd, 10));
	say("F_GETFD: %d\n", fcntl(10, F_GETFD));
	CHECK(fcntl(10, F_SETFD, FD_CLOEXEC) == 0);
	say("after F_SETFD FD_CLOEXEC: %d, on the original %d\n", fcntl(10, F_GETFD), fcntl(fd, F_GETFD));
	CHECK(close(10) == 0 && close(fd2) == 0);
	say("close again: %s\n", result(close(10)));
	say("read of a closed fd: %s\n", result(read(10, buf, 1)));
	CHECK(close(fd) == 0);

	for (const char *n = "cab"; *n; n++) {
		snprintf(path, sizeof path, "%s/%c", dir, *n);
		int f = open(path, O_WRONLY | O_CREAT, 0600);
		CHECK(f >= 0 && close(f) == 0);
	}
	snprintf(path, sizeof path, "%s/sub", dir);
	CHECK(mkdir(path, 0700) == 0);
	list(dir);

	say("rmdir of a non-empty dir: %s\n", result(rmdir(dir)));
	const char *names[] = {"a", "b", "c", "data"};
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		CHECK(unlink(path) == 0);
	}
	say("open after unlink: %s\n", result(open(path, O_RDONLY)));
	say("unlink again: %s\n", result(unlink(path)));
	snprintf(path, sizeof path, "%s/sub", dir);
	say("unlink of a dir: %s\n", result(unlink(path)));
	CHECK(rmdir(path) == 0);
	list(dir);
	say("rmdir: %s\n", result(rmdir(dir)));

	/* 5 pages of a pattern, then copied by write(2) from its untouched
	 * mapping (at an odd offset, so the copy is not quadword-sized),
	 * and read(2) back into untouched anonymous pages, at the same offset. */
	enum { N = 5 * 4096 };
	const char *src = tmpname("fileio-src"), *dst = tmpname("fileio-dst");
	int s = open(src, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int d = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(s >= 0 && d >= 0);
	static char pat[N];
	for (int i = 0; i < N; i++)
		pat[i] = (char)(i * 7 + i / 4096);
	CHECK(write(s, pat, N) == N);
	char *m = mmap(0, N, PROT_READ, MAP_PRIVATE, s, 0);
	CHECK(m != MAP_FAILED);
	long wn = write(d, m + 3, N - 3);
	char *anon = mmap(0, N, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(anon != MAP_FAILED && lseek(d, 0, SEEK_SET) == 0);
	long rn = read(d, anon + 3, N - 3);
	say("write from an untouched mapping %ld, read into untouched pages %ld, bytes %s\n",
	    wn, rn, memcmp(anon + 3, pat + 3, N - 3) == 0 ? "equal" : "differ");
	/* A buffer that runs off its mapping part-way (the file mapping
	 * above it gone first): read(2) and write(2) of a file move what
	 * lies before the bad page. */
	CHECK(munmap(m, N) == 0);
	CHECK(lseek(d, 0, SEEK_SET) == 0);
	long rs = read(d, anon + 5, N - 3);
	CHECK(lseek(d, 0, SEEK_SET) == 0);
	long ws = write(d, anon + N - 100, 8192);
	say("read past the end of a mapping %ld, write from past it %ld, size %ld\n", rs, ws, fsize(d));
	CHECK(munmap(anon, N) == 0);
	CHECK(close(s) == 0 && close(d) == 0 && unlink(src) == 0 && unlink(dst) == 0);
	return 0;
}
