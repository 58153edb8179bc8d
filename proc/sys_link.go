package proc

import (
	"strings"

	"github.com/pagoda-os/pagoda/abi/linux"
)

// Names: rename, link and symlink over the VFS, with fs/namei.c's
// argument checks and errno values. Both names of a rename or a link
// must be on one mount (EXDEV otherwise, before either last name is
// looked at, as do_renameat2 and do_linkat); the kernel's /dev and
// /proc files are on none (EXDEV too, or EPERM within /proc).

// renameat2's flags (include/uapi/linux/fcntl.h).
const (
	renameNoreplace = 1 << 0
	renameExchange  = 1 << 1
	renameWhiteout  = 1 << 2
)

// atSymlinkFollow is linkat's AT_SYMLINK_FOLLOW.
const atSymlinkFollow = 0x400

func init() {
	register(sysRename, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.renameat2(p, atFDCWD, a[0], atFDCWD, a[1], 0)
	})
	register(sysRenameat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.renameat2(p, a[0], a[1], a[2], a[3], 0)
	})
	register(sysRenameat2, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.renameat2(p, a[0], a[1], a[2], a[3], a[4])
	})
	register(sysLink, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.linkat(p, atFDCWD, a[0], atFDCWD, a[1], 0)
	})
	register(sysLinkat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.linkat(p, a[0], a[1], a[2], a[3], a[4])
	})
	register(sysSymlink, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.symlinkat(p, a[0], atFDCWD, a[1])
	})
	register(sysSymlinkat, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		return t.symlinkat(p, a[0], a[1], a[2])
	})
}

// vfsPair reads the two paths of a rename or a link, each resolved
// (neither follows a final symlink, but linkat's old name with
// followOld): EXDEV if either is the kernel's own (/dev, /proc), EPERM
// if both are in /proc.
func (t *Table) vfsPair(p *Process, olddirfd, oldaddr, newdirfd, newaddr uint64, followOld bool) (string, string, linux.Errno) {
	oldName, e := t.path(p, olddirfd, oldaddr, false)
	if e != 0 {
		return "", "", e
	}
	newName, e := t.path(p, newdirfd, newaddr, false)
	if e != 0 {
		return "", "", e
	}
	special := func(n string) bool { return lookupDevice(n) != nil || isProcPath(n) }
	switch {
	case isProcPath(oldName) && isProcPath(newName):
		return "", "", linux.EPERM
	case special(oldName) || special(newName) || t.VFS == nil:
		return "", "", linux.EXDEV
	}
	if oldName, e = t.vfsPath(oldName, followOld); e != 0 {
		return "", "", e
	}
	if newName, e = t.vfsPath(newName, false); e != 0 {
		return "", "", e
	}
	return oldName, newName, 0
}

// renameat2 is rename(2) with RENAME_NOREPLACE; RENAME_EXCHANGE and
// RENAME_WHITEOUT are EINVAL (Linux's answer where a filesystem lacks
// them).
func (t *Table) renameat2(p *Process, olddirfd, oldaddr, newdirfd, newaddr, flags uint64) (uint64, linux.Errno) {
	if flags&^(renameNoreplace|renameExchange|renameWhiteout) != 0 ||
		flags&renameExchange != 0 && flags&(renameNoreplace|renameWhiteout) != 0 {
		return 0, linux.EINVAL
	}
	oldName, newName, e := t.vfsPair(p, olddirfd, oldaddr, newdirfd, newaddr, false)
	if e != 0 {
		return 0, e
	}
	for _, addr := range []uint64{oldaddr, newaddr} {
		// "." or ".." last is EBUSY, before path cleaning takes it away.
		raw, _ := t.mem(p).copyInString(addr, pathMax-1)
		raw = strings.TrimRight(raw, "/")
		if last := raw[strings.LastIndexByte(raw, '/')+1:]; last == "." || last == ".." {
			return 0, linux.EBUSY
		}
	}
	if flags&(renameExchange|renameWhiteout) != 0 {
		return 0, linux.EINVAL
	}
	return 0, linux.ErrnoOf(t.VFS.Rename(oldName, newName, flags&renameNoreplace != 0))
}

// linkat makes a second name: EPERM for a directory (vfs_link), EEXIST
// over a name; the old name's final symlink is followed only with
// AT_SYMLINK_FOLLOW. AT_EMPTY_PATH (linking an open file) is not served:
// ENOENT, as Linux says without CAP_DAC_READ_SEARCH.
func (t *Table) linkat(p *Process, olddirfd, oldaddr, newdirfd, newaddr, flags uint64) (uint64, linux.Errno) {
	if flags&^(atSymlinkFollow|atEmptyPath) != 0 {
		return 0, linux.EINVAL
	}
	oldName, newName, e := t.vfsPair(p, olddirfd, oldaddr, newdirfd, newaddr, flags&atSymlinkFollow != 0)
	if e != 0 {
		return 0, e
	}
	st, err := t.VFS.Lstat(oldName)
	if err != nil {
		return 0, linux.ErrnoOf(err)
	}
	if st.Mode.IsDir() {
		return 0, linux.EPERM
	}
	if _, err := t.VFS.Lstat(newName); err == nil {
		return 0, linux.EEXIST
	}
	return 0, linux.ErrnoOf(t.VFS.Link(oldName, newName))
}

// symlinkat makes a symlink holding target, which is not looked at (an
// empty one is ENOENT, as getname's).
func (t *Table) symlinkat(p *Process, targetAddr, newdirfd, newaddr uint64) (uint64, linux.Errno) {
	target, e := t.mem(p).copyInString(targetAddr, pathMax-1)
	if e != 0 {
		return 0, e
	}
	if target == "" {
		return 0, linux.ENOENT
	}
	name, e := t.path(p, newdirfd, newaddr, false)
	if e != 0 {
		return 0, e
	}
	if lookupDevice(name) != nil || isProcPath(name) {
		return 0, linux.EEXIST
	}
	if name, e = t.vfsPath(name, false); e != 0 {
		return 0, e
	}
	if _, err := t.VFS.Lstat(name); err == nil {
		return 0, linux.EEXIST
	}
	return 0, linux.ErrnoOf(t.VFS.Symlink(target, name))
}
