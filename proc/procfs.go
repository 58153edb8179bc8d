package proc

import (
	"bytes"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pagoda-os/pagoda/abi/linux"
	"github.com/pagoda-os/pagoda/fs/vfs"
	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/vm"
)

// /proc: a synthetic filesystem, found by name before the VFS is asked,
// as /dev's special files are (dev.go): open, stat, access, readlink,
// chdir and getdents64 look here first, and a /proc on the root disk is
// never seen.
//
//	meminfo vmstat swaps      the shell's meminfo, vmstat, swaps,
//	zoneinfo buddyinfo        zoneinfo and buddyinfo (one formatter
//	                          each, mm/vm/proctext.go)
//	uptime loadavg stat       the clock, the CPU times and the process table
//	cpuinfo                   CPUID's (cpuinfo.go)
//	mounts                    the mount table (procinfo.go)
//	sys/vm/overcommit_memory  commit accounting's policy and ratio, and
//	sys/vm/overcommit_ratio   the reclaim's swappiness: read and written
//	sys/vm/swappiness         as Linux's proc_dointvec;
//	sys/vm/drop_caches        writing 1 or 3 drops the clean page cache
//	self                      a symbolic link to the caller's PID
//	PID/                      cmdline environ stat status maps smaps
//	                          mounts; exe (a link to the path execve was
//	                          given), cwd, and fd/ (procfd.go)
//
// A file's text is made when it is opened, into a snapshot that read,
// pread and lseek walk: the same bytes however the reader splits its
// reads. Linux's seq_file makes the text again at each read from offset
// 0, so that a reader that keeps a file open and rewinds sees new
// figures; here it must open the file again.

// procRoot is where the files are.
const procRoot = "/proc"

// procDev is /proc's st_dev (Linux gives proc an anonymous device).
const procDev = 0x14

// procFileDef is one file of /proc: its name, its text, and, for a
// writable sysctl, what a write sets.
type procFileDef struct {
	name string
	// text makes the file's contents; q is the process of a /proc/PID
	// file (nil for the others).
	text func(t *Table, q *Process) []byte
	// set takes a write's bytes (nil: the file is read-only).
	set func(t *Table, b []byte) linux.Errno
}

// procFiles are /proc's own files, in getdents64's order.
var procFiles = []procFileDef{
	{name: "meminfo", text: procMeminfo},
	{name: "vmstat", text: procVmstat},
	{name: "swaps", text: procSwaps},
	{name: "zoneinfo", text: func(t *Table, _ *Process) []byte {
		var b bytes.Buffer
		t.MM.WriteZoneinfo(&b)
		return b.Bytes()
	}},
	{name: "buddyinfo", text: func(t *Table, _ *Process) []byte {
		var b bytes.Buffer
		vm.WriteBuddyinfo(&b, t.MM.Frames)
		return b.Bytes()
	}},
	{name: "uptime", text: procUptime},
	{name: "loadavg", text: procLoadavg},
	{name: "stat", text: procStat},
	{name: "cpuinfo", text: procCpuinfo},
	{name: "mounts", text: procMounts},
}

// procSysVM are /proc/sys/vm's files.
var procSysVM = []procFileDef{
	{name: "overcommit_memory", text: func(t *Table, _ *Process) []byte {
		mode, _ := t.MM.Overcommit()
		return fmt.Appendf(nil, "%d\n", mode)
	}, set: func(t *Table, b []byte) linux.Errno {
		n, e := sysctlInt(b, 2)
		if e != 0 {
			return e
		}
		_, ratio := t.MM.Overcommit()
		return linux.ErrnoOf(t.MM.SetOvercommit(vm.Overcommit(n), ratio))
	}},
	{name: "overcommit_ratio", text: func(t *Table, _ *Process) []byte {
		_, ratio := t.MM.Overcommit()
		return fmt.Appendf(nil, "%d\n", ratio)
	}, set: func(t *Table, b []byte) linux.Errno {
		n, e := sysctlInt(b, 1<<31-1)
		if e != 0 {
			return e
		}
		mode, _ := t.MM.Overcommit()
		return linux.ErrnoOf(t.MM.SetOvercommit(mode, n))
	}},
	{name: "swappiness", text: func(t *Table, _ *Process) []byte {
		return fmt.Appendf(nil, "%d\n", t.MM.Swappiness())
	}, set: func(t *Table, b []byte) linux.Errno {
		n, e := sysctlInt(b, 200)
		if e != 0 {
			return e
		}
		return linux.ErrnoOf(t.MM.SetSwappiness(int(n)))
	}},
	{name: "drop_caches", text: func(*Table, *Process) []byte { return []byte("0\n") },
		set: func(t *Table, b []byte) linux.Errno {
			// As drop_caches_sysctl_handler: 1..4; bit 0 drops the
			// clean page cache no mapping uses (the shell's
			// drop_caches), bit 1 the slab, which Pagoda has not.
			n, e := sysctlInt(b, 4)
			if e != 0 || n == 0 {
				return linux.EINVAL
			}
			if n&1 != 0 && t.VFS != nil {
				t.VFS.Cache.ReclaimClean(-1)
			}
			return 0
		}},
}

