package proc

import (
	"errors"

	"github.com/pagoda-os/pagoda/abi/linux"
)

// setupFrame enters sig's handler on a signal frame (WIP).
func (t *Table) setupFrame(p *Process, sig linux.Signal, a sigAction) error {
	return errors.New("signal frames not yet supported")
}

func sysRtSigreturnFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	return 0, linux.ENOSYS
}
