package elf

import (
	"bytes"
	"fmt"
	"io"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// Parse reads the ELF header and program headers of the size-byte file
// r and returns the program's loading plan, having checked everything a
// later step relies on. It reads nothing but the headers (and a
// PT_INTERP's path, to name it in the error); the segments' bytes stay in
// the file for the caller to map.
//
// The checks are load_elf_binary's (fs/binfmt_elf.c), in its order:
//
//   - e_ident starts with "\x7fELF" (else ErrNotELF); ELFCLASS64 and
//     ELFDATA2LSB (else ErrClass: Linux leaves 32-bit programs, i386
//     and x32, to compat_binfmt_elf, which Pagoda lacks); e_type is
//     ET_EXEC or ET_DYN (else ErrType); e_machine is EM_X86_64 (else
//     ErrMachine, elf_check_arch).
//   - load_elf_phdrs: e_phentsize is 56; e_phnum is at least 1 and the
//     table at most ELF_MIN_ALIGN (4096) bytes, so at most 73 entries;
//     the table lies in the file.
//   - A PT_INTERP is 2..PATH_MAX bytes, in the file, NUL-terminated
//     (else ErrMalformed); a valid one is ErrDynamic.
//   - Each PT_LOAD: p_filesz <= p_memsz; p_vaddr + p_memsz neither
//     overflows nor passes UserEnd (BAD_ADDR, TASK_SIZE); p_vaddr and
//     p_offset congruent modulo the page size (elf_map's offset must be
//     page-aligned for vm_mmap).
//
// and these, which Linux leaves to fail later (a SIGBUS on a page past
// the end of the file, a SIGSEGV at the entry, a later MAP_FIXED
// silently replacing an earlier segment's page):
//
//   - p_offset + p_filesz lies within the file;
//   - the PT_LOADs ascend by p_vaddr, as the gABI requires ("Program
//     Header": "sorted on the p_vaddr member"), and no two share a page;
//   - an ET_EXEC image lies at or above MinAddr;
//   - e_entry lies in an executable (PF_X) PT_LOAD;
//   - there is at least one PT_LOAD with memory.
//
// Every failure is one of the package's errors, ErrMalformed wrapped with
// the header and field at fault, or the reader's own error, wrapped.
func Parse(r io.ReaderAt, size int64) (*Image, error) {
	if size < 0 {
		return nil, fmt.Errorf("%w: negative file size %d", ErrMalformed, size)
	}
	var hb [ehdrSize]byte
	n := int64(len(hb))
	if size < n {
		n = size
	}
	if err := readFull(r, hb[:n], 0); err != nil {
		return nil, fmt.Errorf("elf: reading the ELF header: %w", err)
	}
	if n < 4 || string(hb[:4]) != "\x7fELF" {
		return nil, ErrNotELF
	}
	if n < ehdrSize {
		return nil, fmt.Errorf("%w: the file is %d bytes, shorter than the ELF header (%d)", ErrMalformed, size, ehdrSize)
	}
	if hb[eiClass] != elfClass64 {
		return nil, fmt.Errorf("%w: EI_CLASS %d, want ELFCLASS64 (2)", ErrClass, hb[eiClass])
	}
	if hb[eiData] != elfData2LSB {
		return nil, fmt.Errorf("%w: EI_DATA %d, want ELFDATA2LSB (1)", ErrClass, hb[eiData])
	}
	eh := decodeEhdr(hb[:])
	if eh.typ != TypeExec && eh.typ != TypeDyn {
		return nil, fmt.Errorf("%w: e_type is %v, want ET_EXEC or ET_DYN", ErrType, eh.typ)
	}
	if eh.machine != emX86_64 {
		return nil, fmt.Errorf("%w: e_machine is %s", ErrMachine, machineName(eh.machine))
	}

	phs, err := readPhdrs(r, size, eh)
	if err != nil {
		return nil, err
	}
	if err := checkInterp(r, size, phs); err != nil {
		return nil, err
	}

	img := &Image{Type: eh.typ, PhNum: len(phs), PhEnt: phdrSize, Align: mm.PageSize}
	var brk uint64
	for i, ph := range phs {
		switch ph.typ {
		case ptGNUStack:
			img.StackExec = ph.flags&pfX != 0 // the last one counts, as in Linux
		case ptLoad:
			s, err := loadSegment(i, ph, eh.typ, size)
			if err != nil {
				return nil, err
			}
			brk = max(brk, ph.vaddr+ph.memsz)
			if ph.align&(ph.align-1) == 0 { // maximum_alignment skips non-powers of two
				img.Align = max(img.Align, ph.align)
			}
			if ph.off <= eh.phoff && eh.phoff-ph.off < ph.filesz {
				img.PhdrAddr = mm.VirtAddr(eh.phoff - ph.off + ph.vaddr)
			}
			if ph.memsz == 0 {
				continue // maps nothing (elf_map returns early)
			}
			if k := len(img.Segments); k > 0 && s.Start < img.Segments[k-1].End {
				prev := img.Segments[k-1]
				return nil, fmt.Errorf("%w: program header %d (PT_LOAD): p_vaddr %v is below the previous PT_LOAD's end %v: PT_LOADs must ascend and not share a page",
					ErrMalformed, i, s.Vaddr, prev.End)
			}
			img.Segments = append(img.Segments, s)
		}
	}
	if len(img.Segments) == 0 {
		return nil, fmt.Errorf("%w: no PT_LOAD segment with memory", ErrMalformed)
	}
	img.Brk = pageAlign(mm.VirtAddr(brk)) // brk <= UserEnd, page-aligned: no overflow
	img.Entry = mm.VirtAddr(eh.entry)
	if !executable(img.Segments, img.Entry) {
		return nil, fmt.Errorf("%w: e_entry %v is not in an executable PT_LOAD", ErrMalformed, img.Entry)
	}
	return img, nil
}

// readPhdrs reads and decodes the program header table, as
// load_elf_phdrs, after checking its size and place in the file.
func readPhdrs(r io.ReaderAt, size int64, eh ehdr) ([]phdr, error) {
	if eh.phentsize != phdrSize {
		return nil, fmt.Errorf("%w: ELF header: e_phentsize %d, want %d", ErrMalformed, eh.phentsize, phdrSize)
	}
	tableSize := uint64(eh.phnum) * phdrSize
	if eh.phnum == 0 || tableSize > mm.PageSize {
		return nil, fmt.Errorf("%w: ELF header: e_phnum %d, want 1..%d (a table of at most ELF_MIN_ALIGN bytes)",
			ErrMalformed, eh.phnum, mm.PageSize/phdrSize)
	}
	if eh.phoff > uint64(size) || uint64(size)-eh.phoff < tableSize {
		return nil, fmt.Errorf("%w: ELF header: program header table [%#x, +%#x) is past the end of the %d-byte file",
			ErrMalformed, eh.phoff, tableSize, size)
	}
	b := make([]byte, tableSize)
	if err := readFull(r, b, int64(eh.phoff)); err != nil {
		return nil, fmt.Errorf("elf: reading the program headers: %w", err)
	}
	phs := make([]phdr, eh.phnum)
	for i := range phs {
		phs[i] = decodePhdr(b[i*phdrSize:])
	}
	return phs, nil
}

// checkInterp looks for a PT_INTERP, as load_elf_binary's first pass: the
// first one is the interpreter. A malformed one is ErrMalformed, a valid
// one ErrDynamic naming the interpreter.
func checkInterp(r io.ReaderAt, size int64, phs []phdr) error {
	for i, ph := range phs {
		if ph.typ != ptInterp {
			continue
		}
		if ph.filesz < 2 || ph.filesz > pathMax {
			return fmt.Errorf("%w: program header %d (PT_INTERP): p_filesz %d, want 2..%d", ErrMalformed, i, ph.filesz, pathMax)
		}
		if ph.off > uint64(size) || uint64(size)-ph.off < ph.filesz {
			return fmt.Errorf("%w: program header %d (PT_INTERP): [%#x, +%#x) is past the end of the %d-byte file",
				ErrMalformed, i, ph.off, ph.filesz, size)
		}
		path := make([]byte, ph.filesz)
		if err := readFull(r, path, int64(ph.off)); err != nil {
			return fmt.Errorf("elf: reading PT_INTERP: %w", err)
		}
		if path[len(path)-1] != 0 {
			return fmt.Errorf("%w: program header %d (PT_INTERP): the path is not NUL-terminated", ErrMalformed, i)
		}
		path = path[:bytes.IndexByte(path, 0)]
		return fmt.Errorf("%w: %q", ErrDynamic, path)
	}
	return nil
}

// loadSegment checks program header i, a PT_LOAD, and makes its Segment.
// A segment of p_memsz 0 is checked as the others (Linux checks its
// address), and its Segment is not used.
func loadSegment(i int, ph phdr, typ Type, size int64) (Segment, error) {
	bad := func(format string, args ...any) (Segment, error) {
		return Segment{}, fmt.Errorf("%w: program header %d (PT_LOAD): %s", ErrMalformed, i, fmt.Sprintf(format, args...))
	}
	if ph.filesz > ph.memsz {
		return bad("p_filesz %#x > p_memsz %#x", ph.filesz, ph.memsz)
	}
	if ph.off > uint64(size) || uint64(size)-ph.off < ph.filesz {
		return bad("file range [%#x, +%#x) is past the end of the %d-byte file", ph.off, ph.filesz, size)
	}
	if ph.vaddr%mm.PageSize != ph.off%mm.PageSize {
		return bad("p_vaddr %#x and p_offset %#x differ modulo the page size", ph.vaddr, ph.off)
	}
	if ph.vaddr >= uint64(UserEnd) || ph.memsz > uint64(UserEnd)-ph.vaddr {
		return bad("[%#x, +%#x) is not below the end of the user half %v", ph.vaddr, ph.memsz, UserEnd)
	}
	if typ == TypeExec && ph.vaddr < uint64(MinAddr) {
		return bad("p_vaddr %#x is below MinAddr %v (vm.mmap_min_addr)", ph.vaddr, MinAddr)
	}
	v := mm.VirtAddr(ph.vaddr)
	return Segment{
		Vaddr:    v,
		Start:    pageStart(v),
		End:      pageAlign(v + mm.VirtAddr(ph.memsz)), // <= UserEnd, page-aligned: no overflow
		FileOff:  ph.off,
		FileSize: ph.filesz,
		MemSize:  ph.memsz,
		Prot:     prot(ph.flags),
	}, nil
}

// prot is a segment's protection from its p_flags, as make_prot.
func prot(flags uint32) vm.Prot {
	var p vm.Prot
	if flags&pfR != 0 {
		p |= vm.ProtRead
	}
	if flags&pfW != 0 {
		p |= vm.ProtWrite
	}
	if flags&pfX != 0 {
		p |= vm.ProtExec
	}
	return p
}

// executable reports whether va lies in the memory of an executable
// segment.
func executable(segs []Segment, va mm.VirtAddr) bool {
	for _, s := range segs {
		if s.Prot&vm.ProtExec != 0 && va >= s.Vaddr && uint64(va-s.Vaddr) < s.MemSize {
			return true
		}
	}
	return false
}

// readFull reads len(b) bytes at off. A short read is io.ErrUnexpectedEOF:
// the file changed under the caller, or size was wrong.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil // io.ReaderAt may say io.EOF with a full read at the end
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