// procPIDFiles are the files of /proc/PID (exe, a link, is apart).
var procPIDFiles = []procFileDef{
	{name: "cmdline", text: procCmdline},
	{name: "environ", text: procEnviron},
	{name: "mounts", text: procMounts},
	{name: "stat", text: procPIDStat},
	{name: "status", text: procStatus},
	{name: "maps", text: func(_ *Table, q *Process) []byte {
		var b bytes.Buffer
		if q.AS != nil {
			q.AS.WriteMaps(&b, q.MapsLabels())
		}
		return b.Bytes()
	}},
	{name: "smaps", text: func(_ *Table, q *Process) []byte {
		var b bytes.Buffer
		if q.AS != nil {
			q.AS.WriteSmaps(&b, q.MapsLabels())
		}
		return b.Bytes()
	}},
	// oom_score is proc_oom_score's 0..2000 (vm's oom.go), 0 for a
	// zombie; oom_score_adj is read-only here (Linux lets it be written).
	{name: "oom_score", text: func(_ *Table, q *Process) []byte {
		var n int64
		if q.AS != nil {
			n = q.AS.OOMScore()
		}
		return []byte(strconv.FormatInt(n, 10) + "\n")
	}},
	{name: "oom_score_adj", text: func(_ *Table, q *Process) []byte {
		n := 0
		if q.AS != nil {
			n = q.AS.OOMScoreAdj()
		}
		return []byte(strconv.Itoa(n) + "\n")
	}},
}

// sysctlInt parses a sysctl write as proc_dointvec: a decimal number,
// blanks around it; EINVAL if it is not one or is above max.
func sysctlInt(b []byte, max uint64) (uint64, linux.Errno) {
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n > max {
		return 0, linux.EINVAL
	}
	return n, 0
}

// procKind is what a /proc path names.
type procKind uint8

const (
	procIsDir procKind = iota + 1
	procIsFile
	procIsLink
)

// procNode is what lookupProc found.
type procNode struct {
	kind procKind
	ino  uint64
	// file is a file's definition, q the process of a /proc/PID name.
	file *procFileDef
	q    *Process
	// dir is a directory's path, for its listing.
	dir string
	// link is what readlink says of a link, follow the absolute path
	// it leads to ("" for a descriptor's link to no path).
	link, follow string
	// fd is the open file of a /proc/PID/fd link.
	fd *openFile
}

// isProcPath reports whether the absolute, cleaned path name is
// /proc's: lookupProc has the last word on it.
func isProcPath(name string) bool {
	return name == procRoot || strings.HasPrefix(name, procRoot+"/")
}

