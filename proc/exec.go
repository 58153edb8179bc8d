package proc

import (
	"errors"

	"github.com/pagoda-os/pagoda/abi/linux"
	arch "github.com/pagoda-os/pagoda/arch/amd64"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
	"github.com/pagoda-os/pagoda/proc/elf"
)

// A program's address space, as Linux's load_elf_binary and
// setup_arg_pages lay it out with randomization off:
//
//	0x400000 (ET_EXEC) or etDynBase (a static PIE)   the image: text
//	                         shared with the page cache, .data copied on
//	                         write, .bss demand-zero
//	brk                      the heap, upward from the image's end
//	...                      mmap's top-down room, from mmapBase down
//	mmapBase = stackTop - mmapGap
//	stackTop - StackLimit .. stackTop   the stack (8 MiB, demand-zero)
//	stackTop = elf.UserEnd (0x7ffffffff000, TASK_SIZE)
//
// with the kernel window [0xf0000000, 0xf8000000) a hole nothing maps.
const (
	stackTop mm.VirtAddr = elf.UserEnd
	// mmapGap is mmap_base's distance below the stack top: Linux's
	// mmap_base() gap, the stack limit plus the guard gap, clamped to
	// at least 128 MiB.
	mmapGap mm.VirtAddr = 128 << 20
	// etDynBase is where a static PIE is loaded: ELF_ET_DYN_BASE,
	// 2/3 of TASK_SIZE, page-aligned.
	etDynBase mm.VirtAddr = 0x5555_5555_4000
)

// zeros is a page of zeros, for padzero.
var zeros [mm.PageSize]byte

// load builds a new address space running file: its image mapped, its
// stack written. Nothing of the caller's changes; on failure the new
// space is destroyed.
func (t *Table) load(file string, argv, envp []string) (*vm.AddressSpace, *arch.UserRegs, mm.VirtAddr, linux.Errno) {
	st, err := t.VFS.Stat(file)
	if err != nil {
		return nil, nil, 0, linux.ErrnoOf(err)
	}
	if st.Mode.IsDir() {
		return nil, nil, 0, linux.EACCES
	}
	if !st.Mode.IsRegular() || st.Mode.Perm()&0o111 == 0 {
		return nil, nil, 0, linux.EACCES
	}
	f, err := t.VFS.Open(file)
	if err != nil {
		return nil, nil, 0, linux.ErrnoOf(err)
	}
	defer f.Close()
	img, err := elf.Parse(f, f.PC.Size())
	if err != nil {
		return nil, nil, 0, linux.ErrnoOf(err)
	}
	if img.Type == elf.TypeDyn {
		if img, err = img.Rebase(img.BiasAt(etDynBase)); err != nil {
			return nil, nil, 0, linux.ErrnoOf(err)
		}
	}
	t.MM.Refill()
	as, err := t.MM.NewAddressSpace()
	if err != nil {
		return nil, nil, 0, linux.ENOMEM
	}
	as.User = true
	as.MmapBase = stackTop - mmapGap
	fail := func(err error) (*vm.AddressSpace, *arch.UserRegs, mm.VirtAddr, linux.Errno) {
		as.Destroy()
		return nil, nil, 0, linux.ErrnoOf(err)
	}
	u := userMemory{as: as, m: t.MM}
	for _, s := range img.Segments {
		fileEnd := s.FileEnd()
		if fileEnd > s.Start {
			if _, err := as.MmapFile(s.Start, uint64(fileEnd-s.Start), s.Prot, vm.MapPrivate|vm.MapFixed, f.PC, s.MapOff(), false); err != nil {
				return fail(err)
			}
			// padzero: the rest of the last file page is the bss's.
			if z := s.ZeroStart(); z < fileEnd && s.MemSize > s.FileSize && s.Prot&vm.ProtWrite != 0 {
				if e := u.copyOut(uint64(z), zeros[:fileEnd-z]); e != 0 {
					return fail(e)
				}
			}
		}
		if s.End > fileEnd {
			if _, err := as.Mmap(fileEnd, uint64(s.End-fileEnd), s.Prot, vm.MapPrivate|vm.MapAnonymous|vm.MapFixed); err != nil {
				return fail(err)
			}
		}
	}
	stackProt := vm.ProtRead | vm.ProtWrite
	if img.StackExec {
		stackProt |= vm.ProtExec
	}
	if _, err := as.Mmap(stackTop-elf.StackLimit, elf.StackLimit, stackProt, vm.MapPrivate|vm.MapAnonymous|vm.MapFixed|vm.MapNoReserve); err != nil {
		return fail(err)
	}
	var random [16]byte
	put64(random[:8], t.random())
	put64(random[8:], t.random())
	aux := elf.NewAux(file, random)
	aux.HWCap = t.HWCap
	stack, err := elf.BuildStack(stackTop, img, argv, envp, &aux)
	if err != nil {
		return fail(err)
	}
	if e := u.copyOut(uint64(stack.SP), stack.Bytes); e != 0 {
		return fail(errors.Join(e))
	}
	regs := arch.NewUserRegs()
	regs.RIP = uint64(img.Entry)
	regs.RSP = uint64(stack.SP)
	return as, regs, img.Brk, 0
}
