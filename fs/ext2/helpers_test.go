package ext2

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fileDevice is a Device over a host file, the shape of an image the
// kernel would see through virtio-blk.
type fileDevice struct {
	f  *os.File
	ro bool
}

func openFileDevice(t testing.TB, path string) *fileDevice {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &fileDevice{f: f}
}

func (d *fileDevice) check(n int, off int64) {
	if off%512 != 0 || n%512 != 0 || off+int64(n) > d.Size() {
		panic(fmt.Sprintf("fileDevice: bad I/O of %d bytes at %d", n, off))
	}
}
func (d *fileDevice) ReadAt(p []byte, off int64) (int, error) {
	d.check(len(p), off)
	return d.f.ReadAt(p, off)
}
func (d *fileDevice) WriteAt(p []byte, off int64) (int, error) {
	d.check(len(p), off)
	return d.f.WriteAt(p, off)
}
func (d *fileDevice) Flush() error { return d.f.Sync() }
func (d *fileDevice) Size() int64 {
	st, err := d.f.Stat()
	if err != nil {
		panic(err)
	}
	return st.Size()
}
func (d *fileDevice) ReadOnly() bool { return d.ro }

// tool returns the path of an e2fsprogs binary or skips the test.
func tool(t testing.TB, name string) string {
	t.Helper()
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Skipf("%s not installed", name)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// mkfs makes an ext2 image of size (mke2fs syntax, e.g. "8M") with block
// size bs, populated from src unless src is "".
func mkfs(t testing.TB, bs int, size, src string, extra ...string) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), fmt.Sprintf("ext2-%d.img", bs))
	args := []string{"-q", "-F", "-t", "ext2", "-b", fmt.Sprint(bs)}
	args = append(args, extra...)
	if src != "" {
		args = append(args, "-d", src)
	}
	args = append(args, img, size)
	cmd := exec.Command(tool(t, "mke2fs"), args...)
	cmd.Env = append(os.Environ(), "E2FSPROGS_FAKE_TIME=1700000000")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mke2fs %v: %v\n%s", args, err, out)
	}
	if src != "" {
		// mke2fs -d writes linear directories; e2fsck -D indexes the large
		// ones (dir_index), so that reads and writes meet htree blocks.
		out, err := exec.Command(tool(t, "e2fsck"), "-fyD", img).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1) {
			t.Fatalf("e2fsck -fyD: %v\n%s", err, out)
		}
	}
	return img
}

// fsck runs e2fsck -fn and fails the test unless it finds nothing.
func fsck(t testing.TB, img string) {
	t.Helper()
	out, err := exec.Command(tool(t, "e2fsck"), "-fn", img).CombinedOutput()
	if err != nil {
		t.Fatalf("e2fsck -fn %s: %v\n%s", img, err, out)
	}
}