// lookupProc finds the absolute, cleaned path name under /proc for p:
// ENOENT if there is nothing there, ENOTDIR past a file. A link in the
// last component is returned as a link (the caller follows it or not);
// /proc/self before other components is followed.
func (t *Table) lookupProc(p *Process, name string) (procNode, linux.Errno) {
	if name == procRoot {
		return procNode{kind: procIsDir, ino: 1, dir: procRoot}, 0
	}
	parts := strings.Split(name[len(procRoot)+1:], "/")
	switch parts[0] {
	case "self":
		pid := strconv.Itoa(p.PID)
		if len(parts) == 1 {
			return procNode{kind: procIsLink, ino: 2, link: pid, follow: procRoot + "/" + pid}, 0
		}
		parts[0] = pid
	case "sys":
		switch {
		case len(parts) == 1:
			return procNode{kind: procIsDir, ino: 3, dir: procRoot + "/sys"}, 0
		case parts[1] != "vm":
			return procNode{}, linux.ENOENT
		case len(parts) == 2:
			return procNode{kind: procIsDir, ino: 4, dir: procRoot + "/sys/vm"}, 0
		case len(parts) > 3:
			return procNode{}, linux.ENOTDIR
		}
		for i := range procSysVM {
			if procSysVM[i].name == parts[2] {
				return procNode{kind: procIsFile, ino: 0x100 + uint64(i), file: &procSysVM[i]}, 0
			}
		}
		return procNode{}, linux.ENOENT
	}
	for i := range procFiles {
		switch {
		case procFiles[i].name != parts[0]:
		case len(parts) > 1:
			return procNode{}, linux.ENOTDIR
		default:
			return procNode{kind: procIsFile, ino: 0x10 + uint64(i), file: &procFiles[i]}, 0
		}
	}
	pid, err := strconv.Atoi(parts[0])
	if err != nil || pid <= 0 || t.procs[pid] == nil || parts[0] != strconv.Itoa(pid) {
		return procNode{}, linux.ENOENT
	}
	q := t.procs[pid]
	ino := uint64(pid) << 8
	switch {
	case len(parts) == 1:
		return procNode{kind: procIsDir, ino: ino, q: q, dir: procRoot + "/" + parts[0]}, 0
	case parts[1] == "fd":
		return t.lookupFD(q, ino, procRoot+"/"+parts[0]+"/fd", parts[2:])
	case len(parts) > 2:
		return procNode{}, linux.ENOTDIR
	case parts[1] == "cwd":
		return procNode{kind: procIsLink, ino: ino + procCwdIno, q: q, link: q.cwd, follow: q.cwd}, 0
	case parts[1] == "exe":
		if q.exe == "" {
			return procNode{}, linux.ENOENT
		}
		return procNode{kind: procIsLink, ino: ino + 1, q: q, link: q.exe, follow: q.exe}, 0
	}
	for i := range procPIDFiles {
		if procPIDFiles[i].name == parts[1] {
			return procNode{kind: procIsFile, ino: ino + 2 + uint64(i), q: q, file: &procPIDFiles[i]}, 0
		}
	}
	return procNode{}, linux.ENOENT
}

// lookupProcFollow is lookupProc following a link in the last
// component (stat, open, chdir): a link out of /proc (exe) is
// returned as it is, with its target in follow.
func (t *Table) lookupProcFollow(p *Process, name string) (procNode, linux.Errno) {
	n, e := t.lookupProc(p, name)
	if e == 0 && n.kind == procIsLink && isProcPath(n.follow) {
		return t.lookupProc(p, n.follow)
	}
	return n, e
}

// stat is the node's struct stat, as proc_fill_super's inodes: dr-xr-xr-x
// directories, -r--r--r-- files (-rw-r--r-- the writable sysctls),
// lrwxrwxrwx links (a descriptor's apart), all of size 0 and owned by
// root.
func (n *procNode) stat() linux.Stat {
	st := linux.Stat{Dev: procDev, Ino: n.ino, Nlink: 1, Blksize: 1024}
	switch {
	case n.kind == procIsDir:
		st.Mode, st.Nlink = linux.S_IFDIR|0o555, 2
	case n.kind == procIsLink && n.fd != nil:
		// A descriptor's link: its access in the owner's bits, size 64,
		// as Linux's tid_fd_update_inode.
		st.Mode, st.Size = linux.S_IFLNK, 64
		if n.fd.readable() {
			st.Mode |= 0o500
		}
		if n.fd.writable() {
			st.Mode |= 0o300
		}
	case n.kind == procIsLink:
		st.Mode = linux.S_IFLNK | 0o777
	default:
		st.Mode = linux.S_IFREG | 0o444
		if n.file.set != nil {
			st.Mode |= 0o200
		}
	}
	return st
}

