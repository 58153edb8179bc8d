/*
 * exectmp: execve of a program that lives on tmpfs. The program copies
 * its own file (AT_EXECFN: the path it was started by) to /tmp with mode
 * 0755, forks, and the child execs the copy, which says so and exits 7;
 * the parent reaps it. Then the ways execve refuses: a file without
 * execute permission (EACCES), a directory (EACCES), a file that is not
 * an ELF program (ENOEXEC), a name that does not exist (ENOENT), and an
 * argv pointer to nowhere (EFAULT).
 */
#include "check.h"

#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/wait.h>

static void copy(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY);
	CHECK(in >= 0);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(out >= 0);
	static char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		CHECK(n >= 0);
		if (n == 0)
			break;
		CHECK(write(out, buf, (size_t)n) == n);
	}
	close(in);
	close(out);
}

static void try_exec(const char *what, const char *path, char *const *argv)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execve(path, argv, NULL);
		say("execve of %s: %s\n", what, errname(errno));
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "child") == 0) {
		say("the copy runs: argv[0] %s\n", argv[0]);
		return 7;
	}
	const char *self = (const char *)getauxval(AT_EXECFN);
	CHECK(self != NULL);
	const char *copyname = tmpname("exectmp");
	const char *plain = tmpname("exectmp-plain");
	const char *text = tmpname("exectmp-text");
	copy(self, copyname, 0755);
	copy(self, plain, 0644);
	int fd = open(text, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	CHECK(fd >= 0);
	CHECK(write(fd, "not a program\n", 14) == 14);
	close(fd);

	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char *args[] = {"copy", "child", NULL};
		execve(copyname, args, NULL);
		say("execve: %s\n", errname(errno));
		_exit(1);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	say("the parent reaped it: %s %d\n", WIFEXITED(st) ? "exit" : "signal",
	    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));

	char *args[] = {"x", NULL};
	try_exec("a file without x", plain, args);
	try_exec("a directory", "/tmp", args);
	try_exec("a text file", text, args);
	try_exec("nothing", "/tmp/exectmp-does-not-exist", args);
	try_exec("argv to nowhere", copyname, (char *const *)8);
	CHECK(unlink(copyname) == 0 && unlink(plain) == 0 && unlink(text) == 0);
	return 0;
}
