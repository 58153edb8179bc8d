/*
 * rename: names and times on /tmp. rename and renameat2 (replacing a
 * target, moving a directory: its ".." and the link counts; EINVAL into
 * its own subtree, EISDIR, ENOTDIR, ENOTEMPTY, RENAME_NOREPLACE's
 * EEXIST), link and its nlink, symlink, readlink, lstat against stat,
 * O_NOFOLLOW, ELOOP; file times (utimensat with a time, UTIME_OMIT,
 * UTIME_NOW and futimens; a write advances mtime and ctime, a new name
 * a directory's mtime); the wall clock's year; select and pselect on a
 * pipe. Only facts that hold on any Linux file system are printed.
 */
#include "check.h"
#include <fcntl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

static char dir[64];

/* p makes a path in the test's directory; four live at once. */
static const char *p(const char *name)
{
	static char buf[4][128];
	static int i;
	char *b = buf[i++ % 4];
	snprintf(b, 128, "%s/%s", dir, name);
	return b;
}

static struct stat st(const char *name)
{
	struct stat s;
	CHECK(stat(p(name), &s) == 0);
	return s;
}

static void put(const char *name, const char *text)
{
	int fd = open(p(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(close(fd) == 0);
}

static const char *get(const char *name)
{
	static char buf[64];
	int fd = open(p(name), O_RDONLY);
	if (fd < 0)
		return errname(errno);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	CHECK(n >= 0);
	buf[n] = 0;
	CHECK(close(fd) == 0);
	return buf;
}

static long rename2(const char *a, const char *b, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, p(a), AT_FDCWD, p(b), flags);
}

static const char *yes(int c) { return c ? "yes" : "no"; }

static void names(void)
{
	put("a", "apple");
	put("c", "cherry");
	struct stat a = st("a");
	say("rename a b: %s\n", result(rename(p("a"), p("b"))));
	say("a after: %s\n", get("a"));
	say("b holds %s, same inode: %s\n", get("b"), yes(st("b").st_ino == a.st_ino));
	say("rename b c (over a file): %s\n", result(rename(p("b"), p("c"))));
	say("c holds %s\n", get("c"));
	say("same inode: %s, nlink %ld\n", yes(st("c").st_ino == a.st_ino), (long)st("c").st_nlink);
	say("rename missing: %s\n", result(rename(p("missing"), p("x"))));
	say("renameat2 NOREPLACE over c: %s\n", result(rename2("c", "c", 1)));
	put("n", "new");
	say("renameat2 NOREPLACE n c: %s\n", result(rename2("n", "c", 1)));
	say("renameat2 NOREPLACE n m: %s\n", result(rename2("n", "m", 1)));
	say("m holds %s\n", get("m"));

	say("link c h: %s\n", result(link(p("c"), p("h"))));
	say("nlink %ld, same inode: %s\n", (long)st("c").st_nlink, yes(st("h").st_ino == st("c").st_ino));
	say("link c h again: %s\n", result(link(p("c"), p("h"))));
	say("rename c h (one inode): %s\n", result(rename(p("c"), p("h"))));
	say("both there: %s\n", yes(access(p("c"), F_OK) == 0 && access(p("h"), F_OK) == 0));
	say("unlink c: %s\n", result(unlink(p("c"))));
	say("h nlink %ld, holds %s\n", (long)st("h").st_nlink, get("h"));

	CHECK(mkdir(p("d"), 0755) == 0);
	CHECK(mkdir(p("d/s"), 0755) == 0);
	CHECK(mkdir(p("e"), 0755) == 0);
	CHECK(mkdir(p("full"), 0755) == 0);
	put("full/x", "x");
	say("link d x: %s\n", result(link(p("d"), p("x"))));
	say("rename d d/s/t: %s\n", result(rename(p("d"), p("d/s/t"))));
	say("rename d d/t: %s\n", result(rename(p("d"), p("d/t"))));
	say("rename h e (file over dir): %s\n", result(rename(p("h"), p("e"))));
	say("rename d h (dir over file): %s\n", result(rename(p("d"), p("h"))));
	say("rename d full (over a non-empty dir): %s\n", result(rename(p("d"), p("full"))));
	say("rename d/s/.. x: %s\n", result(rename(p("d/s/.."), p("x"))));
	long dl = st("d").st_nlink, el = st("e").st_nlink;
	say("rename d/s e/s: %s\n", result(rename(p("d/s"), p("e/s"))));
	long dn = st("d").st_nlink - dl, en = st("e").st_nlink - el;
	int up = st("e/s/..").st_ino == st("e").st_ino;
	say("d nlink %+ld, e nlink %+ld, e/s/.. is e: %s\n", dn, en, yes(up));
	ino_t s = st("e/s").st_ino;
	say("rename e/s d (over an empty dir): %s\n", result(rename(p("e/s"), p("d"))));
	say("d is s: %s, d/.. is the top: %s, e nlink %+ld\n", yes(st("d").st_ino == s),
	    yes(st("d/..").st_ino == st(".").st_ino), (long)st("e").st_nlink - el);
}

static void symlinks(void)
{
	char buf[64];
	say("symlink m l: %s\n", result(symlink("m", p("l"))));
	struct stat ls;
	CHECK(lstat(p("l"), &ls) == 0);
	int reg = S_ISREG(st("l").st_mode), same = st("l").st_ino == st("m").st_ino;
	say("lstat: link %s, size %ld; stat: regular %s, m's inode %s\n", yes(S_ISLNK(ls.st_mode)),
	    (long)ls.st_size, yes(reg), yes(same));
	ssize_t n = readlink(p("l"), buf, sizeof buf);
	say("readlink: %.*s\n", (int)(n > 0 ? n : 0), buf);
	say("readlink of a file: %s\n", result(readlink(p("m"), buf, sizeof buf)));
	say("read through the link: %s\n", get("l"));
	say("symlink over a name: %s\n", result(symlink("x", p("m"))));
	say("open O_NOFOLLOW: %s\n", result(open(p("l"), O_RDONLY | O_NOFOLLOW)));
	CHECK(symlink("d", p("ld")) == 0);
	say("through a dir link: %s\n", result(access(p("ld/.."), F_OK)));
	put("ld/f", "via link");
	say("d/f holds %s\n", get("d/f"));
	CHECK(symlink("loop2", p("loop1")) == 0);
	CHECK(symlink("loop1", p("loop2")) == 0);
	say("stat of a loop: %s\n", result(stat(p("loop1"), &ls)));
	CHECK(symlink("nowhere", p("dangling")) == 0);
	say("stat of a dangling link: %s\n", result(stat(p("dangling"), &ls)));
	say("lstat of a dangling link: %s\n", result(lstat(p("dangling"), &ls)));
	say("rename l l2: %s\n", result(rename(p("l"), p("l2"))));
	say("l2 still reads %s\n", get("l2"));
	say("link of a symlink: %s\n", result(link(p("l2"), p("l3"))));
	say("is a link: %s\n", yes(lstat(p("l3"), &ls) == 0 && S_ISLNK(ls.st_mode)));
}

static void times(void)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	say("year >= 2026: %s\n", yes(tm.tm_year + 1900 >= 2026));
	struct timeval tv;
	struct timespec ts;
	CHECK(gettimeofday(&tv, NULL) == 0);
	CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0);
	say("gettimeofday and CLOCK_REALTIME agree: %s\n", yes(ts.tv_sec - tv.tv_sec <= 1 && ts.tv_sec >= tv.tv_sec));

	struct timespec t[2] = {{1000000000, 5}, {1100000000, 7}};
	say("utimensat: %s\n", result(utimensat(AT_FDCWD, p("m"), t, 0)));
	struct stat s = st("m");
	say("atime %ld, mtime %ld, ctime is now: %s\n", (long)s.st_atime, (long)s.st_mtime,
	    yes(s.st_ctime >= now - 2 && s.st_ctime <= now + 5));
	t[0].tv_nsec = UTIME_OMIT;
	t[1].tv_sec = 1200000000;
	CHECK(utimensat(AT_FDCWD, p("m"), t, 0) == 0);
	s = st("m");
	say("UTIME_OMIT: atime %ld, mtime %ld\n", (long)s.st_atime, (long)s.st_mtime);
	int fd = open(p("m"), O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(write(fd, "!", 1) == 1);
	s = st("m");
	say("after a write: mtime advanced %s, ctime >= mtime %s, atime kept %s\n",
	    yes(s.st_mtime >= now - 2), yes(s.st_ctime >= s.st_mtime), yes(s.st_atime == 1000000000));
	t[0].tv_nsec = t[1].tv_nsec = UTIME_OMIT;
	CHECK(futimens(fd, t) == 0);
	say("futimens both omitted: mtime kept %s\n", yes(st("m").st_mtime == s.st_mtime));
	t[0].tv_sec = t[1].tv_sec = 1300000000;
	t[0].tv_nsec = t[1].tv_nsec = 0;
	CHECK(futimens(fd, t) == 0);
	CHECK(ftruncate(fd, 1) == 0);
	s = st("m");
	say("after ftruncate: mtime advanced %s, size %ld\n", yes(s.st_mtime >= now - 2), (long)s.st_size);
	CHECK(close(fd) == 0);
	CHECK(futimens(99, NULL) < 0);
	say("futimens of a bad fd: %s\n", errname(errno));
	t[1].tv_nsec = 1000000000;
	say("utimensat tv_nsec 1e9: %s\n", result(utimensat(AT_FDCWD, p("m"), t, 0)));
	say("utimensat of a missing file: %s\n", result(utimensat(AT_FDCWD, p("missing"), NULL, 0)));

	t[0].tv_sec = t[1].tv_sec = 1000000000;
	t[0].tv_nsec = t[1].tv_nsec = 0;
	CHECK(utimensat(AT_FDCWD, p("e"), t, 0) == 0);
	put("e/new", "");
	s = st("e");
	say("a new name: the directory's mtime advanced %s\n", yes(s.st_mtime >= now - 2));
	CHECK(utimensat(AT_FDCWD, p("e"), t, 0) == 0);
	CHECK(rename(p("e/new"), p("e/renamed")) == 0);
	say("a rename: the directory's mtime advanced %s\n", yes(st("e").st_mtime >= now - 2));
	CHECK(utimensat(AT_FDCWD, p("l2"), t, AT_SYMLINK_NOFOLLOW) == 0);
	struct stat ls;
	CHECK(lstat(p("l2"), &ls) == 0);
	say("utimensat NOFOLLOW: link mtime %ld\n", (long)ls.st_mtime);
	say("target's kept %s\n", yes(st("m").st_mtime != 1000000000));
	CHECK(utimensat(AT_FDCWD, p("m"), NULL, 0) == 0);
	s = st("m");
	say("utimensat NULL: mtime is now %s, atime is now %s\n", yes(s.st_mtime >= now - 2 && s.st_mtime <= now + 5),
	    yes(s.st_atime >= now - 2 && s.st_atime <= now + 5));
}