// entries is a directory node's listing, "." and ".." first.
func (t *Table) procEntries(n *procNode) []vfs.DirEntry {
	out := []vfs.DirEntry{{Name: ".", Ino: n.ino, Type: fs.ModeDir}, {Name: "..", Ino: 1, Type: fs.ModeDir}}
	file := func(base uint64, defs []procFileDef) {
		for i, d := range defs {
			out = append(out, vfs.DirEntry{Name: d.name, Ino: base + uint64(i)})
		}
	}
	switch {
	case n.dir == procRoot:
		file(0x10, procFiles)
		out = append(out, vfs.DirEntry{Name: "self", Ino: 2, Type: fs.ModeSymlink},
			vfs.DirEntry{Name: "sys", Ino: 3, Type: fs.ModeDir})
		for _, q := range t.List() {
			out = append(out, vfs.DirEntry{Name: strconv.Itoa(q.PID), Ino: uint64(q.PID) << 8, Type: fs.ModeDir})
		}
	case n.dir == procRoot+"/sys":
		out = append(out, vfs.DirEntry{Name: "vm", Ino: 4, Type: fs.ModeDir})
	case n.dir == procRoot+"/sys/vm":
		file(0x100, procSysVM)
	case n.q != nil && strings.HasSuffix(n.dir, "/fd"):
		out = fdEntries(n.q, out)
	case n.q != nil:
		out = append(out, vfs.DirEntry{Name: "exe", Ino: n.ino + 1, Type: fs.ModeSymlink},
			vfs.DirEntry{Name: "cwd", Ino: n.ino + procCwdIno, Type: fs.ModeSymlink},
			vfs.DirEntry{Name: "fd", Ino: n.ino + procFDIno, Type: fs.ModeDir})
		file(n.ino+2, procPIDFiles)
	}
	return out
}

// openProc is openat of a /proc name (links followed): a directory
// opens read-only; a file's text is made now. O_CREAT|O_EXCL is EEXIST,
// writing a read-only file EACCES, O_TRUNC does nothing.
func (t *Table) openProc(p *Process, n procNode, name string, flags uint64) (uint64, linux.Errno) {
	acc := flags & linux.O_ACCMODE
	var ops fileOps
	switch {
	case flags&linux.O_CREAT != 0 && flags&linux.O_EXCL != 0:
		return 0, linux.EEXIST
	case n.kind == procIsDir:
		if acc != linux.O_RDONLY || flags&linux.O_CREAT != 0 {
			return 0, linux.EISDIR
		}
		ops = &procDir{node: n}
	case flags&linux.O_DIRECTORY != 0:
		return 0, linux.ENOTDIR
	case acc != linux.O_RDONLY && n.file.set == nil:
		return 0, linux.EACCES
	default:
		ops = &procFile{node: n, data: n.file.text(t, n.q)}
	}
	of := &openFile{ops: ops, path: name, flags: flags &^ (linux.O_CREAT | linux.O_EXCL | linux.O_TRUNC)}
	fd, e := p.files.alloc(of, 0, flags&linux.O_CLOEXEC != 0)
	return uint64(fd), e
}

// procFile is an open /proc file: the snapshot made at open.
type procFile struct {
	node procNode
	data []byte
}

func (f *procFile) read(_ *Table, _ *Process, buf []byte, off int64) (int, linux.Errno) {
	if off >= int64(len(f.data)) {
		return 0, 0
	}
	return copy(buf, f.data[off:]), 0
}

// write sets a sysctl from the whole buffer, wherever the offset is (as
// proc_dointvec from offset 0; Linux ignores a write past it).
func (f *procFile) write(t *Table, _ *Process, buf []byte, _ int64) (int, linux.Errno) {
	if f.node.file.set == nil {
		return 0, linux.EBADF
	}
	if e := f.node.file.set(t, buf); e != 0 {
		return 0, e
	}
	return len(buf), 0
}

// size is the snapshot's, for SEEK_END (stat says 0, as Linux's).
func (f *procFile) size() int64      { return int64(len(f.data)) }
func (f *procFile) seekable() bool   { return true }
func (f *procFile) release()         {}
func (f *procFile) stat() linux.Stat { return f.node.stat() }

