package elf

import "github.com/pagoda-os/pagoda/abi/linux"

// Errors. Each carries the errno execve(2) returns for it: it unwraps
// to a linux.Errno, so errors.Is(err, linux.ENOEXEC) holds and
// linux.ErrnoOf finds it under any wrapping. Parse's errors wrap these
// with the header and field at fault.
var (
	// ErrNotELF: the file does not begin with ELF's magic. execve
	// tries every binary format and, when none claims the file, says
	// ENOEXEC (fs/exec.c search_binary_handler).
	ErrNotELF error = &sentinel{"elf: not an ELF file", linux.ENOEXEC}
	// ErrClass: not ELFCLASS64 little-endian. Linux on x86-64 runs
	// 32-bit programs through compat_binfmt_elf; Pagoda has no 32-bit
	// mode, so they are ENOEXEC, as on a kernel without
	// CONFIG_IA32_EMULATION.
	ErrClass error = &sentinel{"elf: not a 64-bit little-endian ELF file", linux.ENOEXEC}
	// ErrMachine: e_machine is not EM_X86_64 (elf_check_arch).
	ErrMachine error = &sentinel{"elf: not an x86-64 program", linux.ENOEXEC}
	// ErrType: e_type is neither ET_EXEC nor ET_DYN (an object file, a
	// core dump), as load_elf_binary's first check.
	ErrType error = &sentinel{"elf: not an executable", linux.ENOEXEC}
	// ErrDynamic: the program has a PT_INTERP, a dynamic loader to run
	// first, and Pagoda loads no interpreter. ELIBBAD is what Linux
	// says when the interpreter a program names cannot serve
	// (load_elf_binary: not ELF, or the wrong machine), the nearest
	// case; ENOEXEC would make a shell run the file as a script.
	ErrDynamic error = &sentinel{"elf: needs an interpreter (dynamic linking is not supported)", linux.ELIBBAD}
	// ErrMalformed: a header is inconsistent: a size, offset or
	// address out of bounds, overflowing, or contradicting another.
	// Linux says ENOEXEC for those it finds before the point of no
	// return (load_elf_phdrs, PT_INTERP) and kills the process with
	// SIGSEGV for those it finds while mapping (EINVAL internally);
	// Pagoda checks everything before it changes anything, so all are
	// ENOEXEC.
	ErrMalformed error = &sentinel{"elf: malformed file", linux.ENOEXEC}
	// ErrNoSpace: Rebase's bias puts the image outside [MinAddr,
	// UserEnd): where mmap could not place it, ENOMEM.
	ErrNoSpace error = &sentinel{"elf: image does not fit in the user address space", linux.ENOMEM}
	// ErrTooBig: argv and envp exceed execve's limits (a string longer
	// than MAX_ARG_STRLEN, or all of them more than a quarter of the
	// stack limit): E2BIG, as fs/exec.c copy_strings.
	ErrTooBig error = &sentinel{"elf: argument list too long", linux.E2BIG}
	// ErrInvalid: an argument or environment string holds a NUL byte,
	// which no C string can: the caller did not take it from user
	// memory as execve does.
	ErrInvalid error = &sentinel{"elf: invalid argument", linux.EINVAL}
)

// sentinel is an error with its errno.
type sentinel struct {
	msg   string
	errno linux.Errno
}

func (e *sentinel) Error() string { return e.msg }

// Unwrap is the errno, for errors.Is and linux.ErrnoOf.
func (e *sentinel) Unwrap() error { return e.errno }
