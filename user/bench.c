/*
 * bench: user-mode costs of the memory system, the same static binary on
 * Linux and on Pagoda (make bench-user puts the two side by side).
 *
 *	bench [-t] [-H] [-i ITERS] [-p PAGES] [-m MIB] [-f FORKS] [DIR]
 *	bench [-t] [-H] -S MIB
 *
 * Each row times a loop with clock_gettime(CLOCK_MONOTONIC). Under QEMU's
 * -icount shift=0,sleep=off one virtual nanosecond is one instruction, so
 * the figures are instructions per operation. With -t each row prints
 *
 *	BENCH <name> <count> <unit> <ns> ns/<unit>
 *
 * or "BENCH <name> unsupported (<errno>)" when the kernel lacks what the
 * row needs. Without -t every row runs with small counts and prints its
 * name only: the transcript is then the same on any kernel that runs the
 * rows, which the user suite (TestUserSuite) compares with the host's.
 *
 * Rows: getpid per call; anon-write (first write to an anonymous page:
 * demand-zero) and anon-read (first read: the zero page) per fault;
 * cow-write, per page, of a child writing every page of a region of MIB
 * written before the fork; fork-exit-wait of a process with that region
 * written, and fork-exec-wait of /bin/true and of busybox true (if
 * /bin/busybox exists), per operation, after one untimed round; tmp-read-hit, tmp-write-hit and
 * tmp-write-hole, per page, of a file on /tmp mapped MAP_SHARED (pages in
 * the page cache, or a hole of a truncated file); with DIR, the same hit
 * rows for a file in DIR (disk-read-hit, disk-write-hit); pipe, a one-byte
 * write and read back through a pipe2 pipe, per round trip.
 *
 * With -S, the swap rows alone (they need a boot whose memory is capped
 * below MIB: Pagoda's mm.limit, or a memory cgroup's memory.max on Linux,
 * and a swap area): MIB of anonymous memory written, a distinct byte in
 * each page so that no kernel can drop them as zero-filled, then read
 * back in order and checked, timed per page read from swap, as
 * /proc/vmstat's pswpin counts them (swap readahead's pages included),
 * or per page of the region if there is no such counter; then the
 * pressure rows in a fresh region of MIB (bench_pressure): its pages
 * written in a random order, per page, and read back in another, per
 * major fault. It prints "unsupported (ENOSPC)" for the three when
 * /proc/swaps lists no swap area.
 *
 * Anonymous regions are madvise(MADV_NOHUGEPAGE)d (its failure ignored),
 * so that Linux with transparent huge pages "always" (Debian's default)
 * faults 4 KiB pages as Pagoda does; -H leaves them to the kernel's
 * default, so that Linux may fault, fork and copy 2 MiB pages.
 */
#include "check.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static int timed;          /* -t: print figures */
static int huge;           /* -H: no MADV_NOHUGEPAGE */
static long iters = 10;    /* -i: getpid and pipe loops */
static long pages = 16;    /* -p: fault rows */
static long mib = 1;       /* -m: the region of the fork rows */
static long forks = 2;     /* -f: fork rows */
static long swapmib;       /* -S: the swap-in row's region, alone */

