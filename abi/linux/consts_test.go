package linux

import (
	"strconv"
	"testing"
)

// The tables below give each value as the uapi headers do (Linux 6.1's
// /usr/include; MAP_DROPPABLE and MADV_GUARD_* from 6.11 and 6.13), so
// that a wrong constant fails here; host_test.go checks the tables
// themselves against the host's headers and Go's syscall package.

var mmanValues = []struct {
	name      string
	got, want uint64
}{
	{"PROT_NONE", PROT_NONE, 0x0},
	{"PROT_READ", PROT_READ, 0x1},
	{"PROT_WRITE", PROT_WRITE, 0x2},
	{"PROT_EXEC", PROT_EXEC, 0x4},
	{"PROT_SEM", PROT_SEM, 0x8},
	{"PROT_GROWSDOWN", PROT_GROWSDOWN, 0x1000000},
	{"PROT_GROWSUP", PROT_GROWSUP, 0x2000000},
	{"MAP_SHARED", MAP_SHARED, 0x1},
	{"MAP_PRIVATE", MAP_PRIVATE, 0x2},
	{"MAP_SHARED_VALIDATE", MAP_SHARED_VALIDATE, 0x3},
	{"MAP_DROPPABLE", MAP_DROPPABLE, 0x8},
	{"MAP_TYPE", MAP_TYPE, 0xf},
	{"MAP_FIXED", MAP_FIXED, 0x10},
	{"MAP_ANONYMOUS", MAP_ANONYMOUS, 0x20},
	{"MAP_32BIT", MAP_32BIT, 0x40},
	{"MAP_GROWSDOWN", MAP_GROWSDOWN, 0x100},
	{"MAP_DENYWRITE", MAP_DENYWRITE, 0x800},
	{"MAP_EXECUTABLE", MAP_EXECUTABLE, 0x1000},
	{"MAP_LOCKED", MAP_LOCKED, 0x2000},
	{"MAP_NORESERVE", MAP_NORESERVE, 0x4000},
	{"MAP_POPULATE", MAP_POPULATE, 0x8000},
	{"MAP_NONBLOCK", MAP_NONBLOCK, 0x10000},
	{"MAP_STACK", MAP_STACK, 0x20000},
	{"MAP_HUGETLB", MAP_HUGETLB, 0x40000},
	{"MAP_SYNC", MAP_SYNC, 0x80000},
	{"MAP_FIXED_NOREPLACE", MAP_FIXED_NOREPLACE, 0x100000},
	{"MAP_UNINITIALIZED", MAP_UNINITIALIZED, 0x4000000},
	{"MAP_FILE", MAP_FILE, 0x0},
	{"MAP_HUGE_SHIFT", MAP_HUGE_SHIFT, 0x1a},
	{"MAP_HUGE_MASK", MAP_HUGE_MASK, 0x3f},
	{"MAP_HUGE_2MB", MAP_HUGE_2MB, 0x54000000},
	{"MAP_HUGE_1GB", MAP_HUGE_1GB, 0x78000000},
	{"LEGACY_MAP_MASK", LEGACY_MAP_MASK, 0x7c07f973},
	{"MADV_NORMAL", MADV_NORMAL, 0x0},
	{"MADV_RANDOM", MADV_RANDOM, 0x1},
	{"MADV_SEQUENTIAL", MADV_SEQUENTIAL, 0x2},
	{"MADV_WILLNEED", MADV_WILLNEED, 0x3},
	{"MADV_DONTNEED", MADV_DONTNEED, 0x4},
	{"MADV_FREE", MADV_FREE, 0x8},
	{"MADV_REMOVE", MADV_REMOVE, 0x9},
	{"MADV_DONTFORK", MADV_DONTFORK, 0xa},
	{"MADV_DOFORK", MADV_DOFORK, 0xb},
	{"MADV_MERGEABLE", MADV_MERGEABLE, 0xc},
	{"MADV_UNMERGEABLE", MADV_UNMERGEABLE, 0xd},
	{"MADV_HUGEPAGE", MADV_HUGEPAGE, 0xe},
	{"MADV_NOHUGEPAGE", MADV_NOHUGEPAGE, 0xf},
	{"MADV_DONTDUMP", MADV_DONTDUMP, 0x10},
	{"MADV_DODUMP", MADV_DODUMP, 0x11},
	{"MADV_WIPEONFORK", MADV_WIPEONFORK, 0x12},
	{"MADV_KEEPONFORK", MADV_KEEPONFORK, 0x13},
	{"MADV_COLD", MADV_COLD, 0x14},
	{"MADV_PAGEOUT", MADV_PAGEOUT, 0x15},
	{"MADV_POPULATE_READ", MADV_POPULATE_READ, 0x16},
	{"MADV_POPULATE_WRITE", MADV_POPULATE_WRITE, 0x17},
	{"MADV_DONTNEED_LOCKED", MADV_DONTNEED_LOCKED, 0x18},
	{"MADV_COLLAPSE", MADV_COLLAPSE, 0x19},
	{"MADV_HWPOISON", MADV_HWPOISON, 0x64},
	{"MADV_SOFT_OFFLINE", MADV_SOFT_OFFLINE, 0x65},
	{"MADV_GUARD_INSTALL", MADV_GUARD_INSTALL, 0x66},
	{"MADV_GUARD_REMOVE", MADV_GUARD_REMOVE, 0x67},
	{"MS_ASYNC", MS_ASYNC, 0x1},
	{"MS_INVALIDATE", MS_INVALIDATE, 0x2},
	{"MS_SYNC", MS_SYNC, 0x4},
	{"MREMAP_MAYMOVE", MREMAP_MAYMOVE, 0x1},
	{"MREMAP_FIXED", MREMAP_FIXED, 0x2},
	{"MREMAP_DONTUNMAP", MREMAP_DONTUNMAP, 0x4},
}

