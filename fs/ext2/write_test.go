package ext2

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
)

// model is the reference the write tests compare against: path → bytes.
type model struct {
	t     testing.TB
	fs    *FS
	files map[string][]byte
}

func newModel(t testing.TB, fs *FS) *model {
	return &model{t: t, fs: fs, files: make(map[string][]byte)}
}

func (m *model) create(path string) {
	m.t.Helper()
	ino, err := m.fs.Create(path, 0o644)
	if err != nil {
		m.t.Fatalf("Create %s: %v", path, err)
	}
	ino.Close()
	m.files[path] = []byte{}
}

// adopt records a file that exists already with its current contents.
func (m *model) adopt(path string) { m.files[path] = readAll(m.t, m.fs, path) }

func (m *model) write(path string, off int64, data []byte) {
	m.t.Helper()
	ino, err := m.fs.Open(path)
	if err != nil {
		m.t.Fatalf("Open %s: %v", path, err)
	}
	defer ino.Close()
	if n, err := ino.WriteAt(data, off); err != nil || n != len(data) {
		m.t.Fatalf("WriteAt %s %d+%d: %d, %v", path, off, len(data), n, err)
	}
	f := m.files[path]
	if end := off + int64(len(data)); end > int64(len(f)) {
		f = append(f, make([]byte, end-int64(len(f)))...)
	}
	copy(f[off:], data)
	m.files[path] = f
}

func (m *model) truncate(path string, size int64) {
	m.t.Helper()
	ino, err := m.fs.Open(path)
	if err != nil {
		m.t.Fatalf("Open %s: %v", path, err)
	}
	defer ino.Close()
	if err := ino.Truncate(size); err != nil {
		m.t.Fatalf("Truncate %s %d: %v", path, size, err)
	}
	f := m.files[path]
	if size <= int64(len(f)) {
		f = f[:size]
	} else {
		f = append(f, make([]byte, size-int64(len(f)))...)
	}
	m.files[path] = f
}

func (m *model) unlink(path string) {
	m.t.Helper()
	if err := m.fs.Unlink(path); err != nil {
		m.t.Fatalf("Unlink %s: %v", path, err)
	}
	delete(m.files, path)
}

// verify reads every file of the model back through the file system.
func (m *model) verify() {
	m.t.Helper()
	for _, path := range m.paths() {
		want := m.files[path]
		if got := readAll(m.t, m.fs, path); !bytes.Equal(got, want) {
			m.t.Fatalf("%s: read %d bytes, want %d (first difference at %d)", path, len(got), len(want), firstDiff(got, want))
		}
	}
}

// verifyDebugfs reads every file of the model back with debugfs.
func (m *model) verifyDebugfs(img string) {
	m.t.Helper()
	for _, path := range m.paths() {
		if got := debugfs(m.t, img, "cat "+path); !bytes.Equal(got, m.files[path]) {
			m.t.Fatalf("debugfs cat %s: %d bytes, want %d (first difference at %d)", path, len(got), len(m.files[path]), firstDiff(got, m.files[path]))
		}
	}
}

