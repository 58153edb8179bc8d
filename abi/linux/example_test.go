package linux

import (
	"fmt"

	"github.com/pagoda-os/pagoda/mm/vm"
)

// A system call's path through the package: registers in, Pagoda's
// types out, and an error back as -errno in RAX.
func Example() {
	// mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
	prot := MmapProt(PROT_READ | PROT_WRITE)
	flags, err := MapFlags(MAP_PRIVATE | MAP_ANONYMOUS)
	fmt.Println(prot, flags, err)

	// A flag no Pagoda file supports, under MAP_SHARED_VALIDATE.
	_, err = MapFlags(MAP_SHARED_VALIDATE | MAP_SYNC)
	fmt.Println(err, int64(ErrnoOf(err).Return()))

	// An error of vm, as vm returns it.
	err = fmt.Errorf("%w: length 0", vm.ErrInvalid)
	fmt.Println(ErrnoOf(err))
	// Output:
	// rw- private,anon <nil>
	// EOPNOTSUPP -95
	// EINVAL
}
