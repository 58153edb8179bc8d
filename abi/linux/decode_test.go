package linux

import (
	"encoding/binary"
	"strings"
	"testing"
)

func iovecBytes(iov ...Iovec) []byte {
	var b []byte
	for _, v := range iov {
		b = binary.LittleEndian.AppendUint64(b, v.Base)
		b = binary.LittleEndian.AppendUint64(b, v.Len)
	}
	return b
}

func TestDecodeIovecs(t *testing.T) {
	const big = MAX_RW_COUNT - 100
	for _, c := range []struct {
		name  string
		iov   []Iovec
		count uint64
		lens  []uint64
		total uint64
		err   error
	}{
		{"none", nil, 0, []uint64{}, 0, nil},
		{"two", []Iovec{{0x1000, 10}, {0x2000, 20}}, 2, []uint64{10, 20}, 30, nil},
		{"count truncated to 32 bits", []Iovec{{0x1000, 10}}, 1<<32 | 1, []uint64{10}, 10, nil},
		{"too many", nil, UIO_MAXIOV + 1, nil, 0, EINVAL},
		{"short copy", []Iovec{{0x1000, 10}}, 2, nil, 0, EFAULT},
		{"negative", []Iovec{{0x1000, 10}, {0x2000, 1 << 63}}, 2, nil, 0, EINVAL},
		{"negative alone", []Iovec{{0x1000, 1 << 63}}, 1, nil, 0, EINVAL},
		{"negative after a bad address", []Iovec{{TASK_SIZE_MAX, 10}, {0x2000, 1 << 63}}, 2, nil, 0, EINVAL},
		{"capped", []Iovec{{0x1000, big}, {0x2000_0000_0000, 1000}, {0x3000, 5}}, 3, []uint64{big, 100, 0}, MAX_RW_COUNT, nil},
		{"kernel address", []Iovec{{0xffff_8000_0000_0000, 1}, {0x1000, 1}}, 2, nil, 0, EFAULT},
		{"wraps", []Iovec{{0x1000, 1}, {0x7fff_ffff_f000, 0x2000}}, 2, nil, 0, EFAULT},
		// Several records: access_ok sees the whole length; one: the capped length.
		{"huge lone record capped first", []Iovec{{0x7fff_0000_0000, 1 << 62}}, 1, []uint64{MAX_RW_COUNT}, MAX_RW_COUNT, nil},
		{"huge record of two", []Iovec{{0x7fff_0000_0000, 1 << 62}, {0x1000, 0}}, 2, nil, 0, EFAULT},
		{"empty at the top", []Iovec{{TASK_SIZE_MAX, 0}, {0x1000, 1}}, 2, []uint64{0, 1}, 1, nil},
	} {
		iov, total, err := DecodeIovecs(iovecBytes(c.iov...), c.count)
		if err != c.err || total != c.total {
			t.Errorf("%s: total %d, %v; want %d, %v", c.name, total, err, c.total, c.err)
			continue
		}
		if err == nil {
			if len(iov) != len(c.lens) {
				t.Errorf("%s: %d records, want %d", c.name, len(iov), len(c.lens))
				continue
			}
			for i := range iov {
				if iov[i].Len != c.lens[i] || iov[i].Base != c.iov[i].Base {
					t.Errorf("%s: record %d = %+v, want len %d", c.name, i, iov[i], c.lens[i])
				}
			}
		}
	}
}

func TestDecodeOpenFlags(t *testing.T) {
	for _, c := range []struct {
		flags, mode uint64
		want        OpenFlags
		err         error
	}{
		{O_RDONLY, 0o777, OpenFlags{Status: O_LARGEFILE}, nil},
		{O_RDWR | O_CREAT | O_TRUNC, 0o17644, OpenFlags{Access: O_RDWR, Create: true, Trunc: true, Mode: 0o7644, Status: O_RDWR | O_LARGEFILE}, nil},
		{O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0, OpenFlags{Access: O_WRONLY, Append: true, CloExec: true, NonBlock: true, Status: O_WRONLY | O_APPEND | O_NONBLOCK | O_LARGEFILE}, nil},
		{O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, OpenFlags{Directory: true, NoFollow: true, Status: O_DIRECTORY | O_NOFOLLOW | O_LARGEFILE}, nil},
		{O_CREAT | O_EXCL, 0o600, OpenFlags{Create: true, Excl: true, Mode: 0o600, Status: O_LARGEFILE}, nil},
		{3, 0, OpenFlags{Access: 3, Status: 3 | O_LARGEFILE}, nil},
		{1<<40 | 1<<30 | O_RDWR, 0, OpenFlags{Access: O_RDWR, Status: O_RDWR | O_LARGEFILE}, nil},
		{O_PATH | O_CREAT | O_RDWR | O_CLOEXEC, 0o644, OpenFlags{Path: true, CloExec: true, Status: O_PATH}, nil},
		{O_CREAT | O_DIRECTORY, 0, OpenFlags{}, EINVAL},
		{O_TMPFILE | O_RDWR, 0o600, OpenFlags{}, EOPNOTSUPP},
		{O_TMPFILE | O_RDONLY, 0, OpenFlags{}, EINVAL},
		{O__TMPFILE | O_RDWR, 0, OpenFlags{}, EINVAL},
		{O_SYNC | O_RDONLY, 0, OpenFlags{Status: O_SYNC | O_LARGEFILE}, nil},
	} {
		got, err := DecodeOpenFlags(c.flags, c.mode)
		if got != c.want || err != c.err {
			t.Errorf("DecodeOpenFlags(%#o, %#o) = %+v, %v; want %+v, %v", c.flags, c.mode, got, err, c.want, c.err)
		}
	}
	o, _ := DecodeOpenFlags(3, 0)
	p, _ := DecodeOpenFlags(O_PATH|O_RDWR, 0)
	r, _ := DecodeOpenFlags(O_RDWR, 0)
	if o.Readable() || o.Writable() || p.Readable() || p.Writable() || !r.Readable() || !r.Writable() {
		t.Errorf("Readable/Writable wrong for mode 3, O_PATH or O_RDWR")
	}
	if got := SetStatusFlags(O_RDWR|O_LARGEFILE|O_APPEND, O_NONBLOCK|O_TRUNC|O_WRONLY); got != O_RDWR|O_LARGEFILE|O_NONBLOCK {
		t.Errorf("SetStatusFlags = %#o", got)
	}
}

