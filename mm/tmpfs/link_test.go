//go:build !tamago

package tmpfs

import (
	"errors"
	"io/fs"
	"testing"
)

// Rename, Link and Symlink: their errors, then each move checked by
// the names, the link counts and the parents they leave.
func TestRenameLink(t *testing.T) {
	e := newEnv(t, 0)
	fsys := e.fs
	clock := int64(1000)
	fsys.Now = func() int64 { return clock }
	for _, d := range []string{"/a", "/a/sub", "/b", "/e"} {
		e.must(fsys.Mkdir(d, 0o755))
	}
	e.must(fsys.Create("/a/f", 0o644))
	e.must(fsys.Create("/g", 0o644))
	e.must(fsys.Link("/g", "/a/h"))
	e.must(fsys.Symlink("../g", "/a/l"))
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"link a directory", fsys.Link("/a", "/x"), ErrIsDir},
		{"link over a name", fsys.Link("/g", "/a/f"), ErrExist},
		{"link a missing file", fsys.Link("/z", "/x"), ErrNotExist},
		{"empty symlink", fsys.Symlink("", "/x"), ErrInvalid},
		{"rename a missing name", fsys.Rename("/z", "/x", false), ErrNotExist},
		{"rename into its subtree", fsys.Rename("/a", "/a/sub/x", false), ErrInvalid},
		{"rename a directory over a file", fsys.Rename("/a", "/g", false), ErrNotDir},
		{"rename a file over a directory", fsys.Rename("/g", "/e", false), ErrIsDir},
		{"rename over a non-empty directory", fsys.Rename("/b", "/a", false), ErrNotEmpty},
		{"rename without replacing", fsys.Rename("/g", "/a/f", true), ErrExist},
		{"rename dot-dot", fsys.Rename("/a/..", "/x", false), ErrBusy},
		{"readlink of a file", func() error { _, err := fsys.Readlink("/g"); return err }(), ErrInvalid},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	stat := func(p string) Stat {
		t.Helper()
		st, err := fsys.Lstat(p)
		if err != nil {
			t.Fatalf("Lstat %s: %v", p, err)
		}
		return st
	}
	if st := stat("/g"); st.Links != 2 || st.Ino != stat("/a/h").Ino {
		t.Fatalf("/g after link: %+v", st)
	}
	if st := stat("/a/l"); st.Mode&fs.ModeSymlink == 0 || st.Size != 4 {
		t.Fatalf("/a/l: %+v", st)
	}
	if target, err := fsys.Readlink("/a/l"); err != nil || target != "../g" {
		t.Fatalf("Readlink: %q, %v", target, err)
	}

	clock = 2000
	f := stat("/a/f")
	e.must(fsys.Rename("/a/f", "/a/h", false)) // over a second name of /g
	if st := stat("/a/h"); st.Ino != f.Ino || st.Ctime != 2000 {
		t.Fatalf("/a/h after rename: %+v", st)
	}
	if st := stat("/g"); st.Links != 1 || st.Ctime != 2000 {
		t.Fatalf("/g lost a name: %+v", st)
	}
	if st := stat("/a"); st.Mtime != 2000 {
		t.Fatalf("/a's mtime: %+v", st)
	}
	a, b := stat("/a"), stat("/b")
	e.must(fsys.Rename("/a/sub", "/b/sub", false))
	if stat("/a").Links != a.Links-1 || stat("/b").Links != b.Links+1 || stat("/b/sub/..").Ino != b.Ino {
		t.Fatalf("moving a directory: /a %d links, /b %d, /b/sub/.. is %d", stat("/a").Links, stat("/b").Links, stat("/b/sub/..").Ino)
	}
	e.must(fsys.Rename("/b/sub", "/e", false)) // over an empty directory
	if stat("/b").Links != b.Links || stat("/").Links != 5 {
		t.Fatalf("over /e: /b %d links, / %d", stat("/b").Links, stat("/").Links)
	}
	e.must(fsys.Rename("/g", "/a/l", false)) // a file over a symlink
	if _, err := fsys.Lstat("/g"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("/g after the rename: %v", err)
	}

	// Times: a write stamps mtime and ctime, SetTimes sets atime and
	// mtime and stamps ctime.
	clock = 3000
	file, err := fsys.Open("/a/l")
	e.must(err)
	_, err = file.WriteAt([]byte("x"), 0)
	e.must(err)
	file.Close()
	if st := stat("/a/l"); st.Mtime != 3000 || st.Ctime != 3000 || st.Atime != 1000 {
		t.Fatalf("after a write: %+v", st)
	}
	clock = 4000
	at := int64(5)
	e.must(fsys.SetTimes("/a/l", &at, nil))
	if st := stat("/a/l"); st.Atime != 5 || st.Mtime != 3000 || st.Ctime != 4000 {
		t.Fatalf("after SetTimes: %+v", st)
	}
}