func (m *model) paths() []string {
	var ps []string
	for p := range m.files {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestScriptedWrites(t *testing.T) {
	src := genTree(t)
	for _, bs := range []int{1024, 2048, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, "32M", src)
			fs := mustMount(t, openFileDevice(t, img))
			m := newModel(t, fs)
			for _, p := range []string{"/medium", "/small.txt", "/sparse", "/huge", "/one", "/k1", "/big", "/a/b/mid"} {
				m.adopt(p)
			}
			m.write("/medium", 5000, pattern(10, 3*bs+7))                                   // overwrite across blocks
			m.write("/small.txt", int64(len(m.files["/small.txt"])), pattern(11, 100*1024)) // extend
			m.write("/sparse", 100*1024+3, []byte("filled a hole"))                         // fill holes
			m.write("/sparse", 3<<20-10, pattern(12, 30))                                   // extend past the end
			m.write("/one", 1<<20, []byte("far"))                                           // grow with a hole
			m.truncate("/huge", 100000)                                                     // shrink to a partial block
			m.truncate("/medium", 0)
			m.truncate("/k1", 5<<20) // grow sparse
			m.write("/k1", 4<<20, []byte("x"))
			m.truncate("/a/b/mid", 1)
			m.write("/a/b/mid", 2, []byte("after tail zeroing"))
			m.unlink("/big")

			if err := fs.Mkdir("/new", 0o755); err != nil {
				t.Fatal(err)
			}
			for i := range 300 {
				p := fmt.Sprintf("/new/f%03d", i)
				m.create(p)
				m.write(p, 0, pattern(int64(100+i), i*37))
			}
			for i := 0; i < 300; i += 3 {
				m.unlink(fmt.Sprintf("/new/f%03d", i))
			}
			// The htree directory: add and remove names.
			for i := range 60 {
				m.create(fmt.Sprintf("/many/added-%d", i))
			}
			for i := 0; i < 500; i += 4 {
				if err := fs.Unlink(fmt.Sprintf("/many/entry-with-a-longish-name-%04d", i)); err != nil {
					t.Fatal(err)
				}
			}
			// Directories.
			for _, d := range []string{"/d1", "/d1/d2", "/d1/d2/d3", "/d1/e"} {
				if err := fs.Mkdir(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			wantErr(t, fs.Rmdir("/d1"), ErrNotEmpty, "rmdir non-empty")
			wantErr(t, fs.Mkdir("/d1/e", 0o700), ErrExist, "mkdir existing")
			wantErr(t, fs.Rmdir("/small.txt"), ErrNotDir, "rmdir file")
			wantErr(t, fs.Unlink("/d1"), ErrIsDir, "unlink dir")
			wantErr(t, fs.Rmdir("/"), ErrInvalid, "rmdir root")
			_, err := fs.Create("/nope/x", 0o644)
			wantErr(t, err, ErrNotExist, "create in missing dir")
			_, err = fs.Create("/"+string(bytes.Repeat([]byte("n"), 256)), 0o644)
			wantErr(t, err, ErrNameTooLong, "long name")
			for _, d := range []string{"/d1/d2/d3", "/d1/e"} {
				if err := fs.Rmdir(d); err != nil {
					t.Fatal(err)
				}
			}
			if st, _ := fs.Lstat("/d1"); st.Links != 3 {
				t.Fatalf("/d1 links %d, want 3", st.Links)
			}
			// Symlinks and hard links.
			if err := fs.Symlink("new/f001", "/fast"); err != nil {
				t.Fatal(err)
			}
			slow := string(bytes.Repeat([]byte("s/"), 100)) + "end"
			if err := fs.Symlink(slow, "/d1/slow"); err != nil {
				t.Fatal(err)
			}
			if got, err := fs.Readlink("/d1/slow"); err != nil || got != slow {
				t.Fatalf("Readlink slow: %q %v", got, err)
			}
			if err := fs.Link("/new/f002", "/d1/hard"); err != nil {
				t.Fatal(err)
			}
			m.files["/d1/hard"] = m.files["/new/f002"]
			if got := readAll(t, fs, "/fast"); !bytes.Equal(got, m.files["/new/f001"]) {
				t.Fatal("read through new fast symlink")
			}
			// A file reaching the triple indirect block, sparse.
			p := uint64(bs / 4)
			tripleOff := int64(nDirect+p+p*p)*int64(bs) + 12345
			tri, err := fs.Create("/triple", 0o600)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tri.WriteAt([]byte("at the start"), 0); err != nil {
				t.Fatal(err)
			}
			if _, err := tri.WriteAt([]byte("triple indirect"), tripleOff); err != nil {
				t.Fatal(err)
			}
			if _, err := tri.WriteAt([]byte("double"), int64(nDirect+p+5)*int64(bs)); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 15)
			if n, err := tri.ReadAt(buf, tripleOff); n != 15 || (err != nil && err != io.EOF) || string(buf) != "triple indirect" {
				t.Fatalf("triple read %q %v", buf[:n], err)
			}
			// 3 data blocks; for "double" a double and a single indirect
			// block; for "triple indirect" a triple, double and single.
			if st := tri.Stat(); st.Blocks != uint64(bs/512)*8 || st.Size != tripleOff+15 {
				t.Fatalf("triple: i_blocks %d size %d", st.Blocks, st.Size)
			}
			tri.Close()

			checkCounts(t, fs)
			m.verify()
			if err := fs.Sync(); err != nil {
				t.Fatal(err)
			}
			fsck(t, img)
			// Shrink the triple file back below the double indirect range.
			tri, _ = fs.Open("/triple")
			if err := tri.Truncate(int64(nDirect+2) * int64(bs)); err != nil {
				t.Fatal(err)
			}
			if st := tri.Stat(); st.Blocks != uint64(bs/512) {
				t.Fatalf("after shrink i_blocks %d, want %d", st.Blocks, bs/512)
			}
			tri.Close()
			if err := fs.Unmount(); err != nil {
				t.Fatal(err)
			}
			fsck(t, img)
			m.verifyDebugfs(img)
			if out := debugfs(t, img, "stat /many"); bytes.Contains(out, []byte("Flags: 0x1000")) {
				t.Fatal("modified htree directory kept EXT2_INDEX_FL")
			}
		})
	}
}

