package proc

import (
	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
)

// statfs(2) and fstatfs(2): a filesystem's figures, as df reads them
// after /proc/mounts. The VFS's mounts say their own (ext2's superblock
// counts; a tmpfs's size limit and pages held, f_blocks 0 without a
// limit, as shmem_statfs); /proc is proc's and /dev devtmpfs's, with
// no blocks, which df leaves out; a pipe is pipefs's.

func init() {
	register(sysStatfs, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		name, e := t.path(p, atFDCWD, a[0], false)
		if e != 0 {
			return 0, e
		}
		st, e := t.statfsPath(p, name)
		if e != 0 {
			return 0, e
		}
		return 0, t.mem(p).copyOut(a[1], st.Append(nil))
	})
	register(sysFstatfs, func(t *Table, p *Process, a *[6]uint64) (uint64, linux.Errno) {
		f, e := p.files.get(a[0])
		if e != 0 {
			return 0, e
		}
		var st linux.Statfs
		switch f.ops.(type) {
		case *pipeEnd:
			st = pseudoStatfs(pipefsMagic)
		case *consoleFile, *memDev, *memFile:
			st = pseudoStatfs(linux.TMPFS_MAGIC) // devtmpfs, the internal tmpfs
		case *procFile, *procDir:
			st = pseudoStatfs(linux.PROC_SUPER_MAGIC)
		default:
			if st, e = t.statfsPath(p, f.path); e != 0 {
				return 0, e
			}
		}
		return 0, t.mem(p).copyOut(a[1], st.Append(nil))
	})
}

// pipefsMagic is pipefs's f_type (PIPEFS_MAGIC).
const pipefsMagic = 0x50495045

// statfsFlags are the mount flags every filesystem here shows, those
// of /proc/mounts's rw,relatime: the figures are valid, and access
// times are relatime's (none are kept).
const statfsFlags = linux.ST_VALID | linux.ST_RELATIME

// pseudoStatfs is a filesystem without blocks: proc, devtmpfs, pipefs.
func pseudoStatfs(magic int64) linux.Statfs {
	return linux.Statfs{Type: magic, Bsize: mm.PageSize, Namelen: 255, Frsize: mm.PageSize, Flags: statfsFlags}
}

// statfsPath is statfs of the absolute, cleaned path name, which must
// exist.
func (t *Table) statfsPath(p *Process, name string) (linux.Statfs, linux.Errno) {
	switch {
	case isProcPath(name):
		if _, e := t.lookupProcFollow(p, name); e != 0 {
			return linux.Statfs{}, e
		}
		return pseudoStatfs(linux.PROC_SUPER_MAGIC), 0
	case name == devDir || lookupDevice(name) != nil:
		return pseudoStatfs(linux.TMPFS_MAGIC), 0
	case t.VFS == nil:
		return linux.Statfs{}, linux.ENOENT
	}
	if _, err := t.VFS.Lstat(name); err != nil {
		return linux.Statfs{}, linux.ErrnoOf(err)
	}
	m, _, err := t.VFS.MountFor(name)
	if err != nil {
		return linux.Statfs{}, linux.ErrnoOf(err)
	}
	return mountStatfs(m), 0
}

// mountStatfs is a VFS mount's struct statfs (ext2_statfs,
// shmem_statfs).
func mountStatfs(m *vfs.Mount) linux.Statfs {
	if fs := m.Ext2(); fs != nil {
		s := fs.Statfs()
		st := linux.Statfs{Type: linux.EXT2_SUPER_MAGIC, Bsize: int64(s.BlockSize), Blocks: s.Blocks,
			Bfree: s.FreeBlocks, Bavail: s.FreeBlocks, Files: s.Inodes, Ffree: s.FreeInodes,
			Namelen: 255, Frsize: int64(s.BlockSize), Flags: statfsFlags}
		if fs.ReadOnly() {
			st.Flags |= linux.ST_RDONLY
		}
		return st
	}
	st := pseudoStatfs(linux.TMPFS_MAGIC)
	if fs := m.Tmpfs(); fs != nil {
		s := fs.Statfs()
		st.Blocks = s.Limit
		if s.Limit > s.Used {
			st.Bfree, st.Bavail = s.Limit-s.Used, s.Limit-s.Used
		}
	}
	return st
}
