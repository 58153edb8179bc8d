package linux

// memfd_create(2)'s flags (include/uapi/linux/memfd.h) and getrandom(2)'s
// (include/uapi/linux/random.h): the two calls a static C library makes
// for memory and randomness besides mmap.
const (
	MFD_CLOEXEC       = 0x0001
	MFD_ALLOW_SEALING = 0x0002
	MFD_HUGETLB       = 0x0004
	MFD_NOEXEC_SEAL   = 0x0008 // Linux 6.3
	MFD_EXEC          = 0x0010 // Linux 6.3

	GRND_NONBLOCK = 0x0001
	GRND_RANDOM   = 0x0002
	GRND_INSECURE = 0x0004 // Linux 5.6
)
