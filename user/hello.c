/*
 * hello: the smallest process. Prints a line with write(2), echoes argv
 * (argv[0] included: the harness runs the host copy under the name the
 * kernel uses), and exits 0. "hello exit N" exits with status N and
 * "hello segv" dies of SIGSEGV (no handler), which check the shell's
 * `status` line: exit N, or signal 11 (SIGSEGV).
 */
#include "check.h"

int main(int argc, char **argv)
{
	say("hello, world\n");
	say("argc %d\n", argc);
	for (int i = 0; i < argc; i++)
		say("argv[%d] %s\n", i, argv[i]);
	CHECK(argv[argc] == NULL);
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		exit(atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "segv") == 0) {
		int *volatile bad = (int *)8;
		*bad = 1;
	}
	return 0;
}
