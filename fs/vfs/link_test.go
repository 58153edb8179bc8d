//go:build !tamago

package vfs

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/pagoda-os/pagoda/mm/tmpfs"
)

// Symlinks are followed across mounts, relative to the link's directory,
// at most MaxSymlinks times; a final one only when asked.
func TestResolveSymlinks(t *testing.T) {
	v := newTestVFS(t, 0x61_0000_0000, "/", "/tmp")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(v.Mkdir("/a"))
	must(v.Mkdir("/tmp/d"))
	must(v.Create("/tmp/d/f"))
	must(v.Symlink("/tmp/d", "/a/abs"))   // into another mount
	must(v.Symlink("../a/abs", "/a/rel")) // through another link
	must(v.Symlink("f", "/tmp/d/lf"))
	must(v.Symlink("loop", "/a/loop"))
	must(v.Symlink("missing", "/a/dangling"))
	for _, c := range []struct {
		path   string
		follow bool
		want   string
		err    error
	}{
		{"/a/abs/f", false, "/tmp/d/f", nil},
		{"/a/rel/lf", true, "/tmp/d/f", nil},
		{"/a/rel/lf", false, "/tmp/d/lf", nil},
		{"/a/rel", false, "/a/rel", nil},
		{"/a/abs/../d/f", false, "/a/d/f", nil},  // ".." is lexical; /a/d is missing: left for the call
		{"/a/dangling", true, "/a/missing", nil}, // a missing last name may be made
		{"/a/loop", true, "", ErrLoop},
		{"/a/loop/x", false, "", ErrLoop},
		{"/a/dangling/x", false, "/a/missing/x", nil},
	} {
		got, err := v.Resolve(c.path, c.follow)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("Resolve(%q, %v): %q, %v, want %v", c.path, c.follow, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Resolve(%q, %v) = %q, %v, want %q", c.path, c.follow, got, err, c.want)
		}
	}
	if _, err := v.Stat("/a/dangling/x"); !errors.Is(err, tmpfs.ErrNotExist) {
		t.Errorf("Stat under a dangling link: %v", err)
	}
	if st, err := v.Stat("/a/abs"); err != nil || !st.Mode.IsDir() {
		t.Errorf("Stat through a link: %+v, %v", st, err)
	}
	if st, err := v.Lstat("/a/abs"); err != nil || st.Mode.IsDir() {
		t.Errorf("Lstat of a link: %+v, %v", st, err)
	}
}

// Rename and Link stay inside one mount; a mount point does not move;
// times come from Clock.
func TestRenameLinkTimes(t *testing.T) {
	v := newTestVFS(t, 0x62_0000_0000, "/", "/tmp")
	now := int64(7e9)
	v.Clock = func() int64 { return now }
	for _, err := range []error{v.Create("/f"), v.Mkdir("/d")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"rename across mounts", v.Rename("/f", "/tmp/f", false), ErrCrossDevice},
		{"link across mounts", v.Link("/f", "/tmp/f"), ErrCrossDevice},
		{"rename a mount point", v.Rename("/tmp", "/t2", false), ErrBusy},
		{"rename over a mount point", v.Rename("/d", "/tmp", false), ErrBusy},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	if err := v.Rename("/f", "/d/g", false); err != nil {
		t.Fatal(err)
	}
	if err := v.Link("/d/g", "/h"); err != nil {
		t.Fatal(err)
	}
	st, err := v.Lstat("/h")
	if err != nil || st.Links != 2 || st.Mtime != 7e9 {
		t.Fatalf("/h: %+v, %v", st, err)
	}
	now = 9e9
	f, err := v.Open("/h")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("abc"), 0); err != nil {
		t.Fatal(err)
	}
	at := int64(1e9)
	if err := f.SetTimes(&at, nil); err != nil {
		t.Fatal(err)
	}
	st = f.Stat()
	if got := fmt.Sprint(st.Size, st.Atime, st.Mtime, st.Ctime); got != "3 1000000000 9000000000 9000000000" {
		t.Fatalf("size and times after a write and futimens: %s", got)
	}
}

// Resolution through symlinks, fuzzed: links up and across mounts,
// relative and absolute, chains, loops and long targets. Whatever the
// path, Resolve ends (a loop is ErrLoop, a path grown too long
// ErrNameTooLong) and gives a clean absolute path; one that names
// something names no symlink when asked to follow (a last link
// followed), and resolves to itself again.
func FuzzResolveLinks(f *testing.F) {
	for _, s := range []string{"/a/up/a/abs/f", "/a/rel/../d", "/a/loop", "/a/ping/x", "/tmp/d/back/abs", "/a/long/../../a", "a/../../tmp//d/./lf", "/a/abs/" + string(make([]byte, 300))} {
		f.Add(s, true)
		f.Add(s, false)
	}
	v := newTestVFS(f, 0x62_0000_0000, "/", "/tmp")
	for _, err := range []error{
		v.Mkdir("/a"), v.Mkdir("/tmp/d"), v.Create("/tmp/d/f"),
		v.Symlink("..", "/a/up"), v.Symlink("/tmp/d", "/a/abs"), v.Symlink("../a/abs", "/a/rel"),
		v.Symlink("f", "/tmp/d/lf"), v.Symlink("../../a", "/tmp/d/back"), v.Symlink("loop", "/a/loop"),
		v.Symlink("pong", "/a/ping"), v.Symlink("ping", "/a/pong"),
		v.Symlink(strings.Repeat("up/", 60)+"a", "/a/long"),
	} {
		if err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, p string, follow bool) {
		got, err := v.Resolve(p, follow)
		if err != nil {
			if !errors.Is(err, ErrLoop) && !errors.Is(err, ErrNameTooLong) && !errors.Is(err, ErrBadPath) {
				t.Fatalf("Resolve(%q, %v): %v", p, follow, err)
			}
			return
		}
		if !strings.HasPrefix(got, "/") || strings.Contains(got, "//") || strings.Contains(got, "/./") ||
			strings.Contains(got, "/../") || strings.HasSuffix(got, "/..") || len(got) > 1 && strings.HasSuffix(got, "/") {
			t.Fatalf("Resolve(%q, %v) = %q, not clean", p, follow, got)
		}
		st, err := v.Lstat(got)
		if err != nil {
			return // missing on the way: the call on it fails there
		}
		if follow && st.Mode&fs.ModeSymlink != 0 {
			t.Fatalf("Resolve(%q, true) = %q, a symlink", p, got)
		}
		if again, err := v.Resolve(got, follow); err != nil || again != got {
			t.Fatalf("Resolve(%q) = %q, but that resolves to %q, %v", p, got, again, err)
		}
	})
}
