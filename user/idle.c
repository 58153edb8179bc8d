/*
 * idle: what an untouched mapping costs. "idle MiB wait" maps MiB of
 * anonymous memory, touches none of it, and sleeps until killed: the
 * boot test reads meminfo meanwhile (no frames but page tables and the
 * process's own few pages). Without arguments it maps 64 MiB, checks
 * that none of it is resident, and exits.
 */
#include "check.h"

#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 64;
	char *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	unsigned char vec[16];
	CHECK(mincore(p, sizeof vec * PAGE, vec) == 0);
	for (size_t i = 0; i < sizeof vec; i++)
		CHECK(vec[i] == 0);
	if (argc > 2 && strcmp(argv[2], "wait") == 0) {
		struct timespec ts = {3600, 0};
		for (;;)
			nanosleep(&ts, NULL);
	}
	say("mapped %zu MiB, none of it resident\n", mib);
	return 0;
}
