package proc

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"path"
	"strings"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm/tmpfs"
)

// The file system calls, over the VFS: ext2 and tmpfs files through
// their page caches, directories listed by getdents64, the console on
// descriptors 0-2 of a program the shell runs.

// maxRW is MAX_RW_COUNT: a read or write moves at most this much.
const maxRW = 0x7ffff000

// umask is every process's file-creation mask (not settable yet).
const umask = 0o022

// pathMax is PATH_MAX, with the NUL.
const pathMax = 4096

func init() {
	register(sysRead, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.readWrite(p, a[0], a[1], a[2], -1, false)
	})
	register(sysWrite, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.readWrite(p, a[0], a[1], a[2], -1, true)
	})
	register(sysPread64, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if int64(a[3]) < 0 {
			return 0, linux.EINVAL
		}
		return t.readWrite(p, a[0], a[1], a[2], int64(a[3]), false)
	})
	register(sysPwrite64, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if int64(a[3]) < 0 {
			return 0, linux.EINVAL
		}
		return t.readWrite(p, a[0], a[1], a[2], int64(a[3]), true)
	})
	register(sysReadv, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.vector(p, a[0], a[1], a[2], false)
	})
	register(sysWritev, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.vector(p, a[0], a[1], a[2], true)
	})
	register(sysClose, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return 0, p.files.close(uint64(int32(a[0])))
	})
	register(sysLseek, sysLseekFn)
	register(sysOpen, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.openat(p, atFDCWD, a[0], a[1], a[2])
	})
	register(sysOpenat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.openat(p, a[0], a[1], a[2], a[3])
	})
	register(sysFstat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.fstatat(p, a[0], 0, a[1], atEmptyPath)
	})
	register(sysStat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.fstatat(p, atFDCWD, a[0], a[1], 0)
	})
	register(sysLstat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.fstatat(p, atFDCWD, a[0], a[1], atSymlinkNofollow)
	})
	register(sysNewfstatat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.fstatat(p, a[0], a[1], a[2], a[3])
	})
	register(sysFtruncate, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		f, e := p.files.get(uint64(int32(a[0])))
		if e != 0 {
			return 0, e
		}
		if int64(a[1]) < 0 {
			return 0, linux.EINVAL
		}
		if !f.writable() {
			return 0, linux.EINVAL
		}
		switch o := f.ops.(type) {
		case *regularFile:
			return 0, linux.ErrnoOf(o.f.Truncate(int64(a[1])))
		case *memFile:
			return 0, linux.ErrnoOf(o.f.Truncate(int64(a[1])))
		}
		return 0, linux.EINVAL
	})
	register(sysUnlink, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.unlinkat(p, atFDCWD, a[0], 0)
	})
	register(sysRmdir, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.unlinkat(p, atFDCWD, a[0], atRemoveDir)
	})
	register(sysUnlinkat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.unlinkat(p, a[0], a[1], a[2])
	})
	register(sysMkdir, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.mkdirat(p, atFDCWD, a[0])
	})
	register(sysMkdirat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.mkdirat(p, a[0], a[1])
	})
	register(sysGetdents64, sysGetdents64Fn)
	register(sysDup, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		f, e := p.files.get(uint64(int32(a[0])))
		if e != 0 {
			return 0, e
		}
		fd, e := p.files.alloc(f, 0, false)
		return uint64(fd), e
	})
	register(sysDup2, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if _, e := p.files.get(uint64(int32(a[0]))); e != 0 {
			return 0, e
		}
		if a[0] == a[1] {
			return a[1], 0
		}
		return dup3(p, a[0], a[1], 0)
	})
	register(sysDup3, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if a[0] == a[1] || a[2]&^linux.O_CLOEXEC != 0 {
			return 0, linux.EINVAL
		}
		return dup3(p, a[0], a[1], a[2])
	})
	register(sysFcntl, sysFcntlFn)
	register(sysIoctl, sysIoctlFn)
	register(sysSendfile, sysSendfileFn)
	register(sysUtimensat, sysUtimensatFn)
	// sync, syncfs, fsync and fdatasync all write every dirty page and
	// the filesystems' metadata (VFS.Sync, as the shell's sync): more
	// than fsync must, never less. A write error kept by the page cache
	// is the call's EIO.
	register(sysSync, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if t.VFS != nil {
			t.VFS.Sync() // sync(2) reports nothing
		}
		return 0, 0
	})
	for _, nr := range []uint64{sysSyncfs, sysFsync, sysFdatasync} {
		register(nr, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
			f, e := p.files.get(uint64(int32(a[0])))
			if e != 0 {
				return 0, e
			}
			switch f.ops.(type) {
			case *pipeEnd, *consoleFile:
				if nr != sysSyncfs {
					return 0, linux.EINVAL // fsync of a pipe or a tty
				}
			}
			if t.VFS == nil {
				return 0, 0
			}
			return 0, linux.ErrnoOf(t.VFS.Sync())
		})
	}
	register(sysGetcwd, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		b := append([]byte(p.cwd), 0)
		if uint64(len(b)) > a[1] {
			return 0, linux.ERANGE
		}
		return uint64(len(b)), t.mem(p).copyOut(a[0], b)
	})
	register(sysChdir, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		name, e := t.path(p, atFDCWD, a[0], false)
		if e != 0 {
			return 0, e
		}
		if lookupDevice(name) != nil {
			return 0, linux.ENOTDIR
		}
		if isProcPath(name) {
			n, e := t.lookupProcFollow(p, name)
			switch {
			case e != 0:
				return 0, e
			case n.kind == procIsLink && n.follow != "" && lookupDevice(n.follow) == nil && t.VFS != nil:
				name = n.follow // cwd, or a descriptor's directory
			case n.kind != procIsDir:
				return 0, linux.ENOTDIR
			default:
				p.cwd = n.dir
				return 0, 0
			}
		}
		if name, e = t.vfsPath(name, true); e != 0 {
			return 0, e
		}
		st, err := t.VFS.Lstat(name)
		if err != nil {
			return 0, linux.ErrnoOf(err)
		}
		if !st.Mode.IsDir() {
			return 0, linux.ENOTDIR
		}
		p.cwd = name
		return 0, 0
	})
	register(sysAccess, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.faccessat(p, atFDCWD, a[0], a[1])
	})
	register(sysFaccessat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.faccessat(p, a[0], a[1], a[2])
	})
	register(sysReadlink, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.readlinkat(p, atFDCWD, a[0], a[1], a[2])
	})
	register(sysReadlinkat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.readlinkat(p, a[0], a[1], a[2], a[3])
	})
	register(sysUmask, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return umask, 0 // fixed at Linux's usual 022
	})
}

