/*
 * replay: a run of page accesses over an anonymous region, written then
 * read back: the run Pagoda's bench pressure-read makes, replayed by a
 * static program so that Linux can be measured on it (qemu/cmd/lab's
 * thrash -linux boots the Linux guest with it).
 *
 *	replay [-t] [-g CGROUP] [-o ORDER] PAGES TRACE
 *	replay
 *
 * TRACE is a trace file in mm/workload's format (one page number a line,
 * 0-based, decimal; blank lines and '#' comments skipped; a CR before
 * the LF allowed), each number below PAGES. Its first PAGES accesses are
 * the write pass: each stores one word, its page's own, into its page of
 * a private anonymous region of PAGES pages (madvise(MADV_NOHUGEPAGE),
 * its failure ignored: 4 KiB pages, as Pagoda's). The rest is the read
 * pass: each loads its page's word and checks it. The lab's trace is
 * bench pressure-read's run, the write pass a permutation of the pages.
 *
 * With -t it prints the read pass as the kernel's bench pressure-read
 * line, so that the lab reads both with one parser:
 *
 *	BENCH pressure-read pages=PAGES faults=F majfaults=M ns/page=X ns/fault=Y order=ORDER accesses=A resident=R
 *
 * F and M are /proc/vmstat's pgfault and pgmajfault over the read pass
 * (the whole system's: in the lab's guest nothing else runs), X the
 * pass's CLOCK_MONOTONIC time per access and Y per fault, A the read
 * pass's accesses, R the region's pages resident when it began
 * (mincore), ORDER a label ("trace" unless -o says).
 *
 * -g CGROUP (a cgroup v2 directory, the Linux guest's
 * /sys/fs/cgroup/guest): the trace is loaded in CGROUP's parent (the
 * guest's init starts replay in CGROUP; replay moves itself out), and
 * replay enters CGROUP once it is loaded, before it maps the region:
 * CGROUP's memory.max then bounds the region and its page tables, not
 * the trace, as Pagoda's mm.limit bounds the benchmark's pages and not
 * the run its generator draws in the Go heap.
 *
 * With no arguments it replays a small built-in trace, parsed by the
 * same code, and prints what it wrote and checked: the same transcript
 * on any kernel (the user suite compares it with the host's).
 */
#include "check.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