func TestRevision0(t *testing.T) {
	img := mkfs(t, 1024, "4M", "", "-r", "0")
	dev := memImage(t, img)
	fs := mustMount(t, dev)
	m := newModel(t, fs)
	for _, d := range []string{"/x", "/x/y"} {
		if err := fs.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 {
		p := fmt.Sprintf("/x/y/file%d", i)
		m.create(p)
		m.write(p, int64(i*500), pattern(int64(i), 700*i))
	}
	m.unlink("/x/y/file3")
	if ents, err := fs.ReadDir("/x"); err != nil || len(ents) != 3 || ents[2].Type != TypeDir {
		t.Fatalf("ReadDir /x: %+v %v", ents, err)
	}
	ino, _ := fs.Create("/toolarge", 0o644)
	_, err := ino.WriteAt([]byte("x"), 1<<31)
	wantErr(t, err, ErrInvalid, "2 GiB on revision 0")
	ino.Close()
	m.verify()
	checkCounts(t, fs)
	if err := fs.Unmount(); err != nil {
		t.Fatal(err)
	}
	img = saveImage(t, dev)
	fsck(t, img)
	m.verifyDebugfs(img)
}

func TestNoSpace(t *testing.T) {
	for _, bs := range []int{1024, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			img := mkfs(t, bs, "1M", "", "-N", "64")
			dev := memImage(t, img)
			fs := mustMount(t, dev)
			ino, err := fs.Create("/fill", 0o644)
			if err != nil {
				t.Fatal(err)
			}
			chunk := pattern(1, 3*bs+100)
			var written int64
			for {
				n, err := ino.WriteAt(chunk, written)
				written += int64(n)
				if err != nil {
					wantErr(t, err, ErrNoSpace, "filling")
					break
				}
			}
			if ino.Size() != written || fs.Statfs().FreeBlocks != 0 {
				t.Fatalf("size %d written %d free %d", ino.Size(), written, fs.Statfs().FreeBlocks)
			}
			_, err = ino.WriteAt([]byte("x"), 1<<24) // needs indirect blocks: none left
			wantErr(t, err, ErrNoSpace, "sparse write on a full disk")
			ino.Close()
			// Inodes: create empty files until none is left; a directory
			// needs a block and fails first.
			wantErr(t, fs.Mkdir("/dir", 0o755), ErrNoSpace, "mkdir on a full disk")
			for i := 0; ; i++ {
				f, err := fs.Create(fmt.Sprintf("/e%d", i), 0o644)
				if err != nil {
					if !errors.Is(err, ErrNoSpace) {
						t.Fatal(err)
					}
					break
				}
				f.Close()
			}
			checkCounts(t, fs)
			if err := fs.Unmount(); err != nil {
				t.Fatal(err)
			}
			fsck(t, saveImage(t, dev))
			// Free it all again.
			fs = mustMount(t, dev)
			if err := fs.Unlink("/fill"); err != nil {
				t.Fatal(err)
			}
			checkCounts(t, fs)
			fs.Unmount()
			fsck(t, saveImage(t, dev))
		})
	}
}

func TestOrphan(t *testing.T) {
	img := mkfs(t, 1024, "4M", "")
	dev := memImage(t, img)
	fs := mustMount(t, dev)
	before := fs.Statfs()
	ino, err := fs.Create("/orphan", 0o644)
	if err != nil {
		t.Fatal(err)
	}
	data := pattern(3, 300*1024)
	if _, err := ino.WriteAt(data, 0); err != nil {
		t.Fatal(err)
	}
	again, err := fs.Open("/orphan")
	if err != nil || again != ino {
		t.Fatalf("second Open: %p %v, want %p", again, err, ino)
	}
	again.Close()
	if err := fs.Unlink("/orphan"); err != nil {
		t.Fatal(err)
	}
	_, err = fs.Lstat("/orphan")
	wantErr(t, err, ErrNotExist, "unlinked name")
	got := make([]byte, len(data))
	if n, err := ino.ReadAt(got, 0); n != len(data) || err != nil || !bytes.Equal(got, data) {
		t.Fatalf("reading the orphan: %d %v", n, err)
	}
	wantErr(t, fs.Unmount(), ErrBusy, "unmount with an open orphan")
	if fs.Statfs().FreeBlocks >= before.FreeBlocks {
		t.Fatal("orphan blocks freed before Close")
	}
	if err := ino.Close(); err != nil {
		t.Fatal(err)
	}
	if after := fs.Statfs(); after != before {
		t.Fatalf("after last Close %+v, before %+v", after, before)
	}
	checkCounts(t, fs)
	if err := fs.Unmount(); err != nil {
		t.Fatal(err)
	}
	fsck(t, saveImage(t, dev))
}

// The name cache never outlives a directory: after rmdir, a directory
// made elsewhere may get the old one's inode number, and its ".." must
// name its own parent, not the removed directory's.
func TestNamesAfterRmdir(t *testing.T) {
	img := mkfs(t, 1024, "4M", "")
	fs := mustMount(t, memImage(t, img))
	for _, d := range []string{"/p", "/q", "/p/a"} {
		if err := fs.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	a, err := fs.Lstat("/p/a")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := fs.Lstat("/p/a/.."); err != nil || st.Ino == a.Ino {
		t.Fatalf("/p/a/..: %+v %v", st, err)
	}
	if err := fs.Rmdir("/p/a"); err != nil {
		t.Fatal(err)
	}
	if err := fs.Mkdir("/q/b", 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := fs.Lstat("/q/b")
	if err != nil {
		t.Fatal(err)
	}
	if b.Ino != a.Ino {
		t.Skipf("the new directory got inode %d, not the removed one's %d: nothing to check", b.Ino, a.Ino)
	}
	q, _ := fs.Lstat("/q")
	if st, err := fs.Lstat("/q/b/.."); err != nil || st.Ino != q.Ino {
		t.Errorf("/q/b/.. is inode %d (%v), want /q's %d", st.Ino, err, q.Ino)
	}
}