static void selects(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	fd_set r, w;
	struct timeval tv = {0, 0};
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fds[0], &r);
	FD_SET(fds[1], &w);
	int n = select(fds[1] + 1, &r, &w, NULL, &tv);
	say("select, empty pipe: %d, read end %s, write end %s\n", n, yes(FD_ISSET(fds[0], &r)), yes(FD_ISSET(fds[1], &w)));
	CHECK(write(fds[1], "x", 1) == 1);
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	struct timespec ts = {5, 0};
	n = pselect(fds[0] + 1, &r, NULL, NULL, &ts, NULL);
	say("pselect, a byte in: %d, read end %s\n", n, yes(FD_ISSET(fds[0], &r)));
	char c;
	CHECK(read(fds[0], &c, 1) == 1);
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	tv.tv_sec = 0;
	tv.tv_usec = 20000;
	n = select(fds[0] + 1, &r, NULL, NULL, &tv);
	say("select, 20 ms on an empty pipe: %d, read end %s\n", n, yes(FD_ISSET(fds[0], &r)));
	CHECK(close(fds[1]) == 0);
	FD_ZERO(&r);
	FD_SET(fds[0], &r);
	n = select(fds[0] + 1, &r, NULL, NULL, NULL);
	say("select, writer gone: %d, read end %s\n", n, yes(FD_ISSET(fds[0], &r)));
	FD_ZERO(&r);
	FD_SET(fds[1], &r);
	tv.tv_usec = 0;
	say("select on a closed fd: %s\n", result(select(fds[1] + 1, &r, NULL, NULL, &tv)));
	say("select with nfds -1: %s\n", result(select(-1, NULL, NULL, NULL, &tv)));
	CHECK(close(fds[0]) == 0);
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s", tmpname("rename"));
	CHECK(mkdir(dir, 0755) == 0);
	names();
	symlinks();
	times();
	selects();
	const char *rm[] = {"h", "m", "x", "l2", "l3", "ld", "loop1", "loop2", "dangling", "d/f", "e/renamed", "full/x", NULL};
	for (int i = 0; rm[i]; i++)
		unlink(p(rm[i]));
	const char *rd[] = {"d", "e", "full", NULL};
	for (int i = 0; rd[i]; i++)
		CHECK(rmdir(p(rd[i])) == 0);
	CHECK(rmdir(dir) == 0);
	say("done\n");
	return 0;
}
