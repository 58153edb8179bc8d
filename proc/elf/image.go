package elf

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// Bounds of a program's address space, as Linux's on x86-64 with 4-level
// paging.
const (
	// UserEnd is the end of the user half: TASK_SIZE_MAX, (1 << 47)
	// minus a guard page (arch/x86/include/asm/page_64_types.h). The
	// guard page keeps code off the highest canonical page: a SYSCALL
	// there would return to a non-canonical RIP, which SYSRET on Intel
	// CPUs faults on in ring 0 (SDM 2B SYSRET). Every segment lies
	// below it (load_elf_binary's BAD_ADDR and TASK_SIZE checks).
	UserEnd mm.VirtAddr = 1<<47 - mm.PageSize

	// MinAddr is the lowest address a program may map:
	// vm.mmap_min_addr's default, CONFIG_DEFAULT_MMAP_MIN_ADDR = 65536,
	// which keeps a kernel NULL dereference from reaching user memory.
	// Linux refuses the mapping (EPERM from security_mmap_addr) after
	// the point of no return; Parse and Rebase refuse the file.
	MinAddr mm.VirtAddr = 0x10000

	// ETDynBase is ELF_ET_DYN_BASE on x86-64, DEFAULT_MAP_WINDOW / 3 * 2
	// (arch/x86/include/asm/elf.h): where load_elf_binary puts an
	// ET_DYN program that has an interpreter, its first page at
	// PAGESTART(ETDynBase - p_vaddr), 0x555555554000 for p_vaddr 0
	// with ASLR off, the address gdb users know. A static PIE (no
	// PT_INTERP) Linux maps in the mmap region instead (load_bias 0
	// without MAP_FIXED, "DOC: PIE handling", Linux 4.13 on) and moves
	// its brk to ELF_ET_DYN_BASE ("DOC: brk handling"). Pagoda has no
	// mmap region of its own to honour: BiasAt(ETDynBase) gives a
	// static PIE the PIE address and its brk follows it.
	ETDynBase mm.VirtAddr = (1<<47 - mm.PageSize) / 3 * 2
)

// Image is the loading plan of a program: what to map where, where it
// starts, and what its auxiliary vector says about it. Parse makes it
// from a file it has validated; nothing in it needs checking again.
//
// An ET_DYN image's addresses are its link-time ones (bias 0) until
// Rebase moves it; an ET_EXEC image's are final.
type Image struct {
	Type Type
	// Bias is what Rebase added to every address: the load bias,
	// load_elf_binary's load_bias. Zero from Parse.
	Bias mm.VirtAddr
	// Entry is the first instruction: e_entry plus Bias. It lies in an
	// executable segment.
	Entry mm.VirtAddr
	// Segments are the PT_LOAD segments with a non-zero p_memsz, in
	// ascending order; their page ranges [Start, End) do not overlap.
	Segments []Segment
	// PhdrAddr is AT_PHDR: the address of the program header table in
	// memory, found as Linux 5.18 on finds it (commit 0da1d5002745,
	// "fs/binfmt_elf: Fix AT_PHDR for unusual ELF files"): in the
	// PT_LOAD whose file range holds e_phoff, at its offset there.
	// PT_PHDR is not consulted, as Linux does not consult it. When no
	// segment holds the table it is Bias, as on Linux.
	PhdrAddr mm.VirtAddr
	// PhNum and PhEnt are AT_PHNUM (e_phnum) and AT_PHENT (56).
	PhNum, PhEnt int
	// StackExec is PT_GNU_STACK's PF_X: whether the stack is
	// executable. Without PT_GNU_STACK it is not: x86-64 does not imply
	// READ_IMPLIES_EXEC (elf_read_implies_exec, Linux 5.8 on).
	StackExec bool
	// Brk is the start of the heap: the end of the highest PT_LOAD's
	// memory, page-aligned (mm->start_brk, before randomization).
	Brk mm.VirtAddr
	// Align is the largest power-of-two p_align of the PT_LOADs, at
	// least a page: the alignment an ET_DYN bias keeps
	// (maximum_alignment).
	Align uint64
}