// Linux's AT_ values (include/uapi/linux/fcntl.h).
const (
	atFDCWD           = uint64(0xffffffffffffff9c) // -100
	atSymlinkNofollow = 0x100
	atRemoveDir       = 0x200
	atEmptyPath       = 0x1000
)

// readWrite moves up to n bytes between fd and the user buffer at buf:
// at the file's offset (off < 0, which it advances) or at off.
func (t *Table) readWrite(p *Process, fd, buf, n uint64, off int64, write bool) (uint64, linux.Errno) {
	f, e := p.files.get(uint64(int32(fd)))
	if e != 0 {
		return 0, e
	}
	if write && !f.writable() || !write && !f.readable() {
		return 0, linux.EBADF
	}
	seekable := f.ops.seekable()
	if off >= 0 && !seekable {
		return 0, linux.ESPIPE
	}
	if int64(n) < 0 {
		return 0, linux.EINVAL
	}
	n = min(n, maxRW)
	if n == 0 {
		return 0, 0
	}
	if !write && f.flags&linux.O_NONBLOCK != 0 && readWouldBlock(t, f) {
		return 0, linux.EAGAIN
	}
	pos := off
	if off < 0 {
		pos = f.off
		if write && f.flags&linux.O_APPEND != 0 {
			pos = f.ops.size()
		}
	}
	// A pipe moves the bytes between its ring and the program itself.
	if pe, ok := f.ops.(*pipeEnd); ok {
		x := pipeIO{u: t.mem(p), va: buf}
		var got int
		if write {
			got, e = pe.writeFrom(p, x, int(n))
		} else {
			got, e = pe.readTo(p, x, int(n))
		}
		return uint64(got), e
	}
	// The bytes go through a kernel buffer of at most rwChunk, one
	// chunk at a time, so that a huge count costs no huge allocation.
	// Each chunk's user buffer is checked before the file is touched:
	// one bad from its start is EFAULT and nothing of it moves; for a
	// file with offsets, one that goes bad part-way moves what lies
	// before the bad page and ends the call with that count, as Linux's
	// filemap_read and generic_perform_write (a terminal or a device
	// takes all or nothing: EFAULT); after a chunk moved, the count so
	// far is the result. A read stops at a short chunk,
	// and after its first from a file without offsets (a pipe, the
	// terminal), which returns what it has rather than wait for more.
	// A small transfer goes through the process's own buffer: a pipe's
	// byte or a terminal's line then allocates nothing. (One call of a
	// process at a time uses it: a process has one thread.)
	var kbuf []byte
	if n <= uint64(len(p.rwSmall)) {
		kbuf = p.rwSmall[:n]
	} else {
		kbuf = make([]byte, min(n, rwChunk))
	}
	var done uint64
	for done < n {
		chunk := kbuf[:min(n-done, rwChunk)]
		ubuf := buf + done
		var got int
		short := false // the user buffer goes bad inside this chunk
		if write {
			// What comes in before a bad page is written, as Linux's
			// generic_perform_write stops there.
			var in int
			in, e = t.mem(p).copyN(ubuf, chunk, false)
			if in > 0 && (seekable || e == 0) {
				short = in < len(chunk)
				got, e = f.ops.write(t, p, chunk[:in], pos)
			}
		} else {
			// No more is read than the buffer can take up to its
			// first bad page, as Linux's read stops there.
			if ok := t.mem(p).writable(ubuf, uint64(len(chunk))); ok == 0 || !seekable && ok < uint64(len(chunk)) {
				e = linux.EFAULT
			} else {
				short = ok < uint64(len(chunk))
				if got, e = f.ops.read(t, p, chunk[:ok], pos); e == 0 && got > 0 {
					e = t.mem(p).copyOut(ubuf, chunk[:got])
				}
			}
		}
		if e != 0 {
			if done > 0 {
				break
			}
			return 0, e
		}
		done += uint64(got)
		pos += int64(got)
		if short || got < len(chunk) || !write && !seekable {
			break
		}
	}
	if off < 0 && seekable {
		f.off = pos
	}
	return done, 0
}