// debugfs runs one debugfs request and returns its standard output.
func debugfs(t testing.TB, img, req string) []byte {
	t.Helper()
	cmd := exec.Command(tool(t, "debugfs"), "-R", req, img)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("debugfs -R %q: %v\n%s", req, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// memImage loads an image file into a MemDevice.
func memImage(t testing.TB, img string) *MemDevice {
	t.Helper()
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return &MemDevice{Data: b}
}

// saveImage writes a MemDevice back to a file for e2fsck and debugfs.
func saveImage(t testing.TB, dev *MemDevice) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "saved.img")
	if err := os.WriteFile(img, dev.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	return img
}

func mustMount(t testing.TB, dev Device) *FS {
	t.Helper()
	fs, err := Mount(dev, false)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// pattern is reproducible file content.
func pattern(seed int64, n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// genTree builds the source tree of the read tests: small files, files
// reaching the single, double indirect blocks, a sparse file, nested
// directories, a directory large enough for mke2fs to index it, and fast
// and slow symlinks.
func genTree(t testing.TB) string {
	t.Helper()
	src := t.TempDir()
	write := func(name string, data []byte) {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("empty", nil)
	write("one", []byte("1"))
	write("small.txt", []byte("hello, ext2\n"))
	write("k1", pattern(1, 1024))
	write("k4", pattern(2, 4096))
	write("medium", pattern(3, 50*1024+17))   // > 12 blocks at 1K and 2K
	write("big", pattern(4, 400*1024+3))      // double indirect at 1K
	write("huge", pattern(5, 5*1024*1024+99)) // double indirect at 4K? single; many blocks
	write("a/b/c/d/deep.txt", []byte("deep\n"))
	write("a/b/mid", pattern(6, 3000))
	sparse, err := os.Create(filepath.Join(src, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	sparse.Truncate(3 << 20)
	sparse.WriteAt([]byte("middle"), 700*1024+5)
	sparse.WriteAt(pattern(7, 5000), 2<<20)
	sparse.Close()
	for i := range 500 {
		write(fmt.Sprintf("many/entry-with-a-longish-name-%04d", i), []byte(fmt.Sprint(i)))
	}
	os.MkdirAll(filepath.Join(src, "emptydir"), 0o755)
	link := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}
	link("small.txt", "fastlink")
	link(strings.Repeat("long/", 30)+"target", "slowlink")
	link("a/b", "dirlink")
	link("/a/b/c", "abslink")
	link("nowhere", "dangling")
	link("loop2", "loop1")
	link("loop1", "loop2")
	return src
}

// compareTree checks that every file, directory and symlink under src
// reads back the same through fs.
func compareTree(t testing.TB, fs *FS, src string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		path := "/" + filepath.ToSlash(rel)
		if rel == "." {
			path = "/"
		}
		st, err := fs.Lstat(path)
		if err != nil {
			t.Errorf("Lstat %s: %v", path, err)
			return nil
		}
		info, _ := d.Info()
		switch {
		case d.Type()&os.ModeSymlink != 0:
			want, _ := os.Readlink(p)
			got, err := fs.Readlink(path)
			if err != nil || got != want || st.Type != TypeSymlink {
				t.Errorf("Readlink %s = %q, %v (type %v), want %q", path, got, err, st.Type, want)
			}
		case d.IsDir():
			ents, err := os.ReadDir(p)
			if err != nil {
				return err
			}
			want := []string{".", ".."}
			if path == "/" {
				want = append(want, "lost+found")
			}
			for _, e := range ents {
				want = append(want, e.Name())
			}
			got, err := fs.ReadDir(path)
			if err != nil {
				t.Errorf("ReadDir %s: %v", path, err)
				return nil
			}
			var names []string
			for _, e := range got {
				names = append(names, e.Name)
				if e.Name != "." && e.Name != ".." {
					est, err := fs.Lstat(path + "/" + e.Name)
					if err != nil || est.Type != e.Type || est.Ino != e.Ino {
						t.Errorf("%s/%s: entry %+v, Lstat %+v %v", path, e.Name, e, est, err)
					}
				}
			}
			slices.Sort(want)
			slices.Sort(names)
			if !slices.Equal(names, want) {
				t.Errorf("ReadDir %s: %d names, want %d", path, len(names), len(want))
			}
		default:
			want, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if st.Size != info.Size() || st.Type != TypeRegular {
				t.Errorf("%s: size %d type %v, want %d", path, st.Size, st.Type, info.Size())
			}
			got := readAll(t, fs, path)
			if !bytes.Equal(got, want) {
				t.Errorf("%s: contents differ (%d vs %d bytes)", path, len(got), len(want))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readAll reads a whole file through Open and ReadAt, in odd-sized pieces.
func readAll(t testing.TB, fs *FS, path string) []byte {
	t.Helper()
	ino, err := fs.Open(path)
	if err != nil {
		t.Fatalf("Open %s: %v", path, err)
	}
	defer ino.Close()
	var out []byte
	buf := make([]byte, 7777)
	for off := int64(0); ; {
		n, err := ino.ReadAt(buf, off)
		out = append(out, buf[:n]...)
		off += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("ReadAt %s at %d: %v", path, off, err)
		}
	}
	return out
}

// checkCounts recomputes the free counts from the bitmaps and compares
// them with the group descriptors and the totals.
func checkCounts(t testing.TB, fs *FS) {
	t.Helper()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var fb, fi uint64
	for g := range fs.groups {
		d := &fs.groups[g]
		bm, err := fs.cache.get(uint64(d.blockBitmap))
		if err != nil {
			t.Fatal(err)
		}
		nb := int(fs.groupBlocks(uint32(g)))
		free := nb - popcountBits(bm, nb)
		if free != int(d.freeBlocksCount) {
			t.Fatalf("group %d: bitmap has %d free blocks, descriptor %d", g, free, d.freeBlocksCount)
		}
		im, err := fs.cache.get(uint64(d.inodeBitmap))
		if err != nil {
			t.Fatal(err)
		}
		ni := int(fs.sb.inodesPerGroup)
		freeI := ni - popcountBits(im, ni)
		if freeI != int(d.freeInodesCount) {
			t.Fatalf("group %d: bitmap has %d free inodes, descriptor %d", g, freeI, d.freeInodesCount)
		}
		fb += uint64(free)
		fi += uint64(freeI)
	}
	if fb != fs.freeBlocks || fi != fs.freeInodes {
		t.Fatalf("totals %d/%d, bitmaps %d/%d", fs.freeBlocks, fs.freeInodes, fb, fi)
	}
}

func popcountBits(b []byte, n int) int {
	c := 0
	for i := 0; i < n/8; i++ {
		c += bits.OnesCount8(b[i])
	}
	for i := n / 8 * 8; i < n; i++ {
		c += int(b[i/8]>>(i%8)) & 1
	}
	return c
}

func wantErr(t testing.TB, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}
