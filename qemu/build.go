package qemu

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoToolchain means the TamaGo toolchain cannot be obtained on this
// machine (its installer could not clone tamago-go): boot tests skip.
var ErrNoToolchain = errors.New("the TamaGo toolchain cannot be obtained")

// Root finds the module root (the directory holding go.mod) from the
// working directory upwards.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("qemu: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// BuildKernel builds the kernel with the Makefile (make toolchain kernel:
// the link, then qemu/cmd/phyself, which makes the ELF's load addresses
// and PVH entry physical) and returns the ELF's path. When the toolchain's installer cannot fetch
// tamago-go it returns an error wrapping ErrNoToolchain; any other failure
// is a plain error.
func BuildKernel() (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	make := func(target string) (string, error) {
		cmd := exec.Command("make", "-s", "-C", root, target)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	if out, err := make("toolchain"); err != nil {
		if strings.Contains(out, "failed to clone git repository") {
			return "", fmt.Errorf("%w: %s", ErrNoToolchain, lastLines(out, 4))
		}
		return "", fmt.Errorf("make toolchain: %v\n%s", err, out)
	}
	if out, err := make("kernel"); err != nil {
		return "", fmt.Errorf("make kernel: %v\n%s", err, out)
	}
	return filepath.Join(root, "build", "pagoda"), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
