/*
 * cow: fork copies private memory on write (Linux do_wp_page). The child
 * sees the parent's data, its writes stay its own, and wait4 reports its
 * exit status; a child that faults is reported killed by SIGSEGV.
 */
#include "check.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define PAGES 16

int main(void)
{
	int *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	static int data = 42; /* in .data, a file-backed private page */
	for (int i = 0; i < PAGES; i++)
		p[i * PAGE / sizeof(int)] = 42;

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		say("child sees %d and %d\n", p[0], data);
		for (int i = 0; i < PAGES; i++)
			CHECK(p[i * PAGE / sizeof(int)] == 42);
		for (int i = 0; i < PAGES; i++)
			p[i * PAGE / sizeof(int)] = 43;
		data = 43;
		say("child wrote %d and %d\n", p[(PAGES - 1) * PAGE / sizeof(int)], data);
		_exit(7);
	}
	int status;
	struct rusage ru;
	CHECK(wait4(pid, &status, 0, &ru) == pid);
	say("wait4: exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));
	for (int i = 0; i < PAGES; i++)
		CHECK(p[i * PAGE / sizeof(int)] == 42);
	say("parent still sees %d and %d\n", p[0], data);
	p[0] = 44;
	say("parent wrote %d\n", p[0]);

	/* A second child shares the parent's new data, then dies. */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		say("second child sees %d\n", p[0]);
		int *volatile bad = (int *)16;
		*bad = 1;
		_exit(0);
	}
	CHECK(wait4(pid, &status, 0, NULL) == pid);
	say("wait4: signaled %d signal %d\n", WIFSIGNALED(status), WTERMSIG(status));
	CHECK(wait4(-1, &status, WNOHANG, NULL) == -1 && errno == ECHILD);
	say("no more children: ECHILD\n");
	return 0;
}
