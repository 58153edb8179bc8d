package proc

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/fs/vfs"
)

// /proc/PID/fd: a directory of symbolic links, one per open descriptor,
// named by its number, as Linux's proc_fd_link: readlink says the
// file's path ("/dev/console" for the console a process got from the
// kernel, "/dev/null"..., "/proc/meminfo"), "pipe:[INO]" for a pipe
// (the inode fstat gives), "/memfd:NAME (deleted)" for a memfd. A link
// to a path is followed as the path (open of /proc/self/fd/0 opens the
// console); one to a pipe or a memfd can be stat'ed through (the open
// file's fstat) but not opened (ENXIO), where Linux opens the same
// file again. /proc/PID/cwd is a link to the working directory.

// Inode numbers of a PID directory's links, past its files.
const (
	procCwdIno = 0x20
	procFDIno  = 0x21 // the fd directory
)

// fdIno is the inode of link fd of process pid: apart from every other
// /proc inode (PID directories' are pid<<8 + 0..0xff).
func fdIno(pid, fd int) uint64 { return 1<<48 | uint64(pid)<<16 | uint64(fd) }

// lookupFD finds rest, the path under /proc/PID/fd, for q (dir is the
// directory's own path).
func (t *Table) lookupFD(q *Process, ino uint64, dir string, rest []string) (procNode, linux.Errno) {
	switch len(rest) {
	case 0:
		return procNode{kind: procIsDir, ino: ino + procFDIno, q: q, dir: dir}, 0
	case 1:
	default:
		return procNode{}, linux.ENOTDIR
	}
	fd, err := strconv.Atoi(rest[0])
	if err != nil || fd < 0 || rest[0] != strconv.Itoa(fd) {
		return procNode{}, linux.ENOENT
	}
	f, e := q.files.get(uint64(fd))
	if e != 0 {
		return procNode{}, linux.ENOENT
	}
	link := fdLink(f)
	n := procNode{kind: procIsLink, ino: fdIno(q.PID, fd), q: q, link: link, fd: f}
	if strings.HasPrefix(link, "/") && !strings.HasPrefix(link, "/memfd:") {
		n.follow = link
	}
	return n, 0
}

// fdLink is what readlink of /proc/PID/fd/N says of f.
func fdLink(f *openFile) string {
	switch o := f.ops.(type) {
	case *pipeEnd:
		return fmt.Sprintf("pipe:[%d]", o.p.ino)
	case *consoleFile:
		if o.dev != nil {
			return devDir + "/" + o.dev.name
		}
		return devDir + "/console" // the standard streams the kernel gave
	}
	return f.path
}

// fdEntries lists q's descriptors as links.
func fdEntries(q *Process, out []vfs.DirEntry) []vfs.DirEntry {
	for fd, e := range q.files.fds {
		if e.f != nil {
			out = append(out, vfs.DirEntry{Name: strconv.Itoa(fd), Ino: fdIno(q.PID, fd), Type: fs.ModeSymlink})
		}
	}
	return out
}
