package linux

import "testing"

// auxvValues are the auxiliary vector's names as the uapi headers give
// them (Linux 6.1's /usr/include; AT_RSEQ_* from 6.3, AT_HWCAP3/4 from
// later kernels), so that a wrong constant fails here.
var auxvValues = []struct {
	name      string
	got, want uint64
}{
	{"AT_NULL", AT_NULL, 0},
	{"AT_IGNORE", AT_IGNORE, 1},
	{"AT_EXECFD", AT_EXECFD, 2},
	{"AT_PHDR", AT_PHDR, 3},
	{"AT_PHENT", AT_PHENT, 4},
	{"AT_PHNUM", AT_PHNUM, 5},
	{"AT_PAGESZ", AT_PAGESZ, 6},
	{"AT_BASE", AT_BASE, 7},
	{"AT_FLAGS", AT_FLAGS, 8},
	{"AT_ENTRY", AT_ENTRY, 9},
	{"AT_NOTELF", AT_NOTELF, 10},
	{"AT_UID", AT_UID, 11},
	{"AT_EUID", AT_EUID, 12},
	{"AT_GID", AT_GID, 13},
	{"AT_EGID", AT_EGID, 14},
	{"AT_PLATFORM", AT_PLATFORM, 15},
	{"AT_HWCAP", AT_HWCAP, 16},
	{"AT_CLKTCK", AT_CLKTCK, 17},
	{"AT_SECURE", AT_SECURE, 23},
	{"AT_BASE_PLATFORM", AT_BASE_PLATFORM, 24},
	{"AT_RANDOM", AT_RANDOM, 25},
	{"AT_HWCAP2", AT_HWCAP2, 26},
	{"AT_RSEQ_FEATURE_SIZE", AT_RSEQ_FEATURE_SIZE, 27},
	{"AT_RSEQ_ALIGN", AT_RSEQ_ALIGN, 28},
	{"AT_HWCAP3", AT_HWCAP3, 29},
	{"AT_HWCAP4", AT_HWCAP4, 30},
	{"AT_EXECFN", AT_EXECFN, 31},
	{"AT_SYSINFO", AT_SYSINFO, 32},
	{"AT_SYSINFO_EHDR", AT_SYSINFO_EHDR, 33},
	{"AT_MINSIGSTKSZ", AT_MINSIGSTKSZ, 51},
	{"AT_FLAGS_PRESERVE_ARGV0", AT_FLAGS_PRESERVE_ARGV0, 1},
	{"MAX_ARG_STRLEN", MAX_ARG_STRLEN, 0x20000},
	{"MAX_ARG_STRINGS", MAX_ARG_STRINGS, 0x7fffffff},
}

func TestAuxvValues(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range auxvValues {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
		if seen[c.name] {
			t.Errorf("%s listed twice", c.name)
		}
		seen[c.name] = true
	}
}