// readWouldBlock reports whether a read of f would sleep now: a file whose
// readiness changes (poll.go) has nothing to read and is not at end of
// file. O_NONBLOCK makes that EAGAIN here, for the terminal (whose
// writes never sleep); a pipe decides itself, since a write may fit
// only in part.
func readWouldBlock(t *Table, f *openFile) bool {
	if _, ok := f.ops.(*pipeEnd); ok {
		return false
	}
	pf, ok := f.ops.(poller)
	return ok && pf.pollReady(t)&(pollIn|pollHup) == 0
}

// rwChunk is the most a read or write moves through the kernel at once.
const rwChunk = 64 << 10

// vector is readv and writev: the iovec array is read and checked
// first (UIO_MAXIOV, the total clamped to MAX_RW_COUNT), then each
// buffer moved in turn, stopping at a short transfer.
func (t *Table) vector(p *Process, fd, iov, cnt uint64, write bool) (uint64, linux.Errno) {
	const uioMaxIOV = 1024
	if cnt > uioMaxIOV {
		return 0, linux.EINVAL
	}
	raw := make([]byte, 16*cnt)
	if e := t.mem(p).copyIn(iov, raw); e != 0 {
		return 0, e
	}
	var total uint64
	for i := range cnt {
		l := le64(raw[16*i+8:])
		if int64(l) < 0 || total+l < total {
			return 0, linux.EINVAL
		}
		total += l
	}
	var done uint64
	for i := range cnt {
		base, l := le64(raw[16*i:]), le64(raw[16*i+8:])
		if l == 0 {
			continue
		}
		n, e := t.readWrite(p, fd, base, l, -1, write)
		if e != 0 {
			if done > 0 {
				return done, 0
			}
			return 0, e
		}
		done += n
		if n < l {
			break
		}
	}
	return done, 0
}

func sysLseekFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	f, e := p.files.get(uint64(int32(a[0])))
	if e != 0 {
		return 0, e
	}
	if !f.ops.seekable() {
		return 0, linux.ESPIPE
	}
	off := int64(a[1])
	var pos int64
	switch a[2] {
	case 0: // SEEK_SET
		pos = off
	case 1: // SEEK_CUR
		pos = f.off + off
	case 2: // SEEK_END
		pos = f.ops.size() + off
	default:
		return 0, linux.EINVAL
	}
	if pos < 0 {
		return 0, linux.EINVAL
	}
	f.off = pos
	if isDir(f) {
		f.dir = nil // a rewind lists the directory anew
	}
	return uint64(pos), 0
}

// path reads a path argument and makes it absolute: relative to dirfd
// (AT_FDCWD: the working directory). An empty path is ENOENT unless
// empty is allowed (AT_EMPTY_PATH: the result is dirfd's own path).
func (t *Table) path(p *Process, dirfd, addr uint64, empty bool) (string, linux.Errno) {
	name, e := t.mem(p).copyInString(addr, pathMax-1)
	if e != 0 {
		return "", e
	}
	if name == "" && !empty {
		return "", linux.ENOENT
	}
	if strings.HasPrefix(name, "/") {
		clean := path.Clean(name)
		if t.VFS == nil && lookupDevice(clean) == nil && !isProcPath(clean) {
			return "", linux.ENOENT // no files but the special ones
		}
		return t.procSlash(p, name, clean), 0
	}
	base := p.cwd
	if dirfd != atFDCWD && uint64(int32(dirfd)) != atFDCWD {
		f, e := p.files.get(uint64(int32(dirfd)))
		if e != 0 {
			return "", e
		}
		if !isDir(f) && name != "" {
			return "", linux.ENOTDIR
		}
		base = f.path
	}
	clean := path.Join(base, name)
	if t.VFS == nil && !isProcPath(clean) {
		return "", linux.ENOENT
	}
	return t.procSlash(p, name, clean), 0
}

