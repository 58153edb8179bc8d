//go:build !tamago

package vfs

import (
	"errors"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm"
	"github.com/pagoda-os/pagoda/mm/pagecache"
	"github.com/pagoda-os/pagoda/mm/sim"
	"github.com/pagoda-os/pagoda/mm/tmpfs"
)

// newTestVFS is a VFS without disks over 8 MiB of simulated memory at
// base, with tmpfs instances mounted at each of dirs, in that order.
func newTestVFS(t testing.TB, base mm.PhysAddr, dirs ...string) *VFS {
	t.Helper()
	mem, done := sim.NewMemory(base, 8<<20)
	t.Cleanup(done)
	v := NewVFS(pagecache.New(mem.Frames), nil)
	for _, d := range dirs {
		if _, err := v.MountTmpfs(d, 0); err != nil {
			t.Fatalf("mount %s: %v", d, err)
		}
	}
	return v
}

// Resolution finds the innermost mount and the path inside it, after
// lexical cleaning: "//", "/./" and ".." (which never climbs above /, and
// leaves a mount for the directory it covers).
func TestResolve(t *testing.T) {
	v := newTestVFS(t, 0x60_0000_0000, "/", "/mnt", "/mnt/tmp", "/data")
	long := strings.Repeat("a", 255)
	for _, c := range []struct {
		path      string
		mount     string
		rel       string
		wantError error
	}{
		{"/", "/", "/", nil},
		{"/etc/passwd", "/", "/etc/passwd", nil},
		{"/mnt", "/mnt", "/", nil},
		{"/mnt/", "/mnt", "/", nil},
		{"/mnt/x", "/mnt", "/x", nil},
		{"/mntx", "/", "/mntx", nil}, // a prefix of a mount point is not in it
		{"/mnt/tmp", "/mnt/tmp", "/", nil},
		{"/mnt/tmp/a/b", "/mnt/tmp", "/a/b", nil},
		{"/mnt/tmpfoo", "/mnt", "/tmpfoo", nil},
		{"//mnt//tmp//a", "/mnt/tmp", "/a", nil},
		{"/mnt/./tmp/./a", "/mnt/tmp", "/a", nil},
		{"/mnt/tmp/..", "/mnt", "/", nil},
		{"/mnt/tmp/../..", "/", "/", nil},
		{"/..", "/", "/", nil},
		{"/../../mnt", "/mnt", "/", nil},
		{"/data/../mnt/tmp/x/../y", "/mnt/tmp", "/y", nil},
		{"/mnt/" + long, "/mnt", "/" + long, nil},
		{"", "", "", ErrBadPath},
		{"mnt/x", "", "", ErrBadPath},
		{"./x", "", "", ErrBadPath},
		{"/" + strings.Repeat("a/", PathMax/2+1), "", "", ErrNameTooLong},
	} {
		m, rel, err := v.resolve(c.path)
		if c.wantError != nil {
			if !errors.Is(err, c.wantError) {
				t.Errorf("resolve(%.40q): %v, want %v", c.path, err, c.wantError)
			}
			continue
		}
		if err != nil {
			t.Errorf("resolve(%.40q): %v", c.path, err)
			continue
		}
		if m.Path != c.mount || rel != c.rel {
			t.Errorf("resolve(%.40q) = %s + %.40q, want %s + %.40q", c.path, m.Path, rel, c.mount, c.rel)
		}
	}
}

// The longest path taken is PathMax bytes; a name longer than 255 bytes
// is the filesystem's to refuse.
func TestPathLimits(t *testing.T) {
	v := newTestVFS(t, 0x61_0000_0000, "/")
	max := "/" + strings.Repeat("d", PathMax-1)
	if _, _, err := v.resolve(max); err != nil {
		t.Errorf("a path of PathMax bytes: %v", err)
	}
	if _, _, err := v.resolve(max + "d"); !errors.Is(err, ErrNameTooLong) {
		t.Errorf("a path of PathMax+1 bytes: %v, want ErrNameTooLong", err)
	}
	if err := v.Create("/" + strings.Repeat("n", 255)); err != nil {
		t.Errorf("a 255-byte name: %v", err)
	}
	if err := v.Create("/" + strings.Repeat("n", 256)); !errors.Is(err, tmpfs.ErrNameTooLong) {
		t.Errorf("a 256-byte name: %v, want tmpfs.ErrNameTooLong", err)
	}
}

// Without a root mount, a path outside every mount is ErrNotMounted; a
// mount point cannot be mounted on twice, and an unmounted one resolves
// to the filesystem below again.
func TestMountTable(t *testing.T) {
	v := newTestVFS(t, 0x62_0000_0000, "/tmp")
	if _, _, err := v.resolve("/etc"); !errors.Is(err, ErrNotMounted) {
		t.Errorf("resolve /etc without /: %v", err)
	}
	if _, err := v.MountTmpfs("/tmp/", 0); !errors.Is(err, ErrBusy) {
		t.Errorf("mount on /tmp/ twice: %v", err)
	}
	if _, err := v.MountTmpfs("/", 0); err != nil {
		t.Fatal(err)
	}
	if err := v.Create("/tmp/f"); err != nil {
		t.Fatal(err)
	}
	if err := v.Unmount("/tmp/../tmp"); err != nil {
		t.Fatal(err)
	}
	m, rel, err := v.resolve("/tmp/f")
	if err != nil || m.Path != "/" || rel != "/tmp/f" {
		t.Fatalf("after unmount: %v %q %v", m, rel, err)
	}
	if _, err := v.Lstat("/tmp/f"); err == nil {
		t.Errorf("/tmp/f survived the unmount of its tmpfs")
	}
	if err := v.Unmount("/tmp"); !errors.Is(err, ErrNotMounted) {
		t.Errorf("unmount twice: %v", err)
	}
}

// FuzzResolve: any string either fails with ErrBadPath or ErrNameTooLong,
// or resolves to a mount whose path, joined with the relative path,
// names the same place as the cleaned input, with a relative path that
// is clean and absolute.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"/", "/mnt/tmp/../x", "//a//b/", "/mnt/tmpx", "x", "/..", "/mnt/\x00/a"} {
		f.Add(s)
	}
	v := newTestVFS(f, 0x63_0000_0000, "/", "/mnt", "/mnt/tmp")
	f.Fuzz(func(t *testing.T, p string) {
		m, rel, err := v.resolve(p)
		if err != nil {
			if !errors.Is(err, ErrBadPath) && !errors.Is(err, ErrNameTooLong) {
				t.Fatalf("resolve(%q): %v", p, err)
			}
			return
		}
		clean, _ := cleanPath(p)
		if !strings.HasPrefix(rel, "/") || strings.Contains(rel, "//") || strings.Contains(rel, "/../") || strings.HasSuffix(rel, "/..") {
			t.Fatalf("resolve(%q): relative path %q is not clean", p, rel)
		}
		joined := m.Path + rel
		if m.Path == "/" {
			joined = rel
		} else if rel == "/" {
			joined = m.Path
		}
		if joined != clean {
			t.Fatalf("resolve(%q) = %s + %s, which is not %s", p, m.Path, rel, clean)
		}
		for _, other := range v.Mounts() {
			if len(other.Path) > len(m.Path) && (clean == other.Path || strings.HasPrefix(clean, other.Path+"/")) {
				t.Fatalf("resolve(%q) chose %s over the inner mount %s", p, m.Path, other.Path)
			}
		}
	})
}
