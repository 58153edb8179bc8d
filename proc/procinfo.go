package proc

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/pagoda-os/pagoda/fs/vfs"
)

// procCpuinfo is /proc/cpuinfo (cpuinfo.go); empty without CPUID (host
// tests that set none).
func procCpuinfo(t *Table, _ *Process) []byte {
	if t.CPUID == nil {
		return nil
	}
	return cpuinfoText(t.CPUID, t.TSCHz)
}

// procEnviron is the environment execve was given, each string ended by
// a NUL (environ_read).
func procEnviron(_ *Table, q *Process) []byte {
	var b []byte
	for _, e := range q.env {
		b = append(append(b, e...), 0)
	}
	return b
}

// procMounts is /proc/mounts (and /proc/PID/mounts: one namespace), in
// Linux's show_vfsmnt format, "SOURCE MOUNTPOINT TYPE OPTIONS 0 0": the
// root first, then /dev (devtmpfs: the kernel's special files) and
// /proc, which the kernel provides wherever the disk is, then the
// other mounts, parents before what is mounted inside them. A disk is
// /dev/NAME; a tmpfs shows its size limit as Linux's shmem_show_options
// (none without a limit).
func procMounts(t *Table, _ *Process) []byte {
	var b bytes.Buffer
	var mounts []*vfs.Mount
	if t.VFS != nil {
		mounts = t.VFS.Mounts()
	}
	depth := func(m *vfs.Mount) int {
		if m.Path == "/" {
			return 0
		}
		return strings.Count(m.Path, "/")
	}
	slices.SortFunc(mounts, func(x, y *vfs.Mount) int {
		if c := depth(x) - depth(y); c != 0 {
			return c
		}
		return strings.Compare(x.Path, y.Path)
	})
	line := func(m *vfs.Mount) {
		switch {
		case m.Ext2() != nil:
			rw := "rw"
			if m.Ext2().ReadOnly() {
				rw = "ro"
			}
			fmt.Fprintf(&b, "/dev/%s %s ext2 %s,relatime 0 0\n", m.Dev.Name(), m.Path, rw)
		default:
			opts := "rw,relatime"
			if fs := m.Tmpfs(); fs != nil && fs.Statfs().Limit != 0 {
				opts += fmt.Sprintf(",size=%dk", m.Usage().Size>>10)
			}
			fmt.Fprintf(&b, "tmpfs %s tmpfs %s 0 0\n", m.Path, opts)
		}
	}
	rest := mounts
	if len(mounts) > 0 && mounts[0].Path == "/" {
		line(mounts[0])
		rest = mounts[1:]
	}
	b.WriteString("devtmpfs /dev devtmpfs rw,relatime,mode=755 0 0\nproc /proc proc rw,relatime 0 0\n")
	for _, m := range rest {
		line(m)
	}
	return b.Bytes()
}
