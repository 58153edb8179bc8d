//go:build linux && amd64 && !tamago

package linux

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The host is Linux on x86-64: its Go syscall package and, when
// installed, its uapi headers are a second source for every value.

// TestSyscallPackage compares the values with Go's syscall package,
// which is generated from the headers (it stops at about Linux 3.x:
// newer names are checked against the headers only).
func TestSyscallPackage(t *testing.T) {
	mman := map[string]uint64{
		"PROT_NONE": syscall.PROT_NONE, "PROT_READ": syscall.PROT_READ, "PROT_WRITE": syscall.PROT_WRITE,
		"PROT_EXEC": syscall.PROT_EXEC, "PROT_GROWSDOWN": syscall.PROT_GROWSDOWN, "PROT_GROWSUP": syscall.PROT_GROWSUP,
		"MAP_FILE": syscall.MAP_FILE, "MAP_SHARED": syscall.MAP_SHARED, "MAP_PRIVATE": syscall.MAP_PRIVATE, "MAP_TYPE": syscall.MAP_TYPE,
		"MAP_FIXED": syscall.MAP_FIXED, "MAP_ANONYMOUS": syscall.MAP_ANONYMOUS, "MAP_32BIT": syscall.MAP_32BIT,
		"MAP_GROWSDOWN": syscall.MAP_GROWSDOWN, "MAP_DENYWRITE": syscall.MAP_DENYWRITE,
		"MAP_EXECUTABLE": syscall.MAP_EXECUTABLE, "MAP_LOCKED": syscall.MAP_LOCKED,
		"MAP_NORESERVE": syscall.MAP_NORESERVE, "MAP_POPULATE": syscall.MAP_POPULATE,
		"MAP_NONBLOCK": syscall.MAP_NONBLOCK, "MAP_STACK": syscall.MAP_STACK, "MAP_HUGETLB": syscall.MAP_HUGETLB,
		"MADV_NORMAL": syscall.MADV_NORMAL, "MADV_RANDOM": syscall.MADV_RANDOM,
		"MADV_SEQUENTIAL": syscall.MADV_SEQUENTIAL, "MADV_WILLNEED": syscall.MADV_WILLNEED,
		"MADV_DONTNEED": syscall.MADV_DONTNEED, "MADV_REMOVE": syscall.MADV_REMOVE,
		"MADV_DONTFORK": syscall.MADV_DONTFORK, "MADV_DOFORK": syscall.MADV_DOFORK,
		"MADV_MERGEABLE": syscall.MADV_MERGEABLE, "MADV_UNMERGEABLE": syscall.MADV_UNMERGEABLE,
		"MADV_HUGEPAGE": syscall.MADV_HUGEPAGE, "MADV_NOHUGEPAGE": syscall.MADV_NOHUGEPAGE,
		"MADV_HWPOISON": syscall.MADV_HWPOISON,
		"MS_ASYNC":      syscall.MS_ASYNC, "MS_INVALIDATE": syscall.MS_INVALIDATE, "MS_SYNC": syscall.MS_SYNC,
	}
	n := 0
	for _, c := range mmanValues {
		if v, ok := mman[c.name]; ok {
			n++
			if v != c.want {
				t.Errorf("%s: table %#x, syscall %#x", c.name, c.want, v)
			}
		}
	}
	if n != len(mman) {
		t.Errorf("%d of syscall's %d names are in the table", n, len(mman))
	}
	for _, c := range errnoValues {
		if c.got == EHWPOISON {
			continue // newer than the syscall package
		}
		e := syscall.Errno(c.want)
		// syscall.Errno's text is strerror's; the number is what counts,
		// and each name below must be that number in syscall.
		if want, ok := syscallErrno[c.name]; !ok || want != e {
			t.Errorf("%s: table %d, syscall %d (%v)", c.name, c.want, uintptr(want), ok)
		}
	}
}

