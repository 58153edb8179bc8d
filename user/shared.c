/*
 * shared: MAP_SHARED|MAP_ANONYMOUS memory is the same pages in parent
 * and child (Linux shmem_zero_setup), while a private page beside it is
 * copied on write.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include "check.h"

int main(void)
{
	volatile int *sh = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile int *pr = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED && pr != MAP_FAILED);
	say("shared starts %d\n", sh[0]);
	pr[0] = 1;

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		sh[0] = 42;
		sh[3 * PAGE / sizeof(int)] = 43; /* a page the parent never touched */
		pr[0] = 2;
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	say("parent sees child's shared writes %d %d\n", sh[0], sh[3 * PAGE / sizeof(int)]);
	say("parent's private page still %d\n", pr[0]);

	sh[1] = 7;
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		say("child sees parent's shared write %d\n", sh[1]);
		_exit(sh[1] == 7 ? 0 : 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	say("child exited %d\n", WEXITSTATUS(status));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}