static long long now(void)
{
	struct timespec ts;
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(void)
{
	say("usage: replay [-t] [-g CGROUP] [-o ORDER] PAGES TRACE\n");
	exit(2);
}

/* A parsed trace: its page numbers, in order. */
struct trace {
	uint32_t *page;
	long n;
};

/*
 * parse reads a trace's text as mm/workload's ParseTrace does, into t.
 * A number is kept if below limit. On bad input it says which line and
 * exits 2.
 */
static void parse(const char *text, size_t len, uint32_t limit, struct trace *t)
{
	size_t cap = len / 2 + 1; /* a number and its LF: two bytes at least */
	t->page = mmap(NULL, cap * sizeof t->page[0], PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(t->page != MAP_FAILED);
	t->n = 0;
	long line = 0;
	for (size_t i = 0; i < len;) {
		line++;
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		size_t stop = end;
		if (stop > i && text[stop - 1] == '\r')
			stop--;
		for (size_t j = i; j < stop; j++)
			if (text[j] == '#') {
				stop = j;
				break;
			}
		while (i < stop && (text[i] == ' ' || text[i] == '\t'))
			i++;
		while (stop > i && (text[stop - 1] == ' ' || text[stop - 1] == '\t'))
			stop--;
		if (i < stop) {
			uint64_t v = 0;
			for (size_t j = i; j < stop; j++) {
				if (text[j] < '0' || text[j] > '9' || v > (UINT64_MAX - 9) / 10) {
					say("replay: trace line %ld: not a page number\n", line);
					exit(2);
				}
				v = v * 10 + (uint64_t)(text[j] - '0');
			}
			if (v >= limit) {
				say("replay: trace line %ld: page %llu of %lu\n", line,
				    (unsigned long long)v, (unsigned long)limit);
				exit(2);
			}
			t->page[t->n++] = (uint32_t)v;
		}
		i = end + 1;
	}
}

/* load reads the trace file path and parses it. */
static void load(const char *path, uint32_t limit, struct trace *t)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		say("replay: %s: %s\n", path, errname(errno));
		exit(2);
	}
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	size_t len = (size_t)st.st_size;
	char *text = mmap(NULL, len + 1, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(text != MAP_FAILED);
	for (size_t off = 0; off < len;) {
		ssize_t r = read(fd, text + off, len - off);
		CHECK(r > 0);
		off += (size_t)r;
	}
	CHECK(close(fd) == 0);
	parse(text, len, limit, t);
	CHECK(munmap(text, len + 1) == 0);
}

/* enter moves this process into the cgroup v2 directory dir. */
static void enter(const char *dir)
{
	char path[512], pid[32];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	int fd = open(path, O_WRONLY);
	int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	if (fd < 0 || write(fd, pid, (size_t)n) != n) {
		say("replay: cannot enter %s: %s\n", dir, errname(errno));
		exit(2);
	}
	CHECK(close(fd) == 0);
}

/* word is what the write pass stores into page p: distinct, never 0. */
static uint64_t word(uint32_t p)
{
	return ((uint64_t)p + 1) * 0x9e3779b97f4a7c15ULL;
}

/* resident counts the region's pages that mincore says are in memory. */
static long resident(char *region, long pages)
{
	unsigned char *vec = mmap(NULL, (size_t)pages, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(vec != MAP_FAILED);
	CHECK(mincore(region, (size_t)pages * PAGE, vec) == 0);
	long n = 0;
	for (long i = 0; i < pages; i++)
		n += vec[i] & 1;
	CHECK(munmap(vec, (size_t)pages) == 0);
	return n;
}

/*
 * run replays t over a fresh region of pages pages: the write pass, then
 * the read pass, timed and counted when timed is set.
 */
static void run(const struct trace *t, long pages, int timed, const char *order)
{
	if (t->n < pages) {
		say("replay: the trace has %ld accesses, fewer than the write pass's %ld\n", t->n, pages);
		exit(2);
	}
	char *region = mmap(NULL, (size_t)pages * PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(region != MAP_FAILED);
	(void)madvise(region, (size_t)pages * PAGE, MADV_NOHUGEPAGE);
	for (long i = 0; i < pages; i++) {
		uint32_t p = t->page[i];
		*(volatile uint64_t *)(region + p * PAGE) = word(p);
	}
	long res = timed ? resident(region, pages) : 0;
	long f0 = vmstat("pgfault"), m0 = vmstat("pgmajfault");
	long long t0 = now();
	for (long i = pages; i < t->n; i++) {
		uint32_t p = t->page[i];
		uint64_t got = *(volatile uint64_t *)(region + p * PAGE);
		if (got != word(p)) {
			say("FAIL replay: access %ld: page %lu reads %#llx, want %#llx\n", i,
			    (unsigned long)p, (unsigned long long)got, (unsigned long long)word(p));
			exit(1);
		}
	}
	long long ns = now() - t0;
	long faults = vmstat("pgfault") - f0, major = vmstat("pgmajfault") - m0;
	long reads = t->n - pages;
	if (!timed) {
		say("replay: %ld pages written, %ld reads checked\n", pages, reads);
	} else if (f0 < 0 || m0 < 0) {
		say("replay: no pgfault or pgmajfault in /proc/vmstat\n");
		exit(1);
	} else {
		say("BENCH pressure-read pages=%ld faults=%ld majfaults=%ld ns/page=%.1f ns/fault=%.1f order=%s accesses=%ld resident=%ld\n",
		    pages, faults, major, reads > 0 ? (double)ns / reads : 0,
		    faults > 0 ? (double)ns / faults : 0, order, reads, res);
	}
	CHECK(munmap(region, (size_t)pages * PAGE) == 0);
}

/*
 * The built-in run: 8 pages written in a scrambled order, then read
 * back in a loop and a few repeats, in the file format's every form.
 */
static const char builtin[] =
	"# write pass\n5\n2\n7\n0\n3\n6\n1\n4\n"
	"# read pass\n0\n1\n2\n3\n4\n5\n6\n7\n"
	"  7\t\n\n3 # a comment after a number\r\n3\n0";

int main(int argc, char **argv)
{
	int timed = 0;
	const char *cgroup = NULL, *order = "trace";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-t") == 0)
			timed = 1;
		else if (strcmp(argv[i], "-g") == 0 && i + 1 < argc)
			cgroup = argv[++i];
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			order = argv[++i];
		else
			usage();
	}
	struct trace t;
	if (argc == 1) {
		parse(builtin, sizeof builtin - 1, 8, &t);
		run(&t, 8, 0, order);
		return 0;
	}
	if (argc - i != 2)
		usage();
	char *end;
	long pages = strtol(argv[i], &end, 10);
	if (*argv[i] == '\0' || *end != '\0' || pages <= 0 || pages > UINT32_MAX)
		usage();
	char parent[512];
	if (cgroup) {
		snprintf(parent, sizeof parent, "%s", cgroup);
		char *slash = strrchr(parent, '/');
		if (slash == NULL || slash == parent)
			usage();
		*slash = '\0';
		enter(parent);
	}
	load(argv[i + 1], (uint32_t)pages, &t);
	if (cgroup)
		enter(cgroup);
	run(&t, pages, timed, order);
	return 0;
}