// procDir is an open /proc directory: getdents64 lists it, made at its
// first call as a VFS directory's is.
type procDir struct{ node procNode }

func (*procDir) read(*Table, *Process, []byte, int64) (int, linux.Errno)  { return 0, linux.EISDIR }
func (*procDir) write(*Table, *Process, []byte, int64) (int, linux.Errno) { return 0, linux.EBADF }
func (*procDir) size() int64                                              { return 0 }
func (*procDir) seekable() bool                                           { return true }
func (*procDir) release()                                                 {}
func (d *procDir) stat() linux.Stat                                       { return d.node.stat() }

// The texts.

func procMeminfo(t *Table, _ *Process) []byte {
	var cache *pagecache.Cache
	if t.VFS != nil {
		cache = t.VFS.Cache
	}
	mi := t.MM.Meminfo(t.MemTotal, cache)
	var b bytes.Buffer
	mi.WriteTo(&b)
	return b.Bytes()
}

func procVmstat(t *Table, _ *Process) []byte {
	var cache *pagecache.Cache
	if t.VFS != nil {
		cache = t.VFS.Cache
	}
	totals := t.Totals()
	if t.Spaces != nil {
		totals.Add(t.Spaces.Totals())
	}
	var b bytes.Buffer
	vm.WriteVmstat(&b, t.MM.Vmstat(totals, cache))
	return b.Bytes()
}

func procSwaps(t *Table, _ *Process) []byte {
	var b bytes.Buffer
	vm.WriteSwaps(&b, t.MM.Swap)
	return b.Bytes()
}

// procUptime is uptime_proc_show's: the time since boot and the CPU's
// idle time (cputime.go), in seconds with two decimals.
func procUptime(t *Table, _ *Process) []byte {
	up, idle := t.uptime(), ticks(t.idle())
	return fmt.Appendf(nil, "%d.%02d %d.%02d\n", up/100, up%100, idle/100, idle%100)
}

// uptime is the time since boot in clock ticks (USER_HZ, 100 a second).
func (t *Table) uptime() uint64 {
	if t.Machine == nil {
		return 0
	}
	return uint64(t.Machine.Uptime().Milliseconds() / 10)
}

// procLoadavg is loadavg_proc_show's: three load averages (Pagoda
// computes none: 0.00), runnable/all processes, the last PID given.
func procLoadavg(t *Table, _ *Process) []byte {
	running := 0
	for _, q := range t.procs {
		if q.State == Running {
			running++
		}
	}
	return fmt.Appendf(nil, "0.00 0.00 0.00 %d/%d %d\n", running, len(t.procs), t.nextPID-1)
}

// procStat is show_stat's: the CPU times of the one CPU in clock ticks
// (user, nice, system, idle, then iowait, irq, softirq, steal, guest
// and guest_nice, which Pagoda does not count: 0), with zeros for the
// interrupts and context switches. btime is the boot's wall-clock
// second: CLOCK_REALTIME less the uptime.
func procStat(t *Table, _ *Process) []byte {
	running := 0
	for _, q := range t.procs {
		if q.State == Running {
			running++
		}
	}
	btime := (t.realtime() - int64(t.now())) / 1e9
	user, system := t.cpuTotal()
	cpu := fmt.Sprintf("%d 0 %d %d 0 0 0 0 0 0", ticks(user), ticks(system), ticks(t.idle()))
	return fmt.Appendf(nil, "cpu  %s\ncpu0 %s\nintr 0\nctxt 0\nbtime %d\n"+
		"processes %d\nprocs_running %d\nprocs_blocked 0\n", cpu, cpu, btime, t.nextPID-1, running)
}

// procCmdline is the arguments execve was given, each ended by a NUL.
func procCmdline(_ *Table, q *Process) []byte {
	var b []byte
	for _, a := range q.argv {
		b = append(append(b, a...), 0)
	}
	return b
}

// memFigures are the sizes status and stat show of q's address space,
// in bytes, as Linux's task_mem: total_vm, the data mappings (private
// writable, the stack apart), the stack, the executable's text, and RSS
// and swap entries.
type memFigures struct {
	size, data, stack, exe, rss, swap uint64
}

