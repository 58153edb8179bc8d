// Package elf is the memory-independent half of execve for ELF programs:
// it reads an x86-64 ELF executable's headers into a loading plan, and
// lays out the stack the program starts on. Mapping the plan into an
// address space (the page cache, vm) is the caller's.
//
// What it loads. Static programs only: ET_EXEC, linked at fixed
// addresses (the classic gcc -static, musl-gcc -static, busybox-static
// at 0x400000), and ET_DYN without a PT_INTERP, the static PIE
// (gcc -static-pie), which relocates itself at whatever address it is
// given. A program with a PT_INTERP needs a dynamic loader
// (ld-linux-x86-64.so.2) mapped beside it; Pagoda loads none, and says so
// (ErrDynamic). The formats are the System V gABI's (chapter 4 "Object
// Files", chapter 5 "Program Loading and Dynamic Linking") with the
// x86-64 psABI's machine values; the rules are Linux's load_elf_binary
// (fs/binfmt_elf.c), whose functions the code names.
//
// The object model. Parse(file) validates the ELF header and the
// program header table and returns an Image: the entry point, the
// PT_LOAD segments as page ranges with their file offsets, sizes and
// protections, AT_PHDR's address, PT_GNU_STACK's verdict and where brk
// starts. An ET_DYN image comes at its link-time addresses; BiasAt and
// Rebase move it (load_bias). BuildStack(top, image, argv, envp, aux)
// returns the bytes of the initial stack and its RSP, as
// create_elf_tables writes them: argc, the argv and envp pointers, the
// auxiliary vector (AT_PHDR, AT_ENTRY, AT_RANDOM, AT_EXECFN...) and the
// strings they point to, laid out as the psABI's 3.4.1 "Initial Stack
// and Register State" draws it (figure 3.9) and in Linux's order within
// it.
//
// Mapping a segment (the caller's part, as elf_load does it): the pages
// [Start, FileEnd) are a private mapping of the file from MapOff, so
// that text stays shared with the page cache and a written .data page
// is copied on write; the bytes from ZeroStart to FileEnd belong to the
// file's next section and must be cleared (padzero: the write copies
// that one page); [FileEnd, End) is anonymous demand-zero memory, .bss.
// The heap starts at Brk; the stack's VMA is executable only if
// StackExec.
//
// Invariants of an Image from Parse or Rebase: every segment lies in
// [MinAddr, UserEnd) (an ET_DYN image from Parse may start below MinAddr
// until Rebase), Start < End, both page-aligned; segments ascend and
// share no page; FileOff+FileSize lies within the file; Vaddr and FileOff
// are congruent modulo the page size, so MapOff is page-aligned;
// FileSize <= MemSize; Entry is in an executable segment; Brk is
// page-aligned and not below the last segment's End. No address in an
// Image can overflow: Parse checks each sum before it forms it. The
// caller can hand these values to vm without checking them again; a
// user-controlled value never becomes an unchecked index or address.
//
// Errors. Every rejection is one of the package's sentinels, wrapped with
// the header and field at fault ("program header 3 (PT_LOAD): p_filesz
// 0x2000 > p_memsz 0x1000"). Each sentinel unwraps to the errno execve
// returns for it (ENOEXEC for a file that is not a loadable x86-64
// program, ELIBBAD for one that needs an interpreter, E2BIG for
// arguments over the limits), so linux.ErrnoOf needs no table entry.
// Where Linux accepts a file and kills the process later (a segment past
// the end of the file, an entry outside the text, a SIGSEGV after the
// point of no return), Parse refuses it up front: Pagoda checks before
// it tears down the old image, so every failure can still return an
// errno.
//
// Fuzzing. Parse reads outside input; FuzzParse feeds it random files
// and checks the invariants above on every Image it returns, and
// FuzzBuildStack decodes every stack it builds back into argc, argv,
// envp and auxv.
//
// What is missing: the interpreter (PT_INTERP), the vDSO (AT_SYSINFO_EHDR
// is left out), address-space randomization (the stack top, the bias,
// brk and arch_align_stack's shuffle are fixed), PT_GNU_PROPERTY (x86
// CET), and 32-bit programs. The plan is only as good as the file stays:
// the caller must keep the file from being written while it is mapped
// for execution (Linux's deny_write_access, ETXTBSY). The package holds
// no state and takes no lock.
package elf