// procSlash is clean, the cleaned path of name, with a /proc link
// followed when name ends in a slash, as Linux's lookup follows
// "link/" whatever the call: lstat of /proc/self/ is the PID's
// directory's. (The VFS's own links are not followed so.)
func (t *Table) procSlash(p *Process, name, clean string) string {
	if !strings.HasSuffix(name, "/") || !isProcPath(clean) {
		return clean
	}
	if n, e := t.lookupProc(p, clean); e == 0 && n.kind == procIsLink && isProcPath(n.follow) {
		return n.follow
	}
	return clean
}

// isDir reports whether f is an open directory, the VFS's or /proc's.
func isDir(f *openFile) bool {
	switch f.ops.(type) {
	case dirFile, *procDir:
		return true
	}
	return false
}

// openat is open(2) on the VFS: O_CREAT makes a regular file (O_EXCL:
// EEXIST if there is one), O_TRUNC empties it, O_DIRECTORY insists on a
// directory; a directory opens only read-only (EISDIR otherwise).
func (t *Table) openat(p *Process, dirfd, addr, flags, mode uint64) (uint64, linux.Errno) {
	name, e := t.path(p, dirfd, addr, false)
	if e != 0 {
		return 0, e
	}
	// O_NOFOLLOW and O_CREAT|O_EXCL do not follow a final symlink (the
	// first says ELOOP for one, the second EEXIST), as Linux's
	// open_last_lookups. Links are followed first: one may lead to /dev.
	excl := flags&linux.O_CREAT != 0 && flags&linux.O_EXCL != 0
	if name, e = t.vfsPath(name, flags&linux.O_NOFOLLOW == 0 && !excl); e != 0 {
		return 0, e
	}
	if d := lookupDevice(name); d != nil {
		return t.openDevice(p, d, name, flags)
	}
	if isProcPath(name) {
		n, e := t.lookupProcFollow(p, name)
		if e != 0 {
			return 0, e
		}
		if n.kind != procIsLink {
			return t.openProc(p, n, name, flags)
		}
		name = n.follow // exe: the program's file; cwd, fd/N: their paths
		if name == "" {
			return 0, linux.ENXIO // a descriptor's link to a pipe or a memfd
		}
		if d := lookupDevice(name); d != nil {
			return t.openDevice(p, d, name, flags)
		}
		if t.VFS == nil {
			return 0, linux.ENOENT
		}
	}
	st, err := t.VFS.Lstat(name)
	exists := err == nil
	if exists && st.Mode&fs.ModeSymlink != 0 && !excl {
		return 0, linux.ELOOP
	}
	switch {
	case err != nil && !isNotExist(err):
		return 0, linux.ErrnoOf(err)
	case exists && flags&linux.O_CREAT != 0 && flags&linux.O_EXCL != 0:
		return 0, linux.EEXIST
	case !exists && flags&linux.O_CREAT == 0:
		return 0, linux.ENOENT
	case !exists && flags&linux.O_DIRECTORY != 0:
		return 0, linux.EINVAL
	case exists && st.Mode.IsDir():
		if flags&linux.O_ACCMODE != linux.O_RDONLY || flags&linux.O_CREAT != 0 {
			return 0, linux.EISDIR
		}
		of := &openFile{ops: dirFile{}, path: name, flags: flags}
		fd, e := p.files.alloc(of, 0, flags&linux.O_CLOEXEC != 0)
		return uint64(fd), e
	case exists && flags&linux.O_DIRECTORY != 0:
		return 0, linux.ENOTDIR
	case exists && !st.Mode.IsRegular():
		return 0, linux.ENXIO
	}
	if !exists {
		if err := t.VFS.CreateMode(name, fs.FileMode(mode&0o7777&^umask)); err != nil {
			return 0, linux.ErrnoOf(err)
		}
	}
	f, err := t.VFS.Open(name)
	if err != nil {
		return 0, linux.ErrnoOf(err)
	}
	if flags&linux.O_ACCMODE != linux.O_RDONLY && !f.Writable() {
		f.Close()
		return 0, linux.EROFS
	}
	if flags&linux.O_TRUNC != 0 && flags&linux.O_ACCMODE != linux.O_RDONLY {
		if err := f.Truncate(0); err != nil {
			f.Close()
			return 0, linux.ErrnoOf(err)
		}
	}
	of := &openFile{ops: &regularFile{f: f}, path: name, flags: flags}
	fd, e := p.files.alloc(of, 0, flags&linux.O_CLOEXEC != 0)
	if e != 0 {
		f.Close()
	}
	return uint64(fd), e
}

func isNotExist(err error) bool {
	return linux.ErrnoOf(err) == linux.ENOENT
}

