package linux

import "encoding/binary"

// Resource limits of getrlimit(2), setrlimit(2) and prlimit64(2)
// (include/uapi/asm-generic/resource.h): struct rlimit64, two 64-bit
// values, which on x86-64 is also struct rlimit.
const (
	RLIMIT_CPU        = 0  // CPU time in seconds
	RLIMIT_FSIZE      = 1  // largest file size
	RLIMIT_DATA       = 2  // data segment (brk, and private writable mappings since 4.7)
	RLIMIT_STACK      = 3  // main thread's stack
	RLIMIT_CORE       = 4  // core file size
	RLIMIT_RSS        = 5  // resident set size (ignored by Linux)
	RLIMIT_NPROC      = 6  // processes of the real user
	RLIMIT_NOFILE     = 7  // one more than the largest file descriptor
	RLIMIT_MEMLOCK    = 8  // locked memory
	RLIMIT_AS         = 9  // address space size
	RLIMIT_LOCKS      = 10 // file locks
	RLIMIT_SIGPENDING = 11 // queued signals
	RLIMIT_MSGQUEUE   = 12 // POSIX message queue bytes
	RLIMIT_NICE       = 13 // nice ceiling
	RLIMIT_RTPRIO     = 14 // real-time priority ceiling
	RLIMIT_RTTIME     = 15 // real-time CPU time without a blocking call, in microseconds
	RLIM_NLIMITS      = 16
)

// RLIM_INFINITY is "no limit" (RLIM64_INFINITY).
const RLIM_INFINITY = ^uint64(0)

// SizeofRlimit is the size of struct rlimit64.
const SizeofRlimit = 16

// Rlimit is struct rlimit64: the soft limit Cur, which the kernel
// enforces, and the hard limit Max, the ceiling of Cur.
type Rlimit struct {
	Cur, Max uint64
}

// Append appends r's 16 bytes.
func (r Rlimit) Append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, r.Cur)
	return binary.LittleEndian.AppendUint64(b, r.Max)
}

// DecodeRlimit reads prlimit64's new limit, checked as do_prlimit:
// EFAULT when b is shorter than the structure, EINVAL when Cur > Max.
// Raising Max needs privilege, and RLIMIT_NOFILE has a ceiling
// (sysctl_nr_open): those checks need the old limit and are the
// caller's.
func DecodeRlimit(b []byte) (Rlimit, error) {
	if len(b) < SizeofRlimit {
		return Rlimit{}, EFAULT
	}
	r := Rlimit{binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])}
	if r.Cur > r.Max {
		return Rlimit{}, EINVAL
	}
	return r, nil
}

// CheckRlimitResource is prlimit64's resource, an unsigned int, checked
// as do_prlimit: EINVAL from RLIM_NLIMITS on.
func CheckRlimitResource(resource uint64) (int, error) {
	if r := uint32(resource); r < RLIM_NLIMITS {
		return int(r), nil
	}
	return 0, EINVAL
}
