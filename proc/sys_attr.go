package proc

import (
	"io/fs"

	"github.com/pagoda-os/pagoda/abi/linux"
)

// Attributes: chmod and chown. Modes are kept by ext2 and tmpfs
// (chmod_common: the permission, set-id and sticky bits, ctime
// stamped). Owners are not kept: every file is root's (uid and gid 0),
// so chown to 0 or -1 (unchanged) succeeds, checking that the file
// exists, and to anyone else is EPERM, which a program running as
// root does not expect but handles (busybox mv across mounts chowns
// the copy to the original's owner: 0).

func init() {
	register(sysChmod, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.fchmodat(p, atFDCWD, a[0], a[1])
	})
	register(sysFchmodat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.fchmodat(p, a[0], a[1], a[2])
	})
	register(sysFchmod, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		f, e := p.files.get(uint64(int32(a[0])))
		if e != 0 {
			return 0, e
		}
		switch o := f.ops.(type) {
		case *regularFile:
			return 0, linux.ErrnoOf(o.f.Chmod(fsPerm(a[1])))
		case dirFile:
			return 0, linux.ErrnoOf(t.VFS.Chmod(f.path, fsPerm(a[1])))
		case *memFile:
			return 0, linux.ErrnoOf(o.f.Chmod(fsPerm(a[1])))
		}
		return 0, 0 // a pipe, the console, a device: nothing kept
	})
	register(sysChown, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.fchownat(p, atFDCWD, a[0], a[1], a[2], 0)
	})
	register(sysLchown, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.fchownat(p, atFDCWD, a[0], a[1], a[2], atSymlinkNofollow)
	})
	register(sysFchownat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.fchownat(p, a[0], a[1], a[2], a[3], a[4])
	})
	register(sysFchown, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		if _, e := p.files.get(uint64(int32(a[0]))); e != 0 {
			return 0, e
		}
		return 0, rootOwner(a[1], a[2])
	})
}

// fsPerm is a Linux mode's permission, set-id and sticky bits as io/fs
// bits.
func fsPerm(mode uint64) fs.FileMode {
	perm := fs.FileMode(mode & 0o777)
	for _, b := range []struct {
		bit  uint64
		mode fs.FileMode
	}{{linux.S_ISUID, fs.ModeSetuid}, {linux.S_ISGID, fs.ModeSetgid}, {linux.S_ISVTX, fs.ModeSticky}} {
		if mode&b.bit != 0 {
			perm |= b.mode
		}
	}
	return perm
}

// rootOwner accepts an owner and group that leave every file root's.
func rootOwner(uid, gid uint64) linux.Errno {
	for _, id := range []uint32{uint32(uid), uint32(gid)} {
		if id != 0 && id != ^uint32(0) {
			return linux.EPERM
		}
	}
	return 0
}

// fchmodat is chmod(2) on a path, following a final symlink (Linux's
// fchmodat has no flags).
func (t *Table) fchmodat(p *Process, dirfd, addr, mode uint64) (uint64, linux.Errno) {
	name, e := t.path(p, dirfd, addr, false)
	if e != 0 {
		return 0, e
	}
	if lookupDevice(name) != nil {
		return 0, 0
	}
	if isProcPath(name) {
		if _, e := t.lookupProcFollow(p, name); e != 0 {
			return 0, e
		}
		return 0, linux.EPERM
	}
	if name, e = t.vfsPath(name, true); e != 0 {
		return 0, e
	}
	return 0, linux.ErrnoOf(t.VFS.Chmod(name, fsPerm(mode)))
}

// fchownat checks the file (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH) and the
// owner asked.
func (t *Table) fchownat(p *Process, dirfd, addr, uid, gid, flags uint64) (uint64, linux.Errno) {
	if flags&^(atSymlinkNofollow|atEmptyPath) != 0 {
		return 0, linux.EINVAL
	}
	name, e := t.path(p, dirfd, addr, flags&atEmptyPath != 0)
	if e != 0 {
		return 0, e
	}
	switch {
	case lookupDevice(name) != nil:
	case isProcPath(name):
		if _, e := t.lookupProcFollow(p, name); e != 0 {
			return 0, e
		}
	default:
		if name, e = t.vfsPath(name, flags&atSymlinkNofollow == 0); e != 0 {
			return 0, e
		}
		if _, err := t.VFS.Lstat(name); err != nil {
			return 0, linux.ErrnoOf(err)
		}
	}
	return 0, rootOwner(uid, gid)
}