// fstatat fills a struct stat for a path or, with AT_EMPTY_PATH and an
// empty path, for dirfd itself.
func (t *Table) fstatat(p *Process, dirfd, addr, buf, flags uint64) (uint64, linux.Errno) {
	if flags&^(atSymlinkNofollow|atEmptyPath) != 0 {
		return 0, linux.EINVAL
	}
	var st linux.Stat
	if flags&atEmptyPath != 0 && (addr == 0 || t.emptyString(p, addr)) {
		f, e := p.files.get(uint64(int32(dirfd)))
		if e != 0 {
			return 0, e
		}
		if st, e = t.fstatFile(f); e != 0 {
			return 0, e
		}
	} else {
		name, e := t.path(p, dirfd, addr, false)
		if e != 0 {
			return 0, e
		}
		if name, e = t.vfsPath(name, flags&atSymlinkNofollow == 0); e != 0 {
			return 0, e
		}
		if d := lookupDevice(name); d != nil {
			st = d.stat()
		} else if isProcPath(name) {
			lookup := t.lookupProcFollow
			if flags&atSymlinkNofollow != 0 {
				lookup = t.lookupProc
			}
			n, e := lookup(p, name)
			if e != 0 {
				return 0, e
			}
			st = n.stat()
			switch {
			case n.kind != procIsLink || flags&atSymlinkNofollow != 0:
			case n.fd != nil:
				// fd/N: the open file's own stat, as fstat of it.
				if st, e = t.fstatFile(n.fd); e != 0 {
					return 0, e
				}
			case lookupDevice(n.follow) != nil:
				st = lookupDevice(n.follow).stat()
			case t.VFS == nil:
				return 0, linux.ENOENT
			default:
				// exe or cwd, followed out of /proc (and on through
				// symlinks, as stat does).
				vst, err := t.VFS.Stat(n.follow)
				if err != nil {
					return 0, linux.ErrnoOf(err)
				}
				st = statOf(vst)
			}
		} else {
			vst, err := t.VFS.Lstat(name)
			if err != nil {
				return 0, linux.ErrnoOf(err)
			}
			st = statOf(vst)
		}
	}
	return 0, t.mem(p).copyOut(buf, st.Append(nil))
}

// fstatFile is fstat of f.
func (t *Table) fstatFile(f *openFile) (linux.Stat, linux.Errno) {
	switch o := f.ops.(type) {
	case statter:
		return o.stat(), 0
	case *regularFile:
		return statOf(o.f.Stat()), 0
	case *memFile:
		s := o.f.Stat()
		return statOf(vfs.Stat{Ino: s.Ino, Mode: s.Mode, Links: s.Links, Size: o.f.Size(), Blocks: s.Blocks,
			Atime: s.Atime, Mtime: s.Mtime, Ctime: s.Ctime}), 0
	}
	vst, err := t.VFS.Lstat(f.path)
	if err != nil {
		return linux.Stat{}, linux.ErrnoOf(err)
	}
	return statOf(vst), 0
}

func (t *Table) emptyString(p *Process, addr uint64) bool {
	var b [1]byte
	return t.mem(p).copyIn(addr, b[:]) == 0 && b[0] == 0
}

// statter is an open file that is not the VFS's and says its own
// struct stat: the console, a pipe, a device.
type statter interface{ stat() linux.Stat }

// statOf is a VFS file's struct stat (abi/linux's Stat: x86-64's
// layout): the file type and the set-id and sticky bits from its mode,
// on the root disk's st_dev.
func statOf(st vfs.Stat) linux.Stat {
	mode := uint32(st.Mode.Perm())
	for _, b := range []struct {
		bit  uint32
		mode fs.FileMode
	}{{linux.S_ISUID, fs.ModeSetuid}, {linux.S_ISGID, fs.ModeSetgid}, {linux.S_ISVTX, fs.ModeSticky}} {
		if st.Mode&b.mode != 0 {
			mode |= b.bit
		}
	}
	switch {
	case st.Mode.IsDir():
		mode |= linux.S_IFDIR
	case st.Mode&fs.ModeSymlink != 0:
		mode |= linux.S_IFLNK
	default:
		mode |= linux.S_IFREG
	}
	return linux.Stat{Dev: 0x800, Ino: st.Ino, Nlink: uint64(st.Links), Mode: mode,
		Size: st.Size, Blksize: 4096, Blocks: int64(st.Blocks),
		Atime: linux.NsecToTimespec(st.Atime), Mtime: linux.NsecToTimespec(st.Mtime),
		Ctime: linux.NsecToTimespec(st.Ctime)}
}

func put32(b []byte, v uint32) { binary.LittleEndian.PutUint32(b, v) }

