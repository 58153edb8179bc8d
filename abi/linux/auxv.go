package linux

// The auxiliary vector: the (type, value) pairs the kernel places on a
// new program's stack above its environment pointers, which the C
// library reads with getauxval(3). Linux writes them in create_elf_tables
// (fs/binfmt_elf.c); the System V x86-64 psABI (3.4.3 Auxiliary Vector)
// defines the format. The names and values are the uapi headers':
//
//	include/uapi/linux/auxvec.h     AT_NULL..AT_EXECFN, AT_MINSIGSTKSZ
//	arch/x86/include/uapi/asm/auxvec.h  AT_SYSINFO, AT_SYSINFO_EHDR
//	include/uapi/linux/binfmts.h    AT_FLAGS_PRESERVE_ARGV0, MAX_ARG_*
//
// They are untyped, as in C: an auxv entry is two unsigned longs.
const (
	AT_NULL              = 0  // end of vector
	AT_IGNORE            = 1  // entry should be ignored
	AT_EXECFD            = 2  // file descriptor of program (binfmt_misc's open-binary)
	AT_PHDR              = 3  // program headers for program
	AT_PHENT             = 4  // size of program header entry
	AT_PHNUM             = 5  // number of program headers
	AT_PAGESZ            = 6  // system page size
	AT_BASE              = 7  // base address of interpreter
	AT_FLAGS             = 8  // flags
	AT_ENTRY             = 9  // entry point of program
	AT_NOTELF            = 10 // program is not ELF
	AT_UID               = 11 // real uid
	AT_EUID              = 12 // effective uid
	AT_GID               = 13 // real gid
	AT_EGID              = 14 // effective gid
	AT_PLATFORM          = 15 // string identifying CPU for optimizations
	AT_HWCAP             = 16 // arch dependent hints at CPU capabilities
	AT_CLKTCK            = 17 // frequency at which times() increments
	AT_SECURE            = 23 // secure mode boolean
	AT_BASE_PLATFORM     = 24 // string identifying real platform, may differ from AT_PLATFORM
	AT_RANDOM            = 25 // address of 16 random bytes
	AT_HWCAP2            = 26 // extension of AT_HWCAP
	AT_RSEQ_FEATURE_SIZE = 27 // rseq supported feature size (Linux 6.3)
	AT_RSEQ_ALIGN        = 28 // rseq allocation alignment (Linux 6.3)
	AT_HWCAP3            = 29 // extension of AT_HWCAP (not defined on x86)
	AT_HWCAP4            = 30 // extension of AT_HWCAP (not defined on x86)
	AT_EXECFN            = 31 // filename of program
	AT_SYSINFO           = 32 // x86: the vDSO's system call entry (32-bit programs only)
	AT_SYSINFO_EHDR      = 33 // x86: the vDSO's ELF header
	AT_MINSIGSTKSZ       = 51 // minimal stack size for signal delivery
)

// AT_FLAGS_PRESERVE_ARGV0 is AT_FLAGS's only bit: binfmt_misc ran an
// interpreter with the original argv[0] kept.
const AT_FLAGS_PRESERVE_ARGV0 = 1 << 0

// Limits of execve's arguments (include/uapi/linux/binfmts.h): one
// string, its NUL included, is at most MAX_ARG_STRLEN bytes (32 pages);
// there are at most MAX_ARG_STRINGS of each kind.
const (
	MAX_ARG_STRLEN  = 32 * 4096
	MAX_ARG_STRINGS = 0x7FFFFFFF
)
