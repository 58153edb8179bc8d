/*
 * procself: /proc as a program reads it. A 16 MiB private anonymous
 * mapping, written, shows in /proc/self/maps as one rw-p line and in
 * /proc/self/smaps with Rss, Private_Dirty and Anonymous of 16384 kB and
 * no Swap; an untouched one shows Rss 0. /proc/meminfo has the lines
 * free(1) reads; /proc/self/status names the program and counts its
 * memory in the same units. Prints only what both kernels agree on.
 */
#include "check.h"

#include <fcntl.h>
#include <sys/mman.h>

static char text[1 << 20];

static const char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, text + n, sizeof text - 1 - n);
		CHECK(r >= 0);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	text[n] = 0;
	close(fd);
	return text;
}

/* field finds "name:" in the block of smaps for the mapping at addr. */
static long smaps_field(unsigned long addr, const char *name)
{
	char head[32];
	snprintf(head, sizeof head, "%lx-", addr);
	const char *p = strstr(slurp("/proc/self/smaps"), head);
	CHECK(p != NULL && (p == text || p[-1] == '\n'));
	const char *next = strchr(p, '\n');
	CHECK(next != NULL);
	/* The block ends at the next mapping's line (a line starting with a
	 * hex digit and a dash). */
	for (const char *l = next + 1; *l; l = strchr(l, '\n') + 1) {
		if (strncmp(l, name, strlen(name)) == 0 && l[strlen(name)] == ':')
			return atol(l + strlen(name) + 1);
		const char *dash = strchr(l, '-'), *nl = strchr(l, '\n');
		if (dash && nl && dash < nl && strspn(l, "0123456789abcdef") == (size_t)(dash - l))
			break;
		if (!nl)
			break;
	}
	return -1;
}

/*
 * isolated maps len bytes between two PROT_NONE guard pages, so that no
 * neighbour merges into its line of maps.
 */
static char *isolated(size_t len)
{
	char *g = mmap(NULL, len + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(g != MAP_FAILED);
	CHECK(mprotect(g + PAGE, len, PROT_READ | PROT_WRITE) == 0);
	return g + PAGE;
}

int main(void)
{
	const size_t len = 16 << 20;
	char *w = isolated(len), *u = isolated(len);
	madvise(w, len, MADV_NOHUGEPAGE);
	madvise(u, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i += PAGE)
		w[i] = 1;

	char line[64];
	snprintf(line, sizeof line, "%lx-%lx rw-p ", (unsigned long)w, (unsigned long)w + len);
	say("maps has the written mapping: %s\n", strstr(slurp("/proc/self/maps"), line) ? "yes" : "no");
	say("written:   Rss %ld kB, Private_Dirty %ld kB, Anonymous %ld kB, Swap %ld kB\n",
	    smaps_field((unsigned long)w, "Rss"), smaps_field((unsigned long)w, "Private_Dirty"),
	    smaps_field((unsigned long)w, "Anonymous"), smaps_field((unsigned long)w, "Swap"));
	say("untouched: Size %ld kB, Rss %ld kB\n",
	    smaps_field((unsigned long)u, "Size"), smaps_field((unsigned long)u, "Rss"));

	const char *mi = slurp("/proc/meminfo");
	const char *want[] = {"MemTotal:", "MemFree:", "MemAvailable:", "Cached:", "SwapTotal:", "SwapFree:", "Shmem:"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		say("meminfo has %s %s\n", want[i], strstr(mi, want[i]) ? "yes" : "no");
	const char *st = slurp("/proc/self/status");
	say("status names procself: %s\n", strstr(st, "Name:\tprocself\n") ? "yes" : "no");
	say("status has VmRSS in kB: %s\n", strstr(st, "VmRSS:") && strstr(strstr(st, "VmRSS:"), " kB\n") ? "yes" : "no");
	return 0;
}