func (t *Table) unlinkat(p *Process, dirfd, addr, flags uint64) (uint64, linux.Errno) {
	if flags&^atRemoveDir != 0 {
		return 0, linux.EINVAL
	}
	name, e := t.path(p, dirfd, addr, false)
	if e != 0 {
		return 0, e
	}
	if isProcPath(name) {
		return 0, linux.EPERM // proc's inodes have no unlink (vfs_unlink)
	}
	if name, e = t.vfsPath(name, false); e != 0 {
		return 0, e
	}
	st, err := t.VFS.Lstat(name)
	if err != nil {
		return 0, linux.ErrnoOf(err)
	}
	if flags&atRemoveDir != 0 {
		if !st.Mode.IsDir() {
			return 0, linux.ENOTDIR
		}
		return 0, linux.ErrnoOf(t.VFS.Rmdir(name))
	}
	if st.Mode.IsDir() {
		return 0, linux.EISDIR
	}
	return 0, linux.ErrnoOf(t.VFS.Remove(name))
}

func (t *Table) mkdirat(p *Process, dirfd, addr uint64) (uint64, linux.Errno) {
	name, e := t.path(p, dirfd, addr, false)
	if e != 0 {
		return 0, e
	}
	if isProcPath(name) {
		return 0, linux.EPERM // nor mkdir (vfs_mkdir)
	}
	if name, e = t.vfsPath(name, false); e != 0 {
		return 0, e
	}
	if _, err := t.VFS.Lstat(name); err == nil {
		return 0, linux.EEXIST
	}
	return 0, linux.ErrnoOf(t.VFS.Mkdir(name))
}

func (t *Table) faccessat(p *Process, dirfd, addr, mode uint64) (uint64, linux.Errno) {
	if mode&^7 != 0 {
		return 0, linux.EINVAL
	}
	name, e := t.path(p, dirfd, addr, false)
	if e != 0 {
		return 0, e
	}
	if lookupDevice(name) != nil {
		return 0, 0
	}
	if isProcPath(name) {
		_, e := t.lookupProcFollow(p, name)
		return 0, e
	}
	_, err := t.VFS.Stat(name)
	return 0, linux.ErrnoOf(err)
}

func (t *Table) readlinkat(p *Process, dirfd, addr, buf, size uint64) (uint64, linux.Errno) {
	if int64(size) <= 0 {
		return 0, linux.EINVAL
	}
	name, e := t.path(p, dirfd, addr, false)
	if e != 0 {
		return 0, e
	}
	if lookupDevice(name) != nil {
		return 0, linux.EINVAL // not a symbolic link
	}
	if isProcPath(name) {
		n, e := t.lookupProc(p, name)
		switch {
		case e != 0:
			return 0, e
		case n.kind != procIsLink:
			return 0, linux.EINVAL
		}
		b := []byte(n.link)
		if uint64(len(b)) > size {
			b = b[:size]
		}
		return uint64(len(b)), t.mem(p).copyOut(buf, b)
	}
	if name, e = t.vfsPath(name, false); e != 0 {
		return 0, e
	}
	target, err := t.VFS.Readlink(name)
	if err != nil {
		if linux.ErrnoOf(err) == linux.EIO {
			return 0, linux.EINVAL // not a symbolic link
		}
		return 0, linux.ErrnoOf(err)
	}
	b := []byte(target)
	if uint64(len(b)) > size {
		b = b[:size]
	}
	return uint64(len(b)), t.mem(p).copyOut(buf, b)
}

func dup3(p *Process, oldfd, newfd, flags uint64) (uint64, linux.Errno) {
	f, e := p.files.get(uint64(int32(oldfd)))
	if e != 0 {
		return 0, e
	}
	if newfd >= maxFDs {
		return 0, linux.EBADF
	}
	f.refs++ // held across the close of newfd, which may be f itself
	p.files.close(newfd)
	p.files.put(int(newfd), f, flags&linux.O_CLOEXEC != 0)
	f.refs--
	return newfd, 0
}

func sysFcntlFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	const (
		fDupfd        = 0
		fGetfd        = 1
		fSetfd        = 2
		fGetfl        = 3
		fSetfl        = 4
		fDupfdCloexec = 1030
		fdCloexec     = 1
	)
	fd := uint64(int32(a[0]))
	f, e := p.files.get(fd)
	if e != 0 {
		return 0, e
	}
	switch a[1] {
	case fDupfd, fDupfdCloexec:
		if a[2] >= maxFDs {
			return 0, linux.EINVAL
		}
		n, e := p.files.alloc(f, int(a[2]), a[1] == fDupfdCloexec)
		return uint64(n), e
	case fGetfd:
		if p.files.fds[fd].cloexec {
			return fdCloexec, 0
		}
		return 0, 0
	case fSetfd:
		p.files.fds[fd].cloexec = a[2]&fdCloexec != 0
		return 0, 0
	case fGetfl:
		return f.flags &^ (linux.O_CREAT | linux.O_EXCL | linux.O_TRUNC | linux.O_CLOEXEC), 0
	case fSetfl:
		const settable = linux.O_APPEND | linux.O_NONBLOCK
		f.flags = f.flags&^settable | a[2]&settable
		return 0, 0
	}
	return 0, linux.EINVAL
}

