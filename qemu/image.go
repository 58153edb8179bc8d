package qemu

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// RawImage creates a zero-filled (sparse) disk image of size bytes in dir.
func RawImage(dir, name string, size int64) (string, error) {
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return "", err
	}
	return path, f.Close()
}

// Ext2Image creates an ext2 image of size bytes in dir with Debian's
// mke2fs, populated from the directory tree src ("" for an empty file
// system), with the given block size (1024, 2048 or 4096).
func Ext2Image(dir, name string, size int64, blockSize int, src string) (string, error) {
	path, err := RawImage(dir, name, size)
	if err != nil {
		return "", err
	}
	args := []string{"-q", "-F", "-t", "ext2", "-b", fmt.Sprint(blockSize)}
	if src != "" {
		args = append(args, "-d", src)
	}
	args = append(args, path)
	if out, err := exec.Command(Tool("mke2fs"), args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("mke2fs %v: %v\n%s", args, err, out)
	}
	return path, nil
}

// Fsck checks an ext2 image read-only (e2fsck -fn) and returns its report;
// the error is non-nil when e2fsck found anything wrong.
func Fsck(image string) (string, error) {
	out, err := exec.Command(Tool("e2fsck"), "-fn", image).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("e2fsck -fn %s: %v", image, err)
	}
	return string(out), nil
}

// SwapImage creates a swap area of size bytes in dir: a sparse file made
// a swap area by util-linux's mkswap (Linux's swap header, version 1, as
// mm/swap parses it).
func SwapImage(dir, name string, size int64) (string, error) {
	path, err := RawImage(dir, name, size)
	if err != nil {
		return "", err
	}
	if out, err := exec.Command(Tool("mkswap"), path).CombinedOutput(); err != nil {
		return "", fmt.Errorf("mkswap %s: %v\n%s", path, err, out)
	}
	return path, nil
}

// Tool is the path of a system command such as e2fsprogs' mke2fs or
// util-linux's mkswap: found in PATH, or in /usr/sbin and /sbin, which a
// Debian user's PATH lacks.
func Tool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	return name
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
