/*
 * overcommit: fork must commit a second copy of the parent's private
 * writable memory (Linux dup_mmap -> security_vm_enough_memory_mm).
 * The program maps and touches 20 MiB, then forks, and prints "fork ok"
 * or "fork: ENOMEM".
 *
 * Which answer is right depends on the kernel's overcommit mode, which
 * the program cannot see (no /proc), so it is told: argv[1] == "strict"
 * means mode 2 (vm.overcommit_memory=2 on Linux, mm.overcommit=2 on
 * Pagoda) with a CommitLimit under 40 MiB (Pagoda's mm.limit=64M gives
 * 32 MiB, no swap), where the fork must fail; without it, the mode is
 * the heuristic default (0), where a 20 MiB fork must succeed. The exit
 * status says whether the answer matched the mode.
 *
 * The transcript is then a comparison only between kernels in the same
 * mode run the same way: the host (normally mode 0) without argument
 * against Pagoda booted in its default mode without argument. A host
 * cannot be put in mode 2 without root, so Pagoda's "strict" run has no
 * host oracle unless the host is in mode 2 itself; the program's own
 * check stands in.
 */
#include "check.h"
#include <sys/mman.h>
#include <sys/wait.h>

#define SIZE (20UL << 20)

int main(int argc, char **argv)
{
	int strict = argc > 1 && strcmp(argv[1], "strict") == 0;
	char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	for (unsigned long i = 0; i < SIZE; i += PAGE)
		p[i] = 1;
	say("mapped and touched 20 MiB\n");

	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		say("fork: %s\n", errname(e));
		return strict && e == ENOMEM ? 0 : 1;
	}
	if (pid == 0)
		_exit(p[SIZE - PAGE] == 1 ? 0 : 1);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	say("fork ok\n");
	return strict ? 1 : 0;
}