// sysGetdents64Fn lists a directory as linux_dirent64 records: d_ino,
// d_off (the next record's index), d_reclen (8-byte aligned), d_type,
// the NUL-terminated name. "." and ".." come first, as ext2's own
// entries do.
func sysGetdents64Fn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	f, e := p.files.get(uint64(int32(a[0])))
	if e != 0 {
		return 0, e
	}
	if !isDir(f) {
		return 0, linux.ENOTDIR
	}
	if d, ok := f.ops.(*procDir); ok && f.dir == nil {
		f.dir = t.procEntries(&d.node)
	}
	if f.dir == nil {
		ents, err := t.VFS.ReadDir(f.path)
		if err != nil {
			return 0, linux.ErrnoOf(err)
		}
		if f.path == devDir {
			ents = append(ents, devEntries()...)
		}
		f.dir = ents
	}
	var out []byte
	for int(f.off) < len(f.dir) {
		d := f.dir[f.off]
		reclen := (19 + len(d.Name) + 1 + 7) &^ 7
		if uint64(len(out)+reclen) > a[2] {
			if len(out) == 0 {
				return 0, linux.EINVAL
			}
			break
		}
		rec := make([]byte, reclen)
		put64(rec[0:], d.Ino)
		put64(rec[8:], uint64(f.off+1))
		rec[16], rec[17] = byte(reclen), byte(reclen>>8)
		rec[18] = direntType(d.Type)
		copy(rec[19:], d.Name)
		out = append(out, rec...)
		f.off++
	}
	if len(out) == 0 {
		return 0, 0
	}
	return uint64(len(out)), t.mem(p).copyOut(a[1], out)
}

// direntType is d_type: DT_CHR 2, DT_DIR 4, DT_REG 8, DT_LNK 10.
func direntType(m fs.FileMode) byte {
	switch {
	case m&fs.ModeCharDevice != 0:
		return 2
	case m.IsDir():
		return 4
	case m&fs.ModeSymlink != 0:
		return 10
	case m.IsRegular():
		return 8
	}
	return 0
}

// memFile is a memfd: an unnamed file of the kernel's internal tmpfs.
type memFile struct{ f *tmpfs.File }

func (m *memFile) read(_ *Table, _ *Process, buf []byte, off int64) (int, linux.Errno) {
	n, err := m.f.ReadAt(buf, off)
	if err != nil && n == 0 && !errors.Is(err, errEOF) {
		return 0, linux.ErrnoOf(err)
	}
	return n, 0
}

func (m *memFile) write(_ *Table, _ *Process, buf []byte, off int64) (int, linux.Errno) {
	n, err := m.f.WriteAt(buf, off)
	if err != nil && n == 0 {
		return 0, linux.ErrnoOf(err)
	}
	return n, 0
}

func (m *memFile) size() int64    { return m.f.Size() }
func (m *memFile) seekable() bool { return true }
func (m *memFile) release()       { m.f.Close() }

// sysIoctlFn is ioctl(fd, cmd, arg): the generic commands of any file
// (FIONBIO, FIOCLEX, FIONCLEX, and FIONREAD of a pipe), the terminal's
// on a descriptor of the console (tty.go), ENOTTY for the rest.
func sysIoctlFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	const fionclex, fioclex, fionbio = 0x5450, 0x5451, 0x5421
	fd := uint64(int32(a[0]))
	f, e := p.files.get(fd)
	if e != 0 {
		return 0, e
	}
	cmd := uint64(uint32(a[1]))
	switch cmd {
	case fioclex, fionclex:
		p.files.fds[fd].cloexec = cmd == fioclex
		return 0, 0
	case fionbio:
		on, e := t.mem(p).load32(a[2])
		if e != 0 {
			return 0, e
		}
		f.flags &^= linux.O_NONBLOCK
		if on != 0 {
			f.flags |= linux.O_NONBLOCK
		}
		return 0, 0
	}
	switch o := f.ops.(type) {
	case *consoleFile:
		return t.ttyIoctl(p, f, cmd, a[2])
	case *pipeEnd:
		if cmd == linux.FIONREAD {
			return 0, t.mem(p).store32(a[2], uint32(o.available()))
		}
	}
	return 0, linux.ENOTTY
}