func (t *Table) memOf(q *Process) memFigures {
	var m memFigures
	if q.AS == nil {
		return m
	}
	labels := q.MapsLabels()
	for _, s := range q.AS.Smaps() {
		v := &s.VMA
		n := uint64(v.End - v.Start)
		m.size += n
		m.swap += s.Swap
		switch {
		case labels(v) == "[stack]":
			m.stack += n
		case v.Prot&vm.ProtWrite != 0 && v.Flags&vm.MapShared == 0:
			m.data += n
		case v.Prot&vm.ProtExec != 0 && v.File() != nil && v.Flags&vm.MapShared == 0:
			m.exe += n
		}
	}
	m.rss = q.AS.RSS() * mm.PageSize
	return m
}

// stateName is status's State line (fs/proc/array.c task_state_array).
func stateName(s State) string {
	switch s {
	case Running:
		return "R (running)"
	case Sleeping:
		return "S (sleeping)"
	case Zombie:
		return "Z (zombie)"
	}
	return s.String()
}

// procStatus is proc_pid_status's, the lines busybox ps and top read:
// the Vm lines are left out for a zombie, as Linux leaves them out
// when there is no mm.
func procStatus(t *Table, q *Process) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		q.Name, umask, stateName(q.State), q.PID, q.PID, q.PPID)
	fmt.Fprintf(&b, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\nGroups:\t\n", max(64, len(q.files.fds)))
	if q.AS != nil {
		m := t.memOf(q)
		kb := func(name string, v uint64) { fmt.Fprintf(&b, "%s\t%8d kB\n", name+":", v>>10) }
		kb("VmPeak", m.size)
		kb("VmSize", m.size)
		kb("VmLck", 0)
		kb("VmPin", 0)
		kb("VmHWM", m.rss)
		kb("VmRSS", m.rss)
		kb("VmData", m.data)
		kb("VmStk", m.stack)
		kb("VmExe", m.exe)
		kb("VmLib", 0)
		kb("VmPTE", q.AS.TablePages()*mm.PageSize)
		kb("VmSwap", m.swap)
	}
	fmt.Fprintf(&b, "Threads:\t1\nSigQ:\t0/0\nSigPnd:\t%016x\nShdPnd:\t%016x\nSigBlk:\t%016x\n",
		q.sig.pending, 0, q.sig.blocked)
	return b.Bytes()
}

// procPIDStat is do_task_stat's one line of 52 fields, with zeros where
// Pagoda keeps nothing (the children's CPU times, the addresses Linux
// hides from other users); the CPU times and the start time are in
// clock ticks (cputime.go): pid (comm) state ppid pgrp session tty_nr
// tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
// priority nice num_threads itrealvalue starttime vsize (bytes) rss
// (pages) rsslim, then startcode...exit_code.
func procPIDStat(t *Table, q *Process) []byte {
	m := t.memOf(q)
	var minflt, majflt uint64
	if q.AS != nil {
		minflt, majflt = q.AS.Stats.Faults-q.AS.Stats.MajFaults, q.AS.Stats.MajFaults
	}
	user, system := t.times(q)
	tpgid := -1
	if t.fgPgrp != 0 {
		tpgid = t.fgPgrp
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d (%s) %s %d %d %d 0 %d 4194304 %d 0 %d 0 %d %d 0 0 20 0 1 0 %d %d %d 18446744073709551615",
		q.PID, q.Name, q.State, q.PPID, q.pgid, q.sid, tpgid, minflt, majflt, ticks(t.duration(user)), ticks(t.duration(system)),
		q.start, m.size, m.rss/mm.PageSize)
	// startcode endcode startstack kstkesp kstkeip signal blocked
	// sigignore sigcatch wchan nswap cnswap exit_signal processor
	// rt_priority policy delayacct_blkio_ticks guest_time cguest_time
	// start_data end_data start_brk arg_start arg_end env_start env_end
	// exit_code
	fmt.Fprintf(&b, " 0 0 0 0 0 0 %d 0 0 0 0 0 17 0 0 0 0 0 0 0 0 %d 0 0 0 0 0\n", q.sig.blocked, uint64(q.brkStart))
	return b.Bytes()
}
