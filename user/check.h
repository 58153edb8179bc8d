/*
 * check.h: the little every test program shares.
 *
 * Output goes through write(2) in whole lines (say), never through stdio,
 * so glibc and musl print the same bytes in the same order whatever their
 * buffering, before a fork as after it. A failed CHECK prints the file,
 * line and condition and exits 1; success is exit 0. Errors are printed by
 * name (errname), since the two libcs' strerror texts differ.
 *
 * The SIGSEGV/SIGBUS catcher (catch, probe_load, probe_store) records the
 * signal's number, si_code and si_addr and siglongjmps back, as the tests
 * of unmapped and protected memory need.
 */
#ifndef PAGODA_CHECK_H
#define PAGODA_CHECK_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE 4096UL

/* Not every program uses every helper. */
#define HELPER static __attribute__((unused))

/* say prints one formatted line (or part of one) with a single write. */
HELPER __attribute__((format(printf, 1, 2))) void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	for (int off = 0; off < n;) {
		ssize_t w = write(1, buf + off, n - off);
		if (w <= 0)
			_exit(2);
		off += w;
	}
}

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			say("FAIL %s:%d: %s (errno %s)\n", __FILE__,      \
			    __LINE__, #cond, errname(errno));             \
			exit(1);                                          \
		}                                                         \
	} while (0)

/* errname is errno's symbolic name, the same under both libcs. */
HELPER const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case E2BIG: return "E2BIG";
	case ENOEXEC: return "ENOEXEC";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ETXTBSY: return "ETXTBSY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS: return "ENOSYS";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case EOVERFLOW: return "EOVERFLOW";
	}
	static char buf[16];
	snprintf(buf, sizeof buf, "errno %d", e);
	return buf;
}

/* result says "ok" for r >= 0, else errno's name: one word for a line. */
HELPER const char *result(long r)
{
	return r >= 0 ? "ok" : errname(errno);
}

/* What the last caught signal said. */
static volatile int caught_sig, caught_code;
static void *volatile caught_addr;
static sigjmp_buf catch_env;

HELPER void catcher(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	caught_sig = sig;
	caught_code = si->si_code;
	caught_addr = si->si_addr;
	siglongjmp(catch_env, 1);
}

/* catch installs catcher for SIGSEGV and SIGBUS. */
HELPER void catch(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = catcher;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
	CHECK(sigaction(SIGBUS, &sa, NULL) == 0);
}

/*
 * probe_load and probe_store touch one byte at p under catch(): they
 * return 0 if the access went through, else the signal number (with
 * caught_code and caught_addr set).
 */
HELPER int probe_load(const volatile char *p)
{
	caught_sig = 0;
	if (sigsetjmp(catch_env, 1) == 0)
		(void)*p;
	return caught_sig;
}

HELPER int probe_store(volatile char *p, char v)
{
	caught_sig = 0;
	if (sigsetjmp(catch_env, 1) == 0)
		*p = v;
	return caught_sig;
}

HELPER const char *signame(int sig)
{
	switch (sig) {
	case 0: return "no signal";
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	}
	return "other signal";
}

HELPER const char *codename(int sig, int code)
{
	if (sig == SIGSEGV && code == SEGV_MAPERR) return "SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR) return "SEGV_ACCERR";
	if (sig == SIGBUS && code == BUS_ADRERR) return "BUS_ADRERR";
	if (sig == SIGBUS && code == BUS_OBJERR) return "BUS_OBJERR";
	if (code == SI_KERNEL) return "SI_KERNEL";
	return "other code";
}

/*
 * fault_line describes the last probe: "SIGSEGV si_code=SEGV_MAPERR addr
 * ok" when si_addr is want, never the address itself.
 */
HELPER void fault_line(const char *what, int sig, const volatile void *want)
{
	if (sig == 0) {
		say("%s: no signal\n", what);
		return;
	}
	say("%s: %s si_code=%s addr %s\n", what, signame(sig),
	    codename(sig, caught_code),
	    caught_addr == want ? "ok" : "wrong");
}

/* tmpname makes a /tmp path unique to this process (never printed). */
HELPER const char *tmpname(const char *base)
{
	static char buf[4][64];
	static int i;
	char *b = buf[i++ % 4];
	snprintf(b, 64, "/tmp/pagoda-%s.%d", base, (int)getpid());
	return b;
}

/* vmstat is /proc/vmstat's counter name, or -1 if it cannot be read. */
HELPER long vmstat(const char *name)
{
	char buf[8192];
	int fd = open("/proc/vmstat", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = 0, r;
	while (n < (ssize_t)sizeof buf - 1 &&
	       (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = '\0';
	size_t len = strlen(name);
	for (char *l = buf;;) {
		if (strncmp(l, name, len) == 0 && l[len] == ' ')
			return strtol(l + len + 1, NULL, 10);
		char *nl = strchr(l, '\n');
		if (nl == NULL)
			return -1;
		l = nl + 1;
	}
}

#endif