// syscallErrno is syscall's number for each name the table has but
// EHWPOISON.
var syscallErrno = func() map[string]syscall.Errno {
	m := map[string]syscall.Errno{
		"EPERM": syscall.EPERM, "ENOENT": syscall.ENOENT, "ESRCH": syscall.ESRCH, "EINTR": syscall.EINTR,
		"EIO": syscall.EIO, "ENXIO": syscall.ENXIO, "E2BIG": syscall.E2BIG, "ENOEXEC": syscall.ENOEXEC,
		"EBADF": syscall.EBADF, "ECHILD": syscall.ECHILD, "EAGAIN": syscall.EAGAIN, "ENOMEM": syscall.ENOMEM,
		"EACCES": syscall.EACCES, "EFAULT": syscall.EFAULT, "ENOTBLK": syscall.ENOTBLK, "EBUSY": syscall.EBUSY,
		"EEXIST": syscall.EEXIST, "EXDEV": syscall.EXDEV, "ENODEV": syscall.ENODEV, "ENOTDIR": syscall.ENOTDIR,
		"EISDIR": syscall.EISDIR, "EINVAL": syscall.EINVAL, "ENFILE": syscall.ENFILE, "EMFILE": syscall.EMFILE,
		"ENOTTY": syscall.ENOTTY, "ETXTBSY": syscall.ETXTBSY, "EFBIG": syscall.EFBIG, "ENOSPC": syscall.ENOSPC,
		"ESPIPE": syscall.ESPIPE, "EROFS": syscall.EROFS, "EMLINK": syscall.EMLINK, "EPIPE": syscall.EPIPE,
		"EDOM": syscall.EDOM, "ERANGE": syscall.ERANGE, "EDEADLK": syscall.EDEADLK,
		"ENAMETOOLONG": syscall.ENAMETOOLONG, "ENOLCK": syscall.ENOLCK, "ENOSYS": syscall.ENOSYS,
		"ENOTEMPTY": syscall.ENOTEMPTY, "ELOOP": syscall.ELOOP, "EWOULDBLOCK": syscall.EWOULDBLOCK,
		"ENOMSG": syscall.ENOMSG, "EIDRM": syscall.EIDRM, "ECHRNG": syscall.ECHRNG, "EL2NSYNC": syscall.EL2NSYNC,
		"EL3HLT": syscall.EL3HLT, "EL3RST": syscall.EL3RST, "ELNRNG": syscall.ELNRNG, "EUNATCH": syscall.EUNATCH,
		"ENOCSI": syscall.ENOCSI, "EL2HLT": syscall.EL2HLT, "EBADE": syscall.EBADE, "EBADR": syscall.EBADR,
		"EXFULL": syscall.EXFULL, "ENOANO": syscall.ENOANO, "EBADRQC": syscall.EBADRQC, "EBADSLT": syscall.EBADSLT,
		"EDEADLOCK": syscall.EDEADLOCK, "EBFONT": syscall.EBFONT, "ENOSTR": syscall.ENOSTR,
		"ENODATA": syscall.ENODATA, "ETIME": syscall.ETIME, "ENOSR": syscall.ENOSR, "ENONET": syscall.ENONET,
		"ENOPKG": syscall.ENOPKG, "EREMOTE": syscall.EREMOTE, "ENOLINK": syscall.ENOLINK, "EADV": syscall.EADV,
		"ESRMNT": syscall.ESRMNT, "ECOMM": syscall.ECOMM, "EPROTO": syscall.EPROTO, "EMULTIHOP": syscall.EMULTIHOP,
		"EDOTDOT": syscall.EDOTDOT, "EBADMSG": syscall.EBADMSG, "EOVERFLOW": syscall.EOVERFLOW,
		"ENOTUNIQ": syscall.ENOTUNIQ, "EBADFD": syscall.EBADFD, "EREMCHG": syscall.EREMCHG,
		"ELIBACC": syscall.ELIBACC, "ELIBBAD": syscall.ELIBBAD, "ELIBSCN": syscall.ELIBSCN,
		"ELIBMAX": syscall.ELIBMAX, "ELIBEXEC": syscall.ELIBEXEC, "EILSEQ": syscall.EILSEQ,
		"ERESTART": syscall.ERESTART, "ESTRPIPE": syscall.ESTRPIPE, "EUSERS": syscall.EUSERS,
		"ENOTSOCK": syscall.ENOTSOCK, "EDESTADDRREQ": syscall.EDESTADDRREQ, "EMSGSIZE": syscall.EMSGSIZE,
		"EPROTOTYPE": syscall.EPROTOTYPE, "ENOPROTOOPT": syscall.ENOPROTOOPT,
		"EPROTONOSUPPORT": syscall.EPROTONOSUPPORT, "ESOCKTNOSUPPORT": syscall.ESOCKTNOSUPPORT,
		"EOPNOTSUPP": syscall.EOPNOTSUPP, "ENOTSUP": syscall.ENOTSUP, "EPFNOSUPPORT": syscall.EPFNOSUPPORT,
		"EAFNOSUPPORT": syscall.EAFNOSUPPORT, "EADDRINUSE": syscall.EADDRINUSE,
		"EADDRNOTAVAIL": syscall.EADDRNOTAVAIL, "ENETDOWN": syscall.ENETDOWN, "ENETUNREACH": syscall.ENETUNREACH,
		"ENETRESET": syscall.ENETRESET, "ECONNABORTED": syscall.ECONNABORTED, "ECONNRESET": syscall.ECONNRESET,
		"ENOBUFS": syscall.ENOBUFS, "EISCONN": syscall.EISCONN, "ENOTCONN": syscall.ENOTCONN,
		"ESHUTDOWN": syscall.ESHUTDOWN, "ETOOMANYREFS": syscall.ETOOMANYREFS, "ETIMEDOUT": syscall.ETIMEDOUT,
		"ECONNREFUSED": syscall.ECONNREFUSED, "EHOSTDOWN": syscall.EHOSTDOWN,
		"EHOSTUNREACH": syscall.EHOSTUNREACH, "EALREADY": syscall.EALREADY, "EINPROGRESS": syscall.EINPROGRESS,
		"ESTALE": syscall.ESTALE, "EUCLEAN": syscall.EUCLEAN, "ENOTNAM": syscall.ENOTNAM,
		"ENAVAIL": syscall.ENAVAIL, "EISNAM": syscall.EISNAM, "EREMOTEIO": syscall.EREMOTEIO,
		"EDQUOT": syscall.EDQUOT, "ENOMEDIUM": syscall.ENOMEDIUM, "EMEDIUMTYPE": syscall.EMEDIUMTYPE,
		"ECANCELED": syscall.ECANCELED, "ENOKEY": syscall.ENOKEY, "EKEYEXPIRED": syscall.EKEYEXPIRED,
		"EKEYREVOKED": syscall.EKEYREVOKED, "EKEYREJECTED": syscall.EKEYREJECTED,
		"EOWNERDEAD": syscall.EOWNERDEAD, "ENOTRECOVERABLE": syscall.ENOTRECOVERABLE, "ERFKILL": syscall.ERFKILL,
	}
	return m
}()

