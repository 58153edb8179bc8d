package proc

import (
	"bytes"
	"fmt"
	"strings"
)

// /proc/cpuinfo, as Linux's show_cpuinfo (arch/x86/kernel/cpu/proc.c):
// one block per CPU (Pagoda runs on CPU 0 only), made from CPUID: the
// vendor, family, model and stepping of leaf 1 (the extended family and
// model folded in as Linux's x86_family and x86_model), the brand
// string of leaves 0x80000002..4, the address sizes of 0x80000008, and
// the flags by Linux's names (arch/x86/include/asm/cpufeatures.h) for
// the CPUID words Linux shows: 1 EDX and ECX, 0x80000001 EDX and ECX,
// 7.0 EBX, ECX and EDX, 0xd.1 EAX. Linux's synthetic flags (its
// decisions, such as constant_tsc or pti) are not there, nor bugs.

// CPUIDFunc executes CPUID (arch.CPUID on the machine).
type CPUIDFunc func(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// cpuFlagWord names the bits of one CPUID register; "" is a bit Linux
// does not show.
type cpuFlagWord struct {
	leaf, subleaf uint32
	reg           int // 0 EAX, 1 EBX, 2 ECX, 3 EDX
	names         [32]string
}

// cpuFlagWords are in Linux's word order, which is cpuinfo's.
var cpuFlagWords = []cpuFlagWord{
	{leaf: 1, reg: 3, names: [32]string{"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "", "sep",
		"mtrr", "pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", "", "dts", "acpi", "mmx", "fxsr", "sse", "sse2",
		"ss", "ht", "tm", "ia64", "pbe"}},
	{leaf: 0x80000001, reg: 3, names: [32]string{11: "syscall", 19: "mp", 20: "nx", 22: "mmxext", 25: "fxsr_opt",
		26: "pdpe1gb", 27: "rdtscp", 29: "lm", 30: "3dnowext", 31: "3dnow"}},
	{leaf: 1, reg: 2, names: [32]string{"pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2",
		"ssse3", "cid", "sdbg", "fma", "cx16", "xtpr", "pdcm", "", "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe",
		"popcnt", "tsc_deadline_timer", "aes", "xsave", "", "avx", "f16c", "rdrand", "hypervisor"}},
	{leaf: 0x80000001, reg: 2, names: [32]string{"lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a",
		"misalignsse", "3dnowprefetch", "osvw", "ibs", "xop", "skinit", "wdt", "", "lwp", "fma4", "tce", "", "nodeid_msr",
		"", "tbm", "topoext", "perfctr_core", "perfctr_nb", "", "bpext", "ptsc", "perfctr_llc", "mwaitx"}},
	{leaf: 7, reg: 1, names: [32]string{"fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", "", "smep", "bmi2", "erms",
		"invpcid", "rtm", "cqm", "", "mpx", "rdt_a", "avx512f", "avx512dq", "rdseed", "adx", "smap", "avx512ifma", "",
		"clflushopt", "clwb", "intel_pt", "avx512pf", "avx512er", "avx512cd", "sha_ni", "avx512bw", "avx512vl"}},
	{leaf: 0xd, subleaf: 1, reg: 0, names: [32]string{"xsaveopt", "xsavec", "xgetbv1", "xsaves"}},
	{leaf: 7, reg: 2, names: [32]string{1: "avx512vbmi", 2: "umip", 3: "pku", 4: "ospke", 5: "waitpkg", 6: "avx512_vbmi2",
		8: "gfni", 9: "vaes", 10: "vpclmulqdq", 11: "avx512_vnni", 12: "avx512_bitalg", 13: "tme", 14: "avx512_vpopcntdq",
		16: "la57", 22: "rdpid", 24: "bus_lock_detect", 25: "cldemote", 27: "movdiri", 28: "movdir64b", 29: "enqcmd",
		30: "sgx_lc"}},
	{leaf: 7, reg: 3, names: [32]string{2: "avx512_4vnniw", 3: "avx512_4fmaps", 4: "fsrm", 8: "avx512_vp2intersect",
		10: "md_clear", 14: "serialize", 16: "tsxldtrk", 18: "pconfig", 19: "arch_lbr", 20: "ibt", 22: "amx_bf16",
		23: "avx512_fp16", 24: "amx_tile", 25: "amx_int8", 28: "flush_l1d", 29: "arch_capabilities",
		31: "spec_ctrl_ssbd"}},
}

// cpuinfoText is /proc/cpuinfo for CPU 0, with tscHz for cpu MHz and
// bogomips (Linux's, calibrated on the TSC: twice the MHz).
func cpuinfoText(cpuid CPUIDFunc, tscHz uint64) []byte {
	maxLeaf, b0, c0, d0 := cpuid(0, 0)
	vendor := string(le32(b0)) + string(le32(d0)) + string(le32(c0))
	maxExt, _, _, _ := cpuid(0x80000000, 0)
	reg := func(leaf, sub uint32, r int) uint32 {
		if leaf < 0x80000000 && leaf > maxLeaf || leaf >= 0x80000000 && leaf > maxExt {
			return 0
		}
		a, b, c, d := cpuid(leaf, sub)
		return [4]uint32{a, b, c, d}[r]
	}
	sig, misc := reg(1, 0, 0), reg(1, 0, 1)
	family, model := sig>>8&0xf, sig>>4&0xf
	if family == 0xf {
		family += sig >> 20 & 0xff
	}
	if family >= 6 {
		model += (sig >> 16 & 0xf) << 4
	}
	name := "unknown"
	if maxExt >= 0x80000004 {
		var brand []byte
		for leaf := uint32(0x80000002); leaf <= 0x80000004; leaf++ {
			a, b, c, d := cpuid(leaf, 0)
			for _, r := range []uint32{a, b, c, d} {
				brand = append(brand, le32(r)...)
			}
		}
		if i := bytes.IndexByte(brand, 0); i >= 0 {
			brand = brand[:i]
		}
		name = strings.TrimSpace(string(brand))
	}
	var flags []string
	for _, w := range cpuFlagWords {
		v := reg(w.leaf, w.subleaf, w.reg)
		for bit, n := range w.names {
			if n != "" && v&(1<<bit) != 0 {
				flags = append(flags, n)
			}
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %d\nmodel\t\t: %d\nmodel name\t: %s\nstepping\t: %d\n",
		vendor, family, model, name, sig&0xf)
	fmt.Fprintf(&b, "cpu MHz\t\t: %d.%03d\n", tscHz/1e6, tscHz/1e3%1e3)
	if l2 := reg(0x80000006, 0, 2) >> 16; l2 != 0 {
		fmt.Fprintf(&b, "cache size\t: %d KB\n", l2)
	}
	fmt.Fprintf(&b, "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: %d\ninitial apicid\t: %d\n",
		misc>>24, misc>>24)
	fmt.Fprintf(&b, "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %d\nwp\t\t: yes\nflags\t\t: %s\nbugs\t\t:\n",
		maxLeaf, strings.Join(flags, " "))
	bogo := 2 * tscHz / 1e4 // hundredths of a BogoMIPS
	clflush := (misc >> 8 & 0xff) * 8
	fmt.Fprintf(&b, "bogomips\t: %d.%02d\nclflush size\t: %d\ncache_alignment\t: %d\n", bogo/100, bogo%100,
		clflush, clflush)
	if sizes := reg(0x80000008, 0, 0); sizes != 0 {
		fmt.Fprintf(&b, "address sizes\t: %d bits physical, %d bits virtual\n", sizes&0xff, sizes>>8&0xff)
	}
	b.WriteString("power management:\n\n")
	return b.Bytes()
}

// le32 is v's four bytes, little-endian: the characters CPUID returns.
func le32(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