// sysSendfileFn is sendfile(out_fd, in_fd, offset, count): bytes from a
// file of the VFS (or a memfd) to any writable file, in 64 KiB pieces
// through the kernel, as Linux's do_sendfile through a pipe. The input
// is read at *offset (then written back, the file's own offset
// untouched) or at its offset (then advanced). An input that is not a
// page-cache file (a pipe, the console) is EINVAL, as on Linux, and the
// caller falls back to read and write; an O_APPEND output is EINVAL.
func sysSendfileFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	out, e := p.files.get(uint64(int32(a[0])))
	if e != 0 {
		return 0, e
	}
	in, e := p.files.get(uint64(int32(a[1])))
	if e != 0 {
		return 0, e
	}
	if !in.readable() || !out.writable() {
		return 0, linux.EBADF
	}
	switch in.ops.(type) {
	case *regularFile, *memFile:
	default:
		return 0, linux.EINVAL
	}
	if out.flags&linux.O_APPEND != 0 {
		return 0, linux.EINVAL
	}
	u := t.mem(p)
	pos := in.off
	if a[2] != 0 {
		v, e := u.load64(a[2])
		if e != 0 {
			return 0, e
		}
		if int64(v) < 0 {
			return 0, linux.EINVAL
		}
		pos = int64(v)
	}
	count := min(a[3], maxRW)
	buf := make([]byte, min(count, 64<<10))
	var done uint64
	for done < count {
		n, e := in.ops.read(t, p, buf[:min(uint64(len(buf)), count-done)], pos)
		if e != 0 || n == 0 {
			if done == 0 && e != 0 {
				return 0, e
			}
			break
		}
		w, e := out.ops.write(t, p, buf[:n], out.off)
		if out.ops.seekable() {
			out.off += int64(w)
		}
		pos += int64(w)
		done += uint64(w)
		if e != 0 || w < n {
			if done == 0 {
				return 0, e
			}
			break
		}
	}
	if a[2] != 0 {
		if e := u.store64(a[2], uint64(pos)); e != 0 {
			return 0, e
		}
	} else {
		in.off = pos
	}
	return done, 0
}

// sysUtimensatFn is utimensat(dirfd, path, times, flags): times NULL
// sets both to now; a timespec's tv_nsec UTIME_NOW is now, UTIME_OMIT
// leaves that time; ctime is stamped either way (Linux's
// vfs_utimes, which returns early only when both are omitted). A NULL
// path is futimens on dirfd; /dev and /proc files keep no times.
func sysUtimensatFn(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
	if a[3]&^atSymlinkNofollow != 0 {
		return 0, linux.EINVAL
	}
	now := t.realtime()
	atime, mtime := &now, &now
	if a[2] != 0 {
		b := make([]byte, 32)
		if e := t.mem(p).copyIn(a[2], b); e != 0 {
			return 0, e
		}
		const utimeNow, utimeOmit = 1<<30 - 1, 1<<30 - 2
		set := func(b []byte) (*int64, linux.Errno) {
			switch ns := le64(b[8:]); {
			case ns == utimeNow:
				return &now, 0
			case ns == utimeOmit:
				return nil, 0
			case ns >= 1e9:
				return nil, linux.EINVAL
			default:
				v := linux.Timespec{Sec: int64(le64(b)), Nsec: int64(ns)}.Nanoseconds()
				return &v, 0
			}
		}
		var e linux.Errno
		if atime, e = set(b[:16]); e != 0 {
			return 0, e
		}
		if mtime, e = set(b[16:]); e != 0 {
			return 0, e
		}
	}
	if a[1] == 0 {
		f, e := p.files.get(uint64(int32(a[0])))
		if e != 0 || atime == nil && mtime == nil {
			return 0, e
		}
		switch o := f.ops.(type) {
		case *regularFile:
			return 0, linux.ErrnoOf(o.f.SetTimes(atime, mtime))
		case dirFile:
			return 0, linux.ErrnoOf(t.VFS.SetTimes(f.path, atime, mtime))
		}
		return 0, 0
	}
	name, e := t.path(p, a[0], a[1], false)
	if e != 0 {
		return 0, e
	}
	if lookupDevice(name) != nil {
		return 0, 0
	}
	if isProcPath(name) {
		_, e := t.lookupProcFollow(p, name)
		return 0, e
	}
	if name, e = t.vfsPath(name, a[3]&atSymlinkNofollow == 0); e != 0 {
		return 0, e
	}
	if _, err := t.VFS.Lstat(name); err != nil || atime == nil && mtime == nil {
		return 0, linux.ErrnoOf(err)
	}
	return 0, linux.ErrnoOf(t.VFS.SetTimes(name, atime, mtime))
}

// vfsPath resolves the symlinks of a cleaned path bound for the VFS
// (vfs.Resolve), following a final one if follow is set; the kernel's
// /dev and /proc names pass unchanged.
func (t *Table) vfsPath(name string, follow bool) (string, linux.Errno) {
	if t.VFS == nil || lookupDevice(name) != nil || isProcPath(name) {
		return name, 0
	}
	r, err := t.VFS.Resolve(name, follow)
	if err != nil {
		return "", linux.ErrnoOf(err)
	}
	return r, 0
}