// TestHostHeaders compares every value with the host's uapi headers when
// they are installed (linux-libc-dev), names a header lacks excepted:
// the header may be older than the table, never different.
func TestHostHeaders(t *testing.T) {
	headers := []string{
		"asm-generic/errno-base.h", "asm-generic/errno.h",
		"asm-generic/mman-common.h", "asm-generic/mman.h", "asm/mman.h", "linux/mman.h",
		"asm-generic/hugetlb_encode.h",
	}
	defs := map[string]string{}
	for _, h := range headers {
		b, err := os.ReadFile(filepath.Join("/usr/include", h))
		if os.IsNotExist(err) && h == "asm/mman.h" {
			b, err = os.ReadFile("/usr/include/x86_64-linux-gnu/asm/mman.h")
		}
		if err != nil {
			t.Skipf("no uapi headers: %v", err)
		}
		for _, m := range defineRE.FindAllStringSubmatch(string(b), -1) {
			defs[m[1]] = strings.TrimSpace(m[2])
		}
	}
	check := func(name string, want uint64) {
		if _, ok := defs[name]; !ok {
			t.Logf("%s: not in the host's headers (newer than them)", name)
			return
		}
		v, err := evalDefine(defs, name, 0)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if v != want {
			t.Errorf("%s: table %#x, header %#x", name, want, v)
		}
	}
	for _, c := range mmanValues {
		if c.name != "LEGACY_MAP_MASK" { // include/linux/mman.h: not uapi
			check(c.name, c.want)
		}
	}
	for _, c := range errnoValues {
		if c.name != "ENOTSUP" { // glibc's name, not the kernel's
			check(c.name, uint64(c.want))
		}
	}
}

var (
	defineRE = regexp.MustCompile(`(?m)^#define[ \t]+([A-Z][A-Z0-9_]*)[ \t]+([^/\n]+)`)
	shiftRE  = regexp.MustCompile(`^\((\w+?)U? *<< *(\w+)\)$`)
)

// evalDefine evaluates the few forms these headers use: a number, another
// name, and (N << NAME).
func evalDefine(defs map[string]string, name string, depth int) (uint64, error) {
	s, ok := defs[name]
	if !ok || depth > 4 {
		return strconv.ParseUint(strings.TrimSuffix(name, "U"), 0, 64)
	}
	if m := shiftRE.FindStringSubmatch(s); m != nil {
		a, err := evalDefine(defs, m[1], depth+1)
		if err != nil {
			return 0, err
		}
		b, err := evalDefine(defs, m[2], depth+1)
		return a << b, err
	}
	return evalDefine(defs, s, depth+1)
}
