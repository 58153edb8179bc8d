package linux

import "encoding/binary"

// Time as the system calls pass it on x86-64, where time_t, long and
// suseconds_t are all 64 bits (include/uapi/linux/time.h,
// include/uapi/linux/time_types.h): struct timespec (nanosleep,
// clock_gettime, stat's times) and struct timeval (gettimeofday).

// Clocks of clock_gettime(2) and clock_nanosleep(2)
// (include/uapi/linux/time.h).
const (
	CLOCK_REALTIME           = 0
	CLOCK_MONOTONIC          = 1
	CLOCK_PROCESS_CPUTIME_ID = 2
	CLOCK_THREAD_CPUTIME_ID  = 3
	CLOCK_MONOTONIC_RAW      = 4
	CLOCK_REALTIME_COARSE    = 5
	CLOCK_MONOTONIC_COARSE   = 6
	CLOCK_BOOTTIME           = 7
	CLOCK_REALTIME_ALARM     = 8
	CLOCK_BOOTTIME_ALARM     = 9
	CLOCK_TAI                = 11
)

// TIMER_ABSTIME is clock_nanosleep's only flag: the time is a deadline.
const TIMER_ABSTIME = 1

// Sizes of the structures in user memory.
const (
	SizeofTimespec = 16
	SizeofTimeval  = 16
)

const nsecPerSec = 1_000_000_000

// Timespec is struct timespec: seconds and nanoseconds.
type Timespec struct {
	Sec, Nsec int64
}

// NsecToTimespec is ns nanoseconds as a Timespec, Nsec in [0, 1e9) for
// a negative ns too (as Linux's ns_to_timespec64).
func NsecToTimespec(ns int64) Timespec {
	t := Timespec{Sec: ns / nsecPerSec, Nsec: ns % nsecPerSec}
	if t.Nsec < 0 {
		t.Sec--
		t.Nsec += nsecPerSec
	}
	return t
}

// Nanoseconds is t in nanoseconds, saturated at the int64 limits rather
// than wrapping (as Linux's timespec64_to_ns saturates at KTIME_MAX).
func (t Timespec) Nanoseconds() int64 {
	const maxSec = (1<<63 - 1) / nsecPerSec
	switch {
	case t.Sec > maxSec:
		return 1<<63 - 1
	case t.Sec < -maxSec:
		return -1 << 63
	}
	return t.Sec*nsecPerSec + t.Nsec
}

// Valid reports whether t is a time a system call accepts: Linux's
// timespec64_valid, Sec >= 0 and Nsec in [0, 1e9).
func (t Timespec) Valid() bool {
	return t.Sec >= 0 && t.Nsec >= 0 && t.Nsec < nsecPerSec
}

// Append appends t's 16 bytes.
func (t Timespec) Append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(t.Sec))
	return binary.LittleEndian.AppendUint64(b, uint64(t.Nsec))
}

// DecodeTimespec reads a struct timespec a program passed (nanosleep's
// request, clock_nanosleep's), checked as get_timespec64 and then the
// callers' timespec64_valid: EFAULT when b is shorter than the
// structure (the caller could not copy all of it), EINVAL when it is not
// Valid.
func DecodeTimespec(b []byte) (Timespec, error) {
	if len(b) < SizeofTimespec {
		return Timespec{}, EFAULT
	}
	t := Timespec{int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))}
	if !t.Valid() {
		return Timespec{}, EINVAL
	}
	return t, nil
}

// Timeval is struct timeval: seconds and microseconds.
type Timeval struct {
	Sec, Usec int64
}

// NsecToTimeval is ns nanoseconds as a Timeval, truncated to the
// microsecond (Usec in [0, 1e6)).
func NsecToTimeval(ns int64) Timeval {
	t := NsecToTimespec(ns)
	return Timeval{t.Sec, t.Nsec / 1000}
}

// Append appends t's 16 bytes.
func (t Timeval) Append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(t.Sec))
	return binary.LittleEndian.AppendUint64(b, uint64(t.Usec))
}