static long long now(void)
{
	struct timespec ts;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* report prints a row: its figure with -t, else its name alone. */
static void report(const char *name, long n, const char *unit, long long ns)
{
	if (!timed) {
		say("BENCH %s\n", name);
		return;
	}
	double per = n > 0 ? (double)ns / n : 0;
	say("BENCH %s %ld %ss %.1f ns/%s\n", name, n, unit, per, unit);
}

/* unsupported reports a row the kernel cannot run (with -t only). */
static void unsupported(const char *name, int err)
{
	if (timed)
		say("BENCH %s unsupported (%s)\n", name, errname(err));
	else
		say("BENCH %s\n", name);
}

static char *anon(long len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	if (!huge)
		(void)madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void touch_write(volatile char *p, long n)
{
	for (long i = 0; i < n; i++)
		p[i * PAGE] = 1;
}

static long touch_read(volatile char *p, long n)
{
	long sum = 0;
	for (long i = 0; i < n; i++)
		sum += p[i * PAGE];
	return sum;
}

static void bench_getpid(void)
{
	long long t0 = now();
	for (long i = 0; i < iters; i++)
		syscall(SYS_getpid);
	report("getpid", iters, "call", now() - t0);
}

static void bench_anon(void)
{
	long len = pages * PAGE;
	char *p = anon(len);
	long long t0 = now();
	touch_write(p, pages);
	report("anon-write", pages, "fault", now() - t0);
	CHECK(munmap(p, len) == 0);

	p = anon(len);
	t0 = now();
	CHECK(touch_read(p, pages) == 0);
	report("anon-read", pages, "fault", now() - t0);
	CHECK(munmap(p, len) == 0);
}

/* reap waits for pid and checks that it exited with status 0. */
static void reap(pid_t pid)
{
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void bench_fork(void)
{
	long len = mib << 20, n = len / PAGE;
	char *p = anon(len);
	touch_write(p, n);

	/* The child times its own writes and prints the row. */
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		long long t0 = now();
		touch_write(p, n);
		report("cow-write", n, "page", now() - t0);
		_exit(0);
	}
	reap(pid);

	long long t0 = now();
	for (long i = 0; i < forks; i++) {
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0)
			_exit(0);
		reap(pid);
	}
	report("fork-exit-wait", forks, "op", now() - t0);
	CHECK(munmap(p, len) == 0);
}

static void fork_exec_wait(const char *path, char *const argv[])
{
	char *const envp[] = {NULL};
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execve(path, argv, envp);
		_exit(127);
	}
	reap(pid);
}

/*
 * bench_exec times fork, execve of path with argv and wait4. One round
 * untimed first brings the binary into the page cache: the rows compare
 * warm execs (Linux's initramfs is in memory, Pagoda's root on a disk).
 */
static void bench_exec(const char *name, const char *path, char *const argv[])
{
	if (access(path, X_OK) != 0) {
		unsupported(name, errno);
		return;
	}
	fork_exec_wait(path, argv);
	long long t0 = now();
	for (long i = 0; i < forks; i++)
		fork_exec_wait(path, argv);
	report(name, forks, "op", now() - t0);
}

/*
 * bench_file times faults on a file in dir mapped MAP_SHARED: read hits
 * and write hits on pages written with write(2) (so in the page cache),
 * and, when hole is set, writes to the holes of a truncated file.
 */
static void bench_file(const char *prefix, const char *dir, int hole)
{
	char path[512], name[64];
	snprintf(path, sizeof path, "%s/bench.%d", dir, (int)getpid());
	long len = pages * PAGE;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		int err = errno;
		snprintf(name, sizeof name, "%s-read-hit", prefix);
		unsupported(name, err);
		return;
	}
	static char buf[PAGE];
	memset(buf, 1, sizeof buf);
	for (long i = 0; i < pages; i++)
		CHECK(write(fd, buf, PAGE) == (ssize_t)PAGE);

	char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	long long t0 = now();
	CHECK(touch_read(p, pages) == pages);
	snprintf(name, sizeof name, "%s-read-hit", prefix);
	report(name, pages, "page", now() - t0);
	CHECK(munmap(p, len) == 0);

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED);
	t0 = now();
	touch_write(p, pages);
	snprintf(name, sizeof name, "%s-write-hit", prefix);
	report(name, pages, "page", now() - t0);
	CHECK(munmap(p, len) == 0);

	if (hole) {
		CHECK(ftruncate(fd, 0) == 0);
		CHECK(ftruncate(fd, len) == 0);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(p != MAP_FAILED);
		t0 = now();
		touch_write(p, pages);
		snprintf(name, sizeof name, "%s-write-hole", prefix);
		report(name, pages, "page", now() - t0);
		CHECK(munmap(p, len) == 0);
	}
	CHECK(close(fd) == 0);
	CHECK(unlink(path) == 0);
}

static void bench_pipe(void)
{
	int fds[2];
	if (pipe2(fds, 0) != 0) {
		unsupported("pipe", errno);
		return;
	}
	char c = 'x';
	long long t0 = now();
	for (long i = 0; i < iters; i++) {
		CHECK(write(fds[1], &c, 1) == 1);
		CHECK(read(fds[0], &c, 1) == 1);
	}
	report("pipe", iters, "trip", now() - t0);
	CHECK(close(fds[0]) == 0 && close(fds[1]) == 0);
}

