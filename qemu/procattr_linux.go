package qemu

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes QEMU exit when the process that started it dies, so
// that a killed test run leaves no QEMU spinning behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