func TestTimeAndLimits(t *testing.T) {
	le := binary.LittleEndian
	ts := func(s, ns int64) []byte {
		return le.AppendUint64(le.AppendUint64(nil, uint64(s)), uint64(ns))
	}
	for _, c := range []struct {
		b   []byte
		err error
	}{
		{ts(1, 999_999_999), nil}, {ts(0, 0), nil}, {ts(-1, 0), EINVAL}, {ts(0, 1e9), EINVAL},
		{ts(0, -1), EINVAL}, {ts(0, 0)[:15], EFAULT},
	} {
		if got, err := DecodeTimespec(c.b); err != c.err || (err == nil && got.Append(nil) == nil) {
			t.Errorf("DecodeTimespec(% x) = %v, %v", c.b, got, err)
		}
	}
	if NsecToTimespec(-1) != (Timespec{-1, 999_999_999}) || NsecToTimespec(1_500_000_000) != (Timespec{1, 500_000_000}) {
		t.Errorf("NsecToTimespec")
	}
	if (Timespec{1 << 62, 0}).Nanoseconds() != 1<<63-1 || (Timespec{2, 5}).Nanoseconds() != 2_000_000_005 {
		t.Errorf("Nanoseconds")
	}
	if NsecToTimeval(1_500_999_999) != (Timeval{1, 500_999}) {
		t.Errorf("NsecToTimeval")
	}
	rl := func(cur, max uint64) []byte { return le.AppendUint64(le.AppendUint64(nil, cur), max) }
	if r, err := DecodeRlimit(rl(8<<20, RLIM_INFINITY)); err != nil || r != (Rlimit{8 << 20, RLIM_INFINITY}) {
		t.Errorf("DecodeRlimit = %v, %v", r, err)
	}
	if _, err := DecodeRlimit(rl(2, 1)); err != EINVAL {
		t.Errorf("cur > max: %v", err)
	}
	if _, err := DecodeRlimit(rl(1, 2)[:8]); err != EFAULT {
		t.Errorf("short rlimit: %v", err)
	}
	if r, err := CheckRlimitResource(1<<32 | RLIMIT_NOFILE); r != RLIMIT_NOFILE || err != nil {
		t.Errorf("CheckRlimitResource: %d, %v", r, err)
	}
	if _, err := CheckRlimitResource(RLIM_NLIMITS); err != EINVAL {
		t.Errorf("CheckRlimitResource(RLIM_NLIMITS): %v", err)
	}
}

func TestStructEncodings(t *testing.T) {
	le := binary.LittleEndian
	st := Stat{Dev: 1, Ino: 2, Nlink: 3, Mode: S_IFREG | 0o644, UID: 5, GID: 6, Rdev: 7, Size: 8, Blksize: 4096, Blocks: 10,
		Atime: Timespec{11, 12}, Mtime: Timespec{13, 14}, Ctime: Timespec{15, 16}}
	b := st.Append([]byte{0xee})[1:]
	if len(b) != SizeofStat || le.Uint64(b[16:]) != 3 || le.Uint32(b[24:]) != S_IFREG|0o644 || le.Uint64(b[48:]) != 8 ||
		le.Uint64(b[72:]) != 11 || le.Uint64(b[112:]) != 16 || le.Uint64(b[136:]) != 0 {
		t.Errorf("stat % x", b)
	}
	if Makedev(8, 1) != 0x801 || Makedev(0x123, 0x45678) != 0x4561_2378 {
		t.Errorf("Makedev(0x123, 0x45678) = %#x", Makedev(0x123, 0x45678))
	}
	u := Utsname{Sysname: "Linux", Machine: "x86_64", Version: string(make([]byte, 100))}
	ub := u.Append(nil)
	if len(ub) != SizeofUtsname || string(ub[:6]) != "Linux\x00" || string(ub[4*UtsFieldLen:4*UtsFieldLen+7]) != "x86_64\x00" || ub[4*UtsFieldLen-1] != 0 {
		t.Errorf("utsname % x", ub)
	}
	for n := 0; n < 20; n++ {
		name := strings.Repeat("a", n)
		d := AppendDirent64(nil, 7, 99, DT_DIR, name)
		if len(d)%8 != 0 || len(d) != Dirent64Len(n) || int(le.Uint16(d[16:])) != len(d) || d[18] != DT_DIR ||
			string(d[19:19+n]) != name || d[19+n] != 0 || len(d) < 19+n+1 || len(d) >= 19+n+1+8 {
			t.Errorf("dirent for %d bytes: % x", n, d)
		}
	}
	if DirentType(S_IFLNK|0o777) != DT_LNK || DirentType(S_IFREG) != DT_REG || DirentType(0) != DT_UNKNOWN {
		t.Errorf("DirentType")
	}
}