func TestMmanValues(t *testing.T) {
	for _, c := range mmanValues {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}

var errnoValues = []struct {
	name string
	got  Errno
	want uint16
}{
	{"EPERM", EPERM, 1},
	{"ENOENT", ENOENT, 2},
	{"ESRCH", ESRCH, 3},
	{"EINTR", EINTR, 4},
	{"EIO", EIO, 5},
	{"ENXIO", ENXIO, 6},
	{"E2BIG", E2BIG, 7},
	{"ENOEXEC", ENOEXEC, 8},
	{"EBADF", EBADF, 9},
	{"ECHILD", ECHILD, 10},
	{"EAGAIN", EAGAIN, 11},
	{"ENOMEM", ENOMEM, 12},
	{"EACCES", EACCES, 13},
	{"EFAULT", EFAULT, 14},
	{"ENOTBLK", ENOTBLK, 15},
	{"EBUSY", EBUSY, 16},
	{"EEXIST", EEXIST, 17},
	{"EXDEV", EXDEV, 18},
	{"ENODEV", ENODEV, 19},
	{"ENOTDIR", ENOTDIR, 20},
	{"EISDIR", EISDIR, 21},
	{"EINVAL", EINVAL, 22},
	{"ENFILE", ENFILE, 23},
	{"EMFILE", EMFILE, 24},
	{"ENOTTY", ENOTTY, 25},
	{"ETXTBSY", ETXTBSY, 26},
	{"EFBIG", EFBIG, 27},
	{"ENOSPC", ENOSPC, 28},
	{"ESPIPE", ESPIPE, 29},
	{"EROFS", EROFS, 30},
	{"EMLINK", EMLINK, 31},
	{"EPIPE", EPIPE, 32},
	{"EDOM", EDOM, 33},
	{"ERANGE", ERANGE, 34},
	{"EDEADLK", EDEADLK, 35},
	{"ENAMETOOLONG", ENAMETOOLONG, 36},
	{"ENOLCK", ENOLCK, 37},
	{"ENOSYS", ENOSYS, 38},
	{"ENOTEMPTY", ENOTEMPTY, 39},
	{"ELOOP", ELOOP, 40},
	{"EWOULDBLOCK", EWOULDBLOCK, 11},
	{"ENOMSG", ENOMSG, 42},
	{"EIDRM", EIDRM, 43},
	{"ECHRNG", ECHRNG, 44},
	{"EL2NSYNC", EL2NSYNC, 45},
	{"EL3HLT", EL3HLT, 46},
	{"EL3RST", EL3RST, 47},
	{"ELNRNG", ELNRNG, 48},
	{"EUNATCH", EUNATCH, 49},
	{"ENOCSI", ENOCSI, 50},
	{"EL2HLT", EL2HLT, 51},
	{"EBADE", EBADE, 52},
	{"EBADR", EBADR, 53},
	{"EXFULL", EXFULL, 54},
	{"ENOANO", ENOANO, 55},
	{"EBADRQC", EBADRQC, 56},
	{"EBADSLT", EBADSLT, 57},
	{"EDEADLOCK", EDEADLOCK, 35},
	{"EBFONT", EBFONT, 59},
	{"ENOSTR", ENOSTR, 60},
	{"ENODATA", ENODATA, 61},
	{"ETIME", ETIME, 62},
	{"ENOSR", ENOSR, 63},
	{"ENONET", ENONET, 64},
	{"ENOPKG", ENOPKG, 65},
	{"EREMOTE", EREMOTE, 66},
	{"ENOLINK", ENOLINK, 67},
	{"EADV", EADV, 68},
	{"ESRMNT", ESRMNT, 69},
	{"ECOMM", ECOMM, 70},
	{"EPROTO", EPROTO, 71},
	{"EMULTIHOP", EMULTIHOP, 72},
	{"EDOTDOT", EDOTDOT, 73},
	{"EBADMSG", EBADMSG, 74},
	{"EOVERFLOW", EOVERFLOW, 75},
	{"ENOTUNIQ", ENOTUNIQ, 76},
	{"EBADFD", EBADFD, 77},
	{"EREMCHG", EREMCHG, 78},
	{"ELIBACC", ELIBACC, 79},
	{"ELIBBAD", ELIBBAD, 80},
	{"ELIBSCN", ELIBSCN, 81},
	{"ELIBMAX", ELIBMAX, 82},
	{"ELIBEXEC", ELIBEXEC, 83},
	{"EILSEQ", EILSEQ, 84},
	{"ERESTART", ERESTART, 85},
	{"ESTRPIPE", ESTRPIPE, 86},
	{"EUSERS", EUSERS, 87},
	{"ENOTSOCK", ENOTSOCK, 88},
	{"EDESTADDRREQ", EDESTADDRREQ, 89},
	{"EMSGSIZE", EMSGSIZE, 90},
	{"EPROTOTYPE", EPROTOTYPE, 91},
	{"ENOPROTOOPT", ENOPROTOOPT, 92},
	{"EPROTONOSUPPORT", EPROTONOSUPPORT, 93},
	{"ESOCKTNOSUPPORT", ESOCKTNOSUPPORT, 94},
	{"EOPNOTSUPP", EOPNOTSUPP, 95},
	{"EPFNOSUPPORT", EPFNOSUPPORT, 96},
	{"EAFNOSUPPORT", EAFNOSUPPORT, 97},
	{"EADDRINUSE", EADDRINUSE, 98},
	{"EADDRNOTAVAIL", EADDRNOTAVAIL, 99},
	{"ENETDOWN", ENETDOWN, 100},
	{"ENETUNREACH", ENETUNREACH, 101},
	{"ENETRESET", ENETRESET, 102},
	{"ECONNABORTED", ECONNABORTED, 103},
	{"ECONNRESET", ECONNRESET, 104},
	{"ENOBUFS", ENOBUFS, 105},
	{"EISCONN", EISCONN, 106},
	{"ENOTCONN", ENOTCONN, 107},
	{"ESHUTDOWN", ESHUTDOWN, 108},
	{"ETOOMANYREFS", ETOOMANYREFS, 109},
	{"ETIMEDOUT", ETIMEDOUT, 110},
	{"ECONNREFUSED", ECONNREFUSED, 111},
	{"EHOSTDOWN", EHOSTDOWN, 112},
	{"EHOSTUNREACH", EHOSTUNREACH, 113},
	{"EALREADY", EALREADY, 114},
	{"EINPROGRESS", EINPROGRESS, 115},
	{"ESTALE", ESTALE, 116},
	{"EUCLEAN", EUCLEAN, 117},
	{"ENOTNAM", ENOTNAM, 118},
	{"ENAVAIL", ENAVAIL, 119},
	{"EISNAM", EISNAM, 120},
	{"EREMOTEIO", EREMOTEIO, 121},
	{"EDQUOT", EDQUOT, 122},
	{"ENOMEDIUM", ENOMEDIUM, 123},
	{"EMEDIUMTYPE", EMEDIUMTYPE, 124},
	{"ECANCELED", ECANCELED, 125},
	{"ENOKEY", ENOKEY, 126},
	{"EKEYEXPIRED", EKEYEXPIRED, 127},
	{"EKEYREVOKED", EKEYREVOKED, 128},
	{"EKEYREJECTED", EKEYREJECTED, 129},
	{"EOWNERDEAD", EOWNERDEAD, 130},
	{"ENOTRECOVERABLE", ENOTRECOVERABLE, 131},
	{"ERFKILL", ERFKILL, 132},
	{"EHWPOISON", EHWPOISON, 133},
	{"ENOTSUP", ENOTSUP, 95},
}

func TestErrnoValues(t *testing.T) {
	for _, c := range errnoValues {
		if uint16(c.got) != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// TestErrnoNames: every number from 1 to the last has its Linux name,
// an alias its primary's, and a number Linux leaves unused says so.
func TestErrnoNames(t *testing.T) {
	aliases := map[string]string{"EWOULDBLOCK": "EAGAIN", "EDEADLOCK": "EDEADLK", "ENOTSUP": "EOPNOTSUPP"}
	named := map[Errno]bool{}
	for _, c := range errnoValues {
		want := c.name
		if p, ok := aliases[c.name]; ok {
			want = p
		}
		if s := c.got.String(); s != want {
			t.Errorf("Errno(%d).String() = %q, want %q", c.want, s, want)
		}
		if s := c.got.Error(); s != want {
			t.Errorf("Errno(%d).Error() = %q, want %q", c.want, s, want)
		}
		named[c.got] = true
	}
	for e := Errno(0); e <= EHWPOISON+1; e++ {
		if !named[e] && e.String() != "errno "+strconv.Itoa(int(e)) {
			t.Errorf("Errno(%d).String() = %q, want the number", e, e.String())
		}
	}
	if len(errnoNames) != int(EHWPOISON)+1 {
		t.Errorf("errnoNames has %d entries, want 0..EHWPOISON", len(errnoNames))
	}
}

func TestErrnoReturn(t *testing.T) {
	for _, c := range []struct {
		e    Errno
		want uint64
	}{{EPERM, 0xffff_ffff_ffff_ffff}, {ENOMEM, 0xffff_ffff_ffff_fff4}, {EHWPOISON, 0xffff_ffff_ffff_ff7b}} {
		if got := c.e.Return(); got != c.want || int64(got) != -int64(c.e) {
			t.Errorf("%v.Return() = %#x, want %#x", c.e, got, c.want)
		}
	}
}
