package shell

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"slices"
	"strings"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/fs/ext2"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// The shell's disk and file commands.
func fsCommands() []Command {
	return []Command{
		{Name: "lsblk", Help: "list the disks: name, size, read-only, mount point, virtio features", MaxArgs: 0, Run: cmdLsblk},
		{Name: "mount", Usage: "DEV|tmpfs PATH [OPTIONS]", Help: "mount the ext2 filesystem of disk DEV (e.g. vda) at PATH (option ro), or a new tmpfs (option size=N: bytes, or N% of memory; default half of memory)", MinArgs: 2, MaxArgs: 3, Run: cmdMount},
		{Name: "umount", Usage: "PATH", Help: "unmount the filesystem at PATH: ext2 is written back first, a tmpfs is discarded; refused while a file of it is mapped", MinArgs: 1, MaxArgs: 1, Run: pathCmd((*vfs.VFS).Unmount)},
		{Name: "df", Help: "space of every mounted filesystem in 1K blocks, as df -k", MaxArgs: 0, Run: cmdDf},
		{Name: "sync", Help: "write every dirty page and all filesystem metadata to disk", MaxArgs: 0, Run: cmdSync},
		{Name: "ls", Usage: "PATH", Help: "list a directory: type, inode, size, name", MinArgs: 1, MaxArgs: 1, Run: cmdLs},
		{Name: "cat", Usage: "PATH", Help: "print a file (through the page cache)", MinArgs: 1, MaxArgs: 1, Run: cmdCat},
		{Name: "write", Usage: "[-a] PATH STRING...", Help: "write the words and a newline to PATH, replacing it (-a: appending), as echo WORDS > PATH", MinArgs: 2, MaxArgs: -1, Run: cmdWrite},
		{Name: "create", Usage: "PATH", Help: "make an empty file", MinArgs: 1, MaxArgs: 1, Run: pathCmd((*vfs.VFS).Create)},
		{Name: "rm", Usage: "PATH", Help: "remove a file (a mapped file lives on: on ext2 until unmount, on tmpfs until unmapped)", MinArgs: 1, MaxArgs: 1, Run: pathCmd((*vfs.VFS).Remove)},
		{Name: "mkdir", Usage: "PATH", Help: "make a directory", MinArgs: 1, MaxArgs: 1, Run: pathCmd((*vfs.VFS).Mkdir)},
		{Name: "rmdir", Usage: "PATH", Help: "remove an empty directory", MinArgs: 1, MaxArgs: 1, Run: pathCmd((*vfs.VFS).Rmdir)},
		{Name: "truncate", Usage: "PATH LEN", Help: "set a file's size; mapped pages past the new end give bus errors", MinArgs: 2, MaxArgs: 2, Run: cmdTruncate},
		{Name: "stat", Usage: "PATH", Help: "print a file's inode: type, size, blocks, links, mode, cached and dirty pages", MinArgs: 1, MaxArgs: 1, Run: cmdStat},
		{Name: "msync", Usage: "ADDR LEN [sync|async|invalidate]", Help: "flush file mappings in [ADDR, ADDR+LEN) (default sync: write and wait; reports a pending I/O error)", MinArgs: 2, MaxArgs: 3, Run: cmdMsync},
		{Name: "drop_caches", Help: "drop every clean page-cache page no mapping uses (as echo 1 > /proc/sys/vm/drop_caches; tmpfs pages are data and stay); prints how many", MaxArgs: 0, Run: cmdDropCaches},
		{Name: "sum", Usage: "ADDR LEN", Help: "CRC-32 (IEEE) of [ADDR, ADDR+LEN) read through the mapping window", MinArgs: 2, MaxArgs: 2, Run: cmdSum},
	}
}

// pathCmd is a command whose one argument is a path handed to op.
func pathCmd(op func(v *vfs.VFS, path string) error) func(sh *Shell, args []string) error {
	return func(sh *Shell, args []string) error {
		v, err := sh.vfs()
		if err != nil {
			return err
		}
		return op(v, args[0])
	}
}

