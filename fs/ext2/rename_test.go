package ext2

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// renameFS is a small tree for the rename tests: /a (dir) holding /a/f
// and /a/sub (dir), /b (dir), /g and its second name /a/h, and /e (an
// empty dir).
func renameFS(t *testing.T, bs int) (*FS, *MemDevice) {
	t.Helper()
	dev := memImage(t, mkfs(t, bs, "4M", ""))
	fs := mustMount(t, dev)
	for _, d := range []string{"/a", "/a/sub", "/b", "/e"} {
		if err := fs.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"/a/f", "/g"} {
		ino, err := fs.Create(f, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ino.WriteAt([]byte(f), 0); err != nil {
			t.Fatal(err)
		}
		ino.Close()
	}
	if err := fs.Link("/g", "/a/h"); err != nil {
		t.Fatal(err)
	}
	return fs, dev
}

func TestRenameErrors(t *testing.T) {
	for _, c := range []struct {
		from, to  string
		noReplace bool
		want      error
	}{
		{"/nothing", "/x", false, ErrNotExist},
		{"/a", "/a/sub/x", false, ErrInvalid}, // into its own subtree
		{"/a", "/a/x", false, ErrInvalid},
		{"/a", "/g", false, ErrNotDir},   // a directory over a file
		{"/g", "/e", false, ErrIsDir},    // a file over a directory
		{"/b", "/a", false, ErrNotEmpty}, // over a non-empty directory
		{"/a/sub", "/a", false, ErrNotEmpty},
		{"/g", "/a/f", true, ErrExist}, // RENAME_NOREPLACE
		{"/g", "/nodir/x", false, ErrNotExist},
		{"/g", "/g/x", false, ErrNotDir},
		{"/a/..", "/x", false, ErrBusy},
		{"/g", "/a/.", false, ErrBusy},
		{"/g", "/" + strings.Repeat("n", 256), false, ErrNameTooLong},
	} {
		fs, dev := renameFS(t, 1024)
		err := fs.Rename(c.from, c.to, c.noReplace)
		wantErr(t, err, c.want, fmt.Sprintf("Rename(%q, %q)", c.from, c.to))
		if err := fs.Unmount(); err != nil {
			t.Fatal(err)
		}
		fsck(t, saveImage(t, dev))
	}
}

func TestRename(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			fs, dev := renameFS(t, bs)
			ino := func(p string) Stat {
				t.Helper()
				st, err := fs.Lstat(p)
				if err != nil {
					t.Fatalf("Lstat %s: %v", p, err)
				}
				return st
			}
			gone := func(p string) {
				t.Helper()
				if _, err := fs.Lstat(p); err == nil {
					t.Fatalf("%s still exists", p)
				}
			}
			a, b, f, g, e := ino("/a"), ino("/b"), ino("/a/f"), ino("/g"), ino("/e")
			fs.Now = func() uint32 { return 2_000_000_000 }

			// A file to a new name in another directory.
			if err := fs.Rename("/a/f", "/b/f2", false); err != nil {
				t.Fatal(err)
			}
			gone("/a/f")
			if st := ino("/b/f2"); st.Ino != f.Ino || st.Ctime != 2_000_000_000 {
				t.Fatalf("/b/f2: %+v, want inode %d with the new ctime", st, f.Ino)
			}
			if st := ino("/a"); st.Mtime != 2_000_000_000 {
				t.Fatalf("/a's mtime %d, not the rename's", st.Mtime)
			}
			// Over an existing file: the target loses a link (/g and
			// /a/h were one inode with two). The lookups before each
			// rename fill the name cache, which the rename must not
			// leave stale.
			ino("/a/h")
			if err := fs.Rename("/b/f2", "/a/h", false); err != nil {
				t.Fatal(err)
			}
			if st := ino("/a/h"); st.Ino != f.Ino {
				t.Fatalf("/a/h is inode %d, want %d (name cache?)", st.Ino, f.Ino)
			}
			if st := ino("/g"); st.Ino != g.Ino || st.Links != 1 {
				t.Fatalf("/g: %+v, want inode %d with one link", st, g.Ino)
			}
			if got := readAll(t, fs, "/a/h"); !bytes.Equal(got, []byte("/a/f")) {
				t.Fatalf("/a/h holds %q", got)
			}
			// Two names of one inode: nothing happens.
			if err := fs.Link("/g", "/g2"); err != nil {
				t.Fatal(err)
			}
			if err := fs.Rename("/g", "/g2", false); err != nil {
				t.Fatal(err)
			}
			ino("/g")
			ino("/g2")
			// A directory to another parent: ".." and the link counts.
			ino("/a/sub/..")
			if err := fs.Rename("/a/sub", "/b/sub", false); err != nil {
				t.Fatal(err)
			}
			if st := ino("/b/sub/.."); st.Ino != b.Ino {
				t.Fatalf("/b/sub/.. is inode %d, want /b's %d", st.Ino, b.Ino)
			}
			if ino("/a").Links != a.Links-1 || ino("/b").Links != b.Links+1 {
				t.Fatalf("links: /a %d (was %d), /b %d (was %d)", ino("/a").Links, a.Links, ino("/b").Links, b.Links)
			}
			// A directory over an empty one, which goes.
			if err := fs.Rename("/b/sub", "/e", false); err != nil {
				t.Fatal(err)
			}
			if st := ino("/e/.."); st.Ino != rootIno {
				t.Fatalf("/e/.. is inode %d", st.Ino)
			}
			if ino("/e").Ino == e.Ino || ino("/b").Links != b.Links {
				t.Fatalf("/e is still the old directory, or /b has %d links", ino("/b").Links)
			}
			// Within one directory, then back.
			if err := fs.Rename("/e", "/e2", false); err != nil {
				t.Fatal(err)
			}
			if err := fs.Rename("/e2", "/a/e", true); err != nil {
				t.Fatal(err)
			}
			if err := fs.Unmount(); err != nil {
				t.Fatal(err)
			}
			img := saveImage(t, dev)
			fsck(t, img)
			if out := string(debugfs(t, img, "ls -l /a/e")); !strings.Contains(out, "..") {
				t.Fatalf("debugfs ls /a/e: %s", out)
			}
			checkCounts(t, mustMount(t, memImage(t, img)))
		})
	}
}