/* swapping says whether /proc/swaps lists a swap area. */
static int swapping(void)
{
	char buf[512];
	int fd = open("/proc/swaps", O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *nl = strchr(buf, '\n');
	return nl && nl[1] != '\0';
}

/* shuffle puts a seeded random permutation of 0..n-1 in a (Fisher-Yates
 * over a 64-bit LCG, Knuth's MMIX constants): the same on every kernel. */
static void shuffle(long *a, long n, unsigned long long seed)
{
	for (long i = 0; i < n; i++)
		a[i] = i;
	for (long i = n - 1; i > 0; i--) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		long j = (long)((seed >> 33) % (unsigned long long)(i + 1));
		long t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

/* bench_pressure: the pressure rows, after swap-in, in a fresh region of
 * len bytes (more than the boot's memory): pressure-write writes its
 * pages in a random order, each page's first write a demand-zero fault
 * with its share of the reclaim and swap-out that make room, timed per
 * page; pressure-read reads them back in another random order and checks
 * them, timed per major fault (/proc/vmstat's pgmajfault, or per page
 * without it): random access reads nothing ahead. */
static void bench_pressure(long len)
{
	long n = len / PAGE;
	long *order = malloc(n * sizeof *order);
	CHECK(order != NULL);
	volatile char *p = anon(len);
	shuffle(order, n, 1);
	long long t0 = now();
	for (long i = 0; i < n; i++)
		p[order[i] * PAGE] = (char)(order[i] % 251 + 1);
	report("pressure-write", n, "page", now() - t0);
	shuffle(order, n, 2);
	long maj0 = vmstat("pgmajfault");
	t0 = now();
	for (long i = 0; i < n; i++)
		CHECK(p[order[i] * PAGE] == (char)(order[i] % 251 + 1));
	long long ns = now() - t0;
	long maj = vmstat("pgmajfault") - maj0;
	if (maj0 >= 0 && maj > 0)
		report("pressure-read", maj, "fault", ns);
	else
		report("pressure-read", n, "page", ns);
	CHECK(munmap((void *)p, len) == 0);
	free(order);
}

static void bench_swap(void)
{
	if (!swapping()) {
		unsupported("swap-in", ENOSPC);
		unsupported("pressure-write", ENOSPC);
		unsupported("pressure-read", ENOSPC);
		return;
	}
	long len = swapmib << 20, n = len / PAGE;
	volatile char *p = anon(len);
	for (long i = 0; i < n; i++)
		p[i * PAGE] = (char)(i % 251 + 1);
	long in0 = vmstat("pswpin");
	long long t0 = now();
	for (long i = 0; i < n; i++)
		CHECK(p[i * PAGE] == (char)(i % 251 + 1));
	long long ns = now() - t0;
	long in = vmstat("pswpin") - in0;
	report("swap-in", in0 >= 0 && in > 0 ? in : n, "page", ns);
	CHECK(munmap((void *)p, len) == 0);
	bench_pressure(len);
}

static long number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0) {
		say("bench: bad number %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-t") == 0) {
			timed = 1;
			continue;
		}
		if (strcmp(argv[i], "-H") == 0) {
			huge = 1;
			continue;
		}
		if (i + 1 >= argc)
			break;
		if (strcmp(argv[i], "-i") == 0)
			iters = number(argv[++i]);
		else if (strcmp(argv[i], "-p") == 0)
			pages = number(argv[++i]);
		else if (strcmp(argv[i], "-m") == 0)
			mib = number(argv[++i]);
		else if (strcmp(argv[i], "-f") == 0)
			forks = number(argv[++i]);
		else if (strcmp(argv[i], "-S") == 0)
			swapmib = number(argv[++i]);
		else
			break;
	}
	if (i < argc)
		dir = argv[i++];
	if (i < argc || (swapmib && dir)) {
		say("usage: bench [-t] [-H] [-i ITERS] [-p PAGES] [-m MIB] [-f FORKS] [DIR]\n"
		    "       bench [-t] [-H] -S MIB\n");
		return 2;
	}

	if (swapmib) {
		bench_swap();
		return 0;
	}
	bench_getpid();
	bench_anon();
	bench_fork();
	char *true_argv[] = {"true", NULL};
	bench_exec("fork-exec-wait", "/bin/true", true_argv);
	bench_exec("busybox-true", "/bin/busybox", true_argv);
	bench_file("tmp", "/tmp", 1);
	if (dir)
		bench_file("disk", dir, 0);
	bench_pipe();
	return 0;
}