func (sh *Shell) vfs() (*vfs.VFS, error) {
	if sh.cfg.VFS == nil {
		return nil, errors.New("no disks or filesystems in this kernel")
	}
	return sh.cfg.VFS, nil
}

func cmdLsblk(sh *Shell, _ []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	sh.Printf("%-5s %12s %3s %-12s %s\n", "NAME", "SIZE", "RO", "MOUNTPOINT", "FEATURES")
	for _, d := range v.Disks {
		ro, mnt := 0, ""
		if d.ReadOnly() {
			ro = 1
		}
		if m := v.MountOf(d); m != nil {
			mnt = m.Path
		}
		sh.Printf("%-5s %12d %3d %-12s %s\n", d.Name(), d.Size(), ro, mnt, strings.Join(d.Features(), ","))
	}
	return nil
}

func cmdMount(sh *Shell, args []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	opts := ""
	if len(args) == 3 {
		opts = args[2]
	}
	if args[0] == "tmpfs" {
		pages, err := parseTmpfsOptions(opts, v.DefaultTmpfsPages(), v.Cache.Frames.Stats().ManagedPages)
		if err != nil {
			return err
		}
		m, err := v.MountTmpfs(args[1], pages)
		if err != nil {
			return err
		}
		size := "no size limit"
		if pages != 0 {
			size = fmt.Sprintf("%d pages (%d kB)", pages, pages*mm.PageSize>>10)
		}
		sh.Printf("tmpfs on %s: %s\n", m.Path, size)
		return nil
	}
	ro := false
	switch opts {
	case "":
	case "ro":
		ro = true
	default:
		return fmt.Errorf("unknown option %q (have: ro)", opts)
	}
	m, err := v.Mount(args[0], args[1], ro)
	if err != nil {
		return err
	}
	fsys := m.Ext2()
	st := fsys.Statfs()
	mode := "read-write"
	if fsys.ReadOnly() {
		mode = "read-only"
	}
	sh.Printf("%s on %s: ext2, %d-byte blocks, %d/%d blocks free, %s\n", args[0], m.Path, st.BlockSize, st.FreeBlocks, st.Blocks, mode)
	if n := fsys.Notice(); n != "" {
		sh.Printf("note: %s\n", n)
	}
	return nil
}

// parseTmpfsOptions reads tmpfs mount options (a comma list) and returns
// the size limit in pages: size=N is N bytes (K, M, G suffixes, as every
// number) or, as size=N%, N percent of the managed memory; either is
// rounded up to whole pages, and 0 means no limit, as in Linux. Without
// size=, the limit is def.
func parseTmpfsOptions(opts string, def, managed uint64) (uint64, error) {
	pages := def
	for _, o := range strings.Split(opts, ",") {
		if o == "" {
			continue
		}
		val, ok := strings.CutPrefix(o, "size=")
		if !ok {
			return 0, fmt.Errorf("unknown tmpfs option %q (have: size=N)", o)
		}
		if pct, ok := strings.CutSuffix(val, "%"); ok {
			n, err := mm.ParseSize(pct)
			if err != nil || n > 100 {
				return 0, fmt.Errorf("bad size %q: a percentage of memory is 0%% to 100%%", val)
			}
			pages = (managed*n + 99) / 100
			continue
		}
		n, err := mm.ParseSize(val)
		if err != nil {
			return 0, err
		}
		pages = n / mm.PageSize
		if n%mm.PageSize != 0 {
			pages++
		}
	}
	return pages, nil
}

func cmdSync(sh *Shell, _ []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	return v.Sync()
}

// typeLetter is ls's letter for a file type.
func typeLetter(mode fs.FileMode) byte {
	switch mode.Type() {
	case 0:
		return '-'
	case fs.ModeDir:
		return 'd'
	case fs.ModeSymlink:
		return 'l'
	}
	return '?'
}