// Segment is one PT_LOAD: Vaddr..Vaddr+MemSize in memory, of which the
// first FileSize bytes are the file's from FileOff and the rest zero.
// Vaddr and FileOff are congruent modulo the page size, so the segment
// maps whole pages of the file (elf_map):
//
//	[Start, FileEnd)  private file mapping of the page cache from MapOff:
//	                  read-only text stays shared with the page cache,
//	                  written .data pages are copied on write
//	[ZeroStart, FileEnd)  when MemSize > FileSize > 0: the rest of the
//	                  last file page, the file's next bytes, to be
//	                  cleared (padzero; it copies that page)
//	[FileEnd, End)    anonymous demand-zero memory (.bss), vm_brk_flags
type Segment struct {
	Vaddr    mm.VirtAddr // p_vaddr plus the bias
	Start    mm.VirtAddr // Vaddr rounded down to a page
	End      mm.VirtAddr // Vaddr + MemSize rounded up to a page
	FileOff  uint64      // p_offset
	FileSize uint64      // p_filesz
	MemSize  uint64      // p_memsz, >= FileSize, > 0
	Prot     vm.Prot     // from p_flags: PF_R, PF_W, PF_X (make_prot)
}

// pageOff is the offset of Vaddr in its page, which is also FileOff's.
func (s Segment) pageOff() uint64 { return uint64(s.Vaddr - s.Start) }

// MapOff is the page-aligned file offset mapped at Start.
func (s Segment) MapOff() uint64 { return s.FileOff - s.pageOff() }

// FileEnd is the end of the file-backed pages: Start when the segment
// has no file bytes, else Vaddr + FileSize rounded up to a page.
func (s Segment) FileEnd() mm.VirtAddr {
	if s.FileSize == 0 {
		return s.Start
	}
	return pageAlign(s.Vaddr + mm.VirtAddr(s.FileSize))
}

// ZeroStart is the first byte past the file's: from here to End the
// segment reads as zero.
func (s Segment) ZeroStart() mm.VirtAddr { return s.Vaddr + mm.VirtAddr(s.FileSize) }

func (s Segment) String() string {
	return fmt.Sprintf("[%v, %v) %v file %#x+%#x mem %#x", s.Start, s.End, s.Prot, s.FileOff, s.FileSize, s.MemSize)
}

// Extent is the page range from the first segment's start to the last
// one's end: what an ET_DYN image occupies, holes included
// (total_mapping_size).
func (img *Image) Extent() (start, end mm.VirtAddr) {
	return img.Segments[0].Start, img.Segments[len(img.Segments)-1].End
}

// BiasAt is the load bias that puts an ET_DYN image at base, as
// load_elf_binary computes it: base aligned down to Align, less the
// first segment's p_vaddr, rounded down to a page. Zero for ET_EXEC.
func (img *Image) BiasAt(base mm.VirtAddr) mm.VirtAddr {
	if img.Type != TypeDyn {
		return 0
	}
	base &^= mm.VirtAddr(img.Align - 1)
	return pageStart(base - (img.Segments[0].Vaddr - img.Bias))
}

// Rebase is the image moved by bias (added to its current addresses),
// as load_bias moves an ET_DYN program. ErrNoSpace if a segment would
// leave [MinAddr, UserEnd).
//
// Preconditions: bias is page-aligned; bias is 0 unless img is ET_DYN.
func (img *Image) Rebase(bias mm.VirtAddr) (*Image, error) {
	if bias&mm.PageMask != 0 || (bias != 0 && img.Type != TypeDyn) {
		panic("elf.Rebase: bias not page-aligned, or an ET_EXEC image")
	}
	start, end := img.Extent()
	end = max(end, img.Brk) // a PT_LOAD of p_memsz 0 may lie past the last segment
	// Addresses wrap modulo 2^64, as load_bias does: a bias "below
	// zero" moves an image linked high down.
	ns, ne := start+bias, end+bias
	if ns < MinAddr || ne > UserEnd || ne < ns {
		return nil, fmt.Errorf("%w: bias %v puts [%v, %v) at [%v, %v), outside [%v, %v)",
			ErrNoSpace, bias, start, end, ns, ne, MinAddr, UserEnd)
	}
	out := *img
	out.Bias += bias
	out.Entry += bias
	out.PhdrAddr += bias
	out.Brk += bias
	out.Segments = make([]Segment, len(img.Segments))
	for i, s := range img.Segments {
		s.Vaddr += bias
		s.Start += bias
		s.End += bias
		out.Segments[i] = s
	}
	return &out, nil
}

func pageStart(a mm.VirtAddr) mm.VirtAddr { return a &^ mm.PageMask }
func pageAlign(a mm.VirtAddr) mm.VirtAddr { return (a + mm.PageMask) &^ mm.PageMask }