// unixMode is the permission bits of mode as stat(2)'s st_mode has them.
func unixMode(mode fs.FileMode) uint32 {
	m := uint32(mode.Perm())
	for _, b := range []struct {
		mode fs.FileMode
		bit  uint32
	}{{fs.ModeSetuid, 0o4000}, {fs.ModeSetgid, 0o2000}, {fs.ModeSticky, 0o1000}} {
		if mode&b.mode != 0 {
			m |= b.bit
		}
	}
	return m
}

func cmdLs(sh *Shell, args []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	st, err := v.Lstat(args[0])
	if err != nil {
		return err
	}
	if !st.Mode.IsDir() {
		sh.Printf("%c %6d %10d %s\n", typeLetter(st.Mode), st.Ino, st.Size, args[0])
		return nil
	}
	ents, err := v.ReadDir(args[0])
	if err != nil {
		return err
	}
	dir := strings.TrimSuffix(args[0], "/")
	for _, e := range ents {
		size := int64(0)
		if s, err := v.Lstat(dir + "/" + e.Name); err == nil {
			size = s.Size
		}
		name := e.Name
		if e.Type == fs.ModeSymlink {
			if t, err := v.Readlink(dir + "/" + e.Name); err == nil {
				name += " -> " + t
			}
		}
		sh.Printf("%c %6d %10d %s\n", typeLetter(e.Type), e.Ino, size, name)
	}
	return nil
}

func cmdCat(sh *Shell, args []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	f, err := v.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, mm.PageSize)
	for off := int64(0); off < f.PC.Size(); {
		n, err := f.ReadAt(buf, off)
		sh.cfg.Out.Write(buf[:n])
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		off += int64(n)
	}
	return nil
}

func cmdWrite(sh *Shell, args []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	appending := args[0] == "-a"
	if appending {
		args = args[1:]
		if len(args) < 2 {
			return errors.New("usage: write [-a] PATH STRING...")
		}
	}
	f, err := v.OpenCreate(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	if !f.Writable() {
		return fmt.Errorf("%w: %s", ext2.ErrReadOnly, args[0])
	}
	data := []byte(strings.Join(args[1:], " ") + "\n")
	off := int64(0)
	if appending {
		off = f.PC.Size()
	} else if err := f.Truncate(0); err != nil {
		return err
	}
	_, err = f.WriteAt(data, off)
	return err
}

func cmdTruncate(sh *Shell, args []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	n, err := mm.ParseSize(args[1])
	if err != nil {
		return err
	}
	if n > 1<<62 {
		return fmt.Errorf("length %d too large", n)
	}
	f, err := v.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	if !f.Writable() {
		return fmt.Errorf("%w: %s", ext2.ErrReadOnly, args[0])
	}
	return f.Truncate(int64(n))
}

func cmdStat(sh *Shell, args []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	st, err := v.Lstat(args[0])
	if err != nil {
		return err
	}
	sh.Printf("  File: %s\n", args[0])
	sh.Printf("  Type: %c  Inode: %d  Links: %d  Mode: %04o\n", typeLetter(st.Mode), st.Ino, st.Links, unixMode(st.Mode))
	sh.Printf("  Size: %d  Blocks: %d (512-byte)\n", st.Size, st.Blocks)
	if st.Mode.IsRegular() {
		if f, err := v.Open(args[0]); err == nil {
			sh.Printf("  Cached: %d pages  Dirty: %d pages  Mapped: %v\n", f.PC.CachedPages(), f.PC.DirtyPages(), f.PC.Mapped())
			f.Close()
		}
	}
	return nil
}

// cmdMmapFile is mmap with a PATH: a file mapping.
func cmdMmapFile(sh *Shell, as *vm.AddressSpace, n uint64, prot vm.Prot, flags vm.Flags, addr mm.VirtAddr, args []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	var off uint64
	if len(args) == 2 {
		if off, err = mm.ParseSize(args[1]); err != nil {
			return err
		}
	}
	f, err := v.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close() // the mapping keeps the file
	got, err := as.MmapFile(addr, n, prot, flags, f.PC, off, f.Writable())
	if err != nil {
		return err
	}
	sh.Printf("%#x\n", uint64(got))
	return nil
}

// msyncFlags are msync's words: Linux's MS_* values.
var msyncFlags = map[string]uint64{"sync": linux.MS_SYNC, "async": linux.MS_ASYNC, "invalidate": linux.MS_INVALIDATE}

func cmdMsync(sh *Shell, args []string) error {
	as, err := sh.currentSpace()
	if err != nil {
		return err
	}
	v, err := numbers(args[:2]...)
	if err != nil {
		return err
	}
	flags := vm.MsSync
	if len(args) == 3 {
		n, ok := msyncFlags[args[2]]
		if !ok {
			return fmt.Errorf("unknown flag %q (have: sync, async, invalidate)", args[2])
		}
		if flags, err = linux.MsyncFlags(n); err != nil {
			return err
		}
	}
	if err := as.Msync(mm.VirtAddr(v[0]), v[1], flags); err != nil {
		return err
	}
	if flags == vm.MsAsync && sh.cfg.Writeback != nil {
		sh.cfg.Writeback()
	}
	return nil
}

// maxSum bounds one sum: 1 GiB.
const maxSum = 1 << 30

func cmdSum(sh *Shell, args []string) error {
	if sh.cfg.Window == nil {
		return errors.New("no mapping window in this kernel")
	}
	v, err := numbers(args...)
	if err != nil {
		return err
	}
	addr, n := v[0], v[1]
	if n > maxSum || addr%8 != 0 || n%8 != 0 {
		return fmt.Errorf("ADDR and LEN must be multiples of 8, LEN at most %d", maxSum)
	}
	if err := sh.inWindow(addr, n); err != nil {
		return err
	}
	var crc uint32
	var buf [mm.PageSize]byte
	for done := uint64(0); done < n; {
		sh.throttle()
		k := min(n-done, mm.PageSize)
		for i := uint64(0); i < k; i += 8 {
			w := sh.cfg.Window.Load64(addr + done + i)
			for j := range uint64(8) {
				buf[i+j] = byte(w >> (8 * j))
			}
		}
		crc = crc32.Update(crc, crc32.IEEETable, buf[:k])
		done += k
	}
	sh.Printf("crc32 %08x %d bytes\n", crc, n)
	return nil
}

// cmdDf prints each mount's space as df -k does: the filesystem, its
// size, used and available 1K blocks, the use in percent (rounded up,
// of used + available; "-" for a size of 0, a tmpfs without limit), and
// the mount point. Sorted by mount point.
func cmdDf(sh *Shell, _ []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	mounts := v.Mounts()
	slices.SortFunc(mounts, func(a, b *vfs.Mount) int { return strings.Compare(a.Path, b.Path) })
	sh.Printf("%-14s %10s %10s %10s %4s %s\n", "Filesystem", "1K-blocks", "Used", "Available", "Use%", "Mounted on")
	for _, m := range mounts {
		u := m.Usage()
		pct := "-"
		if u.Used+u.Avail > 0 {
			pct = fmt.Sprintf("%d%%", (u.Used*100+u.Used+u.Avail-1)/(u.Used+u.Avail))
		}
		sh.Printf("%-14s %10d %10d %10d %4s %s\n", m.Source(), u.Size>>10, u.Used>>10, u.Avail>>10, pct, m.Path)
	}
	return nil
}

func cmdDropCaches(sh *Shell, _ []string) error {
	v, err := sh.vfs()
	if err != nil {
		return err
	}
	n := v.Cache.ReclaimClean(-1)
	sh.Printf("dropped %d pages\n", n)
	return nil
}
